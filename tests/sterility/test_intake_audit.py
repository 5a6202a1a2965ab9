"""The intake records are sealed like uses: ``audit verify`` passes after a day of them,
and catches an edited screening answer, confirmation or "no adverse event" (the
append-only triggers dropped first, as an attacker would). The same day runs as the
PostgreSQL workstations' app role, which owns nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from inventory import audit
from inventory.db import Database
from inventory.migrations.append_only import MESSAGE
from sterility import forms, guidance, intake, pens, sessions, sharps
from sterility.chair import use_unit
from sterility.errors import OutsideRange, ScreeningPositive
from tests.people import clear_intake, staff
from tests.test_pg_roles import Ledger, _as_app, ledger, pg_url  # noqa: F401 - fixtures

SAM, MANAGER = staff("Sam"), staff("Test Manager")
ACNE = {"acne": True, "eczema": False, "rosacea": False, "keloid": False}
TABLES = ("session_intake", "session_confirmation", "adverse_event", "form_version")


def a_treatment_day(db: Database, manager=MANAGER, practitioner=SAM) -> dict[str, int]:
    """Forms, guidance, a pen and a bin, a screened session with an override and every
    confirmation, a cartridge outside the range, adverse events: the new records."""
    forms.add_version(
        db, "aftercare", "Cuidados", "Sin sol 24 horas.", by=manager, language="Español"
    )
    guidance.set_range(db, "acne_scars", "1.0", "2.0", by=manager)
    pens.add_pen(db, "PEN-1", by=manager)
    sharps.open_container(db, "Room 1", by=practitioner)
    with pytest.raises(ScreeningPositive):
        sessions.open_session(
            db,
            client_ref="C-1",
            area="face",
            depth_mm="1.0",
            by=practitioner,
            intake=clear_intake(answers=ACNE),
        )
    sid = sessions.open_session(
        db,
        client_ref="C-1",
        area="face",
        depth_mm="1.0",
        by=practitioner,
        override_by=manager,
        intake=clear_intake(
            concern="acne_scars",
            answers=ACNE,
            override_reason="dermatologist's letter",
            pen_serial="PEN-1",
            sleeve_fitted=True,
            room="Room 1",
            language="Español",
            confirmations={
                "pen_cleaning_overdue": "cleaned, not yet recorded",
                "series_spacing": "the client's first session was refused",
            },
        ),
    ).id
    code = _in_stock(db, 500)
    with pytest.raises(OutsideRange):
        use_unit(db, sid, code, by=practitioner)
    assert use_unit(db, sid, code, by=practitioner, allow_outside_range=True).accepted
    intake.record_adverse(db, sid, "Pinpoint bleeding", by=practitioner)
    sessions.close_session(db, sid, by=practitioner, adverse="none")
    return {"session": sid}


def _in_stock(db: Database, length_um: int) -> str:
    with db.read() as conn:
        return (
            conn.execute(
                text(
                    "SELECT u.code FROM unit u JOIN product p ON p.id = u.product_id "
                    "WHERE u.status = 'in_stock' AND p.needle_length_um = :n ORDER BY u.id"
                ),
                {"n": length_um},
            )
            .scalars()
            .first()
        )


def _guards(conn: Connection, dialect: str, table: str, *, on: bool) -> None:
    """The table's append-only triggers off (or back on), as the attacker does first."""
    if dialect == "postgresql":
        conn.execute(text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
        return
    for verb in ("update", "delete"):
        if on:
            conn.execute(
                text(
                    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"
                )
            )
        else:
            conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


def _tamper(db: Database, table: str, statement: str) -> None:
    with db.engine.begin() as conn:
        _guards(conn, db.dialect, table, on=False)
        conn.execute(text(statement))
        _guards(conn, db.dialect, table, on=True)


def _verify(db: Database) -> audit.ChainReport:
    with db.read() as conn:
        return audit.verify(conn)


@pytest.mark.parametrize("table", TABLES)
def test_the_new_records_cannot_be_changed(db: Database, stocked, table: str) -> None:
    a_treatment_day(db)
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET id = id"))
    assert _verify(db).ok


@pytest.mark.parametrize(
    ("table", "change", "which"),
    [
        # the positive answer made negative: no override needed, it seems
        ("session_intake", "screening_positive = {false}, answers = '{{}}'", ""),
        ("session_confirmation", "reason = 'routine'", "kind = 'screening_override'"),
        ("adverse_event", "none_observed = {true}, description = ''", "none_observed = {false}"),
        ("form_version", "body = 'I agree to anything.'", "kind = 'consent'"),
    ],
)
def test_an_edited_intake_record_is_caught(
    db: Database, stocked, table: str, change: str, which: str
) -> None:
    a_treatment_day(db)
    assert _verify(db).ok, _verify(db).sentence
    pg = db.dialect == "postgresql"
    truth = {"true": "TRUE" if pg else "1", "false": "FALSE" if pg else "0"}
    where = f" WHERE {which.format(**truth)}" if which else ""
    with db.read() as conn:
        row = conn.execute(text(f"SELECT MIN(id) FROM {table}{where}")).scalar_one()
    assert row is not None
    _tamper(db, table, f"UPDATE {table} SET {change.format(**truth)} WHERE id = {row}")
    report = _verify(db)
    assert not report.ok and f"{table} row {row} was changed" in report.problem


def test_a_deleted_intake_is_caught(db: Database, stocked) -> None:
    day = a_treatment_day(db)
    with db.read() as conn:
        row = conn.execute(
            text("SELECT id FROM session_intake WHERE session_id = :s"), {"s": day["session"]}
        ).scalar_one()
    _tamper(db, "session_intake", f"DELETE FROM session_intake WHERE id = {row}")
    report = _verify(db)
    assert not report.ok and f"session_intake row {row}, which is gone" in report.problem


def test_the_treatment_day_as_the_app_role(ledger: Ledger) -> None:  # noqa: F811
    """PostgreSQL's app role may write every new record (and change no old one)."""
    app = _as_app(ledger)
    try:
        day = a_treatment_day(app)
        with app.read() as conn:
            found = intake.intake_of(conn, day["session"])
            assert audit.verify(conn).ok
        assert found is not None and found.override is not None
        assert found.override.confirmed_by == "Test Manager"
        assert [c.kind for c in found.confirmations] == [
            "screening_override",
            "series_spacing",  # the ledger's fixture treated C-1 earlier the same day
            "pen_cleaning_overdue",
            "cartridge_outside_range",
        ]
        with (
            ledger.login(ledger.app) as raw,
            pytest.raises(Exception, match="permission denied|append-only"),
        ):
            raw.execute("UPDATE session_intake SET room = 'elsewhere'")
    finally:
        app.dispose()
