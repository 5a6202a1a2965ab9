"""The client's aftercare sheet: one page printed when a session closes, recorded as printed.

What it says: the clinic's name and contact, the session's number (never the client's
name), date, area and concern in words, the clinic's aftercare text in the client's
language where the clinic has a version in it (else its own), when the next session of
the series is due, and the form's version in small print. The chair's close dialog and
``session close --aftercare FILE.pdf`` call :func:`write_aftercare`.

The sheet is written beside its final name and put in place in the same write
transaction that records it in the audit trail, with the form version and the file's
SHA-256: the clinic can show which text a client was given. When the ledger holds no
aftercare version yet, the built-in one is stored as version 1 in that transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from inventory import __version__, audit
from inventory.access import Actor
from inventory.clock import clinic_tz, local_date, show_local
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError
from inventory.settings import read_all
from sterility import forms, intake, series
from sterility.forms import FormInfo
from sterility.sessions import get_session

if TYPE_CHECKING:
    from reports.aftercare_page import Sheet

SERIES_COMPLETE = "Your series is complete."


def write_aftercare(db: Database, session_id: int, path: Path, *, by: Actor) -> Path:
    """Write the session's aftercare sheet (A4, one page) to ``path``; returns ``path``.

    Practitioners and managers print it at the chair. An existing file of that name is
    replaced. Nothing is written or recorded on error.
    """
    from reports.aftercare_page import draw_sheet
    from reports.fonts import report_fonts

    by.require("sessions")
    path = Path(path).expanduser()
    if path.is_dir():
        raise InvalidInput(
            f"{path} is a folder: give the aftercare sheet a file name, such as "
            f"{path / f'aftercare-session-{session_id}.pdf'}."
        )
    if not path.parent.is_dir():
        raise InvalidInput(
            f"Cannot write the aftercare sheet: the folder {path.parent} does not exist."
        )
    fonts = report_fonts()  # registered before the write lock is taken
    temp = path.with_name(f"{path.name}.partial")
    try:
        with db.write() as conn:
            now = db.now(conn)
            sheet, form = _sheet(conn, session_id, by, now)
            draw_sheet(sheet, temp, fonts)
            digest = _sha256(temp)
            audit.record(
                conn,
                at=now,
                by=by,
                action="print_aftercare",
                entity="session",
                entity_id=session_id,
                new={
                    "document": "aftercare sheet",
                    "form_id": form.id,
                    "form_version": form.version,
                    "language": form.language,
                    "sha256": digest,
                    "file": path.name,
                },
            )
            os.replace(temp, path)
    except OSError as exc:
        raise LedgerError(
            f"The aftercare sheet could not be written to {path.parent} "
            f"({exc.strerror or exc}): nothing was printed or recorded.",
            code="export_failed",
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return path


def _sheet(conn: Connection, session_id: int, by: Actor, now: datetime) -> tuple[Sheet, FormInfo]:
    """What the sheet shows, and the aftercare version it prints (stored if built in)."""
    from reports.aftercare_page import Sheet

    session = get_session(conn, session_id)
    recorded = intake.intake_of(conn, session_id)
    tz = clinic_tz(conn)
    settings = read_all(conn)
    language = recorded.language if recorded is not None else ""
    form = forms.ensure_current(conn, "aftercare", by, now, language)
    sheet = Sheet(
        clinic_name=settings.get("clinic_name", ""),
        contact=settings.get("clinic_contact", "") or "",
        session=session.id,
        date=local_date(session.opened_at, tz).isoformat(),
        area=session.area,
        concern=recorded.concern_words if recorded is not None else "not recorded",
        title=form.title,
        body=form.body,
        due=_due(conn, session_id, recorded),
        small_print=_small_print(form, show_local(now, tz), by),
    )
    return sheet, form


def _due(conn: Connection, session_id: int, recorded: intake.IntakeInfo | None) -> str:
    """When the next session of the series is due, in a sentence."""
    if recorded is None:
        return "Ask the clinic when your next session is due."
    window = series.next_due(conn, session_id)
    if window is None:
        return SERIES_COMPLETE
    following = recorded.series_number + 1
    return (
        f"Due {window.words} (session {following} of {recorded.series_planned} in your "
        "series). Please book it with the clinic."
    )


def _small_print(form: FormInfo, printed: str, by: Actor) -> str:
    words = form.words[:1].upper() + form.words[1:]
    return (
        f"{words} · printed {printed} by {by.name} · Sterile Ledger {__version__}. "
        "General aftercare advice from your clinic; it is not a diagnosis."
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
