"""Check an exported PDF, CSV or manifest without the clinic's database.

A PDF must carry an intact signature that covers the whole file. A manifest must be
byte-exact, signed by the certificate it embeds, and every CSV it lists must have the
listed SHA-256. A CSV is checked against the signed manifest beside it. Any failure is
one sentence naming what failed. A signature proves only that the file was not changed
since someone signed it, so every result names the signer's key fingerprint: compare it
with the one on the report cover, or the one the clinic gave the inspector.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from reports.csv_writer import data_digest
from reports.manifest import (
    SIGNATURE_ALGORITHM,
    SIGNATURE_FIELDS,
    file_bytes,
    manifests_beside,
    read_manifest,
    signed_payload,
)
from reports.signing import fingerprint, leaf_problem, verify_bytes

_COVER_KEY = re.compile(r"signing key ([0-9A-F ]{79})")


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on one file: ok, a sentence for a person, and who signed it."""

    ok: bool
    sentence: str
    kind: str = ""  # "pdf", "csv", "manifest" or "" when the file could not be read
    fingerprint: str | None = None
    data_digest: str | None = None
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "sentence": self.sentence,
            "kind": self.kind,
            "signer_fingerprint_sha256": self.fingerprint,
            "data_digest": self.data_digest,
            "files": self.files,
        }


def verify_file(path: Path, *, expected_fingerprint: str | None = None) -> VerifyResult:
    """Verify one exported file; ``expected_fingerprint`` also pins the signer's key."""
    path = Path(path)
    try:
        head = path.read_bytes()[:5] if path.is_file() else None
    except OSError as exc:
        return VerifyResult(False, f"{path} cannot be read: {exc.strerror or exc}.")
    if head is None:
        return VerifyResult(False, f"{path} does not exist or is not a file.")
    if head.startswith(b"%PDF"):
        result = _verify_pdf(path)
    elif path.name.endswith(".json"):
        result = _verify_manifest(path)
    else:
        result = _verify_csv(path)
    if result.ok and expected_fingerprint:
        wanted = _norm(expected_fingerprint)
        if result.fingerprint is None or _norm(result.fingerprint) != wanted:
            return VerifyResult(
                False,
                f"{path.name} is intact but was signed by key {result.fingerprint}, not by the "
                f"expected key {expected_fingerprint}.",
                result.kind,
                result.fingerprint,
                result.data_digest,
                result.files,
            )
    return result


def _norm(text: str) -> str:
    return re.sub(r"[^0-9A-F]", "", text.upper())


