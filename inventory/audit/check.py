"""Checking the audit trail: the hash chain, the seals, and the rows it is bound to.

Without the verification key, :func:`verify` recomputes the hash chain and checks that the
kept sealing key stands at the newest event, and that every bound row and its event
agree; it says that the seals themselves were not checked. With the key it also walks
the seals from the first sealed event, which catches what a chain recomputed by someone
holding the file would hide: any edit, insertion, deletion or reordering of earlier
events, and a cut-off tail (the kept key has moved past it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, MetaData, Table, inspect, select

from inventory import bindings
from inventory.audit.writer import GENESIS, NO_KEY, event_hash
from inventory.models import AuditEvent, BoundFrom, SealState
from inventory.seal import Sealer


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the whole trail."""

    events: int
    ok: bool
    first_broken: int | None = None
    problem: str = ""
    last_hash: str = GENESIS
    sealed_from: int | None = None
    seals_checked: bool = False
    unsealed_after: int | None = None
    """Sealing stopped after this event (a restore without the verification key)."""
    notes: list[str] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        if not self.ok:
            return f"Audit trail BROKEN at event {self.first_broken}: {self.problem}"
        said = f"Audit trail intact: {self.events} events, chain verified"
        if self.seals_checked:
            said += f", seals verified with the verification key from event {self.sealed_from}"
            if self.unsealed_after is not None:
                said += f" to event {self.unsealed_after}"
        elif self.sealed_from is not None:
            said += " (the seals were not checked: give the clinic's verification key)"
        said += ", records agree with their events."
        if self.unsealed_after is not None and self.unsealed_after < self.events:
            said += (
                f" Events {self.unsealed_after + 1} to {self.events} are NOT sealed: the "
                "ledger was restored without the verification key, so they are checked by "
                "the chain only."
            )
        return said


def iter_events(conn: Connection, batch: int = 5000) -> Iterator[Any]:
    """Stream events in number order without holding them all in memory."""
    query = select(AuditEvent.__table__).order_by(AuditEvent.id)
    # On the statement, not the connection: a connection's options stay for every later
    # statement on it (on PostgreSQL, DDL in a server-side cursor fails).
    yield from conn.execute(query.execution_options(stream_results=True, yield_per=batch))


def verify(conn: Connection, *, key: bytes | None = None) -> ChainReport:
    """Check everything the trail can show; name the first event where it breaks."""
    state = conn.execute(select(SealState.first_sealed, SealState.position, SealState.key)).first()
    sealer = Sealer(key, state.first_sealed) if key is not None and state else None
    stopped = state.position if state is not None and state.key == NO_KEY else None
    expected, prev, count = 1, GENESIS, 0
    bound: dict[tuple[str, int], tuple[int, str]] = {}
    for row in iter_events(conn):
        count += 1
        sealed = stopped is None or row.id <= stopped
        broken = _event_problem(row, expected, prev) or (
            _seal_problem(sealer, row) if sealed else None
        )
        if broken is not None:
            return ChainReport(count, False, row.id if row.id == expected else expected, broken)
        if row.row_table is not None:
            bound[(row.row_table, int(row.row_id))] = (row.id, row.row_digest)
        prev, expected = row.hash, expected + 1
    last = expected - 1
    if state is not None:
        tail = _tail_problem(state.position, state.key, last, sealer)
        if tail is not None:
            return ChainReport(count, False, last + 1, tail)
    problem = _bindings_problem(conn, bound)
    if problem is not None:
        return ChainReport(count, False, problem[0], problem[1])
    return ChainReport(
        count,
        True,
        last_hash=prev,
        sealed_from=state.first_sealed if state else None,
        seals_checked=sealer is not None,
        unsealed_after=stopped,
    )


def _event_problem(row: Any, expected: int, prev: str) -> str | None:
    if row.id != expected:
        what = "missing" if row.id > expected else "out of order"
        return f"event {expected} is {what} (found event {row.id} in its place)."
    if row.prev_hash != prev:
        return (
            "it does not follow the event before it (an event before it was removed, "
            "inserted or changed)."
        )
    binding = (
        (row.row_table, int(row.row_id), row.row_digest) if row.row_table is not None else None
    )
    digest = event_hash(
        row.id,
        row.at,
        row.actor,
        row.action,
        row.entity,
        row.entity_id,
        row.old_values,
        row.new_values,
        row.prev_hash,
        row.staff_id,
        binding,
    )
    if digest != row.hash:
        return (
            f"its contents were changed after it was written ({row.action} {row.entity} "
            f"{row.entity_id} by {row.actor})."
        )
    return None


def _seal_problem(sealer: Sealer | None, row: Any) -> str | None:
    if sealer is None or row.id <= sealer.position or sealer.check(row.id, row.hash, row.seal):
        return None
    return (
        "its seal does not check with the verification key: the trail was rewritten from "
        "here on (events removed, inserted, changed or recomputed), or this is not the "
        "clinic's key."
    )


def _tail_problem(position: int, kept: str, last: int, sealer: Sealer | None) -> str | None:
    """The kept key must stand at the newest event: a cut tail leaves it ahead."""
    if position > last:
        return (
            f"the sealing key has moved on to event {position}, but the trail ends at "
            f"event {last}: the newest {position - last} event(s) were removed."
        )
    if kept == NO_KEY:  # sealing stopped at a restore without the key: nothing to compare
        return None
    if position < last:
        return (
            f"events {position + 1} to {last} were added after the sealing key's last "
            "event, outside the app."
        )
    if sealer is not None:
        sealer.skip_to(position)
        if sealer.key.hex() != kept:
            return (
                "the kept sealing key is not the one that follows the trail: the newest "
                "events were removed (and the key's position set back to hide it)."
            )
    return None


def _bindings_problem(
    conn: Connection, bound: dict[tuple[str, int], tuple[int, str]]
) -> tuple[int | None, str] | None:
    """Every bound row has its event with the same digest, and every binding its row."""
    tables = set(inspect(conn).get_table_names())
    starts = dict(conn.execute(select(BoundFrom.name, BoundFrom.first_id)).all())
    for table_name, columns in bindings.BOUND.items():
        if table_name not in tables:
            continue
        table = Table(table_name, MetaData(), autoload_with=conn)
        rows = conn.execute(
            select(table.c.id, *(table.c[c] for c in columns if c in table.c)).execution_options(
                stream_results=True, yield_per=5000
            )
        )
        seen: set[int] = set()
        first_bound = starts.get(table_name, 1)
        for row in rows:
            values = row._mapping
            found = bound.get((table_name, int(row.id)))
            if found is None:
                if row.id < first_bound:  # written before events carried bindings
                    continue
                return None, (
                    f"{table_name} row {row.id} has no audit event: it was added outside the app."
                )
            event, digest = found
            if bindings.digest(table_name, row.id, values) != digest:
                return event, (
                    f"{table_name} row {row.id} was changed after this event recorded it "
                    "(the row no longer matches the event's digest)."
                )
            seen.add(int(row.id))
        for (name, row_id), (event, _digest) in bound.items():
            if name == table_name and row_id not in seen:
                return event, (
                    f"this event recorded {table_name} row {row_id}, which is gone: it was "
                    "deleted outside the app."
                )
    return None
