"""Exports never replace files unasked; hostile input gets a sentence, never a traceback."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from inventory.db import Database
from inventory.errors import InvalidInput
from reports.export import WouldOverwrite, existing_files, export_compliance
from reports.manifest import read_manifest, write_manifest
from reports.signing import ClinicKey
from reports.tree import SignedHead
from reports.verify import verify_file
from tests.people import staff
from tests.reports.conftest import END, START, Month
from tests.test_cli import run


def _other_clinic_key() -> ClinicKey:
    """A real key and self-signed leaf certificate that are not the clinic's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone Else")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return ClinicKey(der, cert.public_bytes(serialization.Encoding.DER))


def _re_sign(manifest: Path, key: ClinicKey) -> None:
    """Sign the whole set again with ``key``: the manifest and its audit tree head."""
    document = read_manifest(manifest)
    assert document is not None
    tree = document["audit_tree"]
    head = tree["tree_head"]
    at = datetime.fromisoformat(head["at_utc"].replace("Z", "+00:00"))
    tree.update(SignedHead.sign(head["tree_size"], head["root_sha256"], at, key).as_dict())
    body = {k: v for k, v in document.items() if k not in ("format", "signature")}
    write_manifest(manifest, body, key)


@pytest.fixture
def exported(db: Database, month: Month, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    result = export_compliance(db, START, END, pdf=out, csv=out, by=staff("Test Manager"))
    return result


def test_a_set_signed_again_by_another_certificate_is_warned(exported) -> None:
    manifest = exported.manifest
    _re_sign(manifest, _other_clinic_key())
    plain = verify_file(manifest)
    assert plain.ok and plain.fingerprint != exported.fingerprint  # intact, by someone else
    warned = verify_file(manifest, clinic_fingerprint=exported.fingerprint)
    assert warned.ok and warned.warnings
    assert "other than this clinic's own" in warned.warnings[0]
    assert exported.fingerprint in warned.warnings[0] and plain.fingerprint in warned.warnings[0]
    uses = next(p for p in exported.csv_files if p.name.endswith("-uses.csv"))
    assert verify_file(uses, clinic_fingerprint=exported.fingerprint).warnings
    assert not verify_file(exported.pdf, clinic_fingerprint=exported.fingerprint).warnings


def test_verify_on_the_command_line_warns_with_the_clinic_ledger_at_hand(
    exported, db_url: str, tmp_path: Path
) -> None:
    _re_sign(exported.manifest, _other_clinic_key())
    done = run(db_url, "verify", str(exported.manifest), home=tmp_path / "home")
    assert done.returncode == 3, done.stderr
    assert "WARNING:" in done.stderr and "other than this clinic's own" in done.stderr
    assert "Unexpected" not in done.stderr
    ours = run(db_url, "verify", str(exported.pdf), home=tmp_path / "home")
    assert ours.returncode == 0 and ours.stdout.startswith("OK:"), ours.stderr


def test_exporting_onto_an_earlier_export_needs_force(
    exported, db_url: str, tmp_path: Path
) -> None:
    out = exported.manifest.parent
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    found = existing_files("compliance", START, END, pdf=out, csv=out)
    assert exported.pdf in found and exported.manifest in found
    args = ["report", "compliance", "--from", START.isoformat(), "--to", END.isoformat()]
    refused = run(db_url, *args, "--pdf", str(out), "--csv", str(out), home=tmp_path / "h")
    assert refused.returncode == 2, refused.stderr
    assert "A report is already saved there" in refused.stderr
    assert "--force" in refused.stderr and "Unexpected" not in refused.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing was touched"
    forced = run(
        db_url, *args, "--pdf", str(out), "--csv", str(out), "--force", home=tmp_path / "h"
    )
    assert forced.returncode == 0, forced.stderr
    assert (out / "VERIFY.txt").read_text().count(f"Export {exported.manifest.name[:-14]}") == 1


def test_the_api_refuses_to_overwrite_when_told(exported, db: Database) -> None:
    out = exported.manifest.parent
    with pytest.raises(WouldOverwrite) as refused:
        export_compliance(db, START, END, pdf=out, csv=out, by=staff("M"), overwrite=False)
    assert exported.manifest.name in refused.value.message
    csv_only = out / "only-csv"
    csv_only.mkdir()
    (csv_only / f"{exported.manifest.name[:-14]}-uses.csv").write_text("mine\n")
    with pytest.raises(WouldOverwrite):  # found when the sections' names are known
        export_compliance(db, START, END, pdf=None, csv=csv_only, by=staff("M"), overwrite=False)
    assert (csv_only / f"{exported.manifest.name[:-14]}-uses.csv").read_text() == "mine\n"
    assert not list(csv_only.glob("*.partial"))


def test_hostile_periods_and_paths_are_refused_with_a_sentence(
    db: Database, month: Month, db_url: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="reaches outside the dates a report can cover"):
        export_compliance(
            db, date(1, 1, 1), date(9999, 12, 31), pdf=tmp_path, csv=None, by=staff("M")
        )
    home = tmp_path / "h"
    wide = run(
        db_url, "report", "usage", "--from", "0001-01-01", "--to", "9999-12-31",
        "--pdf", str(tmp_path), home=home,
    )  # fmt: skip
    assert wide.returncode in (2, 3) and "reaches outside" in wide.stderr, wide.stderr
    for long in (tmp_path / ("x" * 300 + ".pdf"), tmp_path / ("d" * 300) / "r.pdf"):
        done = run(
            db_url, "report", "compliance", "--from", "2026-03-01", "--to", "2026-03-31",
            "--pdf", str(long), home=home,
        )  # fmt: skip
        assert done.returncode in (2, 3), done.stderr
        assert "Unexpected" not in done.stderr and "Refused: " in done.stderr
    deep = tmp_path / ("a" * 200)
    for _ in range(25):
        deep = deep / ("a" * 200)
    done = run(
        db_url, "report", "compliance", "--from", "2026-03-01", "--to", "2026-03-31",
        "--csv", str(deep), home=home,
    )  # fmt: skip
    assert done.returncode in (2, 3) and "Unexpected" not in done.stderr, done.stderr


def test_hostile_manifests_get_a_sentence(db_url: str, tmp_path: Path) -> None:
    nested = tmp_path / "deep-manifest.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    shapes = {
        "nested": nested,
        "wrong-types-manifest.json": {"format": "sterile-ledger-manifest/1", "signature": [1]},
        "files-not-dicts-manifest.json": {
            "format": "sterile-ledger-manifest/1",
            "signature": "x",
            "files": ["a", 3],
        },
        "deep-dict-manifest.json": {"format": "sterile-ledger-manifest/1", "signature": {}},
    }
    for name, shape in shapes.items():
        path = shape if isinstance(shape, Path) else tmp_path / name
        if not isinstance(shape, Path):
            path.write_text(json.dumps(shape))
        result = verify_file(path)
        assert not result.ok and path.name in result.sentence
    deep = tmp_path / "deep2-manifest.json"
    deep.write_text('{"format": "sterile-ledger-manifest/1", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    for path in (nested, deep, tmp_path / "wrong-types-manifest.json"):
        done = run(db_url, "verify", str(path), home=tmp_path / "h")
        assert done.returncode == 3, done.stderr
        assert "FAILED: " in done.stderr and "Unexpected" not in done.stderr
