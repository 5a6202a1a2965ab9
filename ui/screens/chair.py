"""The chair: open a session, scan each unit, and see at once whether it may be used.

Keyboard only: the form moves with Tab and opens with Enter; after every scan, verdict
and dialog the cursor is back in the scan field. The verdict fills the width of the
window and stays until the next scan. Works at 1280x800 and on a 1024x768 monitor.

The practitioner is a staff account (sessions.practitioners): a practitioner treats as
themselves, a manager picks who treats. While the window is locked nothing is scanned.

Before the first scan the form asks what the treatment needs (ui.intake_form): the
concern and the clinic's depth range for it, the screening questions, the consent, the
pen and its barrier sleeve, the room, the client's series on the area and the language
of their aftercare sheet. Opening asks once for every warning (ui.confirm_warnings) and,
after a Yes to a screening question, for a manager's override (ui.override_dialog).
Closing asks for the adverse events, or "none", and can print the aftercare sheet
(ui.close_session_dialog).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inventory.access import Actor
from inventory.barcode import resembles_unit_code, scanned_kind
from inventory.clock import local_date
from inventory.errors import LedgerError
from inventory.needles import needle_um
from inventory.settings import clinic_tz
from inventory.staff import StaffInfo
from sterility import intake, sessions
from sterility.chair import Verdict, use_unit
from sterility.dashboard import SessionLine, sessions_since
from sterility.errors import ScanRefused
from sterility.intake import Intake, NeedsConfirmation, ScreeningPositive
from sterility.sessions import SessionInfo, UseRow
from ui import desktop, fmt
from ui.access import permit
from ui.chair_reading import SeriesView, care_words, intake_choices, look_ahead
from ui.close_session_dialog import CloseSessionDialog
from ui.confirm_warnings import ConfirmWarningsDialog
from ui.context import AppContext
from ui.dialogs import NEEDLE_LENGTHS
from ui.form_text_dialog import FormTextDialog
from ui.intake_form import IntakeChoices, IntakeForm, IntakeValues
from ui.models.rows import Col, RowsModel
from ui.models.sessions import today_columns
from ui.override_dialog import OverrideDialog
from ui.scan_field import ScanField
from ui.screens.base import Screen
from ui.verdict import VerdictBanner
from ui.widgets import button, fit_columns, hint, named, section, standard_keys, table, title

BUSY_AFTER_MS = 150
PREVIEW_AFTER_MS = 250
ROOM_KEY = "chair/room"
PRINT_KEY = "chair/print_aftercare"
FORM_MIN_HEIGHT = 250
FORM_SHARE = 0.5
"""The session form takes what it needs up to half the screen's height, never less than
FORM_MIN_HEIGHT; a longer screening scrolls inside it."""
CONFIRMABLE = {
    # refusal code: (its words, the dialog's accessible name, the flag that goes on)
    "deeper_than_planned": ("Deeper than planned", "Confirm deeper needles", "allow_deeper"),
    "outside_range": (
        "Outside the clinic's range",
        "Confirm needles outside the range",
        "allow_outside_range",
    ),
}


@dataclass(frozen=True)
class ChairData:
    """What the chair needs besides the scan: choices for the form and today's sessions."""

    tz: ZoneInfo
    areas: list[str]
    practitioners: list[StaffInfo]
    open_sessions: list[SessionInfo]
    today: list[SessionLine]
    uses: list[UseRow]
    current: SessionInfo | None
    choices: IntakeChoices


@dataclass(frozen=True)
class Attempt:
    """One try at opening a session: the form's values and what was added since (an
    override, confirmations); a refused try is retried with more, never with less."""

    base: dict[str, object]
    values: IntakeValues
    override_reason: str = ""
    override_by: Actor | None = None
    confirmations: dict[str, str] = field(default_factory=dict)

    def intake(self) -> Intake:
        v = self.values
        return Intake(
            concern=v.concern,
            answers=v.answers,
            consent_version=v.consent_version,
            pen_serial=v.pen_serial,
            sleeve_fitted=v.sleeve_fitted,
            room=v.room,
            language=v.language,
            series_planned=v.series_planned,
            override_reason=self.override_reason,
            confirmations=self.confirmations,
        )


