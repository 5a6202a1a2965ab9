"""Equipment: the clinic's pens and their cleanings, sharps containers, sterilizer cycles.

Three tabs, one per record an inspector asks for under the skin-penetration codes:
each pen with its last cleaning and whether it is overdue (used since); each sharps
container by room, open, sealed or collected, with the cartridges that went into it;
each sterilizer cycle with its indicator results, its packs, and, when a biological
indicator failed, the sessions that used packs it puts in doubt. The buttons follow the
signed-in person's role (ui.access.permit); the services check it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inventory.clock import clinic_tz
from inventory.errors import LedgerError
from sterility import pens, sharps, sterilizer
from sterility.pens import PenRow
from sterility.sharps import ContainerInfo
from sterility.sterilizer import Cycle, Exposure, Pack
from ui import fmt, style
from ui.access import permit
from ui.context import AppContext
from ui.dialogs import ReasonDialog, SavingDialog
from ui.equipment_dialogs import (
    CleaningDialog,
    CollectionDialog,
    ContainerDialog,
    CycleDialog,
    IndicatorDialog,
    PenDialog,
)
from ui.models.rows import Col, RowsModel
from ui.screens.base import Screen
from ui.widgets import button, fit_columns, hint, message, named, section, set_message, table, title

STATE_COLOURS = {"open": style.OK_GREEN, "sealed": style.CONFIRM_AMBER, "collected": style.MUTED}
RESULT_COLOURS = {"pass": style.OK_GREEN, "fail": style.REFUSED_RED, "pending": style.CONFIRM_AMBER}


@dataclass(frozen=True)
class EquipmentData:
    """What the three tabs show, read in one snapshot."""

    tz: ZoneInfo
    now: datetime
    pens: list[PenRow]
    containers: list[ContainerInfo]
    cycles: list[Cycle]
    exposure: dict[int, list[Exposure]] = field(default_factory=dict)
    """The sessions each cycle with a failed biological indicator puts in doubt."""

    @property
    def rooms(self) -> list[str]:
        return sorted({c.room for c in self.containers}, key=str.casefold)

    @property
    def sterilizers(self) -> list[str]:
        return list(dict.fromkeys(c.sterilizer for c in self.cycles))


def _pen_state(row: PenRow) -> str:
    if not row.pen.active:
        return "retired"
    return "overdue" if row.overdue else "clean"


def _page(*parts: object) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for part in parts:
        if isinstance(part, QHBoxLayout):
            layout.addLayout(part)
        elif isinstance(part, QTableView | QSplitter):
            layout.addWidget(part, 1)  # type: ignore[arg-type]
        else:
            layout.addWidget(part)  # type: ignore[arg-type]
    return page


def _row(*widgets: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout()
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return layout


class EquipmentScreen(Screen):
    title = "Equipment"
    icon_name = "equipment"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: EquipmentData | None = None
        self._want: dict[str, int] = {}
        """What to select once reloaded (the pen, container or cycle just recorded)."""
        self.result = message("Equipment result")
        self.tabs = named(QTabWidget(), "Equipment sections")
        self.tabs.addTab(self._pens_tab(), "Pens")
        self.tabs.addTab(self._sharps_tab(), "Sharps containers")
        self.tabs.addTab(self._sterilizer_tab(), "Sterilizer")
        layout = QVBoxLayout(self)
        self.zone = hint("", "Clinic time")
        self.zone.setWordWrap(False)
        head = QHBoxLayout()
        head.addWidget(title(self.title))
        head.addStretch(1)
        head.addWidget(self.zone)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.result)
        self._update_buttons()

    # -- the tabs

    def _pens_tab(self) -> QWidget:
        self.pens_model = RowsModel(
            [
                Col("Serial", lambda r: r.pen.serial),
                Col("Model", lambda r: r.pen.model),
                Col(
                    "Cleaning",
                    _pen_state,
                    colour=lambda r: {"overdue": style.REFUSED_RED, "retired": style.MUTED}.get(
                        _pen_state(r)
                    ),
                    tooltip=lambda r: r.overdue or r.pen.retire_note,
                ),
                Col(
                    "Last cleaned",
                    lambda r: r.last_cleaning.cleaned_at if r.last_cleaning else None,
                    lambda v: self._short(v) if v else "never",
                    tooltip=lambda r: (
                        f"{self._long(r.last_cleaning.cleaned_at)} by {r.last_cleaning.cleaned_by}"
                        if r.last_cleaning
                        else None
                    ),
                ),
                Col("By", lambda r: r.last_cleaning.cleaned_by if r.last_cleaning else ""),
                Col("How", lambda r: r.last_cleaning.method if r.last_cleaning else ""),
                Col("Sessions since", lambda r: r.sessions_since, right=True),
            ],
            self,
        )
        self.pens = table(self.pens_model, "Pens table")
        fit_columns(self.pens, 5)
        self.pens.selectionModel().selectionChanged.connect(lambda *_a: self._pen_selected())
        self.pen_warning = hint("", "Pen warning")
        self.add_pen_button = button(
            "Add pen…", "Add pen", "Add a pen to the clinic's list, by its serial", "add"
        )
        self.add_pen_button.clicked.connect(self.add_pen)
        self.clean_button = button(
            "Record cleaning…",
            "Record cleaning",
            "Record that the selected pen was cleaned or disinfected: how and when",
        )
        self.clean_button.clicked.connect(self.record_cleaning)
        self.retire_button = button(
            "Retire…", "Retire pen", "Take the selected pen out of use, with why"
        )
        self.retire_button.clicked.connect(self.retire_pen)
        return _page(
            self.pens,
            self.pen_warning,
            _row(self.add_pen_button, self.clean_button, self.retire_button),
        )

    def _sharps_tab(self) -> QWidget:
        self.sharps_model = RowsModel(
            [
                Col(
                    "Container",
                    lambda c: (c.id, c.label),
                    lambda v: f"{v[0]} ({v[1]})" if v[1] else str(v[0]),
                    tip="Its number (for the command line) and the label written on it",
                ),
                Col("Room", lambda c: c.room),
                Col("State", lambda c: c.state, colour=lambda c: STATE_COLOURS.get(c.state)),
                Col(
                    "Opened",
                    lambda c: c.opened_at,
                    self._short,
                    tooltip=lambda c: f"{self._long(c.opened_at)} by {c.opened_by}",
                ),
                Col(
                    "Sealed",
                    lambda c: c.sealed_at,
                    self._day,
                    tooltip=lambda c: (
                        f"{self._long(c.sealed_at)} by {c.sealed_by}" if c.sealed_by else None
                    ),
                ),
                Col(
                    "Collected",
                    lambda c: c.collected_at,
                    self._day,
                    tooltip=lambda c: (
                        f"{self._long(c.collected_at)} by {c.collected_by}"
                        if c.collected_by
                        else None
                    ),
                ),
                Col(
                    "Reference",
                    lambda c: c.collector_ref or "",
                    tip="The waste collector's consignment or docket number",
                ),
                Col("Cartridges", lambda c: c.cartridges, right=True),
            ],
            self,
        )
        self.sharps = table(self.sharps_model, "Sharps containers table")
        fit_columns(self.sharps, 1)
        self.sharps.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.open_button = button(
            "Open…", "Open container", "Open a new sharps container at a room or chair", "add"
        )
        self.open_button.clicked.connect(self.open_container)
        self.seal_button = button(
            "Seal", "Seal container", "Seal the selected container: nothing more goes in"
        )
        self.seal_button.clicked.connect(self.seal_container)
        self.collect_button = button(
            "Record collection…",
            "Record collection",
            "The waste collector took the selected sealed container: their reference",
        )
        self.collect_button.clicked.connect(self.record_collection)
        return _page(
            hint(
                "Each used cartridge goes to the container open at its session's room at the "
                "time it was used; the count is worked out from the sessions."
            ),
            self.sharps,
            _row(self.open_button, self.seal_button, self.collect_button),
        )

    def _sterilizer_tab(self) -> QWidget:
        self.cycles_model = RowsModel(
            [
                Col("#", lambda c: c.id, right=True),
                Col("Sterilizer", lambda c: c.sterilizer),
                Col("Cycle", lambda c: c.cycle_number),
                Col("Run", lambda c: c.run_at, self._short),
                Col(
                    "Conditions",
                    lambda c: (c.temperature_c, c.pressure_kpa, c.holding_minutes),
                    lambda v: f"{v[0]:g} °C, {v[1]:g} kPa, {v[2]:g} min",
                    tip="Temperature, pressure and holding time, from the printout",
                ),
                Col(
                    "Chemical",
                    lambda c: c.chemical_result,
                    colour=lambda c: RESULT_COLOURS.get(c.chemical_result),
                ),
                Col(
                    "Biological",
                    lambda c: c.bi_result,
                    colour=lambda c: RESULT_COLOURS.get(c.bi_result),
                ),
                Col("Packs", lambda c: len(c.packs), right=True),
            ],
            self,
        )
        self.cycles = table(self.cycles_model, "Sterilizer cycles table")
        fit_columns(self.cycles, 1)
        self.cycles.selectionModel().selectionChanged.connect(lambda *_a: self._cycle_selected())
        self.cycle_summary = hint("Select a cycle to see its packs.", "Cycle summary")
        self.packs_model = RowsModel(
            [
                Col("Pack", lambda p: p.code),
                Col("Description", lambda p: p.description),
                Col(
                    "State",
                    lambda p: p.state,
                    colour=lambda p: style.REFUSED_RED if p.state == "quarantined" else None,
                ),
                Col("Session", lambda p: p.session_id, right=True),
            ],
            self,
        )
        self.packs = table(self.packs_model, "Packs of the cycle")
        fit_columns(self.packs, 1)
        self.exposure_model = RowsModel(
            [
                Col("Session", lambda e: e.session_id, right=True),
                Col("Opened", lambda e: e.opened_at, self._short),
                Col("Practitioner", lambda e: e.practitioner),
                Col("Pack", lambda e: e.pack_code),
                Col("Cycle", lambda e: e.cycle_number),
            ],
            self,
        )
        self.exposure = table(self.exposure_model, "Exposed sessions")
        fit_columns(self.exposure, 2)
        self.cycle_button = button(
            "Record cycle…", "Record cycle", "Record a sterilizer cycle and its load", "add"
        )
        self.cycle_button.clicked.connect(self.record_cycle)
        self.bi_button = button(
            "Read biological indicator…",
            "Read biological indicator",
            "Record the selected cycle's biological indicator after incubation (once)",
        )
        self.bi_button.clicked.connect(self.read_indicator)

        packs_box = _page(section("Packs of the selected cycle"), self.packs)
        exposure_box = _page(
            section("Sessions exposed by a failed biological indicator"), self.exposure
        )
        for box in (packs_box, exposure_box):
            box.layout().setContentsMargins(0, 0, 0, 0)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(packs_box)
        lower.addWidget(exposure_box)
        lower.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.cycles)
        split.addWidget(lower)
        split.setSizes([300, 220])
        split.setChildrenCollapsible(False)
        return _page(split, self.cycle_summary, _row(self.cycle_button, self.bi_button))

    # -- times, on the clinic's clock

    def _tz(self) -> ZoneInfo | None:
        return self.data.tz if self.data else None

    def _short(self, at: datetime | None) -> str:
        """In the lists: the clinic's wall clock (the zone is named above the tabs)."""
        return fmt.wall_clock(at, self._tz())

    def _day(self, at: datetime | None) -> str:
        """The clinic's date only (the time is in the cell's tooltip)."""
        return self._short(at)[:10]

    def _long(self, at: datetime | None) -> str:
        return fmt.local_time(at, self._tz())

    # -- reading

    def activated(self) -> None:
        db = self.ctx.db

        def read() -> EquipmentData:
            with db.read() as conn:
                now = db.now(conn)
                cycles = sterilizer.list_cycles(conn)
                exposure = {
                    c.id: sterilizer.failed_bi_exposure(conn, c.id)
                    for c in cycles
                    if c.bi_result == "fail"
                }
                return EquipmentData(
                    clinic_tz(conn),
                    now,
                    pens.list_pens(conn, now),
                    sharps.list_containers(conn),
                    cycles,
                    exposure,
                )

        self.run(read, self._loaded, label="equipment")

    def _loaded(self, data: EquipmentData) -> None:
        chosen = (
            self._want.pop("pen", None) or self._chosen(self.pens),
            self._want.pop("container", None) or self._chosen(self.sharps),
            self._want.pop("cycle", None) or self._chosen(self.cycles),
        )
        self.data = data
        offset = fmt.local_time(data.now, data.tz).split(" ")[-1]
        self.zone.setText(f"Times are the clinic's ({offset}).")
        for view, model, rows, key, wanted in (
            (self.pens, self.pens_model, data.pens, lambda r: r.pen.id, chosen[0]),
            (self.sharps, self.sharps_model, data.containers, lambda r: r.id, chosen[1]),
            (self.cycles, self.cycles_model, data.cycles, lambda r: r.id, chosen[2]),
        ):
            model.set_rows(rows)
            target = next((n for n, r in enumerate(rows) if key(r) == wanted), None)
            if target is None and rows:
                target = 0
            if target is not None:
                view.selectRow(target)
        self._pen_selected()
        self._cycle_selected()

    def _chosen(self, view: QTableView) -> int | None:
        row = self._selected(view)
        if row is None:
            return None
        return row.pen.id if isinstance(row, PenRow) else row.id

    def _selected(self, view: QTableView) -> object | None:
        rows = view.selectionModel().selectedRows()
        if not rows:
            return None
        model = view.model()
        assert isinstance(model, RowsModel)
        return model.row(rows[0].row())

    def selected_pen(self) -> PenRow | None:
        row = self._selected(self.pens)
        return row if isinstance(row, PenRow) else None

    def selected_container(self) -> ContainerInfo | None:
        row = self._selected(self.sharps)
        return row if isinstance(row, ContainerInfo) else None

    def selected_cycle(self) -> Cycle | None:
        row = self._selected(self.cycles)
        return row if isinstance(row, Cycle) else None

    def _pen_selected(self) -> None:
        pen = self.selected_pen()
        if pen is None:
            self.pen_warning.setText("")
        elif pen.overdue:
            self.pen_warning.setText(pen.overdue)
        elif not pen.pen.active:
            self.pen_warning.setText(f"Pen {pen.serial} is retired: {pen.pen.retire_note}")
        else:
            self.pen_warning.setText(f"Pen {pen.serial} is clean: not used since its cleaning.")
        self._update_buttons()

    def _cycle_selected(self) -> None:
        cycle = self.selected_cycle()
        packs: list[Pack] = list(cycle.packs) if cycle else []
        exposed = self.data.exposure.get(cycle.id, []) if cycle and self.data else []
        self.packs_model.set_rows(packs)
        self.exposure_model.set_rows(exposed)
        self.cycle_summary.setText(self._cycle_words(cycle, exposed))
        self._update_buttons()

    def _cycle_words(self, cycle: Cycle | None, exposed: list[Exposure]) -> str:
        if cycle is None:
            return "Select a cycle to see its packs."
        tz = self.data.tz if self.data else None
        said = (
            f"Cycle {cycle.cycle_number} of {cycle.sterilizer}, "
            f"{fmt.local_time(cycle.run_at, tz)}, by {cycle.operator}: {cycle.result_words}."
        )
        if cycle.bi_read_at is not None:
            said += f" Biological indicator read by {cycle.bi_read_by}."
        if cycle.failed:
            said += (
                f" FAILED: its {len(cycle.quarantined)} pack"
                f"{'s are' if len(cycle.quarantined) != 1 else ' is'} quarantined."
            )
        if cycle.bi_result == "fail":
            said += (
                f" {len(exposed)} session{'s' if len(exposed) != 1 else ''} used packs of this "
                "load or of earlier loads since the last passed biological indicator."
            )
        return said

    # -- who may do what

    def actor_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        actor = self.ctx.actor
        pen, box, cycle = self.selected_pen(), self.selected_container(), self.selected_cycle()
        active = pen is not None and pen.pen.active
        permit(self.add_pen_button, actor, "pens")
        permit(self.clean_button, actor, "pen_cleaning", active)
        permit(self.retire_button, actor, "pens", active)
        permit(self.open_button, actor, "sharps")
        permit(self.seal_button, actor, "sharps", box is not None and box.state == "open")
        permit(self.collect_button, actor, "sharps", box is not None and box.state == "sealed")
        permit(self.cycle_button, actor, "sterilizer")
        permit(
            self.bi_button, actor, "sterilizer", cycle is not None and cycle.bi_result == "pending"
        )

    # -- saving

    def _save(self, dialog: SavingDialog, fn, said, label: str) -> None:  # type: ignore[no-untyped-def]
        """Run ``fn`` in the background; on success close the dialog and say ``said(result)``;
        a rule's sentence goes back into the dialog."""

        def done(result: object) -> None:
            dialog.done_saving()
            self._changed(said(result))

        def failed(error: BaseException) -> None:
            if isinstance(error, LedgerError):
                dialog.show_problem(error.message)
            else:
                dialog.show_problem("It could not be saved.")
                self.show_error(error)

        self.run(fn, done, failed, label=label)

    def _wanted(self, kind: str, row_id: int, said: str) -> str:
        """Select this record once the lists are read again; say ``said``."""
        self._want[kind] = row_id
        return said

    def _changed(self, text: str, kind: str = "success") -> None:
        set_message(self.result, text, kind)
        self.changed.emit()
        self.activated()

    def add_pen(self) -> None:
        if not self.add_pen_button.isEnabled():
            return
        dialog = PenDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self._save(
                dialog,
                lambda: pens.add_pen(
                    db, str(values["serial"]), model=str(values["model"]), by=actor
                ),
                lambda pen: self._wanted("pen", pen.id, f"Pen {pen.serial} added to the pen list."),
                "add pen",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def record_cleaning(self) -> None:
        pen = self.selected_pen()
        if pen is None or not self.clean_button.isEnabled() or self.data is None:
            return
        dialog = CleaningDialog(pen.serial, self.data.now, self.data.tz, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor, tz = self.ctx.db, self.ctx.actor, self.data.tz

        def save() -> None:
            values = dialog.values()
            self._save(
                dialog,
                lambda: pens.record_cleaning(db, pen.serial, by=actor, **values),  # type: ignore[arg-type]
                lambda done: (
                    f"Cleaning of pen {done.serial} recorded: {done.method}, "
                    f"{fmt.local_time(done.cleaned_at, tz)}, by {done.cleaned_by}."
                ),
                "record cleaning",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def retire_pen(self) -> None:
        pen = self.selected_pen()
        if pen is None or not self.retire_button.isEnabled():
            return
        dialog = ReasonDialog(
            title=f"Retire pen {pen.serial}",
            prompt="Why is the pen taken out of use? It stays in the list with its sessions "
            "and cleanings; no new session can name it.",
            action="Retire pen",
            suggestions=["Broken", "Lost", "Replaced by a new pen", "Failed inspection"],
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def confirmed() -> None:
            note = dialog.reason()
            self.run(
                lambda: pens.retire_pen(db, pen.serial, note=note, by=actor),
                lambda done: self._changed(f"Pen {done.serial} retired: {done.retire_note}"),
                label="retire pen",
            )

        dialog.accepted.connect(confirmed)
        dialog.open()

    def open_container(self) -> None:
        if not self.open_button.isEnabled():
            return
        dialog = ContainerDialog(self.data.rooms if self.data else [], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self._save(
                dialog,
                lambda: sharps.open_container(
                    db, str(values["room"]), label=str(values["label"]), by=actor
                ),
                lambda box: self._wanted(
                    "container", box.id, f"Sharps {box.name} opened at {box.room}."
                ),
                "open container",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def seal_container(self) -> None:
        box = self.selected_container()
        if box is None or not self.seal_button.isEnabled():
            return
        db, actor = self.ctx.db, self.ctx.actor
        self.run(
            lambda: sharps.seal(db, box.id, by=actor),
            lambda done: self._changed(
                f"Sharps {done.name} at {done.room} sealed with {done.cartridges} "
                f"cartridge{'s' if done.cartridges != 1 else ''} in it. Open a new one there "
                "before the next session."
            ),
            lambda error: set_message(
                self.result, getattr(error, "message", str(error)), "problem"
            ),
            label="seal container",
        )

    def record_collection(self) -> None:
        box = self.selected_container()
        if box is None or not self.collect_button.isEnabled():
            return
        dialog = CollectionDialog(f"sharps {box.name}", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            reference = str(dialog.values()["collector_ref"])
            self._save(
                dialog,
                lambda: sharps.collect(db, box.id, collector_ref=reference, by=actor),
                lambda done: f"Sharps {done.name} collected, reference {done.collector_ref}.",
                "record collection",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def record_cycle(self) -> None:
        if not self.cycle_button.isEnabled() or self.data is None:
            return
        dialog = CycleDialog(self.data.sterilizers, self.data.now, self.data.tz, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            values = dialog.values()
            self._save(
                dialog,
                lambda: sterilizer.add_cycle(db, by=actor, **values),  # type: ignore[arg-type]
                self._cycle_recorded,
                "record cycle",
            )

        dialog.submitted.connect(save)
        dialog.open()

    def _cycle_recorded(self, cycle: Cycle) -> str:
        self._want["cycle"] = cycle.id
        codes = ", ".join(p.code for p in cycle.packs) or "no packs"
        said = f"Cycle {cycle.cycle_number} of {cycle.sterilizer} recorded; pouch codes: {codes}."
        if cycle.failed:
            said += " A failed indicator: the load is quarantined."
        return said

    def read_indicator(self) -> None:
        cycle = self.selected_cycle()
        if cycle is None or not self.bi_button.isEnabled():
            return
        dialog = IndicatorDialog(cycle, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> None:
            result = str(dialog.values()["result"])
            self._save(
                dialog,
                lambda: sterilizer.read_bi(db, cycle.id, result, by=actor),
                lambda done: (
                    f"Biological indicator of cycle {done.cycle_number}: {done.bi_result}."
                    + (
                        f" Its {len(done.quarantined)} packs are quarantined; the sessions "
                        "exposed are listed below."
                        if done.bi_result == "fail"
                        else ""
                    )
                ),
                "read indicator",
            )

        dialog.submitted.connect(save)
        dialog.open()
