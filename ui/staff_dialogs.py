"""Dialogs for staff accounts: add a person, reset or change a password, scope, deactivate.

Like every saving dialog here (ui.dialogs), OK does not close: the screen saves in the
background and either closes the dialog or shows the service's sentence in it, so the
person corrects the form instead of typing it again. Passwords typed twice are compared
here first; every other rule (length, a name already taken, the last manager) is the
service's, in its words.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from inventory.staff import MIN_PASSWORD
from ui.access import ROLE_NAMES
from ui.dialogs import NEEDLE_LENGTHS, SavingDialog
from ui.first_run import passwords_problem
from ui.widgets import hint, named

NO_LIMIT = "no limit"
ROLE_HINTS = {
    "practitioner": "Opens sessions for themselves and uses units at the chair.",
    "manager": "Everything: receiving, recalls, settings, staff, reports.",
    "inspector": "Reads and exports reports; changes nothing.",
}


def _password_field(name: str) -> QLineEdit:
    field = named(QLineEdit(), name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _scope_combo(current: str | None = None) -> QComboBox:
    combo = named(
        QComboBox(),
        "Deepest needle",
        "Scope of practice: the longest needles this person may use (mm)",
    )
    combo.setEditable(True)
    combo.addItem(NO_LIMIT)
    combo.addItems(NEEDLE_LENGTHS)
    combo.setCurrentText(current or NO_LIMIT)
    return combo


def _scope_value(combo: QComboBox) -> str | None:
    text = combo.currentText().strip().removesuffix("mm").strip()
    return None if text in ("", NO_LIMIT) else text


class _PasswordsDialog(SavingDialog):
    """A new password typed twice, compared before anything is sent."""

    new: QLineEdit
    again: QLineEdit

    def accept(self) -> None:
        problem = passwords_problem(self.new.text(), self.again.text())
        if problem:
            self.show_problem(problem)
            self.again.clear()
            self.new.setFocus()
            return
        super().accept()


class AddStaffDialog(_PasswordsDialog):
    """A manager adds a person: name, role, scope of practice, a first password."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add a staff account", "Add staff", parent)
        self.name = named(QLineEdit(), "Staff name", "The name they sign in with")
        self.role = named(QComboBox(), "Role")
        for role in ("practitioner", "manager", "inspector"):
            self.role.addItem(ROLE_NAMES[role], role)
        self.role_hint = hint(ROLE_HINTS["practitioner"], "Role explanation")
        self.scope = _scope_combo()
        self.new = _password_field("New password")
        self.again = _password_field("New password again")
        self.new.setPlaceholderText(f"At least {MIN_PASSWORD} characters")
        self.role.currentIndexChanged.connect(self._role_changed)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Role", self.role)
        form.addRow("", self.role_hint)
        form.addRow("&Deepest needle (mm)", self.scope)
        form.addRow("&Password", self.new)
        form.addRow("Password &again", self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Give the person their password in private; they can change it under "
                "Settings > Staff > Change my password."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.name.setFocus()

    def _role_changed(self, _index: int) -> None:
        role = self.role.currentData()
        self.role_hint.setText(ROLE_HINTS.get(role, ""))
        self.scope.setEnabled(role != "inspector")

    def values(self) -> dict[str, object]:
        role = self.role.currentData()
        return {
            "name": self.name.text(),
            "role": role,
            "password": self.new.text(),
            "max_depth_mm": None if role == "inspector" else _scope_value(self.scope),
        }


class ResetPasswordDialog(_PasswordsDialog):
    """A manager sets a new password for someone who forgot theirs."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Reset {name}'s password", "Reset password", parent)
        self.person = name
        self.new = _password_field("New password")
        self.again = _password_field("New password again")
        self.new.setPlaceholderText(f"At least {MIN_PASSWORD} characters")
        form = QFormLayout()
        form.addRow("&New password", self.new)
        form.addRow("Password &again", self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(f"{name} signs in with this password from now on; the old one stops working.")
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.new.setFocus()

    def password(self) -> str:
        return self.new.text()


class ChangePasswordDialog(_PasswordsDialog):
    """Anyone changes their own password; the current one proves it is them."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__("Change my password", "Change password", parent)
        self.current = _password_field("Current password")
        self.new = _password_field("New password")
        self.again = _password_field("New password again")
        self.new.setPlaceholderText(f"At least {MIN_PASSWORD} characters")
        form = QFormLayout()
        form.addRow("&Current password", self.current)
        form.addRow("&New password", self.new)
        form.addRow("Password &again", self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The password {name} signs in with."))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.current.setFocus()

    def passwords(self) -> tuple[str, str]:
        return self.current.text(), self.new.text()


class ScopeDialog(SavingDialog):
    """A person's scope of practice: the longest needles they may use."""

    def __init__(self, name: str, current: str | None, parent: QWidget | None = None) -> None:
        super().__init__(f"Scope of practice: {name}", "Save scope", parent)
        self.person = name
        self.scope = _scope_combo(current)
        form = QFormLayout()
        form.addRow("&Deepest needle (mm)", self.scope)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                f"Sessions planned deeper than this cannot be opened for {name}, and longer "
                "cartridges are refused at the chair."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def value(self) -> str | None:
        return _scope_value(self.scope)


class ConfirmDialog(SavingDialog):
    """A plain question with the action on its button; a refusal is shown in it."""

    def __init__(self, title: str, prompt: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(title, action, parent)
        text = QLabel(prompt)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
