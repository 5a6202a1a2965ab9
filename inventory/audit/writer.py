"""Writing the audit trail: one event per change, chained, sealed, bound to its row.

An event's hash covers its number, time, actor (name and account), action, record, old
and new values, the row it wrote (table, id, content digest: inventory.bindings) and the
previous event's hash. Once the clinic is set up, the event is also sealed with the
forward-secure key of its position, and the kept key moves on (inventory.seal).

Plain driver statements (inventory.rawsql): this runs on every change, the chair scan
included, so it costs two small reads and two small writes per event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from inventory import seal
from inventory.access import Actor
from inventory.db import HEAD_INFO
from inventory.errors import DatabaseProblem
from inventory.models import AuditEvent, SealState
from inventory.rawsql import Raw, Statement

GENESIS = "0" * 64
NO_KEY = ""
"""The kept key of a ledger that carries none: a backup (a copy must not give anyone the
key of its time, which would let them reseal everything after it), or a ledger restored
from one without the verification key (sealing stopped at its position)."""
Binding = tuple[str, int, str]  # (table, row id, content digest)


def canonical(values: Any) -> str:
    """The one JSON text of a value that the hash covers."""
    return json.dumps(
        values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def event_hash(
    number: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    old_values: str,
    new_values: str,
    prev_hash: str,
    staff_id: int | None = None,
    row: Binding | None = None,
) -> str:
    """SHA-256 of the event's fields.

    The account id and the row binding are covered once events carry them, so events a
    ledger wrote before either existed keep the hash they were written with.
    """
    fields: list[Any] = [
        number,
        at.isoformat(timespec="microseconds"),
        actor,
        action,
        entity,
        entity_id,
        old_values,
        new_values,
        prev_hash,
    ]
    if staff_id is not None:
        fields.append(staff_id)
    if row is not None:
        fields.append(list(row))
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What an audit write returns: the event's number, time and hash."""

    number: int
    at: datetime
    hash: str


_EVENTS, _SEAL = AuditEvent.__table__, SealState.__table__
_LAST = Statement(select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1))
_INSERT = Statement(insert(_EVENTS).values({c.name: bindparam(c.name) for c in _EVENTS.columns}))
_SEAL_STATE = Statement(select(_SEAL.c.position, _SEAL.c.key).where(_SEAL.c.id == 1))
_FIRST_AND_POSITION = Statement(
    select(_SEAL.c.first_sealed, _SEAL.c.position).where(_SEAL.c.id == 1)
)
_SEAL_MOVE = Statement(
    update(_SEAL)
    .where(_SEAL.c.id == 1, _SEAL.c.position == bindparam("was"))
    .values(position=bindparam("position"), key=bindparam("key"))
)


class SealOutOfStep(DatabaseProblem):
    """The kept sealing key is not at the newest event: events were removed or added."""

    code = "seal_out_of_step"


def record(
    conn: Connection | Raw,
    *,
    at: datetime,
    by: Actor,
    action: str,
    entity: str,
    entity_id: object,
    old: Any = None,
    new: Any = None,
    row: Binding | None = None,
) -> Stamp:
    """Append one event in the caller's write transaction (which holds the write lock)."""
    raw = conn if isinstance(conn, Raw) else Raw(conn)
    last = raw.one(_LAST)
    number, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    old_text, new_text = canonical(old), canonical(new)
    at = at.astimezone(UTC)
    key = str(entity_id)
    actor, staff_id = by.name, by.staff_id or None
    digest = event_hash(
        number, at, actor, action, entity, key, old_text, new_text, prev, staff_id, row
    )
    sealed = _seal_next(raw, number, digest)
    raw.run(
        _INSERT,
        {
            "id": number,
            "at": at,
            "actor": actor,
            "staff_id": staff_id,
            "action": action,
            "entity": entity,
            "entity_id": key,
            "old_values": old_text,
            "new_values": new_text,
            "prev_hash": prev,
            "hash": digest,
            "row_table": row[0] if row else None,
            "row_id": row[1] if row else None,
            "row_digest": row[2] if row else None,
            "seal": sealed,
        },
    )
    raw.conn.info[HEAD_INFO] = (number, digest)
    return Stamp(number=number, at=at, hash=digest)


def _seal_next(raw: Raw, number: int, digest: str) -> str | None:
    """Seal event ``number`` with the kept key, then move the key past it (erasing it)."""
    state = raw.one(_SEAL_STATE)
    if state is None:  # a ledger before its first manager: the hash chain alone
        return None
    position, key_hex = state
    if key_hex == NO_KEY:  # restored without the verification key: sealing stopped there
        return None
    if position != number - 1:
        raise SealOutOfStep(
            f"The ledger's sealing key is at event {position}, but its newest event is "
            f"{number - 1}: events were removed or added outside the app. Nothing was "
            "saved; check the audit trail with the clinic's verification key."
        )
    key = bytes.fromhex(key_hex)
    raw.run(_SEAL_MOVE, {"was": position, "position": number, "key": seal.evolve(key).hex()})
    return seal.seal(key, digest)


def resume_sealing(conn: Connection, verification_key: bytes) -> int:
    """Give a ledger without its kept key (a restored backup) the key of its position.

    The key of any position follows from the verification key, so the restored ledger
    goes on sealing as if it had never been copied. Returns the position.
    """
    first, position = Raw(conn).one(_FIRST_AND_POSITION)
    sealer = seal.Sealer(verification_key, first)
    sealer.skip_to(position)
    raw = Raw(conn)
    raw.run(_SEAL_MOVE, {"was": position, "position": position, "key": sealer.key.hex()})
    return int(position)


def start_sealing(conn: Connection, verification_key: bytes) -> None:
    """Seal from the next event on (the clinic's setup); the key itself is not kept."""
    last = Raw(conn).one(_LAST)
    newest = last[0] if last else 0
    conn.execute(
        insert(SealState).values(
            id=1, first_sealed=newest + 1, position=newest, key=verification_key.hex()
        )
    )
