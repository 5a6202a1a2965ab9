"""Exports that vouch for each other: signed tree heads, consistency proofs, leaves files.

An inspector holding an earlier report proves, with the two files alone, that a later
report's record still holds every event the earlier one showed, unchanged, or learns the
first event that differs: even when someone at the clinic's PC rewrote history and
recomputed the whole SHA-256 chain so that the trail itself looks intact.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update

from inventory import audit, merkle, receiving
from inventory.clock import FixedClock
from inventory.db import Database
from inventory.models import AuditEvent
from reports import tree
from reports.export import ExportResult, export_compliance, export_usage
from reports.manifest import read_manifest, write_manifest
from reports.signing import ClinicKey, clinic_key
from reports.verify import verify_against, verify_file
from sterility import sessions
from sterility.chair import use_unit
from tests.conftest import GTIN_10, box
from tests.inventory.test_merkle import LEAVES, ROOTS
from tests.people import clear_intake, staff
from tests.reports.conftest import END, START, Month, flip_byte, pages
from tests.test_cli import run

MANAGER = "Test Manager"


def _export(db: Database, folder: Path, *, by: str = MANAGER, kind: str = "compliance"):
    folder.mkdir(parents=True, exist_ok=True)
    writer = export_compliance if kind == "compliance" else export_usage
    return writer(
        db, START, END, pdf=folder / f"{folder.name}.pdf", csv=folder / "csv", by=staff(by)
    )


def _more_records(db: Database, clock: FixedClock) -> None:
    """A delivery and a treatment after the first export."""
    clock.advance(days=1)
    received = receiving.receive(
        db, [box(GTIN_10, "C300")], by=staff(MANAGER), supplier="MedSupply", invoice="INV-2"
    )
    session = sessions.open_session(
        db, client_ref="C-3000", practitioner="Sam", area="neck", depth_mm="1.0", by=staff("Sam"),
        intake=clear_intake(),
    )
    clock.advance(minutes=4)
    use_unit(db, session.id, received.lines[0].unit_codes[0], by=staff("Sam"))
    sessions.close_session(db, session.id, by=staff("Sam"), adverse="none")


def _cover(result: ExportResult) -> str:
    assert result.pdf is not None
    return " ".join(pages(result.pdf)[0].split())


def _key(db: Database) -> ClinicKey:
    with db.read() as conn:
        return clinic_key(conn, staff(MANAGER))


# --- a later export proves it holds the earlier one ------------------------------------


def test_a_later_export_proves_it_holds_everything_the_earlier_one_showed(
    db: Database, month: Month, clock: FixedClock, db_url: str, tmp_path: Path
) -> None:
    a = _export(db, tmp_path / "A")
    _more_records(db, clock)
    clock.advance(hours=1)
    b = _export(db, tmp_path / "B", kind="usage")  # either kind proves against either
    assert a.pdf and b.pdf and a.manifest and b.manifest
    assert b.tree_size > a.tree_size and b.previous_tree_size == a.tree_size
    assert b.consistent_with_previous is True

    for new, old in ((b.pdf, a.pdf), (b.manifest, a.pdf), (b.pdf, a.manifest)):
        checked = verify_against(new, old)
        assert checked.ok, checked.sentence
        assert f"{new.name} is consistent with {old.name}" in checked.sentence
        assert "carries" in checked.sentence  # B's own proof starts from A's head
    ok = run(db_url, "verify", str(b.pdf), "--previous", str(a.pdf), home=tmp_path / "desk")
    assert ok.returncode == 0, ok.stderr
    assert "consistent with" in ok.stdout and b.fingerprint in ok.stdout
    swapped = verify_against(a.pdf, b.pdf)
    assert not swapped.ok and "earlier report" in swapped.sentence

    cover = _cover(b)
    assert "Audit tree head" in cover and f"{b.tree_size} events" in cover
    assert b.tree_root in cover
    assert "Consistent with the previous export's tree head" in cover
    assert f"({a.tree_size} events, root {a.tree_root[:16]}" in cover
    assert "Checking this report against an earlier one" in cover
    assert "verify NEW.pdf --previous OLD.pdf" in cover and "no trust in the clinic" in cover

    # The tree head covers exactly the events in the export's snapshot; the export's own
    # event (recorded after) carries the head for the next export.
    with db.read() as conn:
        assert audit.tree_head(audit.tree_leaves(conn, upto=b.tree_size)).root == b.tree_root
        recorded = conn.execute(
            select(AuditEvent.id, AuditEvent.new_values)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id)
        ).all()
    assert [json.loads(v)["audit_tree"]["tree_head"]["tree_size"] for _i, v in recorded] == [
        a.tree_size,
        b.tree_size,
    ]
    assert recorded[0].id == a.tree_size + 1  # the first event after A's head

    # An inspector's export is not recorded; its previous export is B, not A: checking it
    # against A computes the consistency from its own leaves.
    clock.advance(hours=1)
    c = _export(db, tmp_path / "C", by="Inspector")
    assert c.previous_tree_size == b.tree_size
    assert c.pdf is not None
    checked = verify_against(c.pdf, a.pdf)
    assert checked.ok, checked.sentence
    assert "computed from" in checked.sentence


def test_the_first_export_has_no_earlier_export_to_prove_against(
    db: Database, month: Month, tmp_path: Path
) -> None:
    a = _export(db, tmp_path / "A")
    assert a.previous_tree_size is None and a.consistent_with_previous is None
    assert "there is no earlier export to prove against" in _cover(a)
    assert a.manifest is not None and a.leaves_file is not None
    document = read_manifest(a.manifest)
    assert document is not None
    carried = document["audit_tree"]
    assert carried["previous"] is None and carried["consistency_proof"] is None
    assert carried["tree_head"]["tree_size"] == a.tree_size
    assert carried["leaves_file"]["name"] == a.leaves_file.name
    assert a.leaves_file.name.endswith("-audit-tree.bin")
    assert a.leaves_file.stat().st_size == 32 * a.tree_size  # one leaf per event, nothing else
    for path in (a.pdf, a.manifest, a.leaves_file):
        assert path is not None
        result = verify_file(path)
        assert result.ok, result.sentence
        assert f"audit tree head ({a.tree_size} events, root {a.tree_root}" in result.sentence
    summary = a.manifest.parent / a.manifest.name.replace("manifest.json", "summary.csv")
    assert f"audit_tree_root_sha256,{a.tree_root}" in summary.read_text(encoding="utf-8")


# --- the attack ------------------------------------------------------------------------


def _guards(conn, dialect: str, tables: list[str], *, on: bool, saved: list[str]) -> None:
    """Switch the append-only triggers off (and back on), as someone at the PC would."""
    if dialect == "postgresql":
        for table in tables:
            conn.execute(text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
        return
    if on:
        for sql in saved:
            conn.execute(text(sql))
        return
    found = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
            f"({', '.join(repr(t) for t in tables)})"
        )
    ).all()
    for name, sql in found:
        saved.append(sql)
        conn.execute(text(f'DROP TRIGGER "{name}"'))


def _rewrite_history(db: Database, unit_code: str) -> int:
    """Delete a use and its audit event, put the unit back, renumber and re-chain the trail.

    Returns the number the deleted event had. Done as an attacker with the source would:
    the SHA-256 chain recomputed with the app's own ``event_hash``, the triggers restored.
    """
    events = AuditEvent.__table__
    with db.engine.begin() as conn:
        saved: list[str] = []
        tables = ["audit_event", "unit_use"]
        _guards(conn, db.dialect, tables, on=False, saved=saved)
        number = conn.execute(
            select(events.c.id).where(events.c.action == "use", events.c.entity_id == unit_code)
        ).scalar_one()
        unit_id = conn.execute(
            text("SELECT id FROM unit WHERE code = :code"), {"code": unit_code}
        ).scalar_one()
        conn.execute(text("DELETE FROM unit_use WHERE unit_id = :u"), {"u": unit_id})
        conn.execute(
            text("UPDATE unit SET status = 'in_stock', status_reason = NULL WHERE id = :u"),
            {"u": unit_id},
        )
        conn.execute(events.delete().where(events.c.id == number))
        # Close the gap (in two steps: the numbers are a primary key).
        conn.execute(update(events).where(events.c.id > number).values(id=-(events.c.id - 1)))
        conn.execute(update(events).where(events.c.id < 0).values(id=-events.c.id))
        prev = audit.GENESIS
        for row in conn.execute(select(events).order_by(events.c.id)).all():
            values = row._mapping
            binding = None
            if values.get("row_table") is not None:
                binding = (values["row_table"], int(values["row_id"]), values["row_digest"])
            args = [row.id, row.at, row.actor, row.action, row.entity, row.entity_id,
                    row.old_values, row.new_values, prev, row.staff_id]  # fmt: skip
            digest = audit.event_hash(*args, binding) if binding else audit.event_hash(*args)
            conn.execute(
                update(events).where(events.c.id == row.id).values(prev_hash=prev, hash=digest)
            )
            prev = digest
        if "seal_state" in inspect(conn).get_table_names():  # the kept key's position
            conn.execute(text("UPDATE seal_state SET position = position - 1"))
        _guards(conn, db.dialect, tables, on=True, saved=saved)
    return number


def test_rewritten_history_fails_and_names_the_first_event_that_differs(
    db: Database, month: Month, clock: FixedClock, db_url: str, tmp_path: Path
) -> None:
    a = _export(db, tmp_path / "A")
    assert a.pdf is not None and a.manifest is not None
    deleted = _rewrite_history(db, month.used_codes[2])
    with db.read() as conn:  # one use gone, A's export event added
        assert len(audit.tree_leaves(conn)) == a.tree_size
    clock.advance(days=1)
    b = _export(db, tmp_path / "B")
    assert b.pdf is not None and b.manifest is not None
    assert b.consistent_with_previous is False  # the app still wrote the proof it could
    assert "NOT consistent with the previous export's tree head" in _cover(b)
    assert verify_file(b.pdf).ok  # on its own, B is a well-signed report

    for new, old in ((b.pdf, a.pdf), (b.manifest, a.manifest), (b.pdf, a.manifest)):
        checked = verify_against(new, old)
        assert not checked.ok
        assert checked.first_different_event == deleted
        assert checked.sentence.startswith(
            f"Event {deleted} differs: the record behind {new.name} is not the record "
            f"{old.name} showed (history was rewritten after {old.name} was exported)"
        ), checked.sentence
    failed = run(db_url, "verify", str(b.pdf), "--previous", str(a.pdf), home=tmp_path / "desk")
    assert failed.returncode == 3
    assert f"Event {deleted} differs" in failed.stderr


# --- damaged leaves, forged heads --------------------------------------------------------


def test_a_leaves_file_changed_by_one_byte_fails(
    db: Database, month: Month, tmp_path: Path
) -> None:
    a = _export(db, tmp_path / "A")
    assert a.leaves_file is not None and a.manifest is not None
    flip_byte(a.leaves_file, 32 * 3 + 7)  # event 4's leaf
    for path in (a.manifest, a.leaves_file):
        result = verify_file(path)
        assert not result.ok
        assert "its audit tree does not hold" in result.sentence
        assert f"{a.leaves_file.name} was changed after" in result.sentence


def _resign(manifest: Path, document: dict, key: ClinicKey) -> None:
    body = {k: v for k, v in document.items() if k not in ("format", "signature")}
    write_manifest(manifest, body, key)


def test_a_tree_head_whose_signature_does_not_match_fails(
    db: Database, month: Month, tmp_path: Path
) -> None:
    a = _export(db, tmp_path / "A")
    assert a.manifest is not None
    original = read_manifest(a.manifest)
    assert original is not None
    key = _key(db)
    # Someone with the key re-signs the manifest around a head they changed: the head's own
    # signature still gives it away.
    forged = json.loads(json.dumps(original))
    forged["audit_tree"]["tree_head"]["tree_size"] = a.tree_size - 1
    _resign(a.manifest, forged, key)
    result = verify_file(a.manifest)
    assert not result.ok
    assert "the signature of" in result.sentence and "does not match it" in result.sentence
    # A head that names another certificate than the one that signed the file.
    forged = json.loads(json.dumps(original))
    forged["audit_tree"]["tree_head"]["clinic_certificate_sha256"] = "ab" * 32
    _resign(a.manifest, forged, key)
    result = verify_file(a.manifest)
    assert not result.ok and "not the certificate that signed the file" in result.sentence
    _resign(a.manifest, original, key)
    assert verify_file(a.manifest).ok


# --- the tree-head code against the known answers ----------------------------------------


def _material(size: int, key: ClinicKey, tmp_path: Path, previous: int | None = None):
    """A report's audit tree over the reference leaves (tests/inventory/test_merkle.py)."""
    leaves = LEAVES[:size]
    at = datetime(2026, 3, 31, tzinfo=UTC)
    head = tree.SignedHead.sign(size, ROOTS[size], at, key)
    before = tree.SignedHead.sign(previous, ROOTS[previous], at, key) if previous else None
    proof = merkle.consistency_proof(leaves, previous) if previous else None
    export = tree.ExportTree(head, before, proof, None, "", b"".join(leaves))
    document = export.document("leaves.bin")
    from cryptography import x509

    cert = x509.load_der_x509_certificate(key.cert_der)
    return tree.check_tree(
        document, {"leaves.bin": export.leaves}.get, cert, key.cert_der, f"R{size}.pdf"
    )


