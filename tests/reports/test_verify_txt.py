"""VERIFY.txt's commands, run with the system's sha256sum and openssl in the export folder."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from inventory.db import Database
from reports.export import ExportResult, export_compliance, export_usage
from tests.people import staff
from tests.reports.conftest import END, START, Month, flip_byte

TOOLS = ("sha256sum", "openssl")


def _commands(folder: Path, prefix: str) -> list[list[str]]:
    """The commands VERIFY.txt gives for one export, exactly as printed."""
    text = (folder / "VERIFY.txt").read_text(encoding="utf-8")
    section = text.split(f"Export {prefix}", 1)[1].split("\nExport ", 1)[0]
    return [
        shlex.split(line.strip())
        for line in section.splitlines()
        if line.startswith("   ") and line.strip().split(" ", 1)[0] in TOOLS
    ]


def _run_all(folder: Path, prefix: str) -> list[subprocess.CompletedProcess[str]]:
    for tool in TOOLS:
        assert shutil.which(tool), f"{tool} is needed on this machine"
    return [
        subprocess.run(argv, cwd=folder, capture_output=True, text=True, check=False)
        for argv in _commands(folder, prefix)
    ]


@pytest.fixture
def exported(db: Database, month: Month, tmp_path: Path) -> ExportResult:
    out = tmp_path / "export"
    out.mkdir()
    return export_compliance(db, START, END, pdf=out, csv=out, by=staff("Test Manager"))


def _prefix(result: ExportResult) -> str:
    assert result.manifest is not None
    return result.manifest.name.removesuffix("-manifest.json")


def test_an_untouched_export_passes_every_command(exported: ExportResult) -> None:
    assert exported.manifest is not None
    folder, prefix = exported.manifest.parent, _prefix(exported)
    commands = _commands(folder, prefix)
    assert [c[:2] for c in commands] == [
        ["openssl", "x509"],
        ["openssl", "x509"],
        ["openssl", "dgst"],
        ["sha256sum", "-c"],
        ["openssl", "dgst"],
    ]
    done = _run_all(folder, prefix)
    assert all(d.returncode == 0 for d in done), [(d.args, d.stdout, d.stderr) for d in done]
    groups = "".join(exported.fingerprint.split())
    printed = done[0].stdout.strip()
    assert printed.replace(":", "").upper().endswith(groups)
    assert printed in (folder / "VERIFY.txt").read_text(), "VERIFY.txt shows what to expect"
    assert done[2].stdout.strip() == "Verified OK" and done[4].stdout.strip() == "Verified OK"
    checked = done[3].stdout
    for path in [exported.pdf, exported.manifest, *exported.csv_files, exported.leaves_file]:
        assert path is not None and f"{path.name}: OK" in checked
    text = (folder / "VERIFY.txt").read_text()
    assert "prints the certificate's SHA-256\n   fingerprint" in text
    assert "without its \"signature\" block" in text and "keys sorted" in text
    assert f"pdfsig {exported.pdf.name}" in text and "Total document signed" in text  # type: ignore[union-attr]


def test_one_changed_byte_in_a_csv_fails_sha256sum(exported: ExportResult) -> None:
    assert exported.manifest is not None
    folder, prefix = exported.manifest.parent, _prefix(exported)
    uses = next(p for p in exported.csv_files if p.name.endswith("-uses.csv"))
    flip_byte(uses, uses.stat().st_size // 2)
    done = _run_all(folder, prefix)
    sums = done[3]
    assert sums.returncode != 0 and f"{uses.name}: FAILED" in sums.stdout
    assert done[2].returncode == 0, "the signed list itself is untouched"


def test_one_changed_byte_in_the_manifest_fails(exported: ExportResult) -> None:
    assert exported.manifest is not None
    folder, prefix = exported.manifest.parent, _prefix(exported)
    flip_byte(exported.manifest, exported.manifest.stat().st_size // 2)
    sums = _run_all(folder, prefix)[3]
    assert sums.returncode != 0 and f"{exported.manifest.name}: FAILED" in sums.stdout


def test_one_changed_byte_in_the_signed_files_fails_openssl(exported: ExportResult) -> None:
    assert exported.manifest is not None
    folder, prefix = exported.manifest.parent, _prefix(exported)
    for name, step in ((f"{prefix}-manifest.signed", 4), (f"{prefix}-SHA256SUMS", 2)):
        target = folder / name
        original = target.read_bytes()
        flip_byte(target, len(original) // 2)
        done = _run_all(folder, prefix)
        assert done[step].returncode != 0 and "Verified OK" not in done[step].stdout, name
        target.write_bytes(original)
    assert all(d.returncode == 0 for d in _run_all(folder, prefix))


def test_the_signed_bytes_are_the_manifest_without_its_signature(exported: ExportResult) -> None:
    from reports.manifest import read_manifest, signed_payload

    assert exported.manifest is not None
    document = read_manifest(exported.manifest)
    assert document is not None
    prefix = _prefix(exported)
    signed = exported.manifest.with_name(f"{prefix}-manifest.signed").read_bytes()
    assert signed == signed_payload(document)
    import base64

    sig = exported.manifest.with_name(f"{prefix}-manifest.sig").read_bytes()
    assert sig == base64.b64decode(document["signature"]["value"])


def test_two_exports_in_one_folder_keep_both_sets_of_steps(
    db: Database, exported: ExportResult
) -> None:
    assert exported.manifest is not None
    folder = exported.manifest.parent
    usage = export_usage(db, START, END, pdf=None, csv=folder, by=staff("Test Manager"))
    text = (folder / "VERIFY.txt").read_text()
    assert f"Export {_prefix(exported)}" in text and f"Export {_prefix(usage)}" in text
    for result in (exported, usage):
        done = _run_all(folder, _prefix(result))
        assert len(done) == 5 and all(d.returncode == 0 for d in done), _prefix(result)