def _verify_pdf(path: Path) -> VerifyResult:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    name = path.name
    try:
        with path.open("rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                return VerifyResult(
                    False,
                    f"{name} carries no digital signature: it is not a signed Sterile Ledger "
                    "export, or its signature was removed.",
                    "pdf",
                )
            signature = signatures[-1]
            cert = signature.signer_cert
            signer = fingerprint(cert.dump())
            context = ValidationContext(trust_roots=[cert], allow_fetching=False)
            status = validate_pdf_signature(signature, context)
            info = reader.trailer_view.get("/Info")
            info = info.get_object() if info is not None else {}
            subject = str(info.get("/Subject", ""))
    except (PdfError, SignatureValidationError, ValueError, KeyError, OSError) as exc:
        return VerifyResult(
            False, f"{name} is damaged: its signature cannot be checked ({exc}).", "pdf"
        )
    except Exception as exc:  # a damaged file can break the reader in any way
        return VerifyResult(
            False, f"{name} is damaged: its signature cannot be checked ({exc}).", "pdf"
        )
    digest = _digest_in(subject)
    if not status.intact:
        return VerifyResult(
            False,
            f"{name} was changed after it was signed: its content no longer matches the "
            "digest in its signature.",
            "pdf",
            signer,
            digest,
        )
    if not status.valid:
        return VerifyResult(
            False,
            f"The signature of {name} is not valid: it was not made by the key in its certificate.",
            "pdf",
            signer,
            digest,
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return VerifyResult(
            False,
            f"{name} was changed after it was signed: data was added after the signature.",
            "pdf",
            signer,
            digest,
        )
    problem = leaf_problem(x509.load_der_x509_certificate(cert.dump()))
    if problem:
        return VerifyResult(False, f"{name} is not a clinic report: {problem}.", "pdf", signer)
    cover = _COVER_KEY.search(subject)
    if cover and _norm(cover.group(1)) != _norm(signer):
        return VerifyResult(
            False,
            f"{name} was re-signed: it is signed by key {signer}, but its cover names key "
            f"{cover.group(1)}.",
            "pdf",
            signer,
            digest,
        )
    return VerifyResult(
        True,
        f"{name} is intact: signed by key {signer}, unchanged since it was signed. Compare "
        "this fingerprint with the one on the report cover.",
        "pdf",
        signer,
        digest,
    )


def _digest_in(subject: str) -> str | None:
    found = re.search(r"data digest ([0-9a-f]{64})", subject)
    return found.group(1) if found else None


def _check_manifest(path: Path) -> tuple[VerifyResult | None, dict | None, str | None]:
    """(failure, document, signer) for a manifest's own bytes and signature."""
    name = path.name
    document = read_manifest(path)
    if document is None:
        return (
            VerifyResult(False, f"{name} is not a Sterile Ledger manifest or is damaged.", ""),
            None,
            None,
        )
    signature = document.get("signature") or {}
    try:
        cert = x509.load_pem_x509_certificate(str(signature["certificate"]).encode("ascii"))
        value = base64.b64decode(str(signature["value"]), validate=True)
    except (KeyError, ValueError, UnicodeEncodeError):
        return VerifyResult(False, f"{name} has a damaged signature.", "manifest"), None, None
    signer = fingerprint(cert.public_bytes(serialization.Encoding.DER))
    stated = signature.get("signer_fingerprint_sha256")
    if set(signature) != SIGNATURE_FIELDS or stated != signer:
        # What a reader sees in the file must be what was checked: no extra or false fields.
        return (
            VerifyResult(
                False,
                f"{name} was changed after it was signed: its signature block names "
                f"key {stated}, but it was signed by key {signer}.",
                "manifest",
                signer,
            ),
            None,
            signer,
        )
    if path.read_bytes() != file_bytes(document):
        return (
            VerifyResult(False, f"{name} was changed after it was signed.", "manifest", signer),
            None,
            signer,
        )
    if signature.get("algorithm") != SIGNATURE_ALGORITHM or not verify_bytes(
        signed_payload(document), value, cert
    ):
        return (
            VerifyResult(
                False,
                f"{name} was changed after it was signed: its signature does not match.",
                "manifest",
                signer,
            ),
            None,
            signer,
        )
    problem = leaf_problem(cert)
    if problem:
        return VerifyResult(False, f"{name}: {problem}.", "manifest", signer), None, signer
    return None, document, signer


def _file_problem(folder: Path, entry: dict) -> str | None:
    target = folder / str(entry.get("name", ""))
    if not target.is_file():
        return f"{target.name} is missing"
    if hashlib.sha256(target.read_bytes()).hexdigest() != entry.get("sha256"):
        return f"{target.name} was changed after it was exported (its SHA-256 differs)"
    return None


def _verify_manifest(path: Path) -> VerifyResult:
    failure, document, signer = _check_manifest(path)
    if failure is not None or document is None:
        return failure or VerifyResult(False, f"{path.name} cannot be checked.", "manifest")
    entries = list(document.get("files") or [])
    problems = [p for p in (_file_problem(path.parent, e) for e in entries) if p]
    names = [str(e.get("name")) for e in entries]
    digest = document.get("data_digest")
    if problems:
        return VerifyResult(
            False,
            f"{path.name} is signed, but " + "; ".join(problems) + ".",
            "manifest",
            signer,
            digest,
            names,
        )
    recomputed = data_digest([(str(e["section"]), str(e["sha256"])) for e in entries])
    if recomputed != digest:
        return VerifyResult(
            False, f"{path.name} lists files that do not give its data digest.", "manifest", signer
        )
    return VerifyResult(
        True,
        f"{path.name} is intact: signed by key {signer}; its {len(names)} CSV files are "
        f"unchanged; data digest {digest}.",
        "manifest",
        signer,
        digest,
        names,
    )


def _verify_csv(path: Path) -> VerifyResult:
    candidates = []
    for manifest in manifests_beside(path):
        document = read_manifest(manifest)
        if document and any(e.get("name") == path.name for e in document.get("files") or []):
            candidates.append(manifest)
    if not candidates:
        return VerifyResult(
            False,
            f"No signed manifest beside {path.name} lists it, so it cannot be checked. Keep "
            "the CSV files and their -manifest.json file together.",
            "csv",
        )
    manifest = candidates[0]
    failure, document, signer = _check_manifest(manifest)
    if failure is not None or document is None:
        sentence = failure.sentence if failure else "it cannot be checked"
        return VerifyResult(
            False, f"{path.name} cannot be trusted: its manifest {sentence}", "csv", signer
        )
    entry = next(e for e in document["files"] if e.get("name") == path.name)
    problem = _file_problem(path.parent, entry)
    if problem:
        return VerifyResult(False, f"{problem}.", "csv", signer)
    return VerifyResult(
        True,
        f"{path.name} is intact: it matches the signed manifest {manifest.name} (signed by "
        f"key {signer}, data digest {document.get('data_digest')}).",
        "csv",
        signer,
        document.get("data_digest"),
        [path.name],
    )
