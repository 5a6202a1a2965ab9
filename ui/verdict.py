"""The chair's verdict: a full-width banner that cannot be misread, even from a step away.

Green with the unit's product and lot when it may be used; red with the reason in plain
words when it may not; amber when the practitioner must confirm. Colour is never the only
signal: the headline says it in words and the icon differs in shape (tick, cross,
triangle), for staff who do not tell red from green.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from sterility.chair import Verdict
from ui import fmt
from ui.icons import icon
from ui.widgets import BUSY_CODES, ResultLabel, restyle

HEADLINES = {
    "used": "OK to use",
    "already_in_this_session": "Already recorded in this session",
    "already_used": "Do not use: already used",
    "expired": "Do not use: expired",
    "recalled": "Do not use: recalled",
    "quarantined": "Do not use: in quarantine",
    "wasted": "Do not use: discarded as waste",
    "returned": "Do not use: returned to supplier",
    "unknown_code": "Do not use: unknown unit",
    "unreadable": "Not read: scan again",
    "not_a_unit": "Not a unit label",
    "session_closed": "This session is closed",
    "no_session": "No such session",
    "deeper_than_planned": "Deeper than planned",
    "outside_range": "Outside the clinic's range",
    "needs_confirmation": "Confirm before opening",
    "screening_positive": "Not opened: screening positive",
    "pack_quarantined": "Do not use: pack quarantined",
    "pack_used": "Do not use: pack already used",
    "pack_unknown": "Do not use: unknown pack",
    "label_mismatch": "Do not use: label does not match",
    "unit_busy": "Busy: scan again",
    "busy": "Busy: another workstation is writing; scan again",
}

_ICONS = {
    "ok": "verdict-ok",
    "refused": "verdict-refused",
    "confirm": "verdict-confirm",
    "info": "verdict-info",
    "wait": "verdict-info",
}


def headline_for(code: str) -> str:
    """The verdict's words for a refusal reason (also used in lists of refusals)."""
    return HEADLINES.get(code, "Do not use: " + code.replace("_", " "))


class VerdictBanner(QFrame):
    """Shows the last scan's verdict until the next scan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.setAccessibleName("Verdict")
        self.state = "idle"
        self.code = ""
        self.icon = QLabel()
        self.icon.setFixedSize(64, 64)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline = ResultLabel("", "Verdict headline", quiet=True)  # the banner announces
        self.headline.setObjectName("verdictHeadline")
        self.headline.setWordWrap(True)
        self.details = ResultLabel("", "Verdict details", quiet=True)
        self.details.setObjectName("verdictDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        text = QVBoxLayout()
        text.setSpacing(6)
        text.addStretch(1)
        text.addWidget(self.headline)
        text.addWidget(self.details)
        text.addStretch(2)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(18)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(text, 1)
        self.setMinimumHeight(170)
        self.show_idle("Open a session, then scan the unit's label.")

    def show_accepted(self, verdict: Verdict) -> None:
        """Green for a unit recorded now; blue for one already in this session."""
        details = (
            f"{verdict.product}  ·  {fmt.mm(verdict.needle_length_um)} needles  ·  "
            f"lot {verdict.lot}  ·  expires {verdict.expiry.isoformat()}  ·  "
            f"unit {verdict.unit_code}"
        )
        if verdict.deeper_confirmed:
            details += "\nDeeper than planned: confirmed."
        if getattr(verdict, "outside_range_confirmed", False):
            details += "\nOutside the clinic's range for the concern: confirmed."
        if verdict.reason == "used":
            self._set("ok", verdict.reason, HEADLINES["used"], details)
        else:
            self._set("info", verdict.reason, headline_for(verdict.reason), verdict.message)

    def show_refused(self, code: str, message: str, headline: str = "") -> None:
        """Red for a "no"; another workstation writing is a wait, shown apart (slate)."""
        state = "wait" if code in BUSY_CODES else "refused"
        self._set(state, code, headline or headline_for(code), message)

    def show_confirm(self, message: str, code: str = "deeper_than_planned") -> None:
        """Amber: the practitioner decides (deeper than planned, outside the range)."""
        self._set("confirm", code, headline_for(code), message)

    def show_busy(self, scanned: str) -> None:
        shown = scanned.replace("\x1d", "\u241d")
        self._set("busy", "", "Checking…", shown)

    def show_idle(self, text: str) -> None:
        self._set("idle", "", "Ready to scan", text)

    def _set(self, state: str, code: str, headline: str, details: str) -> None:
        self.state, self.code = state, code
        self.setProperty("state", state)
        self.headline.setText(headline)
        self.details.setText(details)
        name = _ICONS.get(state)
        if name:
            self.icon.setPixmap(icon(name).pixmap(QSize(56, 56), self.devicePixelRatioF()))
        else:
            self.icon.clear()
        self.setAccessibleDescription(f"{headline}. {details}")
        restyle(self)
        for label in (self.headline, self.details):
            restyle(label)
        _announce(self, f"{headline}. {details}")


def _announce(widget: QWidget, text: str) -> None:
    """Tell a screen reader at once (Qt 6.8+), not only when focus moves."""
    try:
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
    except ImportError:  # older Qt: the accessible description still carries it
        return
    if QAccessible.isActive():
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(widget, text))
