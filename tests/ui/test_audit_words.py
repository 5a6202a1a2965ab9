"""The Audit screen speaks the clinic's language: words for fields, yes/no, clinic time.

A manager reading the trail, or an inspector looking over their shoulder, sees
"deeper than planned, confirmed: no", not "deeper_confirmed: False"; times on the
clinic's clock with the offset; and the date filter ends on the clinic's own date,
whatever this PC's clock or zone says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QComboBox, QDateEdit
from pytestqt.qtbot import QtBot

from inventory import receiving
from inventory.clock import FixedClock
from tests.ui.helpers import find, wait_idle
from ui.main_window import MainWindow
from ui.models.audit import values_words
from ui.screens.audit import AuditScreen

Opener = Callable[..., MainWindow]
BRISBANE = ZoneInfo("Australia/Brisbane")


def test_stored_values_read_as_words() -> None:
    raw = (
        '{"deeper_confirmed": false, "planned_depth_um": 500, "status": "in_stock", '
        '"closed_at": "2026-03-10T20:15:00+00:00", "serial": null, "kind": "pen_cartridge", '
        '"lots": ["L1", "L2"], "active": true}'
    )
    assert values_words(raw, BRISBANE) == (
        "deeper than planned, confirmed: no, planned depth: 0.5 mm, status: in stock, "
        "closed: 2026-03-11 06:15:00 +10:00, serial: none, kind: pen cartridge, "
        "lots: L1, L2, active: yes"
    )
    assert values_words('{"reason": "dented", "status": "quarantined"}', BRISBANE) == (
        "reason: dented, status: quarantined"
    )
    assert values_words(None, BRISBANE) == ""


def test_the_audit_table_has_no_codes_true_false_or_utc(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult
) -> None:
    window = open_window("audit")
    screen = window.screens["audit"]
    assert isinstance(screen, AuditScreen)
    qtbot.waitUntil(lambda: screen.model.total is not None and screen.model.rowCount() > 0)
    model = screen.model
    shown = [model.index(r, c).data() or "" for r in range(model.rowCount()) for c in (3, 4, 6, 7)]
    assert shown
    for text in shown:
        assert "True" not in text and "False" not in text, text
        fields = [part.split(":")[0] for part in text.split(", ") if ":" in part]
        assert all("_" not in field for field in fields), text
    for row in range(model.rowCount()):
        assert model.index(row, 1).data().endswith("+10:00")  # clinic time, with its offset
    actions = find(screen, QComboBox, "Action filter")
    words = [actions.itemText(i) for i in range(actions.count())]
    assert all("_" not in word for word in words), words


def test_the_default_period_ends_on_the_clinics_date(
    qtbot: QtBot, open_window: Opener, stocked: receiving.ReceiptResult, clock: FixedClock
) -> None:
    clock.advance(hours=19)  # 20:30 UTC on 10 March: already 11 March in Brisbane
    window = open_window("audit")
    wait_idle(qtbot, window)
    until = find(window.screens["audit"], QDateEdit, "To date").date()
    assert date(until.year(), until.month(), until.day()) == date(2026, 3, 11)
    since = find(window.screens["audit"], QDateEdit, "From date").date()
    assert date(since.year(), since.month(), since.day()) == date(2026, 2, 9)
