"""The signed manifest that covers a report's CSV files.

A CSV cannot carry a signature, so each CSV export writes ``<name>-manifest.json``
beside its files: every file's name, row count, size and SHA-256, the report's data
digest (the one on the PDF cover), the signing certificate and a signature over all
of that. The manifest is self-contained: checking it needs only the files.

The file's bytes must be exactly the canonical form of its content, so changing any
byte (even a space) is detected, not only changes to values.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from reports.signing import ClinicKey, sign_bytes

FORMAT = "sterile-ledger-manifest/1"
SUFFIX = "-manifest.json"
SIGNATURE_ALGORITHM = "rsa-pkcs1v15-sha256"
# The signature block holds exactly these; verify refuses any other or a false fingerprint.
SIGNATURE_FIELDS = frozenset({"algorithm", "certificate", "signer_fingerprint_sha256", "value"})


def signed_payload(body: dict[str, Any]) -> bytes:
    """The bytes the signature covers: the manifest without its signature, canonical JSON."""
    content = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def file_bytes(document: dict[str, Any]) -> bytes:
    """The one byte form a manifest with this content may have."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def write_manifest(path: Path, body: dict[str, Any], key: ClinicKey) -> None:
    body = {"format": FORMAT, **body}
    signature = sign_bytes(signed_payload(body), key)
    document = body | {
        "signature": {
            "algorithm": SIGNATURE_ALGORITHM,
            "certificate": key.cert_pem,
            "signer_fingerprint_sha256": key.fingerprint,
            "value": base64.b64encode(signature).decode("ascii"),
        }
    }
    path.write_bytes(file_bytes(document))


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest's content, or None when the file is not a Sterile Ledger manifest."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    return document


def manifests_beside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"*{SUFFIX}"))
