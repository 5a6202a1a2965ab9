"""Report data machinery shared by both reports: periods, snapshots, streams, SQL text.

Each section's query (kept with its report: ``reports.compliance``, ``reports.usage``)
feeds both writers through one row formatter, so the PDF and the CSV cannot disagree.
Long sections (one row per use) stream from the database cursor (a server-side cursor
on PostgreSQL) and never sit in memory as a whole; summaries and the usage report's
aggregations are small and use pandas.

Times are stored in UTC; a row carries both the clinic's local time with its offset and
UTC. Everything is read in one snapshot (REPEATABLE READ on PostgreSQL; a SQLite read
transaction is one already), so counts, rows and the audit check agree with each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    import pandas as pd

from inventory.catalog import mm_text
from reports.cells import RISKY, neutral, sql_neutral
from sterility import refusals

BATCH = 2000
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Period:
    """From the first to the last day, inclusive, on the clinic's calendar.

    The export checks that it starts on or before its end (``reports.pipeline``).
    """

    start: date
    end: date
    tz: ZoneInfo

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period: midnight starting the day after ``end``."""
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz).astimezone(UTC)

    def params(self, dialect: str) -> dict[str, Any]:
        return {
            "start": bind_time(self.start_utc, dialect),
            "end": bind_time(self.end_utc, dialect),
        }

    def day_params(self, dialect: str) -> dict[str, Any]:
        """The period's first and last calendar days, for comparing with expiry dates."""
        if dialect == "sqlite":  # dates are stored as YYYY-MM-DD text
            return {"start_day": self.start.isoformat(), "end_day": self.end.isoformat()}
        return {"start_day": self.start, "end_day": self.end}


def bind_time(at: datetime, dialect: str) -> Any:
    """A UTC instant as the database compares it (SQLite keeps naive UTC text)."""
    if dialect == "sqlite":
        return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return at.astimezone(UTC)


def begin_snapshot(conn: Connection) -> None:
    """Make the read transaction one snapshot (PostgreSQL defaults to per-statement)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


_RISKY_CODES = ", ".join(str(ord(c)) for c in RISKY)  # 61, 43, 45, 64, 9, 13
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def stream(conn: Connection, sql: str, params: dict[str, Any]) -> Iterator[list[Row]]:
    """Rows straight from the driver's cursor, in batches: no ORM, no full result in memory."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = raw.cursor(name=f"report_{id(sql)}")  # server-side: rows arrive in batches
        cursor.execute(_NAMED.sub(r"%(\1)s", sql), params)
    else:
        cursor = raw.cursor()
        cursor.execute(sql, params)
    try:
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()


