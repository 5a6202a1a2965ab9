"""The fast path and the ORM read and write times the same way, on both databases.

The chair scan and the audit writer run Core statements through the driver
(inventory.rawsql), skipping SQLAlchemy's execution layer. They must not drift from
the schema: a time written there reads back unchanged through the ORM type, and the
other way round, and the chair's own writes read back as the verdict said.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import bindparam, insert, select

from inventory.db import Database
from inventory.models import Receipt
from inventory.rawsql import Raw, Statement
from sterility import sessions
from sterility.chair import use_unit
from sterility.models import UnitUse
from tests.people import clear_intake, staff

_R = Receipt.__table__
_INSERT = Statement(
    insert(_R)
    .values(
        supplier=bindparam("supplier"),
        invoice="",
        received_by="fast path",
        received_at=bindparam("at"),
    )
    .returning(_R.c.id, _R.c.received_at)
)
_READ = Statement(select(_R.c.received_at).where(_R.c.id == bindparam("id")))
SYDNEY_SUMMER = timezone(timedelta(hours=11))


def test_a_time_written_by_the_driver_reads_back_through_the_orm(db: Database) -> None:
    at = datetime(2026, 12, 24, 9, 15, 30, 123456, tzinfo=SYDNEY_SUMMER)
    with db.write() as conn:
        receipt_id, returned = Raw(conn).one(_INSERT, {"supplier": "raw", "at": at})
    assert returned == at and returned.tzinfo == UTC
    with db.read() as conn:
        stored = conn.execute(select(Receipt.received_at).where(Receipt.id == receipt_id))
        assert stored.scalar_one() == at.astimezone(UTC)


def test_a_time_written_by_the_orm_reads_back_through_the_driver(db: Database) -> None:
    at = datetime(2027, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)
    with db.write() as conn:
        receipt_id = conn.execute(
            insert(Receipt)
            .values(supplier="orm", invoice="", received_by="orm", received_at=at)
            .returning(Receipt.id)
        ).scalar_one()
    with db.read() as conn:
        assert Raw(conn).one(_READ, {"id": receipt_id}) == (at,)


def test_the_chairs_use_time_is_the_verdicts(db: Database, stocked, clock) -> None:
    clock.at = datetime(2026, 3, 10, 1, 30, 0, 654321, tzinfo=UTC)
    info = sessions.open_session(
        db, client_ref="C-1", practitioner="Sam", area="face", depth_mm="0.5", by=staff("Sam"),
        intake=clear_intake(),
    )
    verdict = use_unit(db, info.id, "U1-001", by=staff("Sam"))
    with db.read() as conn:
        used_at = conn.execute(select(UnitUse.used_at).where(UnitUse.session_id == info.id))
        assert used_at.scalar_one() == verdict.at == clock.at


_MANY = Statement(
    insert(_R).values(
        supplier=bindparam("supplier"), invoice=bindparam("invoice"),
        received_by=bindparam("by"), received_at=bindparam("at"),
    )
)  # fmt: skip


def test_many_rows_by_the_driver_read_back_with_their_own_and_shared_values(db: Database) -> None:
    """A delivery's units go in as one executemany: each row's own value and the shared
    time (processed once) read back through the ORM as written."""
    at = datetime(2026, 12, 24, 9, 15, 30, 123456, tzinfo=SYDNEY_SUMMER)
    with db.write() as conn:
        Raw(conn).many(_MANY, [{"supplier": f"many-{i}"} for i in range(3)],
                       same={"invoice": "INV-7", "by": "driver", "at": at})  # fmt: skip
        Raw(conn).many(_MANY, [{"supplier": f"own-{i}", "at": at + timedelta(days=i)}
                               for i in range(2)], same={"invoice": "", "by": "driver"})
        Raw(conn).many(_MANY, [])  # nothing to write: nothing written
    with db.read() as conn:
        rows = conn.execute(
            select(Receipt.supplier, Receipt.invoice, Receipt.received_at)
            .where(Receipt.received_by == "driver").order_by(Receipt.supplier)
        ).all()  # fmt: skip
    assert rows == [(f"many-{i}", "INV-7", at.astimezone(UTC)) for i in range(3)] + [
        (f"own-{i}", "", (at + timedelta(days=i)).astimezone(UTC)) for i in range(2)
    ]
