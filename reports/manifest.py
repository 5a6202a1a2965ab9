"""The signed manifest that covers a report's CSV files.

A CSV cannot carry a signature, so each CSV export writes ``<name>-manifest.json``
beside its files: every file's name, row count, size and SHA-256, the report's data
digest (the one on the PDF cover), the signing certificate and a signature over all
of that. The manifest is self-contained: checking it needs only the files.

Beside it go what lets an inspector check the set with sha256sum and openssl alone
(:func:`verify_text` writes ``VERIFY.txt``): the signed bytes and the signature as files
of their own, the certificate, and a signed ``SHA256SUMS`` list of every file.

The file's bytes must be exactly the canonical form of its content, so changing any
byte (even a space) is detected, not only changes to values.
"""

from __future__ import annotations

import base64
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.signing import ClinicKey, sign_bytes

FORMAT = "sterile-ledger-manifest/1"
SUFFIX = "-manifest.json"
SIGNATURE_ALGORITHM = "rsa-pkcs1v15-sha256"
MAX_BYTES = 64 << 20  # a real manifest is a few kB to a few MB; larger is not ours
# The signature block holds exactly these; verify refuses any other or a false fingerprint.
SIGNATURE_FIELDS = frozenset({"algorithm", "certificate", "signer_fingerprint_sha256", "value"})


def signed_payload(body: dict[str, Any]) -> bytes:
    """The bytes the signature covers: the manifest without its signature, canonical JSON."""
    content = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def file_bytes(document: dict[str, Any]) -> bytes:
    """The one byte form a manifest with this content may have."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def write_manifest(path: Path, body: dict[str, Any], key: ClinicKey) -> tuple[bytes, bytes]:
    """Write the signed manifest; return (the exact bytes signed, the signature).

    The two go beside the manifest too (``-manifest.signed``, ``-manifest.sig``), so that
    openssl alone can check the signature (:func:`verify_text`).
    """
    body = {"format": FORMAT, **body}
    payload = signed_payload(body)
    signature = sign_bytes(payload, key)
    document = body | {
        "signature": {
            "algorithm": SIGNATURE_ALGORITHM,
            "certificate": key.cert_pem,
            "signer_fingerprint_sha256": key.fingerprint,
            "value": base64.b64encode(signature).decode("ascii"),
        }
    }
    path.write_bytes(file_bytes(document))
    return payload, signature


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest's content, or None when the file is not a Sterile Ledger manifest."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None  # RecursionError: a hostile file nested thousands of levels deep
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    return document


def manifests_beside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"*{SUFFIX}"))


# --- checking with sha256sum and openssl alone (VERIFY.txt) ----------------------------


@dataclass(frozen=True)
class PlainSet:
    """One export's files as VERIFY.txt names them (all start with ``prefix``)."""

    prefix: str
    fingerprint: str  # the certificate's SHA-256 fingerprint, in groups of four
    pdf: str | None = None  # the PDF's name when it is in this folder
    about: str = ""  # "Compliance report, Harbour Skin Clinic, 2026-03-01 to 2026-03-31"

    def name(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"


def sums_text(entries: list[tuple[str, str]]) -> bytes:
    """A SHA256SUMS file: '<sha256>  <name>' per line, as ``sha256sum -c`` reads it."""
    return "".join(f"{digest}  {name}\n" for name, digest in entries).encode("utf-8")


def openssl_fingerprint(fingerprint: str) -> str:
    """The fingerprint as ``openssl x509 -fingerprint -sha256`` prints it."""
    digits = "".join(fingerprint.split()).upper()
    return "sha256 Fingerprint=" + ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def verify_text(sets: list[PlainSet]) -> str:
    """VERIFY.txt: the exact commands that check each export in this folder."""
    lines = [
        "Checking these reports without Sterile Ledger",
        "=============================================",
        "",
        "Open a terminal in this folder and type the commands below, one at a time. They",
        "need only sha256sum (GNU coreutils) and openssl, as found on Linux and macOS",
        "(on Windows: Git Bash or WSL). Each step says what it must print; if any step",
        "prints something else, the files are not as the clinic exported them.",
        "",
    ]
    for one in sets:
        lines += _set_lines(one)
    return "\n".join(lines).rstrip("\n") + "\n"


def _set_lines(one: PlainSet) -> list[str]:
    q = shlex.quote
    cert, pub = q(one.name("-certificate.pem")), q(one.name("-pubkey.pem"))
    sums, sums_sig = q(one.name("-SHA256SUMS")), q(one.name("-SHA256SUMS.sig"))
    signed, sig = q(one.name("-manifest.signed")), q(one.name("-manifest.sig"))
    title = f"Export {one.prefix}" + (f": {one.about}" if one.about else "")
    lines = [
        title,
        "-" * min(len(title), 88),
        "",
        "1. The certificate that signed this export. This prints the certificate's SHA-256",
        "   fingerprint; it must be the one on the report's cover and the one the clinic",
        "   gave you:",
        "",
        f"   openssl x509 -in {cert} -noout -fingerprint -sha256",
        "",
        "   It must print:",
        f"   {openssl_fingerprint(one.fingerprint)}",
        f"   (the cover prints the same 64 hex digits in groups of four: {one.fingerprint})",
        "",
        "2. Take the public key out of that certificate (this writes "
        f"{one.name('-pubkey.pem')}):",
        "",
        f"   openssl x509 -in {cert} -noout -pubkey -out {pub}",
        "",
        "3. The signed list of files. The signed bytes are every byte of",
        f"   {one.name('-SHA256SUMS')}, exactly as the file is; "
        f"{one.name('-SHA256SUMS.sig')} is the",
        "   clinic's RSA signature (PKCS#1 v1.5, SHA-256) over them:",
        "",
        f"   openssl dgst -sha256 -verify {pub} -signature {sums_sig} {sums}",
        "",
        "   It must print: Verified OK",
        "",
        "4. Every file of the export against that signed list (the CSV files, their",
        "   manifest, the audit tree's leaves, the certificate"
        + (", the PDF" if one.pdf else "")
        + "):",
        "",
        f"   sha256sum -c {sums}",
        "",
        "   Every line must end in: OK",
        "",
        "5. The manifest's own signature. The signed bytes are in "
        f"{one.name('-manifest.signed')}:",
        f"   the content of {one.name('-manifest.json')} without its \"signature\" block, as",
        "   JSON in UTF-8 with its keys sorted, no spaces between items and no line break",
        f"   at the end. {one.name('-manifest.sig')} is the manifest's signature (its \"value\",",
        "   base64-decoded): RSA, PKCS#1 v1.5, SHA-256.",
        "",
        f"   openssl dgst -sha256 -verify {pub} -signature {sig} {signed}",
        "",
        "   It must print: Verified OK",
        "",
    ]
    if one.pdf:
        lines += [
            f"6. The PDF ({one.pdf}) carries its own signature. Open it in a PDF reader and",
            "   look at its signature panel, or run:",
            "",
            f"   pdfsig {q(one.pdf)}",
            "",
            '   It must say "Signature is Valid" and "Total document signed". A reader still',
            '   says "Signature is Valid" when something was added to the file after signing;',
            '   only "Total document signed" shows that nothing was.',
            "",
        ]
    return lines