def frame(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """A small aggregated result as a DataFrame (the usage report's; pandas on use)."""
    import pandas as pd

    return pd.read_sql(text(sql), conn, params=params or {})


class Sql:
    """SQL expressions that turn stored values into the report's text, in the database.

    Formatting in SQL keeps the per-row work in C: the CSV writer takes the cursor's
    rows as they come (``writerows``), and the PDF draws the very same tuples.
    """

    def __init__(self, dialect: str, tz: ZoneInfo) -> None:
        self.dialect, self.tz = dialect, tz
        self.chr = "char" if dialect == "sqlite" else "chr"
        self.lengths: dict[int, str] = {}

    def text(self, expr: str) -> str:
        return f"COALESCE(CAST({expr} AS TEXT), '')"

    def neut(self, expr: str) -> str:
        """The CSV rule of ``reports.cells`` in SQL: a risky first character gets an apostrophe."""
        return sql_neutral(expr, self.dialect)  # reports.cells keeps the one rule

    def learn_lengths(self, conn: Connection) -> None:
        """The needle lengths and depths in use, so mm text is a lookup, not a printf."""
        values = conn.exec_driver_sql(
            "SELECT needle_length_um FROM product UNION SELECT planned_depth_um "
            "FROM treatment_session"
        ).scalars()
        self.lengths = {int(v): mm_text(int(v)) for v in values if v is not None}

    def mm(self, expr: str) -> str:
        """Micrometres as the box prints millimetres: 500 -> 0.5, 1250 -> 1.25, 2000 -> 2.0."""
        if self.dialect == "sqlite":
            two = f"printf('%.2f', {expr} / 1000.0)"
        else:
            two = f"to_char({expr} / 1000.0, 'FM990.00')"
        computed = (
            f"CASE WHEN substr({two}, length({two}), 1) = '0' "
            f"THEN substr({two}, 1, length({two}) - 1) ELSE {two} END"
        )
        known = " ".join(f"WHEN {um} THEN '{text}'" for um, text in sorted(self.lengths.items()))
        if not known:
            return f"CASE WHEN {expr} IS NULL THEN '' ELSE {computed} END"
        return f"CASE {expr} {known} ELSE COALESCE({computed}, '') END"

    def words(self, expr: str, mapping: dict[str, str]) -> str:
        """A stored code in words (an unknown code shown with spaces for underscores)."""
        known = " ".join(
            f"WHEN '{code}' THEN '{text.replace(chr(39), chr(39) * 2)}'"
            for code, text in mapping.items()
        )
        return f"CASE {expr} {known} ELSE replace(COALESCE({expr}, ''), '_', ' ') END"

    def yes_no(self, expr: str) -> str:
        return f"CASE WHEN {expr} THEN 'yes' ELSE 'no' END"

    def gs(self, expr: str) -> str:
        """The GS1 group separator (ASCII 29) shown as <GS>."""
        return f"replace(COALESCE({expr}, ''), {self.chr}(29), '<GS>')"

    def utc(self, expr: str) -> str:
        if self.dialect == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff", UTC
            return f"COALESCE(substr({expr}, 1, 10) || 'T' || substr({expr}, 12, 8) || 'Z', '')"
        pattern = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
        return f"COALESCE(to_char({expr} AT TIME ZONE 'UTC', '{pattern}'), '')"

    def local(self, expr: str, start: datetime, end: datetime) -> str:
        """Clinic local time with its offset; the zone's offset changes become a CASE."""
        spans = offset_spans(self.tz, start, end)

        def case(values: list[str]) -> str:
            if len(values) == 1:
                return values[0]
            branches = " ".join(
                f"WHEN {expr} < {self._instant(until)} THEN {value}"
                for (until, _), value in zip(spans[:-1], values[:-1], strict=True)
            )
            return f"CASE {branches} ELSE {values[-1]} END"

        minutes = [m for _, m in spans]
        suffix = case([f"' {offset_text(timedelta(minutes=m))}'" for m in minutes])
        if self.dialect == "sqlite":
            shifted = case([f"'{m:+d} minutes'" for m in minutes])
            body = f"datetime({expr}, {shifted})"
        else:
            shifted = case([f"interval '{m} minutes'" for m in minutes])
            body = f"to_char(({expr} AT TIME ZONE 'UTC') + {shifted}, 'YYYY-MM-DD HH24:MI:SS')"
        return f"CASE WHEN {expr} IS NULL THEN '' ELSE {body} || {suffix} END"

    def _instant(self, at: datetime | None) -> str:
        assert at is not None
        if self.dialect == "sqlite":
            return f"'{at.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
        return f"TIMESTAMPTZ '{at.strftime('%Y-%m-%d %H:%M:%S')}+00'"

    def agg_lots(self) -> str:
        if self.dialect == "sqlite":
            return "group_concat(DISTINCT x.lot_number)"
        return "string_agg(DISTINCT x.lot_number, ',')"

    def reason(self) -> str:
        if self.dialect == "sqlite":
            return "json_extract(a.new_values, '$.reason')"
        return "(CAST(a.new_values AS json) ->> 'reason')"


def offset_spans(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime | None, int]]:
    """[(until, offset minutes)] covering start..end: the zone's offset changes in between.

    The last span has no end. Changes are found to the quarter hour, which is where every
    zone's changes fall in UTC.
    """

    def minutes(at: datetime) -> int:
        return int((at.astimezone(tz).utcoffset() or timedelta()).total_seconds() // 60)

    spans: list[tuple[datetime | None, int]] = []
    day = datetime.combine(start.astimezone(UTC).date() - timedelta(days=1), time(), UTC)
    current = minutes(day)
    while day <= end + timedelta(days=1):
        following = day + timedelta(days=1)
        if minutes(following) != current:
            probe = day
            while minutes(probe) == current:
                probe += timedelta(minutes=15)
            spans.append((probe, current))
            current = minutes(probe)
        day = following
    spans.append((None, current))
    return spans


def offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


CLIENT_TABLE = "report_client"


def load_clients(conn: Connection, shown: Callable[[str, str], str]) -> None:
    """A temporary table of client (blind index) -> what the report prints for it.

    ``shown(blind index, cipher)`` gives a pseudonym or the decrypted reference, once per
    client (not once per row); the rows join it in SQL. The table lives in memory only
    (SQLite's temp_store is MEMORY; PostgreSQL drops it at the end of the transaction).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE {CLIENT_TABLE} (ref TEXT PRIMARY KEY, shown TEXT NOT NULL) "
            "ON COMMIT DROP"
        )
    else:
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {CLIENT_TABLE} "
            "(ref TEXT PRIMARY KEY, shown TEXT NOT NULL)"
        )
        conn.exec_driver_sql(f"DELETE FROM {CLIENT_TABLE}")
    clients = conn.exec_driver_sql(
        "SELECT client_key, min(client_cipher) FROM treatment_session "
        "WHERE client_key IS NOT NULL GROUP BY client_key"
    ).all()
    rows = [(key, neutral(shown(key, cipher))) for key, cipher in clients]
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {CLIENT_TABLE} (ref, shown) VALUES ({mark}, {mark})", rows)
    finally:
        cursor.close()


def drop_clients(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{CLIENT_TABLE}")


def day_text(value: Any) -> str:
    """A date as YYYY-MM-DD (SQLite returns it as text already)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def mm_of(um: Any) -> str:
    return "" if um is None else mm_text(int(um))


# --- words for stored codes (mirroring sterility.errors and ui.verdict) ---------------

REASON_WORDS = refusals.REASON_WORDS  # one home: sterility.refusals

KIND_WORDS = {"pen_cartridge": "pen cartridge", "roller": "roller"}
STERILIZATION_WORDS = {
    "EO": "ethylene oxide (EO)",
    "gamma": "gamma irradiation",
    "e-beam": "electron beam (e-beam)",
    "steam": "steam",
}
STATUS_WORDS = {
    "in_stock": "in stock",
    "used": "used",
    "quarantined": "quarantined",
    "wasted": "wasted",
    "returned": "returned to the supplier",
}


reason_words = refusals.reason_words


# --- small queries the compliance report needs beside its sections -------------------


def recall_unit_counts(conn: Connection, recall_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per recall: the units it names that were received here, by their status now.

    The one matching rule (sterility.recalls.MATCH_SQL) decides which units a recall names.
    """
    from sterility.recalls import MATCH_SQL

    if not recall_ids:
        return {}
    match = MATCH_SQL.format(ri="ri", gtin="p.gtin", lot="l.lot_number", serial="u.serial",
                             code="u.code")  # fmt: skip
    ids = ", ".join(str(int(i)) for i in recall_ids)
    rows = conn.exec_driver_sql(
        f"""
        SELECT named.recall_id, named.status, count(*) FROM (
            SELECT DISTINCT ri.recall_id, u.id, u.status
            FROM unit u
            JOIN lot l ON l.id = u.lot_id
            JOIN product p ON p.id = u.product_id
            JOIN recall_item ri ON {match}
            WHERE ri.recall_id IN ({ids})
        ) named
        GROUP BY named.recall_id, named.status
        """
    ).all()
    counts: dict[int, dict[str, int]] = {int(i): {} for i in recall_ids}
    for recall_id, status, n in rows:
        counts[int(recall_id)][str(status)] = int(n)
    return counts


def shown_of_sessions(conn: Connection, session_ids: list[int]) -> dict[int, str]:
    """How the report prints the client of each session (pseudonym or name)."""
    if not session_ids:
        return {}
    ids = ", ".join(str(int(i)) for i in session_ids)
    rows = conn.exec_driver_sql(
        f"SELECT ts.id, rcl.shown FROM treatment_session ts "
        f"JOIN {CLIENT_TABLE} rcl ON rcl.ref = ts.client_key WHERE ts.id IN ({ids})"
    ).all()
    return {int(i): str(shown) for i, shown in rows}


@dataclass(frozen=True)
class Head:
    """The audit trail after its first ``size`` events: the chain hash and the tree root."""

    size: int
    chain_hash: str
    tree_root: str


def audit_heads(
    conn: Connection, params: dict[str, Any], leaves: bytes | None
) -> tuple[Head, Head, int]:
    """The trail's head just before the period's first event and just after its last one,
    and the number of events between.

    ``leaves`` are the export's tree leaves (32 bytes per event, in event order); without
    them the leaves are read again. A later report's tree covers these events too, so its
    leaves file gives the same roots for the same sizes.
    """
    from inventory import audit, merkle

    first, last, count = conn.execute(
        text("SELECT min(id), max(id), count(*) FROM audit_event WHERE at >= :start AND at < :end"),
        params,
    ).one()
    if first is None:  # no event in the period: both heads are the one before it
        before = conn.execute(
            text("SELECT max(id) FROM audit_event WHERE at < :start"), params
        ).scalar()
        last = int(before or 0)
        first = last + 1

    def head(upto: int) -> tuple[int, str]:
        """Events numbered up to ``upto``: how many, and the last one's chain hash."""
        size, chain = conn.execute(
            text(
                "SELECT count(*), (SELECT hash FROM audit_event WHERE id = "
                "(SELECT max(id) FROM audit_event WHERE id <= :upto)) "
                "FROM audit_event WHERE id <= :upto"
            ),
            {"upto": upto},
        ).one()
        return int(size), str(chain or audit.GENESIS)

    start_size, start_chain = head(int(first) - 1)
    end_size, end_chain = head(int(last))
    if leaves is None:
        hashes = audit.tree_leaves(conn)[:end_size]
    else:
        hashes = [leaves[i : i + 32] for i in range(0, end_size * 32, 32)]
    roots = merkle.prefix_roots(hashes, (start_size, end_size))
    start = Head(start_size, start_chain, roots[start_size].hex())
    end = Head(end_size, end_chain, roots[end_size].hex())
    return start, end, int(count)
