"""Long lists read a page at a time, sorted and filtered in the database.

A clinic's ledger can hold a million units and as many audit events: no screen or
command may load them all. A :class:`Listing` is one list's query (with its filters),
the sort orders it offers by name, and a unique key. :meth:`Listing.page` pages by
keyset (``WHERE (sort, key) > (last sort, last key)``) so the thousandth page costs
what the first does; grouped lists page by LIMIT/OFFSET instead. The desktop app's
tables and the command line both read through here, so a filter means the same in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, func, select, tuple_

from inventory.clock import Clock

Filters = Mapping[str, Any]


@dataclass(frozen=True)
class Listing:
    """One list: ``build(filters, context)`` gives the filtered statement to page."""

    build: Callable[[Filters, Any], Select[Any]]
    key: ColumnElement[Any]
    sorts: Mapping[str, ColumnElement[Any]]
    default_sort: str
    default_descending: bool = False
    keyset: bool = True
    context: Callable[[Connection, Clock], Any] = lambda _conn, _clock: None
    """Per-read facts the filters and the presentation need (time zone, today)."""

    def statement(
        self,
        filters: Filters,
        context: Any,
        *,
        sort: str | None = None,
        descending: bool | None = None,
        after: tuple[Any, Any] | None = None,
        offset: int = 0,
        limit: int | None = None,
        keys: Sequence[Any] | None = None,
    ) -> Select[Any]:
        """The page's statement: filters, sort and key columns, keyset or offset, limit.

        Every row carries ``_sort`` and ``_key``: the next page starts after the last.
        """
        name = sort or self.default_sort
        desc = self.default_descending if descending is None else descending
        sort_expr = self.sorts[name]
        query = self.build(filters, context).add_columns(
            sort_expr.label("_sort"), self.key.label("_key")
        )
        if keys is not None:
            return query.where(self.key.in_(list(keys)))
        if after is not None and self.keyset:
            last = tuple_(
                bindparam("_last_sort", after[0], type_=sort_expr.type),
                bindparam("_last_key", after[1], type_=self.key.type),
            )
            pair = tuple_(sort_expr, self.key)
            query = query.where(pair < last if desc else pair > last)
        order = (sort_expr.desc(), self.key.desc()) if desc else (sort_expr, self.key)
        query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        if offset and (not self.keyset or after is None):
            query = query.offset(offset)
        return query

    def page(
        self, conn: Connection, clock: Clock, filters: Filters, **kwargs: Any
    ) -> tuple[Any, list[Row]]:
        """(context, rows) of one page, read in the caller's transaction."""
        context = self.context(conn, clock)
        return context, list(conn.execute(self.statement(filters, context, **kwargs)).all())

    def count(self, conn: Connection, clock: Clock, filters: Filters) -> int:
        """How many rows match the filters."""
        query = self.build(filters, self.context(conn, clock)).order_by(None)
        return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def contains(text: str) -> str:
    """A LIKE pattern for "contains this text", with LIKE's own characters escaped.

    Used with ``ilike`` (escape ``\\``): a search ignores case on both databases.
    """
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
