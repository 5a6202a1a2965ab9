"""Check an exported PDF, CSV or manifest without the clinic's database.

A PDF must carry an intact signature that covers the whole file. A manifest must be
byte-exact, signed by the certificate it embeds, and every CSV it lists must have the
listed SHA-256. A CSV is checked against the signed manifest beside it. Any failure is
one sentence naming what failed. A signature proves only that the file was not changed
since someone signed it, so every result names the signer's key fingerprint: compare it
with the one on the report cover, or the one the clinic gave the inspector.

Every export also carries the audit trail's signed tree head and its leaves
(``reports.tree``): ``verify FILE`` checks the head's signature and that the leaves give
its root; :func:`verify_against` (``verify NEW --previous OLD``) checks that NEW's record
still holds every event OLD's showed, unchanged, and names the first event that differs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
from reports.tree import (
    PDF_TREE,
    Comparison,
    TreeMaterial,
    TreeProblem,
    check_tree,
    compare,
    pdf_attachments,
)

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
    tree: TreeMaterial | None = field(default=None, repr=False, compare=False)
    first_different_event: int | None = None  # verify --previous: the first changed event
    # Said beside an intact file: e.g. signed by a certificate other than the clinic's own.
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        head = self.tree.head if self.tree is not None else None
        return {
            "ok": self.ok,
            "sentence": self.sentence,
            "kind": self.kind,
            "signer_fingerprint_sha256": self.fingerprint,
            "data_digest": self.data_digest,
            "files": self.files,
            "tree_head": None
            if head is None
            else {"tree_size": head.size, "root_sha256": head.root, "at_utc": head.at_utc},
            "first_different_event": self.first_different_event,
            "warnings": list(self.warnings),
        }


def verify_file(
    path: Path,
    *,
    expected_fingerprint: str | None = None,
    clinic_fingerprint: str | None = None,
) -> VerifyResult:
    """Verify one exported file.

    ``expected_fingerprint`` pins the signer's certificate (another signer fails);
    ``clinic_fingerprint`` is the clinic's own certificate, when known (the ledger at
    hand): an intact file signed by another certificate then carries a warning.
    """
    path = Path(path)
    try:
        if not path.is_file():
            return VerifyResult(False, f"{path} does not exist or is not a file.")
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError as exc:
        return VerifyResult(False, f"{path} cannot be read: {exc.strerror or exc}.")
    try:
        if head.startswith(b"%PDF"):
            result = _verify_pdf(path)
        elif path.name.endswith(".json"):
            result = _verify_manifest(path)
        else:
            result = _verify_csv(path)
    except (
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        ValueError,
        OverflowError,
        RecursionError,
        OSError,
    ):  # a hand-made or damaged file in a shape no export writes
        return VerifyResult(
            False,
            f"{path.name} is damaged or was not written by Sterile Ledger: its content is "
            "not in the shape of an export, so it cannot be checked.",
        )
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
    other = result.fingerprint and _norm(result.fingerprint) != _norm(clinic_fingerprint or "")
    if result.ok and clinic_fingerprint and other:
        result = replace(
            result,
            warnings=(
                f"{path.name} is signed by a certificate other than this clinic's own: its "
                f"certificate's SHA-256 fingerprint is {result.fingerprint}, the clinic's is "
                f"{clinic_fingerprint}. It was signed again by someone else, or it is "
                "another clinic's report.",
            ),
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
            attachments = pdf_attachments(reader)
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
    result = VerifyResult(
        True,
        f"{name} is intact: signed by key {signer}, unchanged since it was signed. Compare "
        "this fingerprint with the one on the report cover.",
        "pdf",
        signer,
        digest,
    )
    document: Any = None
    if PDF_TREE in attachments:
        try:
            document = json.loads(attachments[PDF_TREE].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            document = {}
    return _with_tree(
        result, document, attachments.get, x509.load_der_x509_certificate(cert.dump()), name
    )


def _with_tree(
    result: VerifyResult,
    document: Any,
    load_leaves: Any,
    cert: x509.Certificate,
    name: str,
) -> VerifyResult:
    """An intact file's audit tree: its head's signature and that its leaves give the root."""
    if document is None:
        return replace(
            result,
            sentence=result.sentence + " It carries no audit tree head (it was exported by an "
            "earlier version of Sterile Ledger), so it cannot be checked against other reports.",
        )
    try:
        material = check_tree(
            document, load_leaves, cert, cert.public_bytes(serialization.Encoding.DER), name
        )
    except TreeProblem as problem:
        return replace(
            result,
            ok=False,
            sentence=f"{name} is signed, but its audit tree does not hold: {problem}.",
        )
    head = material.head
    return replace(
        result,
        sentence=result.sentence + f" Its audit tree head ({head.size} events, root "
        f"{head.root}, {head.at_utc}) is signed by the same key, and its leaves give that root.",
        tree=material,
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
    result = _manifest_files(path, document, signer)
    if not result.ok:
        return result
    cert = x509.load_pem_x509_certificate(str(document["signature"]["certificate"]).encode())
    return _with_tree(
        result,
        document.get("audit_tree"),
        lambda name: _beside(path.parent, name),
        cert,
        path.name,
    )


def _beside(folder: Path, name: str) -> bytes | None:
    """A file named by a manifest, in the manifest's own folder only."""
    if not name or Path(name).name != name:
        return None
    target = folder / name
    try:
        return target.read_bytes() if target.is_file() else None
    except OSError:
        return None


