"""The worker thread: work off the main thread, results and progress back on it, in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QThread
from pytestqt.qtbot import QtBot

from ui.worker import Job, Worker


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    w = Worker()
    yield w
    w.stop()


def wait(qtbot: QtBot, worker: Worker) -> None:
    qtbot.waitUntil(lambda: worker.idle, timeout=5_000)


def test_work_runs_off_the_main_thread_and_results_come_back_on_it(
    qtbot: QtBot, worker: Worker
) -> None:
    main = threading.get_ident()
    ran_on: list[int] = []
    delivered_on: list[object] = []

    def work() -> str:
        ran_on.append(threading.get_ident())
        return "done"

    worker.submit(work, success=lambda r: delivered_on.append((r, QThread.currentThread())))
    wait(qtbot, worker)
    assert ran_on and ran_on[0] != main
    assert delivered_on == [("done", QObject().thread())]


def test_jobs_run_one_at_a_time_in_the_order_given(qtbot: QtBot, worker: Worker) -> None:
    results: list[int] = []
    running = threading.Semaphore(1)

    def job(n: int) -> int:
        assert running.acquire(blocking=False)  # never two at once
        time.sleep(0.002)
        running.release()
        return n

    for n in range(30):
        worker.submit(lambda n=n: job(n), success=results.append)
    wait(qtbot, worker)
    assert results == list(range(30))


def test_a_failure_goes_to_its_callback(qtbot: QtBot, worker: Worker) -> None:
    failures: list[BaseException] = []
    worker.submit(
        lambda: 1 / 0, success=lambda _r: pytest.fail("no result"), failure=failures.append
    )
    wait(qtbot, worker)
    assert isinstance(failures[0], ZeroDivisionError)


def test_progress_and_cancel(qtbot: QtBot, worker: Worker) -> None:
    seen: list[tuple[float, str]] = []
    outcome: list[str] = []

    def long(job: Job) -> str:
        for step in range(500):
            if job.is_cancelled():
                return "stopped"
            job.report_progress(step / 500, f"step {step}")
            time.sleep(0.002)
        return "finished"

    job = worker.submit(
        long, success=outcome.append, progress=lambda f, t: seen.append((f, t)), pass_job=True
    )
    qtbot.waitUntil(lambda: len(seen) > 3)
    job.cancel()
    wait(qtbot, worker)
    assert outcome == ["stopped"]
    assert seen[0] == (0.0, "step 0")


def test_results_for_a_closed_screen_are_dropped(qtbot: QtBot, worker: Worker) -> None:
    owner = QObject()
    called: list[object] = []
    gate = threading.Event()
    worker.submit(lambda: gate.wait(5), success=called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    gate.set()
    wait(qtbot, worker)
    assert called == []


def test_busy_is_announced_for_the_status_bar(qtbot: QtBot, worker: Worker) -> None:
    states: list[bool] = []
    worker.busy_changed.connect(states.append)
    worker.submit(lambda: None)
    worker.submit(lambda: None)
    wait(qtbot, worker)
    assert states == [True, False]


def test_stop_lets_queued_work_finish(qtbot: QtBot) -> None:
    worker = Worker()
    done: list[int] = []
    for n in range(5):
        worker.submit(lambda n=n: (time.sleep(0.01), done.append(n)))
    worker.stop()
    assert done == [0, 1, 2, 3, 4]  # a scan queued before closing is never lost


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)
