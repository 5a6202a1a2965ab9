"""The pieces a reader notices without a database: CSV safety, scripts, fonts, local times."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.keyring import Keyring
from reports.cells import RISKY, neutral
from reports.csv_writer import CsvSection
from reports.data import Sql, offset_spans
from reports.fonts import report_fonts


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+61 400 000", "'+61 400 000"),
        ("-12", "-12"),  # a plain number (days left) is not a formula
        ("-1+1", "'-1+1"),
        ("@cmd", "'@cmd"),
        ("\tX", "'\tX"),
        ("\rX", "'\rX"),
        ("09506000100029", "09506000100029"),
        ("", ""),
        ("Dr Haddad", "Dr Haddad"),
    ],
)
def test_spreadsheet_formulas_are_made_inert(cell: str, written: str) -> None:
    assert neutral(cell) == written


@given(st.text())
def test_no_written_cell_starts_like_a_formula(cell: str) -> None:
    written = neutral(cell)
    plain_number = re.fullmatch(r"-[0-9]+(\.[0-9]+)?", written, flags=re.ASCII)
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r") or plain_number


def test_the_sql_guard_is_the_python_guard() -> None:
    cells = [f"{c}1" for c in RISKY] + ["", "09506000100029", "'=x", " =x", "李静", None]
    con = sqlite3.connect(":memory:")
    guard = Sql("sqlite", ZoneInfo("UTC")).neut("?")
    shown = [con.execute(f"SELECT {guard}", (c,) * guard.count("?")).fetchone()[0] for c in cells]
    assert shown == [neutral(c or "") for c in cells]


def test_csv_round_trip_keeps_leading_zeros_and_scripts(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    section = CsvSection("uses", ["gtin", "lot", "client"], path)
    section.row(["09506000100029", "007", "李静"])
    section.row(["00000000000017", "0B200", "=1+1"])
    digest = section.close()
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for spreadsheets
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["gtin"] for r in rows] == ["09506000100029", "00000000000017"]
    assert [r["lot"] for r in rows] == ["007", "0B200"]
    assert [r["client"] for r in rows] == ["李静", "'=1+1"]


def test_arabic_is_joined_and_right_to_left() -> None:
    def shown(text: str) -> str:
        return "".join(piece for _font, piece in report_fonts().regular.runs(text))

    # HarfBuzz: meem (isolated: the letter's own glyph), lam-alef ligature (final), seen
    # (initial), drawn right to left.
    assert [unicodedata.name(c) for c in shown("سلام")] == [
        "ARABIC LETTER MEEM",
        "ARABIC LIGATURE LAM WITH ALEF FINAL FORM",
        "ARABIC LETTER SEEN INITIAL FORM",
    ]
    # The Unicode bidi algorithm: left-to-right around it, the Arabic word reversed.
    assert shown("Ahmed (أحمد) ref 42").startswith("Ahmed (")
    assert shown("Ahmed (أحمد) ref 42").endswith(") ref 42")
    assert shown("Мария Иванова") == "Мария Иванова"  # left-to-right scripts untouched


@pytest.mark.parametrize(
    "name",
    [
        "李静 (Li Jing)",
        "Мария Иванова",
        "Γιώργος Παπαδόπουλος",
        "فاطمة الزهراء",
        "김민지",
        "さくら",
        "דוד כהן",
        "Nguyễn Văn A",
    ],
)
def test_names_in_any_script_have_glyphs(name: str) -> None:
    fonts = report_fonts()
    assert fonts.regular.missing(name) == []
    assert fonts.bold.missing(name) == []
    assert all(not piece.startswith("[U+") for _font, piece in fonts.regular.runs(name))


def test_a_character_without_any_font_prints_its_code_not_a_box() -> None:
    runs = report_fonts().regular.runs("A\U0001fae8B")
    assert "".join(piece for _font, piece in runs) == "A[U+1FAE8]B"


def test_pseudonyms_are_stable_keyed_and_not_the_name() -> None:
    ring = Keyring({"index": b"i" * 32, "pseudonym": b"k" * 32})
    other = Keyring({"index": b"i" * 32, "pseudonym": b"j" * 32})

    def one(ref: str) -> str:
        return ring.pseudonym(ring.client_key(ref))

    assert one("Мария Иванова") == one(" Мария Иванова ") == one("мария иванова")
    assert one("Мария Иванова") != other.pseudonym(ring.client_key("Мария Иванова"))
    assert "Мария" not in one("Мария Иванова") and one("C-1") != one("C-2")


def test_offset_changes_are_found_where_the_zone_changes() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    spans = offset_spans(
        sydney, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )
    # Summer time ends 2026-04-05 03:00 local (16:00 UTC the day before), starts 10-04.
    assert spans == [
        (datetime(2026, 4, 4, 16, 0, tzinfo=UTC), 660),
        (datetime(2026, 10, 3, 16, 0, tzinfo=UTC), 600),
        (None, 660),
    ]
    assert offset_spans(
        ZoneInfo("Asia/Kolkata"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    ) == [(None, 330)]
