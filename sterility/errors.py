"""Why a scan at the chair was refused: one typed error per reason, each with a sentence."""

from __future__ import annotations

from inventory.errors import LedgerError


class ScanRefused(LedgerError):
    """A scan at the chair that was refused and recorded."""

    code = "refused"

    def __init__(
        self, message: str, *, code: str | None = None, refusal_id: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.refusal_id = refusal_id


class UnitAlreadyUsed(ScanRefused):
    code = "already_used"


class UnitExpired(ScanRefused):
    code = "expired"


class UnitRecalled(ScanRefused):
    code = "recalled"


class UnitQuarantined(ScanRefused):
    code = "quarantined"


class UnitWasted(ScanRefused):
    code = "wasted"


class UnitReturned(ScanRefused):
    code = "returned"


class UnknownUnit(ScanRefused):
    code = "unknown_code"


class ScanUnreadable(ScanRefused):
    code = "unreadable"


class NotAUnit(ScanRefused):
    code = "not_a_unit"


class SessionClosed(ScanRefused):
    code = "session_closed"


class NoSuchSession(ScanRefused):
    code = "no_session"


class DeeperThanPlanned(ScanRefused):
    """The needles are longer than the session's planned depth: confirm to go on."""

    code = "deeper_than_planned"


class LabelMismatch(ScanRefused):
    """The label's own lot or expiry differs from what was received: trust neither."""

    code = "label_mismatch"


class NotYourSession(ScanRefused):
    """A practitioner scanning into another practitioner's session."""

    code = "not_your_session"


class BeyondScope(ScanRefused):
    """Deeper than the practitioner's scope of practice allows: no confirmation lifts it."""

    code = "beyond_scope"


class UnitBusy(ScanRefused):
    """Another workstation holds the unit's lock: we do not hang, we say so."""

    code = "unit_busy"


class ScreeningPositive(ScanRefused):
    """A "yes" on the screening form and no manager's override: the session is not opened."""

    code = "screening_positive"


class OutsideRange(ScanRefused):
    """The cartridge's needles are outside the depth range of the session's concern."""

    code = "outside_range"


class PackQuarantined(ScanRefused):
    """An instrument pack of a sterilizer load that failed an indicator."""

    code = "pack_quarantined"


class PackUsed(ScanRefused):
    """An instrument pack already opened for a session."""

    code = "pack_used"


class PackUnknown(ScanRefused):
    """A pack code that is on no sterilizer load."""

    code = "pack_unknown"


REFUSALS: dict[str, type[ScanRefused]] = {
    cls.code: cls
    for cls in (
        UnitAlreadyUsed,
        UnitExpired,
        UnitRecalled,
        UnitQuarantined,
        UnitWasted,
        UnitReturned,
        UnknownUnit,
        ScanUnreadable,
        NotAUnit,
        SessionClosed,
        NoSuchSession,
        DeeperThanPlanned,
        LabelMismatch,
        BeyondScope,
        NotYourSession,
        UnitBusy,
        ScreeningPositive,
        OutsideRange,
        PackQuarantined,
        PackUsed,
        PackUnknown,
    )
}
