"""What every screen shares: background work with callbacks, errors, a refresh on show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ui.context import AppContext
from ui.errors import show_error
from ui.worker import Failure, Job, Progress


class Screen(QWidget):
    """A page of the main window. ``activated`` runs each time it is shown."""

    title = ""
    icon_name = ""
    navigate = Signal(str, dict)
    """Ask the main window to show another screen with these filters (click-through)."""
    changed = Signal()
    """Something in the ledger changed here; other screens refresh when next shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.held_errors: list[BaseException] = []
        """Errors that arrived while the window was locked: shown once it is unlocked."""
        self.setAccessibleName(self.title)

    def enter(self, filters: dict[str, Any] | None = None) -> None:
        """Shown by the main window, optionally with what a click-through asked for."""
        self.activated()
        if filters:
            self.apply(filters)

    def activated(self) -> None:
        """Shown (again): reload what may have changed meanwhile."""

    def apply(self, filters: dict[str, Any]) -> None:
        """Show what a click-through asked for (a filter, a record)."""

    def actor_changed(self) -> None:
        """The signed-in person was set or changed: enable what their role allows
        (ui.access.permit); read again with their keys when next shown."""

    def lock_changed(self, locked: bool) -> None:
        """The window locked (nothing may be scanned or saved) or unlocked."""

    def forget_person(self) -> None:
        """Someone else signed in after a sign-out: drop what the last person typed."""

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in this screen's filter, if it has one."""

    def print_labels(self) -> None:
        """Ctrl+P: print unit labels for what this screen shows, if that makes sense."""

    def run(
        self,
        fn: Callable[[], Any],
        success: Callable[[Any], None] | None = None,
        failure: Failure | None = None,
        *,
        label: str = "",
    ) -> Job:
        """Run ``fn`` on the worker thread; callbacks come back here on the main thread."""
        return self.ctx.worker.submit(
            fn, success=success, failure=failure or self.show_error, owner=self, label=label
        )

    def run_job(
        self,
        fn: Callable[[Job], Any],
        success: Callable[[Any], None] | None = None,
        failure: Failure | None = None,
        progress: Progress | None = None,
        *,
        label: str = "",
    ) -> Job:
        """Like :meth:`run`, for long work that reports progress and can be cancelled.

        It runs on the long-work thread when there is one, so the chair stays instant.
        """
        return (self.ctx.long_worker or self.ctx.worker).submit(
            fn,
            success=success,
            failure=failure or self.show_error,
            progress=progress,
            owner=self,
            label=label,
            pass_job=True,
        )

    def show_error(self, error: BaseException) -> None:
        if self.ctx.locked:  # never a dialog over the lock page
            self.held_errors.append(error)
            return
        show_error(self, error, self.title)

    def release_held_errors(self, *, show: bool = True) -> None:
        """After unlocking: what went wrong meanwhile (dropped for someone else)."""
        held, self.held_errors = self.held_errors, []
        for error in held if show else ():
            show_error(self, error, self.title)
