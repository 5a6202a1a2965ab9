"""Where this PC's ledger lives: this PC's shared folder, or a PostgreSQL server.

Asked once, at the first start of a PC with no workstation file (inventory.workstation),
and again from Settings > Where the ledger lives. The same page serves both. For a
server, "Test connection" logs in once on a worker thread and says what it found, or
the server's refusal in words; Continue (or Save) tests again when the fields changed
since the last good test, so nothing is saved that cannot be reached. The password goes
to the password file beside the workstation file, never into it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory import workstation
from inventory.errors import LedgerError
from inventory.paths import data_dir
from inventory.workstation import Location, Server, ServerCheck, ThisPC
from ui.errors import show_unexpected
from ui.icons import icon
from ui.widgets import button, hint, message, named, panel, prose, set_message, title
from ui.worker import Worker


class LedgerChoicePage(QWidget):
    """The choice itself: two options, a server's fields and a connection test."""

    tested = Signal(bool)
    """A connection test ended (True: the server let us in)."""
    grew = Signal()
    """A message appeared: the window may need to grow so that no field is squeezed."""

    def __init__(self, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.folder = data_dir()
        self._good: tuple[Server, str] | None = None
        """The server and password of the last successful test."""
        self.last_check: ServerCheck | None = None

        self.this_pc = named(
            QRadioButton("This PC (shared by all its users)"),
            "This PC (shared by all its users)",
            "One ledger file on this computer, the same for every Windows login",
        )
        self.server = named(
            QRadioButton("A PostgreSQL server"),
            "A PostgreSQL server",
            "For a clinic with several workstations: all of them use the one server",
        )
        self.group = QButtonGroup(self)
        self.group.addButton(self.this_pc)
        self.group.addButton(self.server)
        self.this_pc.setChecked(True)
        self.folder_line = named(QLabel(f"Folder: {self.folder}"), "This PC's ledger folder")
        self.folder_line.setObjectName("hint")
        self.folder_line.setWordWrap(True)

        self.host = named(QLineEdit(), "Server", "The server's name or address on the network")
        self.host.setPlaceholderText("e.g. ledger-server or 192.168.1.20")
        self.port = named(QSpinBox(), "Port")
        self.port.setRange(1, 65535)
        self.port.setValue(workstation.DEFAULT_PORT)
        self.port.setMaximumWidth(110)
        self.database = named(QLineEdit("sterile_ledger"), "Database name")
        self.user = named(QLineEdit(), "User name", "The workstations' login on the server")
        self.user.setPlaceholderText("e.g. sterile_app")
        self.password = named(QLineEdit(), "Server password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.test_button = button(
            "Test connection", "Test connection", "Log in to the server once and say what it found"
        )
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test)
        self.result = message("Connection test result")
        self.result.hide()

        self.server_box = panel()
        form = QFormLayout()
        form.addRow("Ser&ver", self.host)
        form.addRow("P&ort", self.port)
        form.addRow("&Database", self.database)
        form.addRow("&User", self.user)
        form.addRow("Pass&word", self.password)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        server_layout = QVBoxLayout(self.server_box)
        server_layout.addLayout(form)
        server_layout.addLayout(test_row)
        server_layout.addWidget(self.result)
        server_layout.addWidget(
            hint(
                "The password is kept in a separate password file in the folder above, "
                "readable by this PC only, never in the settings file."
            )
        )

        local_box = panel()
        local_layout = QVBoxLayout(local_box)
        local_layout.addWidget(self.this_pc)
        local_layout.addWidget(
            prose(
                "The ledger is a file in this PC's shared data folder: every Windows login "
                "on this PC uses the same ledger. Best for a clinic with one front-office PC."
            )
        )
        local_layout.addWidget(self.folder_line)
        remote_box = panel()
        remote_layout = QVBoxLayout(remote_box)
        remote_layout.addWidget(self.server)
        remote_layout.addWidget(
            prose(
                "For several workstations: each PC of the clinic uses the same database on "
                "the clinic's server. Whoever set up the server gives you these details."
            )
        )
        remote_layout.addWidget(self.server_box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(local_box)
        layout.addWidget(remote_box)
        self.server.toggled.connect(self._kind_changed)
        for field in (self.host, self.database, self.user, self.password):
            field.textChanged.connect(self._forget_test)
        self.port.valueChanged.connect(self._forget_test)
        self._kind_changed()

    # -- the fields

    def show_location(self, location: Location | None) -> None:
        """Fill the page from a saved choice (the password is never shown)."""
        if isinstance(location, Server):
            self.server.setChecked(True)
            self.host.setText(location.host)
            self.port.setValue(location.port)
            self.database.setText(location.database)
            self.user.setText(location.user)
            if workstation.has_saved_password():
                self.password.setPlaceholderText("Saved (leave empty to keep it)")
        else:
            self.this_pc.setChecked(True)

    def _kind_changed(self, *_args: object) -> None:
        self.server_box.setEnabled(self.server.isChecked())

    def _forget_test(self, *_args: object) -> None:
        self._good = None
        self.result.hide()

    def typed_server(self) -> tuple[Server | None, str]:
        """The server in the fields, or None with what is missing."""
        missing = [
            label
            for label, field in (
                ("the server's name", self.host),
                ("the database name", self.database),
                ("the user name", self.user),
            )
            if not field.text().strip()
        ]
        if missing:
            return None, "Type " + " and ".join(missing) + "."
        server = Server(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
        )
        return server, ""

    def typed_password(self, server: Server) -> str:
        """The password typed, or the one saved for the same user when left empty."""
        typed = self.password.text()
        if typed or not self.password.placeholderText().startswith("Saved"):
            return typed
        return workstation.saved_password(server.user)

    def chosen(self) -> Location | None:
        if self.this_pc.isChecked():
            return workstation.this_pc(self.folder)
        server, _problem = self.typed_server()
        return server

    @property
    def tested_ok(self) -> bool:
        server, _ = self.typed_server()
        return (
            server is not None
            and self._good is not None
            and self._good == (server, self.typed_password(server))
        )

    # -- the connection test

    def say(self, text: str, kind: str = "") -> None:
        set_message(self.result, text, kind)
        self.result.show()
        self.grew.emit()

    def test(self) -> None:
        if self._testing:
            return
        server, problem = self.typed_server()
        if server is None:
            self.say(problem, "problem")
            return
        password = self.typed_password(server)
        self._testing = True
        self.test_button.setEnabled(False)
        self.test_button.setText("Testing…")
        self.say(f"Connecting to {server.host}…")

        def done(check: ServerCheck) -> None:
            self._good = (server, password)
            self.last_check = check
            self._tested()
            self.say(check.sentence, "success")
            self.tested.emit(True)

        def failed(error: BaseException) -> None:
            self._tested()
            if isinstance(error, LedgerError):
                self.say(error.message, "problem")
            else:
                self.say("The connection could not be tested.", "problem")
                show_unexpected(self, error)
            self.tested.emit(False)

        self.worker.submit(
            lambda: workstation.check_server(server, password),
            success=done,
            failure=failed,
            owner=self,
            label="connection test",
        )

    def _tested(self) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        self.test_button.setText("Test connection")

    _testing = False

    @property
    def testing(self) -> bool:
        """A connection test is under way (its answer has not come back yet)."""
        return self._testing


class LedgerChoiceDialog(QDialog):
    """Ask where the ledger lives and save the answer in the workstation file.

    ``first_start``: Quit leaves the app; otherwise (Settings) Cancel changes nothing.
    """

    def __init__(
        self,
        *,
        first_start: bool = True,
        current: Location | None = None,
        problem: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.first_start = first_start
        self.saved: Location | None = None
        self.saved_file: Path | None = None
        self.worker = Worker(self)
        self.setWindowTitle(
            "Sterile Ledger: " + ("first start" if first_start else "where the ledger lives")
        )
        self.setAccessibleName("Where the ledger lives")
        self.setWindowIcon(icon("app"))
        self.page = LedgerChoicePage(self.worker, self)
        self.page.show_location(current)
        self.page.tested.connect(self._tested)
        self.problem = message("Ledger choice problem")
        self.problem.hide()
        if first_start:
            self.leave = button("Quit", "Quit", "Close Sterile Ledger; nothing is saved")
            self.go = button(
                "Continue", "Continue", "Keep this choice and set up the ledger", "", True
            )
        else:
            self.leave = button("Cancel", "Cancel", "Keep the ledger where it is")
            self.go = button(
                "Save", "Save", "Keep this choice; Sterile Ledger uses it from its next start",
                "", True,
            )
        self.leave.setAutoDefault(False)
        self.leave.clicked.connect(self.reject)
        self.go.setDefault(True)
        self.go.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.leave)
        buttons.addStretch(1)
        buttons.addWidget(self.go)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        if first_start:
            layout.addWidget(title("Welcome to Sterile Ledger", wrap=True))
            layout.addWidget(
                prose(
                    "First, where does this PC's ledger live? The ledger is the clinic's "
                    "record of every cartridge received, used, quarantined or thrown away. "
                    "You choose once; a manager can change it later in Settings."
                )
            )
        else:
            layout.addWidget(title("Where the ledger lives", wrap=True))
            layout.addWidget(
                prose(
                    "Sterile Ledger opens the ledger chosen here from its next start. The "
                    "ledger in use now is not moved or changed (to move its records to a "
                    "server, use db copy-to)."
                )
            )
        layout.addWidget(self.page)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(680)
        self.page.grew.connect(self.fit)
        if problem:
            self._problem(problem)
        self.fit()

    def fit(self) -> None:
        """As tall as the content needs at this width (wrapped labels squeeze the fields)."""
        self.adjustSize()
        layout = self.layout()
        if layout.hasHeightForWidth():
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())))

    def _problem(self, text: str) -> None:
        set_message(self.problem, text, "problem")
        self.problem.show()
        self.fit()

    def save(self) -> None:
        """Keep the choice: a server only once it has let us in with these details."""
        if self.page.testing:
            return
        self.problem.hide()
        chosen = self.page.chosen()
        if chosen is None:
            _server, problem = self.page.typed_server()
            self._problem(problem)
            return
        if isinstance(chosen, Server) and not self.page.tested_ok:
            self._saving = True
            self.page.test()
            return
        self._write(chosen)

    _saving = False

    def _tested(self, ok: bool) -> None:
        if not self._saving:
            return
        self._saving = False
        if ok:
            chosen = self.page.chosen()
            if chosen is not None:
                self._write(chosen)
        else:
            self._problem("Nothing was saved: the server could not be used (see above).")

    def _write(self, chosen: Location) -> None:
        password = self.page.typed_password(chosen) if isinstance(chosen, Server) else None
        try:
            self.saved_file = workstation.write(chosen, password=password)
        except OSError as error:
            self._problem(
                f"The choice could not be saved in {workstation.config_path()} "
                f"({error.strerror or error}). Ask whoever looks after this PC to let your "
                "account change files in that folder."
            )
            return
        self.saved = chosen
        self.accept()

    def done(self, result: int) -> None:
        super().done(result)
        self.worker.stop()


def describe(location: Location | None) -> str:
    """The place in a manager's words."""
    if location is None:
        return f"This PC: {workstation.this_pc().file}"
    return location.describe()


__all__ = ["LedgerChoiceDialog", "LedgerChoicePage", "ThisPC", "describe"]
