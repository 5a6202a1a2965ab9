"""Settings: the clinic's own (shared by every workstation, audited), this PC's scanner, staff.

Clinic name, licence number and time zone live in the ledger. Reorder levels are set per
product. How this workstation's scanner sends its group separator is stored on this PC,
and can be tried out right here. The second tab holds the staff accounts and the idle
lock (ui.screens.staff); the third what the chair asks and shows about the treatment
(ui.screens.treatment_settings). Only a manager changes the clinic's settings; everyone may set
up this workstation's scanner.

"Where the ledger lives" shows the ledger in use and, with Change…, asks the first
start's question again (ui.ledger_choice) and saves the answer in this PC's workstation
file; the app opens the new place from its next start, so it says to restart. Only a
manager may change it: it decides which record every login of this PC writes to.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inventory import catalog, settings, workstation
from inventory.barcode import parse_scan
from inventory.catalog import ProductInfo
from inventory.errors import BarcodeUnreadable, LedgerError
from ui import desktop, fmt
from ui.access import permit, who_can
from ui.context import AppContext
from ui.ledger_choice import LedgerChoiceDialog
from ui.models.reorder import ReorderModel
from ui.prefs import FUNCTION_KEYS, SCANNER_METHODS
from ui.scan_field import GS, METHOD_WORDS, SHOWN_SEPARATOR, ScanField
from ui.screens.base import Screen
from ui.screens.staff import StaffSection
from ui.screens.treatment_settings import TreatmentSection
from ui.widgets import (
    ResultLabel,
    button,
    fit_columns,
    hint,
    message,
    name_drop_down,
    named,
    panel,
    section,
    set_message,
    standard_keys,
    table,
    title,
)

CLINIC_KEYS = ("clinic_name", "licence_number", "timezone")


class SettingsScreen(Screen):
    title = "Settings"
    icon_name = "settings"
    idle_minutes_saved = Signal(int)
    """The clinic's idle-lock minutes were changed here (the window locks sooner or later)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.saved: dict[str, str] = {}

        # -- the clinic (in the ledger)
        self.clinic_name = named(QLineEdit(), "Clinic name")
        self.licence = named(QLineEdit(), "Licence number")
        self.timezone = named(
            QComboBox(), "Time zone", "Expiry is checked against this zone's date"
        )
        self.timezone.setEditable(True)
        name_drop_down(self.timezone)  # its typing box is what a screen reader reads
        zones = sorted(zoneinfo.available_timezones())
        self.timezone.addItems(zones)
        completer = QCompleter(zones, self.timezone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCompleter(completer)
        self.save_button = button(
            "Save clinic settings",
            "Save clinic settings",
            "Save (Ctrl+S); each change is audited",
            "",
            True,
        )
        self.save_button.clicked.connect(self.save_clinic)
        self.clinic_result = message("Clinic settings result")
        clinic_form = QFormLayout()
        clinic_form.addRow("Clinic &name", self.clinic_name)
        clinic_form.addRow("&Licence number", self.licence)
        clinic_form.addRow("&Time zone", self.timezone)
        save_row = QHBoxLayout()
        save_row.addWidget(self.clinic_result, 1)
        save_row.addWidget(self.save_button)
        save_action = QAction("Save", self)
        standard_keys(save_action, QKeySequence.StandardKey.Save)
        save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_action.triggered.connect(self.save_clinic)
        self.addAction(save_action)

        # -- reorder levels (per product, in the ledger)
        self.reorder_model = ReorderModel(self)
        self.reorder_model.level_edited.connect(self._save_level)
        self.reorder = table(self.reorder_model, "Reorder levels", sortable=False)
        self.reorder.setEditTriggers(
            self.reorder.EditTrigger.DoubleClicked
            | self.reorder.EditTrigger.EditKeyPressed
            | self.reorder.EditTrigger.AnyKeyPressed
        )
        fit_columns(self.reorder, 0)  # the product's name keeps a readable width at 1024
        self.reorder_result = message("Reorder result")

        # -- where the ledger lives (this PC's workstation file)
        self.location = ResultLabel("", "Ledger location")
        self.location.setWordWrap(True)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.location_note = hint("", "Ledger location note")
        self.location_note.hide()
        self.change_location = button(
            "Change…",
            "Change where the ledger lives",
            "Choose this PC or a PostgreSQL server; used from the next start",
        )
        self.change_location.clicked.connect(self.choose_location)
        self.location_result = message("Ledger location result")
        self.location_result.hide()
        self._choice: LedgerChoiceDialog | None = None

        # -- this workstation
        self.data_folder = named(QLineEdit(str(ctx.data_dir)), "Data folder")
        self.data_folder.setReadOnly(True)
        self.open_data = button("Open", "Open data folder", "Show the data folder", "folder")
        self.open_data.clicked.connect(lambda: desktop.open_path(ctx.data_dir))
        self.database = named(QLineEdit(_safe_url(ctx.db_url)), "Database")
        self.database.setReadOnly(True)
        self.method = named(QComboBox(), "Scanner separator method")
        for key, text in SCANNER_METHODS.items():
            self.method.addItem(text, key)
        self.fkey = named(QComboBox(), "Separator function key")
        self.fkey.addItems(FUNCTION_KEYS)
        self.method.setCurrentIndex(max(self.method.findData(ctx.prefs.scanner_method), 0))
        self.fkey.setCurrentText(ctx.prefs.scanner_fkey)
        self.fkey.setEnabled(ctx.prefs.scanner_method == "fkey")
        self.method.currentIndexChanged.connect(self._scanner_changed)
        self.fkey.currentIndexChanged.connect(self._scanner_changed)
        self.try_scan = named(ScanField(prefs=ctx.prefs), "Try your scanner")
        self.try_scan.setObjectName("scanField")
        self.try_scan.setPlaceholderText("Scan a box here")
        self.try_scan.setToolTip("Scan any box to see what the app reads from it")
        self.try_scan.scanned.connect(self._tried)
        self.try_result = message("Scanner test result")
        self.reset_layout = button(
            "Forget window layout",
            "Forget window layout",
            "Size and place the window afresh next start",
        )
        self.reset_layout.clicked.connect(self._forget_layout)

        workstation = QFormLayout()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder, 1)
        folder_row.addWidget(self.open_data)
        workstation.addRow("Data folder", folder_row)
        workstation.addRow("Database", self.database)
        workstation.addRow("Scanner &separator", self.method)
        workstation.addRow("&Function key", self.fkey)
        workstation.addRow("T&ry it", self.try_scan)
        workstation.addRow("", self.try_result)
        workstation.addRow("", self.reset_layout)

        clinic_panel = panel()
        clinic_box = QVBoxLayout(clinic_panel)
        clinic_box.addWidget(section("Clinic (shared by every workstation)"))
        clinic_box.addLayout(clinic_form)
        clinic_box.addLayout(save_row)
        clinic_box.addWidget(section("Reorder levels"))
        clinic_box.addWidget(hint("Double-click a level (or press F2) to change it."))
        clinic_box.addWidget(self.reorder, 1)
        clinic_box.addWidget(self.reorder_result)
        station_panel = panel()
        station_box = QVBoxLayout(station_panel)
        station_box.addWidget(section("Where the ledger lives"))
        location_row = QHBoxLayout()
        location_row.addWidget(self.location, 1)
        location_row.addWidget(self.change_location, 0, Qt.AlignmentFlag.AlignTop)
        station_box.addLayout(location_row)
        station_box.addWidget(self.location_note)
        station_box.addWidget(self.location_result)
        # Filled once it is in the layout: a label shown before it has a parent would open
        # as a window of its own and take the focus from the main window.
        self._show_location()
        station_box.addWidget(section("This workstation"))
        station_box.addLayout(workstation)
        station_box.addWidget(
            hint(
                "Most scanners send the GS1 group separator as Ctrl+] (ASCII 29): that always "
                "works. Choose a function key or Alt+0029 only if the scanner was set up that "
                "way. Separators show as \u241d in every scan field."
            )
        )
        station_box.addStretch(1)
        clinic_page = QWidget()
        columns = QHBoxLayout(clinic_page)
        columns.setContentsMargins(0, 6, 0, 0)
        columns.addWidget(clinic_panel, 3)
        columns.addWidget(station_panel, 2)
        self.staff = StaffSection(self)
        self.staff.idle_minutes_saved.connect(self.idle_minutes_saved)
        self.tabs = named(QTabWidget(), "Settings sections")
        self.tabs.addTab(clinic_page, "Clinic and workstation")
        self.tabs.addTab(self.staff, "Staff and locking")
        self.treatment = TreatmentSection(self)
        self.tabs.addTab(self.treatment, "Treatment")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(title(self.title))
        layout.addWidget(self.tabs, 1)

    # -- loading

    def activated(self) -> None:
        db = self.ctx.db

        def read() -> tuple[dict[str, str], list[ProductInfo]]:
            with db.read() as conn:
                return settings.read_all(conn), catalog.list_products(conn)

        self.run(read, self._loaded, label="settings")
        self.staff.load()
        self.treatment.load()

    def apply(self, filters: dict[str, object]) -> None:
        if filters.get("section") == "staff":
            self.tabs.setCurrentWidget(self.staff)
        elif filters.get("section") == "treatment":
            self.tabs.setCurrentWidget(self.treatment)

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.staff:
            self.staff.load()
        elif self.tabs.currentWidget() is self.treatment:
            self.treatment.load()

    def actor_changed(self) -> None:
        actor = self.ctx.actor
        for widget in (
            self.clinic_name,
            self.licence,
            self.timezone,
            self.save_button,
            self.change_location,
        ):
            permit(widget, actor, "settings")
        if permit(self.reorder, actor, "catalogue"):
            self.reorder.setEditTriggers(
                self.reorder.EditTrigger.DoubleClicked
                | self.reorder.EditTrigger.EditKeyPressed
                | self.reorder.EditTrigger.AnyKeyPressed
            )
        else:
            self.reorder.setEditTriggers(self.reorder.EditTrigger.NoEditTriggers)
        self.reorder.setEnabled(True)  # readable by everyone; editable by a manager
        self.staff.actor_changed()
        self.treatment.actor_changed()

    def _loaded(self, data: tuple[dict[str, str], list[ProductInfo]]) -> None:
        values, products = data
        self.saved = {key: values.get(key, "") for key in CLINIC_KEYS}
        self.clinic_name.setText(self.saved["clinic_name"])
        self.licence.setText(self.saved["licence_number"])
        self.timezone.setCurrentText(self.saved["timezone"])
        self.reorder_model.set_rows(products)

    # -- saving the clinic's settings

    def save_clinic(self) -> None:
        if not self.ctx.actor.can("settings"):
            set_message(self.clinic_result, who_can("settings"), "problem")
            return
        wanted = {
            "clinic_name": self.clinic_name.text().strip(),
            "licence_number": self.licence.text().strip(),
            "timezone": self.timezone.currentText().strip(),
        }
        changes = {k: v for k, v in wanted.items() if v != self.saved.get(k)}
        if not changes:
            set_message(self.clinic_result, "Nothing changed.")
            return
        db, actor = self.ctx.db, self.ctx.actor

        def save() -> dict[str, str]:
            for key, value in changes.items():
                settings.set_value(db, key, value, by=actor)
            return changes

        self.save_button.setEnabled(False)
        self.run(save, self._clinic_saved, self._clinic_failed, label="settings")

    def _clinic_saved(self, changes: dict[str, str]) -> None:
        self.save_button.setEnabled(True)
        self.saved.update(changes)
        names = {
            "clinic_name": "clinic name",
            "licence_number": "licence number",
            "timezone": "time zone",
        }
        set_message(
            self.clinic_result,
            "Saved: " + ", ".join(names[k] for k in changes) + ".",
            "success",
        )
        self.changed.emit()

    def _clinic_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        set_message(self.clinic_result, "Not saved.", "problem")
        self.show_error(error)

    def _save_level(self, gtin: str, level: int, old: int) -> None:
        db, actor = self.ctx.db, self.ctx.actor

        def failed(error: BaseException) -> None:
            for product in self.reorder_model.rows():
                if product.gtin == gtin:
                    self.reorder_model.put(replace(product, reorder_level=old))
            set_message(self.reorder_result, "The reorder level was not saved.", "problem")
            self.show_error(error)

        def saved(product: ProductInfo) -> None:
            self.reorder_model.put(product)
            set_message(
                self.reorder_result,
                f"{product.name}: the dashboard warns below "
                f"{fmt.count(product.reorder_level)} units.",
                "success",
            )
            self.changed.emit()

        self.run(
            lambda: catalog.set_reorder_level(db, gtin, level, by=actor),
            saved,
            failed,
            label="reorder level",
        )

    # -- where the ledger lives

    def _show_location(self) -> None:
        """The ledger in use; and what the workstation file says, when that differs."""
        in_use = workstation.describe_url(self.ctx.db_url)
        self.location.setText(f"In use: {in_use}")
        try:
            saved = workstation.read(self.ctx.data_dir)
        except LedgerError as error:
            self._note(error.message)
            return
        if saved is None:
            self._note(
                "No choice is saved on this PC yet: it uses the ledger in its data folder."
                if in_use.startswith("This PC") else ""
            )
            return
        if saved.describe() == in_use:
            self._note("")
        elif self._saved_here:
            self._note(f"From the next start: {saved.describe()}.")
        else:  # not changed here since the start: --db or the variable chose this start's
            self._note(
                f"Saved on this PC: {saved.describe()}. This start was told to use another "
                "ledger (--db or STERILE_LEDGER_DB), which wins over the saved choice."
            )

    _saved_here = False
    """The choice was changed in this window (it applies from the next start)."""

    def _note(self, text: str) -> None:
        self.location_note.setText(text)
        self.location_note.setVisible(bool(text))

    def choose_location(self) -> None:
        if not self.ctx.actor.can("settings"):
            set_message(self.location_result, who_can("settings"), "problem")
            self.location_result.show()
            return
        if self._choice is not None:
            self._choice.raise_()
            return
        try:
            current = workstation.read(self.ctx.data_dir)
        except LedgerError:
            current = None  # a damaged file: the dialog writes a good one
        dialog = LedgerChoiceDialog(first_start=False, current=current, parent=self)
        dialog.finished.connect(lambda result: self._location_chosen(dialog, result))
        self._choice = dialog
        dialog.open()

    def _location_chosen(self, dialog: LedgerChoiceDialog, result: int) -> None:
        self._choice = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or dialog.saved is None:
            return
        self._saved_here = True
        self._show_location()
        set_message(
            self.location_result,
            f"Saved: {dialog.saved.describe()}. Restart Sterile Ledger (quit and start it "
            "again) to open the ledger there.",
            "success",
        )
        self.location_result.show()

    # -- this workstation

    def _scanner_changed(self, *_args: object) -> None:
        method = self.method.currentData()
        self.fkey.setEnabled(method == "fkey")
        self.ctx.prefs.set_scanner(method, self.fkey.currentText())

    def _tried(self, text: str) -> None:
        """Judge the separator that arrived, not only whether something parsed: a scan
        with its separator typed as "0029" can still parse, into the wrong lot."""
        shown = text.replace(GS, SHOWN_SEPARATOR)
        methods = self.try_scan.last_methods
        try:
            scan = parse_scan(text)
        except BarcodeUnreadable as error:
            advice = ""
            if error.code == "separator_as_digits" or "digits 0029" in error.message:
                advice = (
                    " The scanner's separator arrived as the digits 0029, without Alt held: "
                    "set the scanner to send Ctrl+] (ASCII 29), the most reliable way, and "
                    "choose that above."
                )
            set_message(
                self.try_result, f"Read “{shown}”: {error.message}{advice}", "problem"
            )
            return
        if scan.unit_code:
            what = f"a Sterile Ledger unit label, unit {scan.unit_code}"
        else:
            parts = [f"GTIN {scan.gtin}"]
            if scan.lot:
                parts.append(f"lot {scan.lot}")
            if scan.expiry:
                parts.append(f"expiry {scan.expiry.isoformat()}")
            if scan.serial:
                parts.append(f"serial {scan.serial}")
            what = ", ".join(parts)
        verdict, kind = separator_verdict(methods, self.ctx.prefs.scanner_method)
        set_message(self.try_result, f"Read “{shown}”: {what}. {verdict}", kind)

    def _forget_layout(self) -> None:
        self.ctx.prefs.forget_layout()
        set_message(self.try_result, "The window layout will start afresh next time.")


