"""A small clinic month with every kind of record a compliance report must show."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from inventory import receiving, settings
from inventory.clock import FixedClock
from inventory.db import Database
from sterility import holds, recalls, sessions
from sterility.chair import use_unit
from sterility.errors import UnitAlreadyUsed
from tests.conftest import GTIN_05, GTIN_10, GTIN_ROLLER, add_products, box
from tests.people import clear_intake, staff

START, END = date(2026, 3, 1), date(2026, 3, 31)
CLIENTS = [
    "Мария Иванова",
    "Γιώργος Παπαδόπουλος",
    "فاطمة الزهراء",
    "李静",
    '=HYPERLINK("http://evil.example","x")',
]
PRACTITIONERS = ["Dr Amira Haddad", "李静 (Li Jing)"]


@dataclass
class Month:
    """What the scenario did, for the tests to look for in the report."""

    sessions: list[int]
    used_codes: list[str]
    refused_session: int
    refusal_message: str
    recall_reference: str
    quarantined: str
    wasted: str


def fill_month(db: Database, clock: FixedClock) -> Month:
    """Deliveries, five sessions (one per client), a refusal, a recall, quarantine, waste."""
    settings.set_value(db, "clinic_name", "Harbour Skin Clinic", by=staff("setup"))
    settings.set_value(db, "licence_number", "NSW-SK-2026-0142", by=staff("setup"))
    add_products(db)
    received = receiving.receive(
        db,
        [box(GTIN_05, "A100"), box(GTIN_10, "0B200"), box(GTIN_ROLLER, "R1", serial="SN0001")],
        by=staff("Test Manager"),
        supplier="MedSupply",
        invoice="INV-1",
    )
    codes_05 = received.lines[0].unit_codes
    codes_10 = received.lines[1].unit_codes
    session_ids, used = [], []
    for i, client in enumerate(CLIENTS):
        clock.advance(hours=3)
        info = sessions.open_session(
            db,
            client_ref=client,
            practitioner=PRACTITIONERS[i % 2],
            area="face",
            depth_mm="1.0",
            by=staff(PRACTITIONERS[i % 2]),
            intake=clear_intake(),
        )
        clock.advance(minutes=5)
        use_unit(db, info.id, codes_05[i], by=staff(PRACTITIONERS[i % 2]))
        used.append(codes_05[i])
        if i == 0:
            clock.advance(minutes=2)
            use_unit(
                db,
                info.id,
                box(GTIN_ROLLER, "R1", serial="SN0001"),
                by=staff(PRACTITIONERS[0]),
                allow_deeper=True,
            )
            used.append("SN0001")
        sessions.close_session(db, info.id, by=staff(PRACTITIONERS[i % 2]), adverse="none")
        session_ids.append(info.id)
    clock.advance(hours=1)
    again = sessions.open_session(
        db,
        client_ref="C-2000",
        practitioner=PRACTITIONERS[0],
        area="neck",
        depth_mm="0.5",
        by=staff(PRACTITIONERS[0]),
        intake=clear_intake(),
    )
    clock.advance(minutes=3)
    try:
        use_unit(db, again.id, codes_05[0], by=staff(PRACTITIONERS[0]))
    except UnitAlreadyUsed as refused:
        message = refused.message
    else:  # pragma: no cover - the chair must refuse a second use
        raise AssertionError("a used unit was accepted twice")
    clock.advance(days=2)
    recalls.enter_recall(
        db,
        gtin=GTIN_05,
        lots=["A100"],
        reference="FSN-2026-117",
        notice_text="Possible breach of the sterile barrier seal. Quarantine and return.",
        by=staff("Test Manager"),
    )
    clock.advance(hours=1)
    holds.quarantine(db, codes_10[0], reason="package dented", by=staff("Test Manager"))
    holds.waste(db, codes_10[1], reason="dropped on the floor", by=staff("Test Manager"))
    return Month(session_ids, used, again.id, message, "FSN-2026-117", codes_10[0], codes_10[1])


@pytest.fixture
def month(db: Database, clock: FixedClock) -> Month:
    return fill_month(db, clock)


def pdf_text(path: Path) -> str:
    """The PDF's text as a reader's copy-paste would give it (poppler's pdftotext)."""
    assert shutil.which("pdftotext"), "poppler-utils is needed (scripts/system-deps.sh)"
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def pages(path: Path) -> list[str]:
    return pdf_text(path).split("\f")


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
