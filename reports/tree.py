"""Exports that vouch for each other: a signed tree head, a consistency proof, the leaves.

After Certificate Transparency (RFC 9162). The audit trail is a Merkle tree
(``inventory.merkle``; its leaves and head: ``inventory.audit``). Every export:

- computes the **tree head** over every event at export time, in the export's read
  snapshot, and signs it with the clinic's key: a small canonical JSON
  (``{"format": "sterile-ledger-tree-head/1", "clinic_certificate_sha256", "tree_size",
  "root_sha256", "at_utc"}``, keys sorted, no spaces) and its RSA PKCS#1 v1.5 SHA-256
  signature;
- carries a **consistency proof** from the head of the clinic's previous recorded export
  (the newest ``export`` audit event with a tree head) to its own, with that head;
- carries the **leaves**: one 32-byte leaf hash per event, in event order, nothing else
  (1,000,000 events = 32 MB), so that ``verify NEW --previous OLD`` can name the first
  event that differs when history was rewritten.

All of it is one JSON document (the *audit tree*, :func:`ExportTree.document`): in the
CSV manifest under ``audit_tree`` (covered by the manifest's signature) beside the file
``<prefix>-audit-tree.bin``; in the PDF as two embedded files, ``audit-tree.json`` and
``audit-tree.bin``, added before signing so that the PDF signature covers them. The
head and its signature are also recorded in the export's audit event, so the next export
finds them.

Checking needs only the files: :func:`check_tree` (one report) and :func:`compare`
(a later report against an earlier one).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import Connection, select

from inventory import audit, merkle
from inventory.models import AuditEvent
from reports.signing import ClinicKey, sign_bytes, verify_bytes

HEAD_FORMAT = "sterile-ledger-tree-head/1"
TREE_FORMAT = "sterile-ledger-audit-tree/1"
SIGNATURE_ALGORITHM = "rsa-pkcs1v15-sha256"
LEAVES_SUFFIX = "-audit-tree.bin"
PDF_TREE = "audit-tree.json"
PDF_LEAVES = "audit-tree.bin"
HEAD_FIELDS = frozenset(
    {"format", "clinic_certificate_sha256", "tree_size", "root_sha256", "at_utc"}
)
LEAF_RULE = (
    "One 32-byte leaf per audit event, in event order, nothing else: the leaf is "
    "SHA-256(0x00 || the event's 32-byte SHA-256); inner nodes SHA-256(0x01 || left || "
    "right); the tree and its consistency proofs as RFC 9162 section 2.1"
)
PURPOSE = (
    "The tree head is the whole audit trail summed up as one Merkle tree (RFC 9162) and "
    "signed by the clinic: a later report proves against it that every one of these events "
    "is still in the record, unchanged."
)


class TreeProblem(ValueError):
    """An audit tree that cannot be read or does not hold (its words say why)."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def cert_sha256(cert_der: bytes) -> str:
    return hashlib.sha256(cert_der).hexdigest()


