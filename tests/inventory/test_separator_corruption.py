"""A scanner's separator typed as the digits 0029 (Alt+0029 not composed) is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.barcode import GS, parse_for_receiving, parse_scan
from inventory.errors import BarcodeUnreadable

GTIN = "09506000100029"  # ends in 0029 itself: a GTIN is never suspected
HEAD = f"01{GTIN}17270131"
LOT_CHARS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


def test_the_issue_16_scan_is_refused_saying_to_check_the_setting() -> None:
    with pytest.raises(BarcodeUnreadable) as refused:
        parse_for_receiving(f"{HEAD}10GUIALT0029" + "21SALT01")
    assert refused.value.code == "separator_as_digits"
    assert "Alt+0029" in refused.value.message
    assert "separator setting (Settings" in refused.value.message


def test_digits_0029_before_a_fixed_field_are_refused() -> None:
    with pytest.raises(BarcodeUnreadable) as refused:
        parse_scan(f"01{GTIN}17270131" + "0029" + "10LOT1")
    assert refused.value.code == "separator_as_digits"


def test_a_swallowed_expiry_after_0029_says_alt_0029() -> None:
    with pytest.raises(BarcodeUnreadable) as refused:
        parse_scan(f"01{GTIN}10LOT1" + "0029" + "17301231")
    assert refused.value.code == "swallowed_separator"
    assert "Alt+0029" in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        f"{HEAD}10LOT0029X",  # 0029 inside a lot, nothing that reads as a field after it
        f"{HEAD}10LOT1{GS}21SN0029",  # at the end of a serial
        f"{HEAD}10A002910B{GS}21X",  # "10B" after it, but the lot is already there
        f"{HEAD}21SN1{GS}10LOT0029",
    ],
)
def test_a_lot_or_serial_that_merely_holds_0029_still_reads(text: str) -> None:
    parse_for_receiving(text)


@given(lot=LOT_CHARS, serial=LOT_CHARS)
def test_any_lot_with_the_serial_typed_after_0029_is_refused(lot: str, serial: str) -> None:
    with pytest.raises(BarcodeUnreadable) as refused:
        parse_scan(f"{HEAD}10{lot}0029" + f"21{serial}")
    assert refused.value.code in ("separator_as_digits", "swallowed_separator")


@given(lot=LOT_CHARS, serial=LOT_CHARS)
def test_the_same_scan_with_its_separator_reads_right(lot: str, serial: str) -> None:
    scan = parse_scan(f"{HEAD}10{lot}{GS}21{serial}")
    assert (scan.lot, scan.serial) == (lot, serial)
