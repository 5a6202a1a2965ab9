"""The client's aftercare sheet, read back as a client's PDF reader would show it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from inventory import settings
from inventory.access import NotAllowed
from inventory.clock import FixedClock, clinic_tz, local_date
from inventory.db import Database
from inventory.errors import InvalidInput
from inventory.models import AuditEvent
from reports.aftercare import SERIES_COMPLETE, write_aftercare
from sterility import forms, sessions
from sterility.care_models import FormVersion
from tests.people import clear_intake, staff
from tests.reports.conftest import pdf_text

MANAGER = "Test Manager"
CONTACT = "07 5555 0142 · care@harbourskin.example"
SPANISH = (
    "Durante las primeras 24 horas: nada de sol, maquillaje ni productos agresivos.\n\n"
    "Cada día: limpiador suave, crema hidratante sin perfume y protector solar SPF 30+.\n\n"
    "De 5 a 7 días: nada de exfoliantes ni retinoides.\n\n"
    "Llame a la clínica si el enrojecimiento dura más de 3 días."
)
ARABIC = (
    "خلال أول 24 ساعة: تجنبي الشمس والمكياج والمنتجات القاسية.\n"
    "- استخدمي واقي الشمس يوميا.\n"
    "اتصلي بالعيادة إذا استمر الاحمرار أكثر من 3 أيام."
)


def _clinic(db: Database) -> None:
    by = staff("setup")
    settings.set_value(db, "clinic_name", "Harbour Skin Clinic", by=by)
    settings.set_value(db, "clinic_contact", CONTACT, by=by)


def _session(
    db: Database, clock: FixedClock, *, client: str = "C-1042", language: str = "", **intake: object
) -> int:
    clock.advance(hours=1)
    info = sessions.open_session(
        db,
        client_ref=client,
        area="face",
        depth_mm="1.5",
        by=staff("Sam"),
        intake=clear_intake(concern="acne_scars", language=language, **intake),
    )
    clock.advance(minutes=30)
    sessions.close_session(db, info.id, by=staff("Sam"), adverse="none")
    return info.id


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def _printed(db: Database, session_id: int) -> list[dict[str, object]]:
    with db.read() as conn:
        rows = conn.execute(
            select(AuditEvent.new_values, AuditEvent.actor).where(
                AuditEvent.action == "print_aftercare", AuditEvent.entity_id == str(session_id)
            )
        ).all()
    return [json.loads(values) | {"by": actor} for values, actor in rows]


def test_the_sheet_says_what_to_do_when_to_come_back_and_whom_to_call(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _clinic(db)
    session_id = _session(db, clock)
    path = write_aftercare(db, session_id, tmp_path / "aftercare.pdf", by=staff("Sam"))
    assert path == tmp_path / "aftercare.pdf" and not list(tmp_path.glob("*.partial"))
    text = _flat(pdf_text(path))
    for expected in (
        "Harbour Skin Clinic",
        CONTACT,
        f"Session {session_id}",
        "acne scars",
        "face",
        "24 hours",
        "5 to 7 days",
        "24 to 48 hours",
        "Caring for your skin after microneedling",
    ):
        assert expected in text, expected
    assert re.search(r"SPF 30(\+| or more)", text)
    with db.read() as conn:
        opened = sessions.get_session(conn, session_id).opened_at
        day = local_date(opened, clinic_tz(conn))
    earliest, latest = day + timedelta(days=28), day + timedelta(days=42)
    assert f"Due between {earliest.isoformat()} and {latest.isoformat()}" in text
    assert "session 2 of 3" in text
    assert "C-1042" not in text  # the session number only, never the client
    assert "Aftercare sheet version 1" in text  # the form's version, in small print
    assert _pages(path) == 1
    # Every font is embedded (a client's reader substitutes nothing).
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts.stdout
    # Printing is recorded: the version given and the file's digest.
    [event] = _printed(db, session_id)
    assert event["form_version"] == 1 and event["language"] == ""
    assert event["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event["by"] == "Sam"
    with db.read() as conn:  # the built-in text was stored as version 1 with the print
        stored = conn.execute(
            select(FormVersion.version).where(FormVersion.kind == "aftercare")
        ).scalars()
        assert list(stored) == [1]


def test_a_spanish_client_gets_the_spanish_version(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _clinic(db)
    forms.add_version(
        db,
        "aftercare",
        "Cuidados después del microneedling",
        SPANISH,
        by=staff(MANAGER),
        language="Español",
    )
    session_id = _session(db, clock, language="Español")
    other = _session(db, clock, client="C-2000", language="Deutsch")  # no German version
    path = write_aftercare(db, session_id, tmp_path / "es.pdf", by=staff("Sam"))
    text = _flat(pdf_text(path))
    assert "Cuidados después del microneedling" in text
    assert "Durante las primeras 24 horas" in text and "De 5 a 7 días" in text
    assert "SPF 30+" in text and CONTACT in text
    assert "Aftercare sheet (Español) version 1" in text
    assert _pages(path) == 1
    [event] = _printed(db, session_id)
    assert event["language"] == "Español" and event["form_version"] == 1
    # A language the clinic has no version in gets the clinic's own text.
    fallback = _flat(pdf_text(write_aftercare(db, other, tmp_path / "de.pdf", by=staff("Sam"))))
    assert "Caring for your skin after microneedling" in fallback
    assert "Durante" not in fallback


def test_an_arabic_sheet_reads_right_to_left(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _clinic(db)
    forms.add_version(
        db,
        "aftercare",
        "العناية بالبشرة بعد الوخز بالإبر الدقيقة",
        ARABIC,
        by=staff(MANAGER),
        language="العربية",
    )
    session_id = _session(db, clock, language="العربية")
    path = write_aftercare(db, session_id, tmp_path / "ar.pdf", by=staff("Sam"))
    text = unicodedata.normalize("NFKC", pdf_text(path))
    words = ["الشمس", "بالعيادة", "الاحمرار"]
    for word in words:  # extracted glyphs: the word in reading order or visual order
        assert word in text or word[::-1] in text, word
    assert "[U+" not in text
    # Each line of the Arabic text ends at the right margin.
    boxes = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    right = [
        float(m.group(1))
        for m in re.finditer(
            r'<line xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>\s*'
            r"<word[^>]*>([^<]*)",
            boxes,
        )
        if any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufefc" for ch in m.group(2))
    ]
    margin = 595.28 - 50  # A4's width less the sheet's margin; a bullet is indented
    assert right and all(margin - 16 < x < margin + 1 for x in right), right
    assert sum(1 for x in right if abs(x - margin) < 1) >= 3, right
    assert _pages(path) == 1


def test_the_last_session_of_a_series_says_it_is_complete(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _clinic(db)
    ids = []
    for _ in range(3):
        ids.append(_session(db, clock))
        clock.advance(days=30)
    last = _flat(pdf_text(write_aftercare(db, ids[-1], tmp_path / "last.pdf", by=staff("Sam"))))
    assert SERIES_COMPLETE in last and "Due between" not in last
    second = _flat(pdf_text(write_aftercare(db, ids[1], tmp_path / "2.pdf", by=staff("Sam"))))
    assert "session 3 of 3" in second


def test_who_may_print_and_nothing_left_on_error(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    _clinic(db)
    session_id = _session(db, clock)
    out = tmp_path / "out"
    out.mkdir()
    write_aftercare(db, session_id, out / "m.pdf", by=staff(MANAGER))
    with pytest.raises(NotAllowed):
        write_aftercare(db, session_id, out / "i.pdf", by=staff("Inspector"))
    with pytest.raises(InvalidInput, match="does not exist"):
        write_aftercare(db, session_id, out / "gone" / "x.pdf", by=staff("Sam"))
    with pytest.raises(InvalidInput, match="is a folder"):
        write_aftercare(db, session_id, out, by=staff("Sam"))
    assert sorted(p.name for p in out.iterdir()) == ["m.pdf"]
    assert [e["by"] for e in _printed(db, session_id)] == [MANAGER]


def test_the_chair_imports_the_sheet_without_the_drawing_code() -> None:
    from tests.reports.test_lazy_imports import HEAVY, loaded_after

    assert loaded_after("reports.aftercare", (*HEAVY, "uharfbuzz")) == []