@pytest.mark.parametrize("size", range(1, len(ROOTS)))
def test_the_tree_checks_accept_the_known_answer_roots(
    db: Database, tmp_path: Path, size: int
) -> None:
    key = _key(db)
    material = _material(size, key, tmp_path)
    assert material.head.root == ROOTS[size] and material.leaves == LEAVES[:size]
    for old in range(1, size + 1):
        earlier = _material(old, key, tmp_path)
        verdict = tree.compare(material, earlier, f"R{size}.pdf", f"R{old}.pdf")
        assert verdict.ok, verdict.sentence
    carried = _material(size, key, tmp_path, previous=max(1, size - 1))
    assert tree.compare(carried, _material(max(1, size - 1), key, tmp_path), "N", "O").ok


def test_the_tree_checks_refuse_a_root_the_leaves_do_not_give(db: Database) -> None:
    key = _key(db)
    from cryptography import x509

    cert = x509.load_der_x509_certificate(key.cert_der)
    head = tree.SignedHead.sign(8, ROOTS[7], datetime(2026, 3, 31, tzinfo=UTC), key)  # wrong
    export = tree.ExportTree(head, None, None, None, "", b"".join(LEAVES))
    with pytest.raises(tree.TreeProblem, match="does not give the root"):
        tree.check_tree(
            export.document("l.bin"), {"l.bin": export.leaves}.get, cert, key.cert_der, "R"
        )
    changed = [*LEAVES[:5], merkle.leaf_hash(b"rewritten"), *LEAVES[6:]]
    honest = tree.check_tree(
        tree.ExportTree(
            tree.SignedHead.sign(8, ROOTS[8], datetime(2026, 3, 31, tzinfo=UTC), key),
            None, None, None, "", b"".join(LEAVES),
        ).document("l.bin"),
        {"l.bin": b"".join(LEAVES)}.get, cert, key.cert_der, "OLD",
    )  # fmt: skip
    rewritten_root = merkle.root(changed).hex()
    rewritten = tree.check_tree(
        tree.ExportTree(
            tree.SignedHead.sign(8, rewritten_root, datetime(2026, 4, 30, tzinfo=UTC), key),
            None, None, None, "", b"".join(changed),
        ).document("l.bin"),
        {"l.bin": b"".join(changed)}.get, cert, key.cert_der, "NEW",
    )  # fmt: skip
    verdict = tree.compare(rewritten, honest, "NEW", "OLD")
    assert not verdict.ok and verdict.first_different == 6
