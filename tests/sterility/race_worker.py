"""One workstation in the race test: scans each unit when the barrier for it opens."""

from __future__ import annotations

from multiprocessing.synchronize import Barrier


def scan_all(url: str, session_id: int, codes: list[str], barrier: Barrier, name: str,
             results: object) -> None:
    """Runs in its own process with its own engine, like a second workstation."""
    from inventory.ledger import open_ledger
    from sterility.chair import use_unit
    from sterility.errors import ScanRefused
    from tests.people import staff

    db = open_ledger(url)
    outcome: dict[str, tuple[str, str, int | None]] = {}
    try:
        for code in codes:
            barrier.wait(timeout=60)
            try:
                verdict = use_unit(db, session_id, code, by=staff(name))
                outcome[code] = ("used", verdict.message, None)
            except ScanRefused as refused:
                outcome[code] = (refused.code, refused.message, refused.refusal_id)
            except Exception as exc:
                outcome[code] = ("error", f"{type(exc).__name__}: {exc}", None)
    finally:
        db.dispose()
        results.put((name, outcome))  # type: ignore[attr-defined]
