"""The audit trail as a Merkle tree (inventory.merkle): its leaves and its head."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from inventory import merkle
from inventory.models import AuditEvent


@dataclass(frozen=True)
class TreeHead:
    """The trail's Merkle tree at one moment: how many events, and their root hash."""

    size: int
    root: str  # hex

    def as_dict(self) -> dict[str, object]:
        return {"size": self.size, "root_sha256": self.root}


def tree_leaves(conn: Connection, *, upto: int | None = None) -> list[bytes]:
    """Every event's leaf hash, in event order (events 1..upto): the tree's leaves.

    A leaf is RFC 9162's hash of the event's SHA-256 (its 32 bytes), so a leaf changes
    whenever anything the event hash covers changes.
    """
    query = select(AuditEvent.hash).order_by(AuditEvent.id)
    if upto is not None:
        query = query.where(AuditEvent.id <= upto)
    result = conn.execute(query.execution_options(stream_results=True, yield_per=20_000))
    return [merkle.leaf_hash(bytes.fromhex(value)) for value in result.scalars()]


def tree_head(leaves: list[bytes]) -> TreeHead:
    return TreeHead(len(leaves), merkle.root(leaves).hex())
