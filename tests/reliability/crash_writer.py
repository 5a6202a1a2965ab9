"""The app's writing process in the crash test: receives, opens sessions, uses and refuses
units, makes backups, until it is killed.

Each line on stdout is an acknowledgement, written and flushed only after the service call
returned (so after its commit), exactly as the app would show "OK" to a person:

    ready
    receipt <id> <units>
    session <id>
    use <unit code> <session id>
    refusal <id> <reason>
    backup <file name>

Run: python -m tests.reliability.crash_writer URL SEED
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import text

from inventory import backup, receiving
from inventory.barcode import element_string
from inventory.ledger import open_ledger
from sterility import sessions
from sterility.chair import use_unit
from sterility.errors import ScanRefused
from tests.people import clear_intake, staff

GTIN = "09506000100029"  # 12-pin cartridge 0.5 mm, 10 per box (tests.conftest.GTIN_05)
ACTOR = staff("Manager")  # the tests' clinic keys reach this process by a file


def ack(*words: object) -> None:
    """One write per line: a pipe keeps a short write whole even if we die right after."""
    sys.stdout.write(" ".join(str(w) for w in words) + "\n")
    sys.stdout.flush()


def main(url: str, seed: int) -> None:
    rng = random.Random(seed)
    db = open_ledger(url, warn=lambda _sentence: None)
    ack("ready")
    with db.read() as conn:
        in_stock = list(
            conn.execute(text("SELECT code FROM unit WHERE status = 'in_stock' LIMIT 500"))
            .scalars()
        )
    used: list[tuple[str, int]] = []
    session: int | None = None
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    for step in range(1_000_000):
        roll = rng.random()
        if roll < 0.12 or not in_stock:
            result = receiving.receive(
                db,
                [element_string(GTIN, date(2030, 12, 31), f"K{seed}-{step}", None)],
                units=rng.randint(1, 40),
                by=ACTOR,
                supplier="Crash Supplies",
                invoice=f"INV-{seed}-{step}",
            )
            ack("receipt", result.receipt_id, result.units)
            in_stock.extend(result.lines[0].unit_codes)
        elif session is None or roll < 0.17:
            session = sessions.open_session(
                db, client_ref=f"C-{seed}-{step}", area="face",
                depth_mm="0.5", by=ACTOR,
                intake=clear_intake(),
            ).id
            ack("session", session)
        elif roll < 0.75:
            code = in_stock.pop(rng.randrange(len(in_stock)))
            try:
                verdict = use_unit(db, session, code, by=ACTOR)
            except ScanRefused as refused:  # another run used it before its ack was read
                ack("refusal", refused.refusal_id, refused.code)
                continue
            ack("use", verdict.unit_code, session)
            used.append((code, session))
        elif roll < 0.97:
            earlier = [c for c, s in used if s != session]
            scanned = rng.choice(earlier) if earlier and rng.random() < 0.5 else f"U99999-{step}"
            try:
                use_unit(db, session, scanned, by=ACTOR)
            except ScanRefused as refused:
                ack("refusal", refused.refusal_id, refused.code)
        elif path is not None:
            made = backup.backup_to(db, by=staff("Manager"))
            ack("backup", made.name)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
