"""A background thread for database and report work; results come back as signals.

After anki's background operations (aqt/operations): the caller hands over a function and
success/failure callbacks. The function runs on the worker thread, the callbacks run on
the main thread, so widgets are touched only where Qt allows it and the window never
freezes. A worker is one thread, so it keeps its writes in the order the person made
them, and each job opens its own short transaction through ``db.read()`` /
``db.write()``. The app runs two workers: one for the screens' short work, one for long
report exports, so a chair scan never waits behind a report.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

log = logging.getLogger(__name__)

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]
Progress = Callable[[float, str], None]


@dataclass(eq=False)
class Job:
    """A handle on one piece of background work: cancel it, or report its progress."""

    id: int
    fn: Callable[[Job], Any]
    success: Success | None
    failure: Failure | None
    progress: Progress | None
    owner: QObject | None
    label: str
    _worker: Worker = field(repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def cancel(self) -> None:
        """Ask the work to stop; long jobs poll :meth:`is_cancelled`."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def report_progress(self, fraction: float, text: str = "") -> None:
        """Called on the worker thread; the progress callback runs on the main thread."""
        self._worker._progressed.emit(self.id, float(fraction), text)


class _Loop(QThread):
    """Runs queued jobs one after another until it receives ``None``."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.setObjectName("ledger-worker")
        self._worker = worker

    def run(self) -> None:
        jobs = self._worker._queue
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                result, error = job.fn(job), None
            except BaseException as exc:  # delivered to the failure callback
                result, error = None, exc
            self._worker._finished.emit(job.id, result, error)


class Worker(QObject):
    """One worker thread (the app runs two). Callbacks of ``submit`` run on the main thread."""

    _finished = Signal(int, object, object)
    _progressed = Signal(int, float, str)
    busy_changed = Signal(bool)
    """True when work is queued or running, False when everything has been delivered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._finished.connect(self._deliver)
        self._progressed.connect(self._forward_progress)
        self.default_failure: Failure = _log_failure
        self._thread = _Loop(self)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:  # however the app ends, the thread ends first
            app.aboutToQuit.connect(self.stop)

    @property
    def idle(self) -> bool:
        """Nothing queued, running, or waiting to be delivered."""
        return not self._jobs

    def submit(
        self,
        fn: Callable[[], Any] | Callable[[Job], Any],
        *,
        success: Success | None = None,
        failure: Failure | None = None,
        progress: Progress | None = None,
        owner: QObject | None = None,
        label: str = "",
        pass_job: bool = False,
    ) -> Job:
        """Queue ``fn`` on the worker thread.

        ``owner`` is the widget that asked: when it is gone by the time the result
        arrives, the callbacks are skipped. With ``pass_job`` the function receives its
        :class:`Job` (to report progress and to poll for cancellation).
        """
        call = fn if pass_job else (lambda _job: fn())  # type: ignore[call-arg]
        job = Job(next(self._ids), call, success, failure, progress, owner, label, self)
        was_idle = self.idle
        self._jobs[job.id] = job
        self._queue.put(job)
        if was_idle:
            self.busy_changed.emit(True)
        return job

    def cancel_all(self) -> None:
        for job in list(self._jobs.values()):
            job.cancel()

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Let queued work finish (a scan is never lost on closing), then end the thread."""
        if not self._thread.isRunning():
            return
        self._queue.put(None)
        if not self._thread.wait(timeout_ms):
            log.error("the worker thread did not stop within %s ms", timeout_ms)

    def _deliver(self, job_id: int, result: Any, error: BaseException | None) -> None:
        job = self._jobs.pop(job_id, None)
        try:
            if job is None or (job.owner is not None and not shiboken6.isValid(job.owner)):
                return
            if error is None:
                if job.success is not None:
                    job.success(result)
            else:
                (job.failure or self.default_failure)(error)
        finally:
            if self.idle:
                self.busy_changed.emit(False)

    def _forward_progress(self, job_id: int, fraction: float, text: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.progress is None:
            return
        if job.owner is not None and not shiboken6.isValid(job.owner):
            return
        job.progress(fraction, text)


def _log_failure(error: BaseException) -> None:
    log.error("background work failed", exc_info=(type(error), error, error.__traceback__))
