"""Sections the PDF sums up while their CSV keeps every row: the audit trail by day, the
used units by sharps container.

Why: a busy year is hundreds of thousands of audit events and as many used units; printed
one per line they are thousands of pages nobody reads, and they bound how long the
report takes. The inspector's questions are answered by the sums (what happened each day
and that the day's events are these; which container each room's units went to), and the
exceptions are still printed one by one: a unit that went to no open container is named.
Each day's chain hash and Merkle root let a reader check the CSV's events against the
signed PDF with nothing but SHA-256.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from inventory import merkle
from reports.pdf_writer import Column, StreamTable

# The sharps list's reason for a unit that should have gone to a container and did not:
# printed unit by unit. The other reasons (no room recorded, not kept yet) are summed.
NO_CONTAINER_OPEN = "no container open at this room"


def spaced(digest: str) -> str:
    """A SHA-256 in four groups of 16: it wraps between groups, never inside one."""
    return " ".join(digest[i : i + 16] for i in range(0, len(digest), 16))


class AuditDays:
    """The period's audit events, a row per clinic day: how many, their numbers, what
    they recorded, the chain hash at the day's end and the Merkle root of the day."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Day (local)", 58, 0),
        Column("Events", 40, 1),
        Column("Numbers", 84, 2),
        Column("What was recorded (action: events)", 228, 3),
        Column("Chain hash at the day's end (its last event's SHA-256)", 180, 4),
        Column("Merkle root of the day's events (SHA-256, RFC 9162)", 180, 5),
    )
    ALERT: ClassVar[int | None] = None
    INTRO: ClassVar[str] = (
        "The period's audit events summed up by clinic day: how many, their numbers, what "
        "they recorded, the chain hash at the end of the day (the day's last event's "
        "SHA-256) and the Merkle root of the day's events (leaf = SHA-256(0x00 || event "
        "SHA-256), node = SHA-256(0x01 || left || right)). Every event is listed in the "
        "audit_events CSV with its hash: the day's last hash there and the root of the "
        "day's hashes must be the ones printed here."
    )

    def __init__(self, table: StreamTable) -> None:
        self.table = table
        self._day = ""
        self._first = self._last = ""
        self._hash = ""
        self._actions: Counter[str] = Counter()
        self._leaves: list[bytes] = []

    def row(self, cells: Sequence[str]) -> None:
        number, local, action, digest = cells[0], cells[1], cells[4], cells[7]
        day = local[:10]
        if day != self._day:
            self._print_day()
            self._day, self._first = day, number
        self._last, self._hash = number, digest
        self._actions[action] += 1
        self._leaves.append(merkle.leaf_hash(bytes.fromhex(digest)))

    def finish(self) -> None:
        self._print_day()

    def _print_day(self) -> None:
        if not self._leaves:
            return
        count = len(self._leaves)
        numbers = self._first if count == 1 else f"{self._first} to {self._last}"
        actions = ", ".join(f"{a}: {n}" for a, n in sorted(self._actions.items()))
        root = merkle.root(self._leaves).hex()
        self.table.row((self._day, str(count), numbers, actions, spaced(self._hash), spaced(root)))
        self._actions.clear()
        self._leaves = []


@dataclass
class _Bin:
    """The used units of one room that went the same way (a container, or no container
    for the same reason)."""

    room: str
    container: str
    label: str
    reason: str
    first: str
    last: str = ""
    units: int = 0
    sessions: set[str] = field(default_factory=set)
    named: list[str] = field(default_factory=list)


class SharpsTotals:
    """The used units by room and sharps container, in order of first use; the units that
    went to no open container are named, each with its session."""

    COLUMNS: ClassVar[tuple[Column, ...]] = (
        Column("Room", 80, 0),
        Column("Went to container", 110, (1, 2), template="{0} ({1})"),
        Column("Not in a container", 150, 3),
        Column("Units", 40, 4),
        Column("Sessions", 44, 5),
        Column("First used (local)", 100, 6),
        Column("Last used (local)", 100, 7),
        Column("Units not in a container (unit in session)", 146, 8),
    )
    ALERT: ClassVar[int | None] = 8
    INTRO: ClassVar[str] = (
        "The units used in the period by room and by the sharps container open at the "
        "room when each was used (a unit goes to that container). A unit that went to no "
        "open container is named on a red band. Every unit is listed in the "
        "sharps_disposal CSV with its container."
    )

    def __init__(self, table: StreamTable) -> None:
        self.table = table
        self._bins: dict[tuple[str, str, str], _Bin] = {}

    def row(self, cells: Sequence[str]) -> None:
        used, session, room, code = cells[0], cells[1], cells[2], cells[3]
        container, label, reason = cells[7], cells[8], cells[9]
        key = (room, container, reason)
        found = self._bins.get(key)
        if found is None:
            found = self._bins[key] = _Bin(room, container, label, reason, used)
        found.last = used
        found.units += 1
        found.sessions.add(session)
        if reason == NO_CONTAINER_OPEN:
            found.named.append(f"{code} in {session}")

    def finish(self) -> None:
        for b in self._bins.values():
            self.table.row(
                (
                    b.room or "(none recorded)", b.container, b.label, b.reason,
                    str(b.units), str(len(b.sessions)), b.first, b.last, ", ".join(b.named),
                )
            )  # fmt: skip


SUMMARISED: dict[str, type[AuditDays] | type[SharpsTotals]] = {
    "audit_events": AuditDays,
    "sharps_disposal": SharpsTotals,
}
