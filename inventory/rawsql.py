"""SQLAlchemy statements run straight through the driver, for the hot paths.

The chair scan and the audit write run a handful of tiny statements per scan. Executed
through SQLAlchemy each costs about 80 microseconds of Python; through the driver about
7. So the statements are written as SQLAlchemy Core against the table objects (one
source of truth for names and types), compiled once per dialect, and run on the driver
cursor of the connection's open SQLAlchemy transaction (begin, commit, rollback and the
write lock stay SQLAlchemy's). Parameters and results go through the columns' own type
processors, so a time written here reads back through the ORM type unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None

# SQLite takes :name parameters and psycopg %(name)s: both accept a dict of values.
_DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.pysqlite.dialect(paramstyle="named"),
    "postgresql": postgresql.psycopg.dialect(),
}


@dataclass(frozen=True)
class Compiled:
    """One statement's SQL text for one dialect, with its bind and result processors."""

    sql: str
    binds: dict[str, Processor]
    fixed: dict[str, Any]
    """Values the statement carries itself (a LIMIT, a literal), already processed."""
    results: tuple[Processor, ...]


class Statement:
    """A Core statement (insert, update, select...) compiled once per dialect, then reused."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect_name: str) -> Compiled:
        found = self._compiled.get(dialect_name)
        if found is None:
            found = self._compiled[dialect_name] = self._compile(_DIALECTS[dialect_name])
        return found

    def _compile(self, dialect: Dialect) -> Compiled:
        compiled = self.statement.compile(dialect=dialect)
        binds: dict[str, Processor] = {}
        fixed: dict[str, Any] = {}
        for bind in compiled.binds.values():
            name = compiled.bind_names[bind]
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds[name] = process
            if not bind.required:
                value = bind.effective_value
                fixed[name] = process(value) if process is not None and value is not None else value
        columns = getattr(self.statement, "exported_columns", ())  # SELECT or RETURNING
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        return Compiled(str(compiled), binds, fixed, results)


class Raw:
    """A driver cursor on the connection of ``conn``'s current transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.postgres = self.dialect == "postgresql"
        self.cursor = conn.connection.cursor()

    def _execute(self, statement: Statement, params: Mapping[str, Any]) -> Compiled:
        compiled = statement.compiled(self.dialect)
        self.cursor.execute(compiled.sql, {**compiled.fixed, **_processed(compiled, params)})
        return compiled

    def one(
        self, statement: Statement, params: Mapping[str, Any] | None = None
    ) -> tuple[Any, ...] | None:
        """The first row, its values through the columns' result processors."""
        compiled = self._execute(statement, params or {})
        row = self.cursor.fetchone()
        if row is None:
            return None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(compiled.results, row, strict=False)
        )

    def run(self, statement: Statement, params: Mapping[str, Any] | None = None) -> int:
        """Execute a write; returns the number of rows it changed."""
        self._execute(statement, params or {})
        return self.cursor.rowcount

    def many(
        self,
        statement: Statement,
        rows: Sequence[Mapping[str, Any]],
        same: Mapping[str, Any] | None = None,
    ) -> None:
        """One write per row, as one executemany; the values every row shares (``same``)
        go through their processors once, not once a row."""
        if not rows:
            return
        compiled = statement.compiled(self.dialect)
        shared = {**compiled.fixed, **_processed(compiled, same or {})}
        self.cursor.executemany(
            compiled.sql, [{**shared, **_processed(compiled, row)} for row in rows]
        )


def _processed(compiled: Compiled, params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values through their columns' bind processors (None stays None)."""
    values = {}
    for name, value in params.items():
        process = compiled.binds.get(name)
        values[name] = process(value) if process is not None and value is not None else value
    return values
