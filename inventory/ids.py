"""Numbers that are never handed out twice: receipts (whose number is in every unit code
printed on a label), treatment sessions, and sterilizer cycles (whose number is in every
instrument pack's code printed on its pouch).

SQLite gives a new row the largest id plus one, so a restore of an older backup, or a
lost -wal file, would give the next receipt a number a printed label already carries.
The ledger keeps a floor for each (``id_floor``), raised whenever rows are found to have
gone (inventory.lost_writes, inventory.backup.restore); new rows take the larger of the
floor and the next id. PostgreSQL sequences never hand a number out twice on their own.
"""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, Table, func, insert, inspect, select, update

from inventory.db import IDS_INFO
from inventory.models import IdFloor

FLOORED = ("receipt", "treatment_session", "sterilizer_cycle")


def next_id(conn: Connection, table: Table) -> int | None:
    """The id a new row of ``table`` takes (None: let PostgreSQL's sequence choose)."""
    if conn.dialect.name != "sqlite":
        return None
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    floor = conn.execute(select(IdFloor.next_id).where(IdFloor.name == table.name)).scalar()
    chosen = max(top + 1, floor or 1)
    conn.info.setdefault(IDS_INFO, {})[table.name] = chosen  # for inventory.lost_writes
    return chosen


def raise_floor(conn: Connection, name: str, next_free: int) -> None:
    """No new row of ``name`` may take a number below ``next_free`` again."""
    current = conn.execute(select(IdFloor.next_id).where(IdFloor.name == name)).scalar()
    if current is None:
        conn.execute(insert(IdFloor).values(name=name, next_id=next_free))
    elif next_free > current:
        conn.execute(update(IdFloor).where(IdFloor.name == name).values(next_id=next_free))


def top_ids(conn: Connection) -> dict[str, int]:
    """The largest number each floored table holds now (0 when empty)."""
    found = {}
    present = set(inspect(conn).get_table_names())
    for name in FLOORED:
        if name not in present:  # a ledger from before the table existed
            continue
        table = Table(name, MetaData(), autoload_with=conn)
        found[name] = int(conn.execute(select(func.max(table.c.id))).scalar() or 0)
    return found