def separator_verdict(methods: list[str], setting: str) -> tuple[str, str]:
    """What "Try it" says of the separators that arrived, and how it reads (message kind).

    No separator is fine only for a barcode whose lot or serial is its last field, so
    it is not called a working scanner; a separator that arrived another way than the
    setting works here but is said, so the setting can match the scanner.
    """
    if not methods:
        return (
            "No group separator arrived, so the separator was not tested. Scan a box whose "
            "barcode has both a lot and a serial, or a lot before the expiry, to test it.",
            "",
        )
    ways = sorted(set(methods), key=methods.index)
    words = " and ".join(METHOD_WORDS.get(m, m) for m in ways)
    count = "The separator" if len(methods) == 1 else f"All {len(methods)} separators"
    arrived = f"{count} arrived as {words}."
    expected = {"ctrl": {"ctrl", "ascii29"}, "fkey": {"fkey"}, "alt0029": {"alt0029"}}
    if set(ways) <= expected.get(setting, set()):
        return f"The scanner works. {arrived}", "success"
    setting_words = SCANNER_METHODS.get(setting, setting)
    return (
        f"{arrived} The setting here is “{setting_words}”: it was read right, but choose "
        "the setting that matches the scanner so every workstation reads it the same way.",
        "",
    )


def _safe_url(url: str) -> str:
    """The database URL without a password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
