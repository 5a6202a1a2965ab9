"""An inspector checks the files alone: untouched passes, one changed byte fails, named."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from inventory.db import Database
from reports.export import ExportResult, export_compliance
from reports.manifest import read_manifest
from reports.verify import verify_file
from tests.people import staff
from tests.reports.conftest import END, START, Month, flip_byte


@pytest.fixture
def exported(db: Database, month: Month, tmp_path: Path) -> ExportResult:
    out = tmp_path / "inspector"  # what leaves the clinic: no database beside it
    out.mkdir()
    result = export_compliance(
        db, START, END, pdf=out / "report.pdf", csv=out / "csv", by=staff("Test Manager")
    )
    db.dispose()
    return result


def test_untouched_files_verify_and_name_the_signing_key(exported: ExportResult) -> None:
    assert exported.pdf is not None and exported.manifest is not None
    for path in [exported.pdf, exported.manifest, *exported.csv_files]:
        result = verify_file(path)
        assert result.ok, result.sentence
        assert result.fingerprint == exported.fingerprint
        assert exported.fingerprint in result.sentence
    assert verify_file(exported.manifest).data_digest == exported.digest
    assert verify_file(exported.pdf).data_digest == exported.digest


def test_one_flipped_byte_in_the_pdf_fails(exported: ExportResult) -> None:
    assert exported.pdf is not None
    size = exported.pdf.stat().st_size
    for offset in (size // 3, size // 2, size - 40):
        copy = exported.pdf.with_name(f"copy-{offset}.pdf")
        shutil.copy(exported.pdf, copy)
        flip_byte(copy, offset)
        result = verify_file(copy)
        assert not result.ok
        assert copy.name in result.sentence


def test_a_changed_csv_fails_and_is_named(exported: ExportResult) -> None:
    target = next(p for p in exported.csv_files if p.name.endswith("-uses.csv"))
    flip_byte(target, target.stat().st_size // 2)
    result = verify_file(target)
    assert not result.ok
    assert target.name in result.sentence and "changed" in result.sentence
    assert exported.manifest is not None
    on_manifest = verify_file(exported.manifest)
    assert not on_manifest.ok and target.name in on_manifest.sentence
    untouched = next(p for p in exported.csv_files if p.name.endswith("-refusals.csv"))
    assert verify_file(untouched).ok


def test_a_changed_manifest_fails_even_for_whitespace(exported: ExportResult) -> None:
    assert exported.manifest is not None
    data = exported.manifest.read_bytes()
    exported.manifest.write_bytes(data.replace(b'  "files"', b' "files"', 1))
    assert not verify_file(exported.manifest).ok
    exported.manifest.write_bytes(data.replace(b'"rows": 6', b'"rows": 7', 1))
    result = verify_file(exported.manifest)
    assert not result.ok and "signature does not match" in result.sentence
    exported.manifest.write_bytes(data)
    assert verify_file(exported.manifest).ok


def test_a_csv_without_its_manifest_cannot_be_checked(exported: ExportResult) -> None:
    assert exported.manifest is not None
    exported.manifest.unlink()
    result = verify_file(exported.csv_files[0])
    assert not result.ok and "manifest" in result.sentence


def test_expected_fingerprint_catches_another_signer(exported: ExportResult) -> None:
    assert exported.pdf is not None
    assert verify_file(exported.pdf, expected_fingerprint=exported.fingerprint).ok
    other = "0000 " * 15 + "0000"
    result = verify_file(exported.pdf, expected_fingerprint=other)
    assert not result.ok and "not by the expected key" in result.sentence


def test_manifest_lists_every_csv_with_its_digest(exported: ExportResult) -> None:
    assert exported.manifest is not None
    document = read_manifest(exported.manifest)
    assert document is not None
    assert {f["name"] for f in document["files"]} == {p.name for p in exported.csv_files}
    assert document["data_digest"] == exported.digest
    assert "BEGIN CERTIFICATE" in document["signature"]["certificate"]


def test_common_pdf_readers_see_the_signature(exported: ExportResult) -> None:
    """poppler (behind many readers) shows a valid signature by an unknown issuer.

    pdfsig exits 0 even when the digest does not match, so its text is what counts.
    """
    assert exported.pdf is not None
    assert shutil.which("pdfsig"), "poppler-utils is needed (scripts/system-deps.sh)"
    shown = subprocess.run(["pdfsig", str(exported.pdf)], capture_output=True, text=True)
    assert "Signature is Valid" in shown.stdout
    assert "Total document signed" in shown.stdout
    assert "Certificate issuer is unknown" in shown.stdout
    flip_byte(exported.pdf, exported.pdf.stat().st_size // 2)
    shown = subprocess.run(["pdfsig", str(exported.pdf)], capture_output=True, text=True)
    assert "Signature is Valid" not in shown.stdout


def test_a_false_fingerprint_in_the_manifest_fails(exported: ExportResult) -> None:
    from reports.manifest import file_bytes

    assert exported.manifest is not None
    document = read_manifest(exported.manifest)
    assert document is not None
    document["signature"]["signer_fingerprint_sha256"] = "DEAD BEEF"
    exported.manifest.write_bytes(file_bytes(document))
    result = verify_file(exported.manifest)
    assert not result.ok
    assert "names key DEAD BEEF" in result.sentence


def test_a_failed_re_export_keeps_the_earlier_files(
    db: Database, month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from inventory.errors import LedgerError

    out = tmp_path / "out"
    out.mkdir()
    first = export_compliance(db, START, END, pdf=out / "r.pdf", csv=out / "csv", by=staff("M"))
    assert first.pdf is not None
    before = {p: p.read_bytes() for p in [first.pdf, *first.csv_files]}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if str(src).endswith(".partial") and len(calls) > 10:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(LedgerError, match="No space left on device"):
        export_compliance(db, START, END, pdf=out / "r.pdf", csv=out / "csv", by=staff("M"))
    monkeypatch.setattr(os, "replace", real_replace)
    assert {p: p.read_bytes() for p in before} == before
    assert not list(out.rglob("*.previous")) and not list(out.rglob("*.partial"))
