"""Who is acting, and what their role lets them do: checked in every service.

Every service that changes the ledger takes the signed-in :class:`Actor` and asks
:meth:`Actor.require` first, so the desktop app and the command line cannot differ.
Roles (DESIGN.md, Who uses it):

- **manager**: everything, including staff and settings;
- **practitioner**: treatment sessions, chair scans, quarantining a unit;
- **inspector**: reads and exports; changes nothing, anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory.errors import LedgerError
from inventory.keyring import Keyring
from inventory.needles import mm_text

CAN: dict[str, frozenset[str]] = {
    "manager": frozenset(
        {
            "catalogue",
            "receive",
            "sessions",
            "chair",
            "quarantine_unit",
            "holds",
            "recalls",
            "recall_contacts",
            "forms",
            "override",
            "pens",
            "pen_cleaning",
            "sharps",
            "sterilizer",
            "settings",
            "staff",
            "backup",
            "restore",
            "export",
            "labels",
            "client_names",
            "own_password",
        }
    ),
    "practitioner": frozenset(
        {
            "sessions",
            "chair",
            "quarantine_unit",
            "recall_contacts",
            "pen_cleaning",
            "sharps",
            "sterilizer",
            "own_password",
        }
    ),
    "inspector": frozenset({"export"}),  # not even their own password: a manager resets it
}
WHAT = {
    "catalogue": "change the product catalogue",
    "receive": "receive deliveries",
    "sessions": "open or close treatment sessions",
    "chair": "use units at the chair",
    "quarantine_unit": "quarantine a unit",
    "holds": "quarantine a lot, release, waste or return stock",
    "recalls": "enter, handle or close recalls",
    "recall_contacts": "record that a client was told of a recall",
    "forms": "change the screening, consent and aftercare forms or the depth guidance",
    "override": "override a positive screening answer",
    "pens": "add or retire pens",
    "pen_cleaning": "record a pen's cleaning",
    "sharps": "open, seal or hand over sharps containers",
    "sterilizer": "record sterilizer cycles and indicator results",
    "settings": "change the clinic's settings",
    "staff": "manage staff accounts",
    "backup": "make backups",
    "restore": "restore a backup",
    "export": "export reports",
    "labels": "print unit labels",
    "client_names": "export client names",
    "own_password": "change their own password",
}
ROLE_WORDS = {"manager": "a manager", "practitioner": "a practitioner", "inspector": "an inspector"}


class NotAllowed(LedgerError):
    """The signed-in person's role does not include this; nothing was changed."""

    code = "not_allowed"


@dataclass(frozen=True)
class Actor:
    """A signed-in person: their account, role, scope of practice and unlocked keys."""

    staff_id: int
    name: str
    role: str
    max_depth_um: int | None = None
    keys: Keyring = field(default_factory=Keyring, repr=False, compare=False)

    @property
    def changes_nothing(self) -> bool:
        """An inspector's work leaves no trace in the ledger (their files name them)."""
        return self.role == "inspector"

    def can(self, capability: str) -> bool:
        return capability in CAN.get(self.role, frozenset())

    def require(self, capability: str) -> None:
        """Refuse, in words, what this person's role does not include."""
        if not self.can(capability):
            who = ROLE_WORDS.get(self.role, self.role)
            allowed = sorted(r for r, caps in CAN.items() if capability in caps)
            raise NotAllowed(
                f"{self.name} is signed in as {who}, who cannot "
                f"{WHAT.get(capability, capability)}; that needs "
                + " or ".join(ROLE_WORDS[r] for r in allowed)
                + ". Nothing was changed."
            )

    @property
    def scope_text(self) -> str:
        if self.max_depth_um is None:
            return "no needle-depth limit"
        return f"needles up to {mm_text(self.max_depth_um)} mm"


SYSTEM = Actor(staff_id=0, name="Sterile Ledger", role="system")
"""The app itself, for the few records no person makes (a clock found behind)."""
