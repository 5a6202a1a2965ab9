"""Plain driver statements inside an open SQLAlchemy transaction, for the hot paths.

The chair scan and the audit write run a handful of tiny statements per scan. Through
SQLAlchemy each costs about 80 microseconds of Python; through the driver about 7. The
transaction is still SQLAlchemy's (begin, commit, rollback, the write lock); only the
statements skip the expression layer. SQL is written once with ``?`` placeholders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

_PG_SQL: dict[str, str] = {}


class Raw:
    """A driver cursor on the connection of ``conn``'s current transaction."""

    def __init__(self, conn: Connection) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        self.cursor = conn.connection.cursor()

    def _sql(self, sql: str) -> str:
        if not self.postgres:
            return sql
        converted = _PG_SQL.get(sql)
        if converted is None:
            converted = _PG_SQL[sql] = sql.replace("?", "%s")
        return converted

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        self.cursor.execute(self._sql(sql), params)
        return self.cursor.fetchone()

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        self.cursor.execute(self._sql(sql), params)
        return self.cursor.rowcount

    def time(self, value: datetime) -> Any:
        """A UTC time as the column stores it (the same text SQLAlchemy writes on SQLite)."""
        value = value.astimezone(UTC)
        if self.postgres:
            return value
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:"
            f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
        )


def read_time(value: Any) -> datetime | None:
    """A stored UTC time back as an aware datetime, from either database."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def read_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