def _manifest_files(path: Path, document: dict, signer: str | None) -> VerifyResult:
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


def _leaves_entry(document: dict) -> dict | None:
    tree = document.get("audit_tree")
    entry = tree.get("leaves_file") if isinstance(tree, dict) else None
    return entry if isinstance(entry, dict) else None


def _lists(document: dict, name: str) -> bool:
    entries = [*(document.get("files") or []), _leaves_entry(document) or {}]
    return any(e.get("name") == name for e in entries)


def _verify_csv(path: Path) -> VerifyResult:
    candidates = []
    for manifest in manifests_beside(path):
        document = read_manifest(manifest)
        if document and _lists(document, path.name):
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
    leaves = _leaves_entry(document)
    if leaves is not None and leaves.get("name") == path.name:
        return _verify_manifest_for(path, manifest)
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


def _verify_manifest_for(leaves: Path, manifest: Path) -> VerifyResult:
    """The leaves file holds only through its manifest's tree head: check them together."""
    result = _verify_manifest(manifest)
    if not result.ok:
        return replace(result, sentence=f"{leaves.name} cannot be trusted: {result.sentence}")
    return replace(
        result,
        sentence=f"{leaves.name} is intact: it gives the root of the signed tree head in "
        f"{manifest.name}. " + result.sentence,
        kind="tree",
        files=[leaves.name],
    )


# --- a later report against an earlier one --------------------------------------------


def verify_against(new: Path, old: Path) -> VerifyResult:
    """``verify NEW --previous OLD``: NEW's record still holds all that OLD's showed.

    Both files must be intact and signed by the same clinic certificate, both tree heads
    signed by it; NEW's consistency proof must start from OLD's head (or, when NEW's
    previous export was another, the first OLD.size leaves of NEW must give OLD's root).
    From the two leaf files, a failure names the first event that differs.
    """
    new, old = Path(new), Path(old)
    results = []
    for path in (new, old):
        result = verify_file(_report_file(path))
        if not result.ok:
            return replace(result, sentence=f"{path.name} does not verify: {result.sentence}")
        results.append(result)
    r_new, r_old = results
    if _norm(r_new.fingerprint or "") != _norm(r_old.fingerprint or ""):
        return VerifyResult(
            False,
            f"{new.name} and {old.name} were signed by different keys ({r_new.fingerprint} "
            f"and {r_old.fingerprint}): they are not reports of the same clinic, or one of "
            "them was signed again by someone else.",
            r_new.kind,
            r_new.fingerprint,
            r_new.data_digest,
        )
    for path, result in ((new, r_new), (old, r_old)):
        if result.tree is None:
            return VerifyResult(
                False,
                f"{path.name} carries no audit tree head (it was exported by an earlier "
                "version of Sterile Ledger), so the two reports cannot be compared.",
                result.kind,
                result.fingerprint,
            )
    assert r_new.tree is not None and r_old.tree is not None
    verdict: Comparison = compare(r_new.tree, r_old.tree, new.name, old.name)
    sentence = verdict.sentence
    if verdict.ok:
        sentence += f" Both are signed by key {r_new.fingerprint}."
    return VerifyResult(
        verdict.ok,
        sentence,
        r_new.kind,
        r_new.fingerprint,
        r_new.data_digest,
        [new.name, old.name],
        r_new.tree,
        verdict.first_different,
    )


def _report_file(path: Path) -> Path:
    """The file that holds a report's tree: the PDF, or the manifest beside a CSV."""
    try:
        with path.open("rb") as handle:
            if handle.read(5).startswith(b"%PDF"):
                return path
    except OSError:
        return path  # verify_file says why it cannot be read
    if path.name.endswith(".json"):
        return path
    for manifest in manifests_beside(path):
        document = read_manifest(manifest)
        if document and _lists(document, path.name):
            return manifest
    return path
