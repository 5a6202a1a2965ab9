"""What the signed-in person's role allows, shown on the controls themselves.

The services refuse whatever a role does not include (inventory.access); the screens
disable those controls as well, with a tooltip that says who can, so nobody has to try
a button to learn it is not theirs.
"""

from __future__ import annotations

from typing import Protocol

from inventory.access import CAN, ROLE_WORDS, WHAT, Actor

ROLES_IN_ORDER = ("manager", "practitioner", "inspector")
ROLE_NAMES = {"manager": "Manager", "practitioner": "Practitioner", "inspector": "Inspector"}
_ALLOWED_TIP = "allowedToolTip"


class Gated(Protocol):
    """A widget or an action: anything that can be enabled and has a tooltip."""

    def setEnabled(self, enabled: bool) -> None: ...
    def toolTip(self) -> str: ...
    def setToolTip(self, text: str) -> None: ...
    def property(self, name: str) -> object: ...
    def setProperty(self, name: str, value: object) -> bool: ...


def who_can(capability: str) -> str:
    """'Only a manager can receive deliveries.'"""
    roles = [ROLE_WORDS[r] for r in ROLES_IN_ORDER if capability in CAN.get(r, ())]
    what = WHAT.get(capability, capability)
    if not roles:
        return f"Nobody can {what}."
    return f"Only {' or '.join(roles)} can {what}."


def not_yours(actor: Actor, capability: str) -> str:
    """The tooltip on a control the signed-in person's role does not include."""
    role = ROLE_WORDS.get(actor.role, actor.role)
    return f"{who_can(capability)} {actor.name} is signed in as {role}."


def permit(control: Gated, actor: Actor, capability: str, ready: bool = True) -> bool:
    """Enable ``control`` when the role allows it and it is ``ready``; say who can if not."""
    allowed = actor.can(capability)
    original = control.property(_ALLOWED_TIP)
    if original is None:
        original = control.toolTip()
        control.setProperty(_ALLOWED_TIP, original)
    control.setEnabled(allowed and ready)
    control.setToolTip(str(original) if allowed else not_yours(actor, capability))
    return allowed


def signed_in_words(actor: Actor) -> str:
    """'Signed in as Sam Okafor (practitioner)'."""
    return f"Signed in as {actor.name} ({actor.role})"
