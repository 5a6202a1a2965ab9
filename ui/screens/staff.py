"""Settings > Staff: the clinic's accounts, and how soon an unattended window locks.

Managers add people (name, role, scope of practice, first password), reset a forgotten
password, change a scope and deactivate an account (never deleted: its name stays on its
records). Everyone changes their own password here. The idle-lock minutes are a clinic
setting, the same on every workstation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QVBoxLayout, QWidget

from inventory import settings, staff
from inventory.clock import clinic_tz
from inventory.errors import LedgerError
from inventory.staff import StaffInfo
from ui import fmt, style
from ui.access import ROLE_NAMES, permit
from ui.dialogs import SavingDialog
from ui.models.rows import Col, RowsModel
from ui.screens.base import Screen
from ui.staff_dialogs import (
    AddStaffDialog,
    ChangePasswordDialog,
    ConfirmDialog,
    ResetPasswordDialog,
    ScopeDialog,
)
from ui.widgets import button, fit_columns, hint, message, named, panel, section, set_message, table


class StaffSection(QWidget):
    """The accounts table with its actions, "Change my password", and the idle lock."""

    idle_minutes_saved = Signal(int)

    def __init__(self, screen: Screen, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.screen = screen
        self.ctx = screen.ctx
        self.tz: ZoneInfo | None = None
        self.saved_minutes = 5
        self._dialog: SavingDialog | None = None

        self.model = RowsModel(
            [
                Col("Name", lambda s: s.name),
                Col("Role", lambda s: ROLE_NAMES.get(s.role, s.role)),
                Col(
                    "Deepest needle",
                    lambda s: s.max_depth_um,
                    lambda v: "no limit" if v is None else fmt.mm(v),
                    right=True,
                ),
                Col(
                    "Account",
                    lambda s: "active" if s.active else "deactivated",
                    colour=lambda s: None if s.active else style.MUTED,
                ),
                Col("Added", lambda s: s.created_at, lambda v: fmt.local_time(v, self.tz)[:10]),
            ],
            self,
        )
        self.table = table(self.model, "Staff accounts")
        fit_columns(self.table, 0)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _i: self.change_scope())

        self.add_button = button(
            "Add staff…", "Add staff account", "A new account with its own password", "add", True
        )
        self.add_button.clicked.connect(self.add_staff)
        self.reset_button = button(
            "Reset password…", "Reset password", "Set a new password for the selected person"
        )
        self.reset_button.clicked.connect(self.reset_password)
        self.scope_button = button(
            "Scope of practice…",
            "Change scope of practice",
            "The longest needles the selected person may use",
        )
        self.scope_button.clicked.connect(self.change_scope)
        self.deactivate_button = button(
            "Deactivate…",
            "Deactivate account",
            "The selected person can no longer sign in; their records keep their name",
        )
        self.deactivate_button.clicked.connect(self.deactivate)
        self.own_button = button(
            "Change my password…", "Change my password", "The password you sign in with"
        )
        self.own_button.clicked.connect(self.change_own_password)
        self.result = message("Staff result")

        self.minutes = named(
            QSpinBox(),
            "Lock after idle minutes",
            "Minutes without keyboard or mouse before the window locks (every workstation)",
        )
        self.minutes.setRange(1, 120)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(self.saved_minutes)
        self.save_minutes = button("Save", "Save lock time", "Save the idle time (audited)")
        self.save_minutes.clicked.connect(self.save_idle_minutes)
        self.minutes_result = message("Lock time result")

        actions = QHBoxLayout()
        for widget in (self.add_button, self.reset_button, self.scope_button):
            actions.addWidget(widget)
        actions.addWidget(self.deactivate_button)
        actions.addStretch(1)
        staff_panel = panel()
        staff_box = QVBoxLayout(staff_panel)
        staff_box.addWidget(section("Staff accounts"))
        staff_box.addWidget(
            hint(
                "Each person signs in with their own name and password. Accounts are "
                "deactivated, never deleted: a name stays on everything it recorded."
            )
        )
        staff_box.addWidget(self.table, 1)
        staff_box.addLayout(actions)
        staff_box.addWidget(self.result)

        mine = panel()
        mine_box = QVBoxLayout(mine)
        mine_box.addWidget(section("My account"))
        self.me = hint("", "My account")
        mine_box.addWidget(self.me)
        mine_box.addWidget(self.own_button, 0, Qt.AlignmentFlag.AlignLeft)
        mine_box.addSpacing(10)
        mine_box.addWidget(section("Locking"))
        mine_box.addWidget(
            hint(
                "An unattended window locks itself: client references and the open session "
                "are hidden until the same person, or a manager, unlocks it. Lock it at once "
                "with File > Lock now (Ctrl+L)."
            )
        )
        minutes_row = QHBoxLayout()
        minutes_row.addWidget(self.minutes)
        minutes_row.addWidget(self.save_minutes)
        minutes_row.addStretch(1)
        mine_box.addLayout(minutes_row)
        mine_box.addWidget(self.minutes_result)
        mine_box.addStretch(1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(staff_panel, 3)
        layout.addWidget(mine, 2)
        self.actor_changed()

    # -- loading

    def load(self) -> None:
        db = self.ctx.db

        def read() -> tuple[ZoneInfo, list[StaffInfo], int]:
            with db.read() as conn:
                return clinic_tz(conn), staff.list_staff(conn), settings.idle_lock_minutes(conn)

        self.screen.run(read, self._loaded, label="staff")

    def _loaded(self, data: tuple[ZoneInfo, list[StaffInfo], int]) -> None:
        self.tz, people, minutes = data
        chosen = self.selected()
        self.model.set_rows(people)
        if chosen is not None:
            row = next((n for n, p in enumerate(people) if p.id == chosen.id), None)
            if row is not None:
                self.table.selectRow(row)
        self.saved_minutes = minutes
        self.minutes.setValue(minutes)
        self._update_buttons()

    def actor_changed(self) -> None:
        actor = self.ctx.actor
        self.me.setText(
            f"{actor.name}, {ROLE_NAMES.get(actor.role, actor.role).lower()}; {actor.scope_text}."
        )
        permit(self.minutes, actor, "settings")
        permit(self.save_minutes, actor, "settings")
        permit(self.own_button, actor, "own_password")
        self._update_buttons()

    def selected(self) -> StaffInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        actor, person = self.ctx.actor, self.selected()
        active = person is not None and person.active
        permit(self.add_button, actor, "staff")
        permit(self.reset_button, actor, "staff", active)
        permit(self.scope_button, actor, "staff", active and person.role != "inspector")
        permit(self.deactivate_button, actor, "staff", active)

    # -- the actions: each dialog shows the service's refusal in its own words

    def _save(
        self,
        dialog: SavingDialog,
        work: Callable[[], Any],
        done: Callable[[Any], str],
        label: str,
    ) -> None:
        def saved(result: Any) -> None:
            dialog.done_saving()
            self._dialog = None
            set_message(self.result, done(result), "success")
            self.load()

        def failed(error: BaseException) -> None:
            if isinstance(error, LedgerError):
                dialog.show_problem(error.message)
            else:
                dialog.show_problem("Not saved.")
                self.screen.show_error(error)

        self.screen.run(work, saved, failed, label=label)

    def _open(self, dialog: SavingDialog, save: Callable[[], None]) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(save)
        self._dialog = dialog
        dialog.open()

    def add_staff(self) -> None:
        dialog = AddStaffDialog(self)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self._save(
                dialog,
                lambda: staff.add_staff(db, by=actor, **values),  # type: ignore[arg-type]
                lambda person: (
                    f"{person.name} can now sign in as "
                    f"{ROLE_NAMES.get(person.role, person.role).lower()}."
                ),
                "add staff",
            )

        self._open(dialog, save)

    def reset_password(self) -> None:
        person = self.selected()
        if person is None:
            return
        dialog = ResetPasswordDialog(person.name, self)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            password = dialog.password()
            self._save(
                dialog,
                lambda: staff.reset_password(db, person.name, password, by=actor),
                lambda _r: f"{person.name}'s password was reset.",
                "reset password",
            )

        self._open(dialog, save)

    def change_scope(self) -> None:
        person = self.selected()
        if person is None or not self.scope_button.isEnabled():
            return
        dialog = ScopeDialog(person.name, person.max_depth_mm, self)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            value = dialog.value()
            self._save(
                dialog,
                lambda: staff.set_max_depth(db, person.name, value, by=actor),
                lambda changed: (
                    f"{changed.name}: "
                    + (
                        "no needle-depth limit."
                        if changed.max_depth_um is None
                        else f"needles up to {changed.max_depth_mm} mm."
                    )
                ),
                "scope",
            )

        self._open(dialog, save)

    def deactivate(self) -> None:
        person = self.selected()
        if person is None:
            return
        dialog = ConfirmDialog(
            f"Deactivate {person.name}",
            f"{person.name} will no longer be able to sign in, on any workstation. Their "
            "name stays on everything they recorded.",
            "Deactivate",
            self,
        )
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            self._save(
                dialog,
                lambda: staff.deactivate(db, person.name, by=actor),
                lambda _r: f"{person.name}'s account is deactivated.",
                "deactivate",
            )

        self._open(dialog, save)

    def change_own_password(self) -> None:
        actor = self.ctx.actor
        dialog = ChangePasswordDialog(actor.name, self)
        db = self.ctx.db

        def save() -> None:
            old, new = dialog.passwords()
            self._save(
                dialog,
                lambda: staff.change_password(db, old, new, by=actor),
                lambda _r: "Your password was changed. Use the new one from now on.",
                "change password",
            )

        self._open(dialog, save)

    def save_idle_minutes(self) -> None:
        value = self.minutes.value()
        if value == self.saved_minutes:
            set_message(self.minutes_result, "Nothing changed.")
            return
        db, actor = self.ctx.db, self.ctx.actor

        def saved(_none: object) -> None:
            self.saved_minutes = value
            set_message(
                self.minutes_result,
                f"Saved: the window locks after {value} idle minute{'s' if value != 1 else ''}.",
                "success",
            )
            self.idle_minutes_saved.emit(value)

        def failed(error: BaseException) -> None:
            set_message(self.minutes_result, "Not saved.", "problem")
            self.screen.show_error(error)

        self.screen.run(
            lambda: settings.set_value(db, "idle_lock_minutes", str(value), by=actor),
            saved,
            failed,
            label="idle minutes",
        )
