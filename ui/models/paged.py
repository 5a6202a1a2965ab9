"""A table model over a domain listing, fetched a page at a time on the worker thread.

A clinic's ledger can hold a million units: loading them all would freeze the window
and fill memory. This model asks for one page at a time (``canFetchMore`` /
``fetchMore``) from an :class:`inventory.listing.Listing`, which filters, sorts and pages
in the database. The model keeps only columns, roles and paging; the reads run on the
worker thread and the rows are appended in place when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from inventory.db import Database
from inventory.listing import Listing
from ui.models.rows import ReadOnlyTable, cell_data
from ui.worker import Worker

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200


@dataclass(frozen=True)
class SqlCol:
    """A column of a listing's table: header, row key, the listing's sort name, presentation."""

    header: str
    key: str
    sort: str | None
    text: Callable[[Any, Any], str] | None = None
    """(value, context) -> shown text; None shows str(value), '' for NULL."""
    right: bool = False
    tip: str = ""
    colour: Callable[[Any, Any], str | None] | None = None
    """(row, context) -> a foreground colour, or None."""


@dataclass(frozen=True)
class Page:
    """What the worker hands back: the context the rows were read in, and the rows."""

    context: Any
    rows: list[Any]


@dataclass(frozen=True)
class Request:
    """An immutable snapshot of what to fetch, safe to hand to the worker thread."""

    filters: Mapping[str, Any]
    sort_column: int
    descending: bool
    after: tuple[Any, Any] | None = None
    offset: int = 0
    keys: tuple[Any, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PagedQueryModel(ReadOnlyTable):
    """Base class: subclasses declare ``listing`` and ``columns``."""

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    page_loaded = Signal()
    failed = Signal(object)

    listing: Listing
    columns: Sequence[SqlCol] = ()
    page_size = PAGE_SIZE

    def __init__(self, db: Database, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.worker = worker
        self._rows: list[Any] = []
        self._filters: dict[str, Any] = {}
        self._sort_column = next(
            i for i, c in enumerate(self.columns) if c.sort == self.listing.default_sort
        )
        self._descending = self.listing.default_descending
        self._generation = 0
        self._fetching = False
        self._exhausted = True
        self._started = False
        self._stale = False
        self._total: int | None = None
        self.context: Any = None

    # -- public API (main thread)

    @property
    def filters(self) -> dict[str, Any]:
        return dict(self._filters)

    @property
    def total(self) -> int | None:
        """How many rows match the filters, once counted (None while counting)."""
        return self._total

    @property
    def loading(self) -> bool:
        return self._fetching

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def set_filters(self, *, load: bool = True, **filters: Any) -> None:
        """Replace the filters (None or "" means no filter) and load from the top.

        With ``load=False`` the filters are kept for :meth:`ensure_loaded` (a hidden tab
        need not query until it is shown).
        """
        self._filters = {k: v for k, v in filters.items() if v not in (None, "")}
        if load:
            self.reload()
        else:
            self._stale = True

    def ensure_loaded(self) -> None:
        """Load if the filters changed while hidden, or if nothing was loaded yet."""
        if self._stale or not self._started:
            self.reload()

    def reload(self) -> None:
        """Forget the rows and fetch the first page and the count again."""
        self._started = True
        self._stale = False
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        self._fetching = False
        self.endResetModel()
        self._set_total(None)
        if not self._fetching:  # a view (or tester) may have asked from inside the reset
            self._request_page()
        self._request_count()

    def row_data(self, number: int) -> Any:
        return self._rows[number]

    def key_of(self, number: int) -> Any:
        return self._rows[number]._mapping["_key"]

    def refresh_keys(self, keys: Sequence[Any]) -> None:
        """Re-read these rows in place (after a change), keeping the scroll position."""
        if not keys or not self._started:
            return
        generation = self._generation
        # By key, not by filter: a unit just quarantined from an "In stock" list must show
        # "Quarantined", not keep its old row because it no longer matches.
        request = Request({}, self._sort_column, self._descending, keys=tuple(keys))
        self.worker.submit(
            lambda: self._run(request),
            success=lambda page: self._replace(generation, page),
            failure=self._failed,
            owner=self,
            label="refresh rows",
        )

    # -- Qt model interface

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._started and not self._exhausted and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    def cell(self, row: Any, column: SqlCol, role: int) -> Any:
        value = row._mapping[column.key]
        return cell_data(
            role,
            row=row,
            value=value,
            text=lambda: self._show(column, value),
            right=column.right,
            colour=(lambda: column.colour(row, self.context)) if column.colour else None,
        )

    def header_tip(self, column: SqlCol) -> str | None:
        return (column.tip or column.header) + ("" if column.sort else " (not sortable)")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL: the rows are fetched again in the new order."""
        if not (0 <= column < len(self.columns)) or self.columns[column].sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending) and self._started:
            return
        self._sort_column, self._descending = column, descending
        if self._started:
            self.reload()

    # -- fetching

    def _show(self, column: SqlCol, value: Any) -> str:
        if column.text is not None:
            return column.text(value, self.context)
        return "" if value is None else str(value)

    def _request(self, **kwargs: Any) -> Request:
        return Request(dict(self._filters), self._sort_column, self._descending, **kwargs)

    def _request_page(self) -> None:
        after = None
        if self.listing.keyset and self._rows:
            last = self._rows[-1]._mapping
            after = (last["_sort"], last["_key"])
        request = self._request(after=after, offset=len(self._rows))
        generation = self._generation
        self._fetching = True
        self.loading_changed.emit(True)
        self.worker.submit(
            lambda: self._run(request),
            success=lambda page: self._arrived(generation, page),
            failure=lambda error: self._page_failed(generation, error),
            owner=self,
            label="load rows",
        )

    def _request_count(self) -> None:
        request = self._request()
        generation = self._generation
        self.worker.submit(
            lambda: self._count(request),
            success=lambda total: self._counted(generation, total),
            failure=self._failed,
            owner=self,
            label="count rows",
        )

    def _run(self, request: Request) -> Page:
        """On the worker thread: one short read transaction."""
        sort = self.columns[request.sort_column].sort
        with self.db.read() as conn:
            context, rows = self.listing.page(
                conn,
                self.db.clock,
                request.filters,
                sort=sort,
                descending=request.descending,
                after=request.after,
                offset=request.offset,
                limit=None if request.keys is not None else self.page_size,
                keys=request.keys,
            )
        return Page(context, rows)

    def _count(self, request: Request) -> int:
        with self.db.read() as conn:
            return self.listing.count(conn, self.db.clock, request.filters)

    def _arrived(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        self.context = page.context
        self._exhausted = len(page.rows) < self.page_size
        if page.rows:
            # Still "fetching" while the rows go in: a view or tester asking for more from
            # inside rowsInserted must not start a page from before these rows.
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._fetching = False
        self.loading_changed.emit(False)
        self.page_loaded.emit()

    def _replace(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        fresh = {row._mapping["_key"]: row for row in page.rows}
        for number, row in enumerate(self._rows):
            key = row._mapping["_key"]
            if key in fresh:
                self._rows[number] = fresh[key]
                self.dataChanged.emit(
                    self.index(number, 0), self.index(number, len(self.columns) - 1)
                )

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._set_total(total)

    def _set_total(self, total: int | None) -> None:
        self._total = total
        self.total_changed.emit(-1 if total is None else total)

    def _page_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self._exhausted = True
            self.loading_changed.emit(False)
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        """A failed read is shown like any other error, and announced to the screen."""
        self.failed.emit(error)
        self.worker.default_failure(error)