def _hex_only(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


# --- a signed tree head -------------------------------------------------------------


@dataclass(frozen=True)
class SignedHead:
    """One tree head, as signed: the canonical JSON's fields and the signature over it."""

    size: int
    root: str  # hex
    at_utc: str
    certificate_sha256: str  # hex, lower case
    signature: bytes

    def body(self) -> dict[str, Any]:
        return {
            "format": HEAD_FORMAT,
            "clinic_certificate_sha256": self.certificate_sha256,
            "tree_size": self.size,
            "root_sha256": self.root,
            "at_utc": self.at_utc,
        }

    def payload(self) -> bytes:
        """The exact bytes the signature covers (``openssl dgst -sha256 -verify`` them)."""
        return canonical(self.body())

    def as_dict(self) -> dict[str, Any]:
        return {
            "tree_head": self.body(),
            "tree_head_signature": {
                "algorithm": SIGNATURE_ALGORITHM,
                "value": base64.b64encode(self.signature).decode("ascii"),
            },
        }

    @classmethod
    def sign(cls, size: int, root: str, at: datetime, key: ClinicKey) -> SignedHead:
        unsigned = cls(size, root, _utc(at), cert_sha256(key.cert_der), b"")
        signature = sign_bytes(unsigned.payload(), key)
        return cls(size, root, unsigned.at_utc, unsigned.certificate_sha256, signature)

    @classmethod
    def from_dict(cls, data: Any, what: str) -> SignedHead:
        """Read a head back (``what`` names it in the sentence when it cannot be read)."""
        try:
            body, signature = data["tree_head"], data["tree_head_signature"]
            if set(body) != HEAD_FIELDS or body["format"] != HEAD_FORMAT:
                raise TreeProblem(f"{what} is not a {HEAD_FORMAT} tree head")
            if signature.get("algorithm") != SIGNATURE_ALGORITHM:
                raise TreeProblem(f"{what} is signed with an unknown algorithm")
            size, root = body["tree_size"], str(body["root_sha256"])
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise TreeProblem(f"{what} has no valid tree size")
            if len(root) != 64 or _hex_only(root) != root:
                raise TreeProblem(f"{what} has no valid root hash")
            value = base64.b64decode(str(signature["value"]), validate=True)
            certificate = str(body["clinic_certificate_sha256"])
            return cls(size, root, str(body["at_utc"]), certificate, value)
        except TreeProblem:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TreeProblem(f"{what} is damaged or incomplete") from exc

    def problem(self, cert: x509.Certificate, cert_der: bytes, what: str) -> str | None:
        """Why this head is not the clinic's signed head (the file's certificate), or None."""
        if _hex_only(self.certificate_sha256) != cert_sha256(cert_der):
            return (
                f"{what} names clinic certificate {self.certificate_sha256[:16]}..., not the "
                "certificate that signed the file"
            )
        if not verify_bytes(self.payload(), self.signature, cert):
            return f"the signature of {what} does not match it (the head was changed or forged)"
        return None

    @property
    def short_root(self) -> str:
        return self.root[:16] + "..."

    def same_tree(self, other: SignedHead) -> bool:
        return (self.size, self.root) == (other.size, other.root)


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what an export carries ---------------------------------------------------------


@dataclass(frozen=True)
class ExportTree:
    """The tree material of one export, computed in its read snapshot."""

    head: SignedHead
    previous: SignedHead | None  # the previous recorded export's head
    proof: list[bytes] | None  # from ``previous`` to ``head``; None when none can be made
    consistent: bool | None  # the export's own check of that proof (None: no previous)
    note: str  # what the cover says about the previous head
    leaves: bytes  # 32 bytes per event, in event order

    def document(self, leaves_name: str) -> dict[str, Any]:
        """The audit tree as the manifest (``audit_tree``) and the PDF (audit-tree.json) hold it."""
        return {
            "format": TREE_FORMAT,
            **self.head.as_dict(),
            "previous": self.previous.as_dict() if self.previous else None,
            "consistency_proof": None if self.proof is None else [p.hex() for p in self.proof],
            "leaves_file": {
                "name": leaves_name,
                "bytes": len(self.leaves),
                "sha256": hashlib.sha256(self.leaves).hexdigest(),
            },
            "leaf_rule": LEAF_RULE,
        }

    def audit_entry(self, leaves_name: str | None) -> dict[str, Any]:
        """What the export's audit event records, so that the next export can find it."""
        return {
            **self.head.as_dict(),
            "previous_tree_size": self.previous.size if self.previous else None,
            "consistent_with_previous": self.consistent,
            "leaves_sha256": hashlib.sha256(self.leaves).hexdigest(),
            "leaves_file": leaves_name,  # None: the PDF's attachment only
        }

    def summary_rows(self) -> list[tuple[str, str]]:
        """The head in the CSV summary section."""
        prev = self.previous
        return [
            ("audit_tree_size", str(self.head.size)),
            ("audit_tree_root_sha256", self.head.root),
            ("audit_tree_at_utc", self.head.at_utc),
            ("audit_tree_previous_size", "" if prev is None else str(prev.size)),
            ("audit_tree_previous_root_sha256", "" if prev is None else prev.root),
            ("audit_tree_previous", self.note),
        ]


def build(conn: Connection, key: ClinicKey, at: datetime) -> ExportTree:
    """The tree head over every event now (in ``conn``'s snapshot), signed; the proof."""
    leaves = audit.tree_leaves(conn)
    head = audit.tree_head(leaves)
    signed = SignedHead.sign(head.size, head.root, at, key)
    previous = previous_head(conn)
    proof: list[bytes] | None = None
    consistent: bool | None = None
    cert = x509.load_der_x509_certificate(key.cert_der)
    what = "the previous export's recorded tree head"
    forged = previous.problem(cert, key.cert_der, what) if previous is not None else None
    if previous is None:
        note = (
            "None: this is the clinic's first export with a tree head, so there is no earlier "
            "export to prove against."
        )
    elif forged:
        consistent = False
        note = f"NOT consistent: {forged}."
    elif previous.size == 0:
        consistent = True
        note = "The previous export's tree head was of an empty audit trail: nothing to prove."
    elif previous.size > head.size:
        consistent = False
        note = (
            f"NOT consistent: the previous export's head ({previous.size} events, root "
            f"{previous.short_root}, {previous.at_utc}) covers more events than the record "
            f"holds now ({head.size}); events were removed since."
        )
    else:
        proof = merkle.consistency_proof(leaves, previous.size)
        try:
            merkle.verify_consistency(
                previous.size, head.size, bytes.fromhex(previous.root),
                bytes.fromhex(head.root), proof,
            )  # fmt: skip
            consistent = True
            note = (
                f"Consistent with the previous export's tree head ({previous.size} events, "
                f"root {previous.short_root}, {previous.at_utc}): the first {previous.size} "
                "events are unchanged. The consistency proof is in this report."
            )
        except merkle.ProofFailed:
            consistent = False
            note = (
                f"NOT consistent with the previous export's tree head ({previous.size} "
                f"events, root {previous.short_root}, {previous.at_utc}): the record was "
                "rewritten since that export."
            )
    return ExportTree(signed, previous, proof, consistent, note, b"".join(leaves))


def previous_head(conn: Connection) -> SignedHead | None:
    """The head of the clinic's newest recorded export that carries one (of either kind)."""
    rows = conn.execute(
        select(AuditEvent.new_values)
        .where(AuditEvent.action == "export", AuditEvent.entity == "report")
        .order_by(AuditEvent.id.desc())
    ).scalars()
    for text in rows:
        try:
            entry = json.loads(text).get("audit_tree")
        except (ValueError, AttributeError):
            continue
        if not entry:
            continue
        try:
            return SignedHead.from_dict(entry, "the previous export's tree head")
        except TreeProblem:
            continue
    return None


# --- the PDF's embedded files -------------------------------------------------------


def embed_in_pdf(src: Path, dst: Path, tree: ExportTree) -> None:
    """Add audit-tree.json and audit-tree.bin as embedded files (an incremental update)."""
    from pyhanko.pdf_utils.embed import (
        EmbeddedFileObject,
        EmbeddedFileParams,
        FileSpec,
        embed_file,
    )
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    params = EmbeddedFileParams(embed_checksum=False)
    document = (json.dumps(tree.document(PDF_LEAVES), indent=2) + "\n").encode()
    with src.open("rb") as infile, dst.open("wb") as outfile:
        writer = IncrementalPdfFileWriter(infile, strict=False)
        for name, data, mime, compress, description in (
            (PDF_TREE, document, "application/json", True,
             "The report's signed audit tree head and consistency proof"),
            (PDF_LEAVES, tree.leaves, "application/octet-stream", False,
             "The audit trail's Merkle tree leaves: 32 bytes per event, in event order"),
        ):  # fmt: skip
            stream = EmbeddedFileObject.from_file_data(
                writer, data, compress=compress, params=params, mime_type=mime
            )
            embed_file(
                writer,
                FileSpec(name, file_name=name, embedded_data=stream, description=description),
            )
        writer.write(outfile)


def pdf_attachments(reader: Any) -> dict[str, bytes]:
    """The embedded files of a PDF (flat name tree), by name."""
    found: dict[str, bytes] = {}
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return found
    items = list(names)
    for name, spec in zip(items[0::2], items[1::2], strict=False):
        try:
            found[str(name)] = spec.get_object()["/EF"]["/F"].get_object().data
        except (KeyError, AttributeError):
            continue
    return found


# --- checking ------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeMaterial:
    """An export's audit tree, read back and checked against its own signatures."""

    head: SignedHead
    previous: SignedHead | None
    proof: list[bytes] | None
    leaves: list[bytes]


def check_tree(
    document: Any,
    load_leaves: Callable[[str], bytes | None],
    cert: x509.Certificate,
    cert_der: bytes,
    name: str,
) -> TreeMaterial:
    """One report's tree: its head's signature, and that its leaves give the stated root.

    ``load_leaves(file name)`` returns the leaves file's bytes (None when missing).
    Raises :class:`TreeProblem` with a sentence naming the report.
    """
    if not isinstance(document, dict) or document.get("format") != TREE_FORMAT:
        raise TreeProblem(f"{name}'s audit tree is not a {TREE_FORMAT} document")
    head = SignedHead.from_dict(document, f"{name}'s tree head")
    problem = head.problem(cert, cert_der, f"{name}'s tree head")
    if problem:
        raise TreeProblem(problem)
    previous = None
    if document.get("previous") is not None:
        previous = SignedHead.from_dict(document["previous"], f"{name}'s previous tree head")
        problem = previous.problem(cert, cert_der, f"{name}'s previous tree head")
        if problem:
            raise TreeProblem(problem)
    proof = _proof(document.get("consistency_proof"), name)
    entry = document.get("leaves_file") or {}
    leaves_name = str(entry.get("name", ""))
    data = load_leaves(leaves_name) if leaves_name else None
    if data is None:
        raise TreeProblem(
            f"{name}'s audit tree leaves ({leaves_name or 'no file named'}) are missing"
        )
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise TreeProblem(
            f"{leaves_name} was changed after {name} was exported (its SHA-256 differs)"
        )
    leaves = split_leaves(data)
    if len(leaves) != head.size:
        raise TreeProblem(
            f"{leaves_name} holds {len(leaves)} leaves, but {name}'s tree head has "
            f"{head.size} events"
        )
    if merkle.root(leaves).hex() != head.root:
        raise TreeProblem(f"{leaves_name} does not give the root of {name}'s signed tree head")
    return TreeMaterial(head, previous, proof, leaves)


def _proof(value: Any, name: str) -> list[bytes] | None:
    if value is None:
        return None
    try:
        proof = [bytes.fromhex(str(h)) for h in value]
    except (TypeError, ValueError) as exc:
        raise TreeProblem(f"{name}'s consistency proof is damaged") from exc
    if any(len(h) != merkle.HASH_BYTES for h in proof):
        raise TreeProblem(f"{name}'s consistency proof holds a hash that is not 32 bytes")
    return proof


def split_leaves(data: bytes) -> list[bytes]:
    if len(data) % merkle.HASH_BYTES:
        raise TreeProblem(
            f"the leaves file is {len(data)} bytes, not a whole number of 32-byte leaves"
        )
    return [data[i : i + merkle.HASH_BYTES] for i in range(0, len(data), merkle.HASH_BYTES)]


def first_difference(old: Sequence[bytes], new: Sequence[bytes]) -> int | None:
    """The 1-based number of the first event whose leaf differs (over the shorter list)."""
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return index + 1
    return None


@dataclass(frozen=True)
class Comparison:
    ok: bool
    sentence: str
    first_different: int | None = None
    proof_source: str = ""  # "carried" | "computed" | ""


def compare(new: TreeMaterial, old: TreeMaterial, new_name: str, old_name: str) -> Comparison:
    """Does NEW's record still hold everything OLD's showed? Names the first changed event."""
    o, n = old.head, new.head
    if o.size == 0:
        return Comparison(True, f"{old_name}'s tree is empty: {new_name} holds all of it.")
    rewritten = (
        f"the record behind {new_name} is not the record {old_name} showed (history was "
        f"rewritten after {old_name} was exported)"
    )
    if o.size > n.size:
        if old.leaves[: n.size] == new.leaves:
            return Comparison(
                False,
                f"{old_name} covers more events ({o.size}) than {new_name} ({n.size}), and "
                f"{new_name}'s record is the beginning of {old_name}'s: {new_name} is the "
                f"earlier report. Give the later report first: verify {old_name} --previous "
                f"{new_name}.",
            )
        event = first_difference(old.leaves, new.leaves)
        if event is not None:
            return Comparison(False, f"Event {event} differs: {rewritten}.", event)
        return Comparison(
            False,
            f"Events {n.size + 1} to {o.size} are missing: {rewritten}.",
            n.size + 1,
        )
    carried = new.previous is not None and new.previous.same_tree(o)
    if carried:
        proof, source = new.proof, "carried"
    elif new.previous is not None and new.previous.size == o.size:
        proof, source = None, "fork"  # a head of OLD's size, with another root
    else:
        proof, source = merkle.consistency_proof(new.leaves, o.size), "computed"
    failure = ""
    if proof is None:
        failure = (
            f"{new_name}'s previous tree head has {o.size} events like {old_name}'s, but "
            "another root"
            if source == "fork"
            else f"{new_name} carries no consistency proof from {old_name}'s tree head"
        )
    else:
        try:
            merkle.verify_consistency(
                o.size, n.size, bytes.fromhex(o.root), bytes.fromhex(n.root), proof
            )
        except merkle.ProofFailed as exc:
            failure = f"the consistency proof fails ({exc})"
    event = first_difference(old.leaves, new.leaves[: o.size])
    if event is not None:
        return Comparison(False, f"Event {event} differs: {rewritten}.", event, source)
    if failure:
        return Comparison(
            False,
            f"{new_name} cannot be proved consistent with {old_name}: {failure}, although its "
            f"first {o.size} leaves are {old_name}'s.",
            None,
            source,
        )
    how = (
        f"with the consistency proof {new_name} carries from {old_name}'s head"
        if source == "carried"
        else f"with a consistency proof computed from {new_name}'s leaves (its previous "
        f"export was not {old_name})"
    )
    return Comparison(
        True,
        f"{new_name} is consistent with {old_name}: the {o.size} events of {old_name}'s "
        f"tree head (root {o.short_root}, {o.at_utc}) are the first {o.size} of "
        f"{new_name}'s {n.size} (root {n.short_root}, {n.at_utc}), unchanged; proved "
        f"{how}, and the leaves of both agree.",
        None,
        source,
    )