class ChairScreen(Screen):
    title = "Chair"
    icon_name = "chair"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session: SessionInfo | None = None
        self._practitioners_for: int | None = None
        self.tz: ZoneInfo | None = None
        self._in_flight = 0
        self._confirming: QMessageBox | None = None
        # "Checking…" only if a verdict takes long enough to notice: no grey flash per scan.
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._pending_scan = ""
        self._busy_timer.timeout.connect(lambda: self.verdict.show_busy(self._pending_scan))

        # -- the session form (no session open)
        self.client = named(QLineEdit(), "Client reference", "The client's reference, not a name")
        self.client.setPlaceholderText("e.g. C-1042")
        self.practitioner = named(QComboBox(), "Practitioner", "Who treats this client")
        self.area = named(QComboBox(), "Body area")
        self.depth = named(QComboBox(), "Planned depth", "Planned needle depth in millimetres")
        self.depth.addItems(NEEDLE_LENGTHS)
        self.depth.setCurrentText("0.5")
        self.intake = IntakeForm()
        self.intake.read_consent.connect(self._read_consent)
        self.intake.room.setText(ctx.prefs.text(ROOM_KEY))
        self.open_button = button(
            "Open session", "Open session", "Start the session (Enter)", "open-session", True
        )
        self.open_button.clicked.connect(lambda _checked=False: self.open_session())
        for edit in (self.client, self.intake.room):
            edit.returnPressed.connect(self.open_session)
        self._enter_opens = [self.practitioner, self.area, self.depth, *self.intake.enter_opens()]
        for widget in self._enter_opens:
            widget.installEventFilter(self)  # Enter opens the session, as the button says
        self.resume = named(QComboBox(), "Open sessions", "Sessions that are still open")
        self.resume_button = button("Resume", "Resume session", "Continue the chosen open session")
        self.resume_button.clicked.connect(self._resume_chosen)
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(2)
        fields = [
            ("&Client reference", self.client, 3),
            ("&Practitioner", self.practitioner, 3),
            ("&Area", self.area, 2),
            ("Co&ncern", self.intake.concern, 3),
            ("&Depth (mm)", self.depth, 1),
        ]
        for column, (text, widget, stretch) in enumerate(fields):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addWidget(label, 0, column)
            form.addWidget(widget, 1, column)
            form.setColumnStretch(column, stretch)
        form.addWidget(self.open_button, 1, len(fields))
        form.addWidget(self.intake.range, 2, 3, 1, 3)  # beside the concern and the depth
        self.resume_row = QWidget()
        resume_layout = QHBoxLayout(self.resume_row)
        resume_layout.setContentsMargins(0, 0, 0, 0)
        resume_label = QLabel("Or continue an open &session:")
        resume_label.setBuddy(self.resume)
        resume_layout.addWidget(resume_label)
        resume_layout.addWidget(self.resume, 1)
        resume_layout.addWidget(self.resume_button)
        form_inner = QWidget()
        form_box = QVBoxLayout(form_inner)
        form_box.setContentsMargins(10, 8, 10, 8)
        form_box.setSpacing(6)
        form_box.addLayout(form)
        form_box.addWidget(self.intake)
        form_box.addWidget(self.resume_row)
        # Many screening questions scroll inside the bar: the verdict keeps its room.
        form_page = QScrollArea()
        form_page.setObjectName("sessionForm")
        form_page.setAccessibleName("Session form")
        form_page.setWidget(form_inner)
        form_page.setWidgetResizable(True)
        form_page.setFrameShape(QFrame.Shape.NoFrame)
        form_page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        form_page.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.form_inner = form_inner
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_AFTER_MS)
        self._preview_timer.timeout.connect(self._preview)
        self.client.textChanged.connect(self._preview_soon)
        self.area.currentIndexChanged.connect(self._preview_soon)
        self.depth.currentIndexChanged.connect(self._depth_changed)
        self.intake.edited.connect(self._preview_soon)
        self._depth_changed()

        # -- the session header (a session is open)
        self.session_title = QLabel()
        self.session_title.setObjectName("sessionTitle")
        self.session_title.setAccessibleName("Current session")
        self.session_title.setWordWrap(True)
        self.close_button = button(
            "Close session", "Close session", "End this session (Ctrl+W)", "close-session"
        )
        self.close_button.clicked.connect(self.close_session)
        self.session_care = hint("", "Session intake")
        header_page = QWidget()
        header = QHBoxLayout(header_page)
        header.setContentsMargins(12, 8, 10, 8)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.session_title)
        titles.addWidget(self.session_care)
        header.addLayout(titles, 1)
        header.addWidget(self.close_button)

        # Only one of the two is shown, and the bar is as tall as that one.
        self.form_page, self.header_page = form_page, header_page
        bar = QFrame()
        bar.setObjectName("sessionBar")
        bar_layout = QVBoxLayout(bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.addWidget(form_page)
        bar_layout.addWidget(header_page)

        # -- scan and verdict
        self.scan = named(ScanField(prefs=ctx.prefs), "Scan unit")
        self.scan.setObjectName("scanField")
        self.scan.scanned.connect(self.submit_scan)
        self.verdict = VerdictBanner()

        # -- what was used, and today's sessions
        self.uses_model = RowsModel(
            [
                Col("Time", lambda r: r.used_at, lambda v: fmt.local_time(v, self.tz)[11:]),
                Col("Unit", lambda r: r.unit_code),
                Col("Product", lambda r: r.product),
                Col("Needle", lambda r: r.needle_length_um, fmt.mm, right=True),
                Col("Lot", lambda r: r.lot),
                Col("Deeper", lambda r: "confirmed" if r.deeper_confirmed else ""),
            ],
            self,
        )
        self.uses = table(self.uses_model, "Units used in this session", sortable=False)
        fit_columns(self.uses, 2)
        self.today_model = RowsModel(today_columns(lambda: self.tz), self)
        self.today = table(self.today_model, "Today's sessions", sortable=False)
        self.today.activated.connect(self._resume_row)
        fit_columns(self.today, 3)
        for view in (self.uses, self.today):
            view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the cursor stays in the scan field

        lists = QSplitter(Qt.Orientation.Horizontal)
        for caption, view in (
            ("Units used in this session", self.uses),
            ("Today's sessions (double-click an open one to continue it)", self.today),
        ):
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(section(caption))
            box.addWidget(view)
            lists.addWidget(holder)
        lists.setSizes([560, 440])
        lists.setChildrenCollapsible(False)

        close_action = QAction("Close session", self)
        standard_keys(close_action, QKeySequence.StandardKey.Close)
        close_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        close_action.triggered.connect(self.close_session)
        self.addAction(close_action)

        layout = QVBoxLayout(self)
        layout.addWidget(title(self.title))
        layout.addWidget(bar)
        layout.addWidget(self.scan)
        layout.addWidget(
            hint("Scan the unit's own label. Enter submits a typed code. Esc clears the field.")
        )
        layout.addWidget(self.verdict, 2)
        layout.addWidget(lists, 1)
        self._layout = layout
        self._chain_tabs()
        self._show_session(None)

    # -- loading

    def activated(self) -> None:
        self.reload()
        self.focus_scan()

    def apply(self, filters: dict[str, object]) -> None:
        session_id = filters.get("session")
        if isinstance(session_id, int):
            self.resume_session(session_id)

    def reload(self) -> None:
        db, keys = self.ctx.db, self.ctx.actor.keys
        current = self.session.id if self.session else None

        def read() -> ChairData:
            with db.read() as conn:
                tz = clinic_tz(conn)
                now = db.now(conn)
                midnight = datetime.combine(local_date(now, tz), time(), tz).astimezone(UTC)
                return ChairData(
                    tz=tz,
                    areas=sessions.body_areas(conn),
                    practitioners=sessions.practitioners(conn),
                    open_sessions=sessions.list_sessions(conn, keys, open_only=True, limit=50),
                    today=sessions_since(conn, midnight, keys),
                    uses=sessions.session_uses(conn, current) if current else [],
                    current=sessions.get_session(conn, current, keys) if current else None,
                    choices=intake_choices(conn, now),
                )

        self.run(read, self._loaded, label="chair")

    def _loaded(self, data: ChairData) -> None:
        self.tz = data.tz
        _refill(self.area, data.areas, keep=self.area.currentText() or "face")
        self._fill_practitioners(data.practitioners)
        self.resume.clear()
        mine = [info for info in data.open_sessions if self._may_continue(info)]
        for info in mine:
            self.resume.addItem(_session_words(info, self.tz), info.id)
        self.resume_row.setVisible(bool(mine))
        self.today_model.set_rows(data.today)
        self.uses_model.set_rows(data.uses)
        self.choices = data.choices
        self.intake.set_choices(data.choices)
        self._chain_tabs()
        self._fit_form()
        if data.current is not None:
            self._show_session(data.current)
        else:
            self._preview_soon()

    def _fill_practitioners(self, people: list[StaffInfo]) -> None:
        """A practitioner treats as themselves; a manager picks any active practitioner
        (themselves first, when they treat too). Never the computer's login name."""
        actor = self.ctx.actor
        if actor.role == "manager":
            mine = [p for p in people if p.id == actor.staff_id]
            others = [p for p in people if p.id != actor.staff_id]
            choices = mine + sorted(others, key=lambda p: p.name.casefold())
        else:
            choices = [p for p in people if p.id == actor.staff_id]
        kept = self.practitioner.currentText()
        if self.practitioner.count() == 0 or self._practitioners_for != actor.staff_id:
            kept = ""  # a new person: start from their own default
        self._practitioners_for = actor.staff_id
        self.practitioner.blockSignals(True)
        self.practitioner.clear()
        for person in choices:
            self.practitioner.addItem(person.name, person.name)
            self.practitioner.setItemData(
                self.practitioner.count() - 1,
                f"{person.name} ({person.role}): "
                + (
                    "no needle-depth limit"
                    if person.max_depth_um is None
                    else f"needles up to {person.max_depth_mm} mm"
                ),
                Qt.ItemDataRole.ToolTipRole,
            )
        index = self.practitioner.findText(kept) if kept else 0
        self.practitioner.setCurrentIndex(max(index, 0) if choices else -1)
        self.practitioner.blockSignals(False)
        self._update_controls()

    def actor_changed(self) -> None:
        self._practitioners_for = None
        self.practitioner.clear()
        self._update_controls()

    def _update_controls(self) -> None:
        actor = self.ctx.actor
        permit(self.open_button, actor, "sessions")
        permit(self.resume_button, actor, "sessions")
        permit(self.close_button, actor, "sessions")
        for control in (self.client, self.area, self.depth, self.resume, self.intake):
            permit(control, actor, "sessions")
        # A practitioner's own name is fixed; a manager chooses who treats.
        if permit(self.practitioner, actor, "sessions", actor.role == "manager"):
            self.practitioner.setToolTip(
                "Who treats this client"
                if actor.role == "manager"
                else f"{actor.name} opens sessions for themselves"
            )

    def lock_changed(self, locked: bool) -> None:
        if locked:
            self.scan.clear()  # a half-read scan is thrown away, never submitted later
            self.scan.setEnabled(False)
        else:
            self.scan.setEnabled(self.session is not None and not self.ctx.locked)
            self.focus_scan()

    def forget_person(self) -> None:
        """After a sign-out someone else is here: the last person's form and session go
        off the screen (an open session stays open in the ledger, to resume)."""
        self.client.clear()
        self.intake.clear_for_next()
        if self.session is not None and not self._may_continue(self.session):
            self._show_session(None)
            self.uses_model.set_rows([])
            self.verdict.show_idle("Open a session, or continue an open one.")

    def _may_continue(self, info: SessionInfo) -> bool:
        actor = self.ctx.actor
        return actor.role == "manager" or info.practitioner_id == actor.staff_id

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a closed drop-down of the form opens the session (its tooltip says so)."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and watched in self._enter_opens
        ):
            self.open_session()
            return True
        return super().eventFilter(watched, event)

    # -- sessions

    def open_session(self, *, confirmed: bool = False) -> None:
        if self.ctx.locked or not self.open_button.isEnabled() or self._confirming is not None:
            return
        client = self.client.text().strip()
        kind = scanned_kind(client)
        if kind is not None:
            # A scanner's burst ends in Enter: without this, the unit became the client.
            self.client.clear()
            self.verdict.show_refused(
                "no_session",
                f"That was {kind}, scanned into Client reference. Nothing was opened and "
                "nothing was used. Open a session first: type the client's reference, check "
                "the practitioner, press Enter; then scan the unit.",
                "Open a session first",
            )
            QApplication.beep()
            self.focus_scan()
            return
        if resembles_unit_code(client) and not confirmed:
            self._confirm_client(client)
            return
        practitioner = self._chosen_practitioner()
        if practitioner is None:
            self.verdict.show_refused(
                "no_practitioner",
                "Choose who treats this client in Practitioner, then press Enter.",
                "Choose the practitioner",
            )
            self.practitioner.setFocus()
            return
        problem = self.intake.problem()
        if problem is not None:
            sentence, where = problem
            self.verdict.show_refused("intake_incomplete", sentence, "Complete the session form")
            self._reveal(where)
            return
        base: dict[str, object] = {
            "client_ref": self.client.text(),
            "practitioner": practitioner,
            "area": self.area.currentText(),
            "depth_mm": self.depth.currentText(),
        }
        attempt = Attempt(base, self.intake.values())
        if attempt.values.positives:
            self._ask_override(attempt)
            return
        self._try_open(attempt)

    def _try_open(self, attempt: Attempt) -> None:
        """Open with what the form says; a warning or a refusal comes back to ask about."""
        db, actor = self.ctx.db, self.ctx.actor
        self.open_button.setEnabled(False)
        self.run(
            lambda: sessions.open_session(
                db,
                by=actor,
                intake=attempt.intake(),
                override_by=attempt.override_by,
                **attempt.base,  # type: ignore[arg-type]
            ),
            self._opened,
            lambda error: self._open_failed(error, attempt),
            label="open session",
        )

    def _reveal(self, widget: QWidget) -> None:
        """Put the cursor on what is missing, scrolled into view."""
        page = self.form_page
        if isinstance(page, QScrollArea) and self.form_inner.isAncestorOf(widget):
            page.ensureWidgetVisible(widget)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ask_override(self, attempt: Attempt) -> None:
        """A Yes in the screening: a manager overrides with a reason, or nothing opens
        (the refusal is recorded, as the rule says)."""
        dialog = OverrideDialog(
            self.ctx.db,
            self.ctx.worker,
            actor=self.ctx.actor,
            positives=attempt.values.positives,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided(result: int) -> None:
            self._confirming = None
            if result == QDialog.DialogCode.Accepted:
                self._try_open(
                    replace(
                        attempt,
                        override_reason=dialog.override_reason(),
                        override_by=dialog.override_by(),
                    )
                )
            else:
                self._try_open(attempt)  # refused and recorded: screening positive

        dialog.finished.connect(decided)
        self._confirming = dialog
        dialog.open()

    def _ask_confirmations(self, error: NeedsConfirmation, attempt: Attempt) -> None:
        """Every warning at once, each with its reason; Confirm opens, Cancel does not."""
        warnings = [(w.kind, w.message) for w in error.warnings]
        self.verdict.show_confirm(
            " ".join(message for _kind, message in warnings), "needs_confirmation"
        )
        dialog = ConfirmWarningsDialog(warnings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided(result: int) -> None:
            self._confirming = None
            if result == QDialog.DialogCode.Accepted:
                confirmed = {**attempt.confirmations, **dialog.confirmations()}
                self._try_open(replace(attempt, confirmations=confirmed))
            else:
                self.verdict.show_idle(
                    "Nothing was opened. Change the session form, or open again and confirm."
                )
                self.client.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.finished.connect(decided)
        self._confirming = dialog
        dialog.open()

    def _chosen_practitioner(self) -> str | None:
        """Who treats: picked from the staff list, or the signed-in practitioner; never a
        default from the computer's login."""
        picked = self.practitioner.currentData()
        if isinstance(picked, str) and picked:
            return picked
        actor = self.ctx.actor
        if actor.role == "practitioner" and actor.staff_id:
            return actor.name
        return None

    def _confirm_client(self, client: str) -> None:
        """A reference shaped like a unit code may be a mistyped scan: ask before opening."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Client reference")
        box.setAccessibleName("Confirm client reference")
        box.setText(
            f"“{client}” looks like a unit code, not a client reference. Is it the client's "
            "reference?"
        )
        box.setInformativeText("To use a unit, open the session first, then scan its label.")
        yes = named(
            box.addButton("&Yes, it is the client", QMessageBox.ButtonRole.AcceptRole),
            "It is the client's reference",
        )
        no = named(
            box.addButton("&No, change it", QMessageBox.ButtonRole.RejectRole),
            "Change the client reference",
        )
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided() -> None:
            self._confirming = None
            if box.clickedButton() is yes:
                self.open_session(confirmed=True)
            else:
                self.client.setFocus(Qt.FocusReason.OtherFocusReason)
                self.client.selectAll()

        box.finished.connect(decided)
        self._confirming = box
        box.open()

    def _opened(self, info: SessionInfo) -> None:
        self.open_button.setEnabled(True)
        self.ctx.prefs.set_text(ROOM_KEY, self.intake.room.text().strip())
        self.client.clear()
        self.intake.clear_for_next()
        self._show_session(info)
        self.uses_model.set_rows([])
        self.verdict.show_idle(f"Session {info.id} is open. Scan the first unit.")
        self.changed.emit()
        self.reload()
        self.focus_scan()

    def _open_failed(self, error: BaseException, attempt: Attempt) -> None:
        self.open_button.setEnabled(True)
        if isinstance(error, NeedsConfirmation) and not self.ctx.locked:
            self._ask_confirmations(error, attempt)
        elif isinstance(error, ScreeningPositive):
            self.verdict.show_refused(error.code, error.message)
            QApplication.beep()
            self.changed.emit()  # the refusal is recorded
        else:
            self.show_error(error)

    def resume_session(self, session_id: int) -> None:
        db, keys = self.ctx.db, self.ctx.actor.keys

        def read() -> SessionInfo:
            with db.read() as conn:
                return sessions.get_session(conn, session_id, keys)

        self.run(read, self._resumed, label="resume session")

    def _resumed(self, info: SessionInfo) -> None:
        if not info.is_open:
            self.verdict.show_refused(
                "session_closed", f"Session {info.id} is closed; open a new session."
            )
            return
        if not self._may_continue(info):
            self.verdict.show_refused(
                "not_allowed",
                f"Session {info.id} is {info.practitioner}'s. A practitioner continues only "
                "their own sessions; a manager can continue any.",
                "Not your session",
            )
            return
        self._show_session(info)
        self.verdict.show_idle(f"Session {info.id} continued. Scan the next unit.")
        self.reload()
        self.focus_scan()

    def _resume_chosen(self) -> None:
        session_id = self.resume.currentData()
        if isinstance(session_id, int):
            self.resume_session(session_id)

    def _resume_row(self, index: QModelIndex) -> None:
        line: SessionLine = self.today_model.row(index.row())
        if line.is_open:
            self.resume_session(line.id)

    def close_session(self) -> None:
        """Ask for the adverse events (or none) and the aftercare sheet, then close."""
        if self.session is None or self._confirming is not None or self.ctx.locked:
            return
        info = self.session
        dialog = CloseSessionDialog(
            _session_words(info, self.tz),
            choose_path=lambda: self._aftercare_path(info.id),
            print_aftercare=self.ctx.prefs.text(PRINT_KEY) == "1",
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided(result: int) -> None:
            self._confirming = None
            if result != QDialog.DialogCode.Accepted:
                self.focus_scan()
                return
            self.ctx.prefs.set_text(PRINT_KEY, "1" if dialog.print_sheet.isChecked() else "0")
            self._close(info.id, dialog.adverse() or "none", dialog.path)

        dialog.finished.connect(decided)
        self._confirming = dialog
        dialog.open()

    def _aftercare_path(self, session_id: int) -> Path | None:
        folder = Path(self.ctx.prefs.text("reports/folder", str(self.ctx.data_dir / "reports")))
        suggested = folder / f"aftercare-session-{session_id}.pdf"
        return desktop.ask_save_path(
            self, "Save the aftercare sheet", suggested, "PDF files (*.pdf)"
        )

    def _close(self, session_id: int, adverse: str, sheet: Path | None) -> None:
        db, actor = self.ctx.db, self.ctx.actor
        self.close_button.setEnabled(False)
        self.run(
            lambda: sessions.close_session(db, session_id, by=actor, adverse=adverse),
            lambda info: self._closed(info, sheet),
            self._close_failed,
            label="close session",
        )

    def _close_failed(self, error: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.show_error(error)

    def _closed(self, info: SessionInfo, sheet: Path | None = None) -> None:
        self.close_button.setEnabled(True)
        self._show_session(None)
        self.uses_model.set_rows([])
        self.verdict.show_idle(f"Session {info.id} closed. Open a session for the next client.")
        self.changed.emit()
        self.reload()
        self.client.setFocus()
        if sheet is not None:
            self._print_aftercare(info.id, sheet)

    def _print_aftercare(self, session_id: int, path: Path) -> None:
        """The client's aftercare sheet, written after the close, then opened to print."""
        from reports.aftercare import write_aftercare

        db, actor = self.ctx.db, self.ctx.actor
        self.run_job(
            lambda _job: write_aftercare(db, session_id, path, by=actor),
            lambda written: self._aftercare_written(session_id, Path(written)),
            label="aftercare sheet",
        )

    def _aftercare_written(self, session_id: int, path: Path) -> None:
        self.verdict.show_idle(
            f"Session {session_id} closed. The aftercare sheet is saved to {path}. Open a "
            "session for the next client."
        )
        desktop.open_path(path)

    def _show_session(self, info: SessionInfo | None) -> None:
        self.session = info
        self.form_page.setVisible(info is None)
        self.header_page.setVisible(info is not None)
        self.scan.setEnabled(info is not None and not self.ctx.locked)
        self.scan.setPlaceholderText(
            "Scan the unit's label, or type its code and press Enter"
            if info
            else "Open a session first"
        )
        # With the form shown the banner gives up some height to the form and to today's
        # sessions (the ones to continue); a session gets it back.
        self.verdict.setMinimumHeight(170 if info is not None else 110)
        self._layout.setStretchFactor(self.verdict, 2 if info is not None else 1)
        if info is not None:
            self.session_title.setText(_session_words(info, self.tz))
            self.session_care.setText("")
            self._load_care(info.id)

    def _load_care(self, session_id: int) -> None:
        """The treatment around the cartridge, under the session's title."""
        db = self.ctx.db

        def read() -> str:
            with db.read() as conn:
                return care_words(intake.intake_of(conn, session_id), clinic_tz(conn))

        def shown(text: str) -> None:
            if self.session is not None and self.session.id == session_id:
                self.session_care.setText(text)

        self.run(read, shown, label="session intake")

    # -- the form's helpers

    def _chain_tabs(self) -> None:
        """Tab: client, practitioner, area, concern, depth, the intake, Open."""
        chain: list[QWidget] = [
            self.client,
            self.practitioner,
            self.area,
            self.intake.concern,
            self.depth,
            *self.intake.focus_order(),
            self.open_button,
        ]
        for first, second in pairwise(chain):
            self.setTabOrder(first, second)
        for widget in self.intake.enter_opens():
            if widget not in self._enter_opens:
                widget.installEventFilter(self)
                self._enter_opens.append(widget)

    def _fit_form(self) -> None:
        """The form's scroll area is as tall as the form, up to a part of the screen."""
        page = self.form_page
        if not isinstance(page, QScrollArea):
            return
        need = self.form_inner.sizeHint().height() + 2
        room = max(FORM_MIN_HEIGHT, int(self.height() * FORM_SHARE))
        page.setMaximumHeight(need)
        page.setMinimumHeight(min(need, room))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_form()

    def _depth_changed(self, _index: int = 0) -> None:
        try:
            depth: int | None = needle_um(self.depth.currentText())
        except LedgerError:
            depth = None
        self.intake.set_depth(depth)
        self._preview_soon()

    def _preview_soon(self, *_args: object) -> None:
        if self.session is None:
            self._preview_timer.start()

    def _preview(self) -> None:
        """What opening would say (the client's series, the pen, the sharps container),
        before the person presses Open."""
        client, area = self.client.text().strip(), self.area.currentText()
        if self.session is not None or not area:
            return
        if not client or scanned_kind(client) is not None:
            self.intake.show_series("", new_series=False)
            self.intake.show_warnings([])
            return
        db, keys = self.ctx.db, self.ctx.actor.keys
        wanted: dict[str, object] = {
            "client_ref": client,
            "area": area,
            "depth_mm": self.depth.currentText(),
            "concern": self.intake.concern_key(),
            "pen_serial": self.intake.pen_serial(),
            "room": self.intake.room.text().strip(),
        }

        def read() -> SeriesView:
            with db.read() as conn:
                return look_ahead(conn, db.now(conn), keys, **wanted)  # type: ignore[arg-type]

        self.run(read, lambda shown: self._previewed(wanted, shown), label="preview")

    def _previewed(self, wanted: dict[str, object], shown: SeriesView) -> None:
        still = (
            wanted["client_ref"] == self.client.text().strip()
            and wanted["area"] == self.area.currentText()
        )
        if not still or self.session is not None:
            return
        self.intake.show_series(shown.words(self.tz), new_series=shown.place.number == 1)
        self.intake.show_warnings(
            [w.message for w in shown.warnings if w.kind != "depth_outside_range"]
        )
        self._fit_form()

    def _read_consent(self) -> None:
        choices = getattr(self, "choices", None)
        if choices is None:
            return
        dialog = FormTextDialog(
            f"{choices.consent_title} (consent form v{choices.consent_version})",
            choices.consent_text,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- scanning

    def submit_scan(self, text: str) -> None:
        if self.ctx.locked:  # nothing is used while the window is locked
            self.scan.clear()
            return
        if self.session is None:
            self.verdict.show_refused("no_session", "Open a session before scanning.")
            return
        self._use(self.session.id, text)

    def _use(
        self, session_id: int, text: str, *, allow_deeper: bool = False, allow_outside: bool = False
    ) -> None:
        if self.ctx.locked:
            return
        db, actor = self.ctx.db, self.ctx.actor
        self._in_flight += 1
        self._pending_scan = text
        self._busy_timer.start()
        allowed = {"allow_deeper": allow_deeper, "allow_outside_range": allow_outside}
        self.run(
            lambda: use_unit(db, session_id, text, by=actor, **allowed),
            self._accepted,
            lambda error: self._refused(error, session_id, text, allowed),
            label="chair scan",
        )

    def _accepted(self, verdict: Verdict) -> None:
        self._in_flight -= 1
        self._busy_timer.stop()
        self.verdict.show_accepted(verdict)
        self.changed.emit()
        self.refresh_uses()
        if getattr(verdict, "outside_range_confirmed", False) and self.session is not None:
            self._load_care(self.session.id)  # the confirmation joins the session's line
        self.focus_scan()

    def refresh_uses(self) -> None:
        """After a scan only this session's uses are read again: the next scan must not
        wait behind a reload of everything (short work shares one worker thread; only
        report exports have their own)."""
        if self.session is None:
            return
        db, session_id = self.ctx.db, self.session.id

        def read() -> list[UseRow]:
            with db.read() as conn:
                return sessions.session_uses(conn, session_id)

        self.run(read, lambda uses: self._uses_loaded(session_id, uses), label="session uses")

    def _uses_loaded(self, session_id: int, uses: list[UseRow]) -> None:
        if self.session is None or self.session.id != session_id:
            return
        self.uses_model.set_rows(uses)
        for number, line in enumerate(self.today_model.rows()):
            if line.id == session_id and line.uses != len(uses):
                self.today_model.replace_row(number, replace(line, uses=len(uses)))

    def _refused(
        self, error: BaseException, session_id: int, text: str, allowed: dict[str, bool]
    ) -> None:
        self._in_flight -= 1
        self._busy_timer.stop()
        confirmable = isinstance(error, ScanRefused) and error.code in CONFIRMABLE
        if confirmable and self.ctx.locked:
            assert isinstance(error, ScanRefused)
            self.verdict.show_refused(  # nobody is there to confirm: not used
                error.code,
                error.message.split(". Confirm")[0] + ". Not used: the window locked.",
                "Not used: " + CONFIRMABLE[error.code][0].lower(),
            )
            return
        if confirmable:
            assert isinstance(error, ScanRefused)
            self.verdict.show_confirm(error.message, error.code)
            self._confirm_use(error, session_id, text, allowed)
            return
        if isinstance(error, ScanRefused):
            recalled = error.code == "already_used" and "recalled by notice" in error.message
            headline = "Do not use: already used, and recalled" if recalled else ""
            self.verdict.show_refused(error.code, error.message, headline)
            QApplication.beep()
        elif isinstance(error, LedgerError):
            self.verdict.show_refused(error.code, error.message)
        else:
            self.verdict.show_refused("unreadable", "The scan could not be checked. Scan again.")
            self.show_error(error)
        self.changed.emit()
        self.focus_scan()

    def _confirm_use(
        self, error: ScanRefused, session_id: int, text: str, allowed: dict[str, bool]
    ) -> None:
        """Needles deeper than planned, or outside the clinic's range for the concern: the
        practitioner decides, by keyboard (Y / N); a yes is recorded with the use."""
        words, name, flag = CONFIRMABLE[error.code]
        message = error.message
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(words)
        box.setAccessibleName(name)
        box.setText(message)
        box.setInformativeText("Use this unit anyway?")
        use = box.addButton("&Yes, use it", QMessageBox.ButtonRole.AcceptRole)
        named(use, "Use it anyway")
        keep = box.addButton("&No, take another", QMessageBox.ButtonRole.RejectRole)
        named(keep, "Do not use it")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def decided() -> None:
            self._confirming = None
            if box.clickedButton() is use:
                wanted = allowed | {flag: True}
                self._use(
                    session_id,
                    text,
                    allow_deeper=wanted["allow_deeper"],
                    allow_outside=wanted["allow_outside_range"],
                )
            else:
                self.verdict.show_refused(
                    error.code,
                    message.split(". Confirm")[0]
                    + (
                        ". Take a shorter cartridge."
                        if error.code == "deeper_than_planned"
                        else ". Take a cartridge within the range."
                    ),
                    "Not used: " + words.lower(),
                )
            self.focus_scan()

        box.finished.connect(decided)
        self._confirming = box
        box.open()

    def focus_scan(self) -> None:
        """Back to the scan field (or the form when no session is open), once events settle."""
        QTimer.singleShot(0, self._focus_now)

    def _focus_now(self) -> None:
        if self._confirming is not None or not self.isVisible() or self.ctx.locked:
            return
        window = self.window()
        if not window.isActiveWindow():  # a dialog just closed: take the keyboard back
            window.activateWindow()
        if self.session is not None:
            self.scan.setFocus(Qt.FocusReason.OtherFocusReason)
        elif not self.client.hasFocus():
            self.client.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def busy(self) -> bool:
        return self._in_flight > 0


def _session_words(info: SessionInfo, tz: ZoneInfo | None) -> str:
    opened = fmt.local_time(info.opened_at, tz)
    return (
        f"Session {info.id}  ·  client {info.client_ref}  ·  {info.practitioner}  ·  "
        f"{info.area}  ·  planned {info.planned_depth_mm} mm  ·  opened {opened}"
    )


def _refill(combo: QComboBox, items: list[str], *, keep: str) -> None:
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    if keep:
        combo.setCurrentText(keep)
    combo.blockSignals(False)
