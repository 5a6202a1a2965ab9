"""Export a report: files written beside their final names, signed, audited, then put in place.

This is the API the command line and the desktop app call. Files are written as
``*.partial`` first; only a finished, signed export is renamed into place, in the same
write transaction that records the export (with its digests and its signed audit tree
head) in the audit trail. A cancelled or failed export leaves no file behind.

Every export carries the audit trail's signed tree head, a consistency proof from the
previous recorded export's head, and the tree's leaves (``reports.tree``).

Each report builds itself (``reports.compliance.build``, ``reports.usage.build``) from the
shared steps and writers of ``reports.pipeline``. Importing this module is cheap: the
report machinery (pandas, reportlab, pyhanko) loads inside ``_export``, on the first
export, so the desktop app can import this API at start-up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from inventory import __version__, audit
from inventory.access import Actor
from inventory.db import Database
from inventory.errors import LedgerError
from inventory.settings import clinic
from reports.csv_writer import data_digest
from reports.pipeline import (
    Cancel,
    ExportCancelled,
    Progress,
    Steps,
    Targets,
    WouldOverwrite,
    Writers,
    plan_targets,
)

if TYPE_CHECKING:
    from reports.cover import ReportInfo
    from reports.manifest import PlainSet
    from reports.pdf_writer import PdfReport
    from reports.signing import ClinicKey, Visible
    from reports.tree import ExportTree

__all__ = [
    "KINDS",
    "ExportCancelled",
    "ExportResult",
    "WouldOverwrite",
    "existing_files",
    "export_compliance",
    "export_usage",
]

KINDS = ("compliance", "usage")


@dataclass(frozen=True)
class ExportResult:
    kind: str  # "compliance" | "usage"
    pdf: Path | None
    csv_files: list[Path]  # every CSV written
    manifest: Path | None  # the signed manifest covering the CSVs
    counts: dict[str, int]  # rows per section
    digest: str  # SHA-256 of the report data (as printed on the cover)
    fingerprint: str = ""  # the signing key's SHA-256 fingerprint (as on the cover)
    leaves_file: Path | None = None  # the audit tree's leaves beside the CSVs
    tree_size: int = 0  # the signed tree head: events covered
    tree_root: str = ""  # and their Merkle root (hex)
    previous_tree_size: int | None = None  # the previous export's head it proves against
    consistent_with_previous: bool | None = None  # None: no earlier export

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "pdf": str(self.pdf) if self.pdf else None,
            "csv_files": [str(p) for p in self.csv_files],
            "manifest": str(self.manifest) if self.manifest else None,
            "counts": self.counts,
            "digest": self.digest,
            "signing_key_fingerprint": self.fingerprint,
            "audit_tree": {
                "tree_size": self.tree_size,
                "root_sha256": self.tree_root,
                "leaves_file": str(self.leaves_file) if self.leaves_file else None,
                "previous_tree_size": self.previous_tree_size,
                "consistent_with_previous": self.consistent_with_previous,
            },
        }


def existing_files(
    kind: str, start: date, end: date, *, pdf: Path | None, csv: Path | None
) -> list[Path]:
    """The earlier export's files that exporting here would replace (ask before)."""
    return plan_targets(kind, start, end, pdf, csv).existing()


def export_compliance(
    db: Database,
    start: date,
    end: date,
    *,
    pdf: Path | None,
    csv: Path | None,
    by: Actor,
    with_client_names: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    overwrite: bool = True,
) -> ExportResult:
    """The inspector's report for a period: PDF and/or CSV, signed, recorded in the audit trail.

    ``overwrite=False`` refuses (:class:`WouldOverwrite`) to replace an earlier export.
    """
    return _export(
        db, "compliance", start, end, pdf, csv, by, with_client_names, progress, cancel, overwrite
    )


def export_usage(
    db: Database,
    start: date,
    end: date,
    *,
    pdf: Path | None,
    csv: Path | None,
    by: Actor,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    overwrite: bool = True,
) -> ExportResult:
    """The manager's usage, stock and expiry report for a period."""
    return _export(db, "usage", start, end, pdf, csv, by, False, progress, cancel, overwrite)


def _export(
    db: Database,
    kind: str,
    start: date,
    end: date,
    pdf: Path | None,
    csv: Path | None,
    by: Actor,
    with_client_names: bool,
    progress: Progress | None,
    cancel: Cancel | None,
    overwrite: bool = True,
) -> ExportResult:
    by.require("export")
    # The request's one check.
    targets = plan_targets(
        kind, start, end, pdf, csv, overwrite=overwrite, named=with_client_names
    )
    steps = Steps(progress, cancel)
    steps.phase(0.0, "Preparing")
    # The report machinery: pandas, reportlab and (on signing) pyhanko load here, on use.
    from reports import compliance, usage
    from reports.cover import ReportInfo
    from reports.data import Period, begin_snapshot
    from reports.signing import clinic_key
    from reports.tree import build as build_tree

    report = compliance if kind == "compliance" else usage
    with db.read() as conn:
        settings = clinic(conn)
    period = Period(start, end, settings.tz)
    if with_client_names:
        by.require("client_names")
    shown = _names(by) if with_client_names else _pseudonyms(by)
    with db.read() as conn:
        key = clinic_key(conn, by)
    writers = Writers(targets, None)
    try:
        with db.read() as conn:
            begin_snapshot(conn)
            info = ReportInfo(
                kind,
                report.TITLE,
                settings,
                period,
                db.now(conn),
                by.name,
                __version__,
                key.fingerprint,
                with_client_names,
            )
            steps.phase(0.01, "Signing the audit tree head")
            tree = build_tree(conn, key, info.generated_at)  # this snapshot's every event
            info = dataclasses.replace(info, tree=tree)
            if targets.pdf is not None:
                writers.doc = _open_pdf(
                    info, report.PAGESIZE, targets.temp(targets.pdf, ".unsigned")
                )
            if report is compliance:
                counts = compliance.build(conn, info, shown, writers, steps)
            else:
                counts = usage.build(conn, info, writers, steps)
        digests = writers.close()
        digest = data_digest(digests)
        steps.phase(0.92, "Signing")
        signed = _finish_pdf(writers.doc, targets, info, key, digest, tree)
        leaves = _write_leaves(targets, tree)
        manifest_temp, manifest_signed = _write_manifest(
            targets, info, key, digest, writers, counts, tree
        )
        extras = _write_plain_checks(
            targets, info, key, signed, writers, tree, leaves, manifest_temp, manifest_signed
        )
        result = ExportResult(
            kind,
            targets.pdf,
            [targets.csv(s.name) for s in writers.sections] if targets.csv_dir else [],  # type: ignore[misc]
            targets.manifest,
            counts,
            digest,
            key.fingerprint,
            leaves[1] if leaves else None,
            tree.head.size,
            tree.head.root,
            tree.previous.size if tree.previous else None,
            tree.consistent,
        )
        _record_and_place(
            db, result, info, targets, signed, manifest_temp, writers, by, tree, leaves,
            extras, overwrite,
        )  # fmt: skip
        targets.clean()  # the unsigned PDF; everything else was moved into place
    except OSError as exc:  # a disk full, a name too long, a folder gone: a sentence
        writers.abort()
        targets.clean()
        raise LedgerError(
            f"The report could not be written ({exc.strerror or exc}): nothing was kept.",
            code="export_failed",
        ) from exc
    except BaseException:
        writers.abort()
        targets.clean()
        raise
    steps.phase(1.0, "Done")
    return result


def _open_pdf(info: ReportInfo, pagesize: tuple[float, float], path: Path) -> PdfReport:
    from reports.fonts import report_fonts
    from reports.pdf_writer import PdfReport

    return PdfReport(
        path,
        report_fonts(),
        pagesize=pagesize,
        header=f"{info.clinic.clinic_name} · {info.title} · {info.period_text}",
        footer=f"Generated {info.generated_local} by {info.by} · Sterile Ledger {info.version}",
        title=f"{info.title} {info.period_text}: {info.clinic.clinic_name}",
        subject=f"Sterile Ledger {info.kind} report",
        author=info.clinic.clinic_name,
    )


def _finish_pdf(
    doc: PdfReport | None,
    targets: Targets,
    info: ReportInfo,
    key: ClinicKey,
    digest: str,
    tree: ExportTree,
) -> Path | None:
    if doc is None or targets.pdf is None:
        return None
    from reports.signing import sign_pdf
    from reports.tree import embed_in_pdf

    doc.c.setSubject(
        f"Sterile Ledger {info.kind} report; data digest {digest}; signing key {key.fingerprint}"
    )
    try:
        doc.finish(digest)
        # The tree head, proof and leaves go in before signing: the signature covers them.
        embedded = targets.temp(targets.pdf, ".embedded")
        embed_in_pdf(Path(doc.c._filename), embedded, tree)
        signed = targets.temp(targets.pdf)
        sign_pdf(
            embedded,
            signed,
            key,
            reason=f"{info.title} {info.period_text}, data digest {digest}",
            location=info.clinic.clinic_name,
            visible=_visible(doc, info, key),
            signed_at=info.generated_at,
        )
    except OSError as exc:
        raise LedgerError(
            f"The PDF could not be written to {targets.pdf.parent}: {exc.strerror or exc}."
        ) from exc
    return signed


def _visible(doc: PdfReport, info: ReportInfo, key: ClinicKey) -> Visible | None:
    """The signature's box on the cover and its appearance, or None without a cover box."""
    from reports.signature_box import SignatureText, appearance_pdf
    from reports.signing import Visible

    box = info.signature.field_box()
    if box is None or info.signature.page is None:
        return None
    x1, y1, x2, y2 = box
    text = SignatureText(
        clinic=info.clinic.clinic_name,
        by=info.by,
        signed_at=f"{info.generated_local} ({info.generated_utc})",
        fingerprint=key.fingerprint,
    )
    return Visible(
        info.signature.page, box, appearance_pdf(text, doc.fonts, x2 - x1, y2 - y1)
    )


def _write_manifest(
    targets: Targets,
    info: ReportInfo,
    key: ClinicKey,
    digest: str,
    writers: Writers,
    counts: dict[str, int],
    tree: ExportTree,
) -> tuple[Path | None, tuple[bytes, bytes] | None]:
    """The manifest's temporary file, and (the bytes it signs, its signature)."""
    final = targets.manifest
    if final is None:
        return None, None
    from reports.manifest import write_manifest

    files = [
        {
            "section": s.name,
            "name": targets.csv(s.name).name,  # type: ignore[union-attr]
            "rows": s.rows,
            "bytes": s.bytes,
            "sha256": s.sha256,
        }
        for s in writers.sections
    ]
    body = {
        "report": info.kind,
        "clinic": info.clinic.clinic_name,
        "licence_number": info.clinic.licence_number,
        "period": {"from": info.period.start.isoformat(), "to": info.period.end.isoformat()},
        "generated_at_utc": info.generated_utc,
        "generated_at_local": info.generated_local,
        "generated_by": info.by,
        "app_version": info.version,
        "client_references": "names" if info.with_client_names else "pseudonymised",
        "data_digest": digest,
        "data_digest_rule": "SHA-256 of one line per file, in this order: "
        "'<section> <sha256 of the file>' followed by a newline",
        "files": files,
        "audit_tree": tree.document(_leaves_name(targets)),
    }
    temp = targets.temp(final)
    signed = write_manifest(temp, body, key)
    return temp, signed


def _write_plain_checks(
    targets: Targets,
    info: ReportInfo,
    key: ClinicKey,
    signed_pdf: Path | None,
    writers: Writers,
    tree: ExportTree,
    leaves: tuple[Path, Path] | None,
    manifest_temp: Path | None,
    manifest_signed: tuple[bytes, bytes] | None,
) -> list[tuple[Path, Path]]:
    """What lets sha256sum and openssl alone check the CSV set (VERIFY.txt says how).

    Beside the manifest: the bytes its signature covers and that signature, the
    certificate, and a SHA256SUMS list of every file of the set signed by the clinic's
    key. Returns the (temporary, final) pairs to put in place with the rest.
    """
    folder = targets.csv_dir
    if folder is None or manifest_temp is None or manifest_signed is None:
        return []
    from reports.manifest import PlainSet, sums_text, verify_text
    from reports.pipeline import VERIFY_NAME
    from reports.signing import sign_bytes

    prefix = targets.prefix
    pairs: list[tuple[Path, Path]] = []

    def put(suffix: str, data: bytes) -> tuple[Path, Path]:
        final = folder / f"{prefix}{suffix}"
        temp = targets.temp(final)
        temp.write_bytes(data)
        pairs.append((temp, final))
        return temp, final

    payload, signature = manifest_signed
    entries: list[tuple[str, str]] = []
    pdf_here = (
        signed_pdf is not None
        and targets.pdf is not None
        and targets.pdf.parent.resolve() == folder.resolve()
    )
    if pdf_here:
        assert signed_pdf is not None and targets.pdf is not None
        entries.append((targets.pdf.name, _sha256(signed_pdf)))
    entries += [(targets.csv(s.name).name, s.sha256) for s in writers.sections]  # type: ignore[union-attr]
    if leaves is not None:
        entries.append((leaves[1].name, hashlib.sha256(tree.leaves).hexdigest()))
    assert targets.manifest is not None
    entries.append((targets.manifest.name, _sha256(manifest_temp)))
    for suffix, data in (
        ("-manifest.signed", payload),
        ("-manifest.sig", signature),
        ("-certificate.pem", key.cert_pem.encode("ascii")),
    ):
        put(suffix, data)
        entries.append((f"{prefix}{suffix}", hashlib.sha256(data).hexdigest()))
    sums = sums_text(entries)
    put("-SHA256SUMS", sums)
    put("-SHA256SUMS.sig", sign_bytes(sums, key))
    about = f"{info.title}, {info.clinic.clinic_name}, {info.period_text}"
    this = PlainSet(prefix, key.fingerprint, targets.pdf.name if pdf_here else None, about)  # type: ignore[union-attr]
    final = folder / VERIFY_NAME
    temp = targets.temp(final)
    temp.write_text(verify_text([*_other_sets(folder, prefix), this]), encoding="utf-8")
    pairs.append((temp, final))
    return pairs


def _other_sets(folder: Path, prefix: str) -> list[PlainSet]:
    """The other exports in this folder, so that VERIFY.txt keeps their steps too."""
    from reports.manifest import PlainSet
    from reports.signing import fingerprint

    sets = []
    for sums in sorted(folder.glob("*-SHA256SUMS")):
        other = sums.name[: -len("-SHA256SUMS")]
        cert_file = folder / f"{other}-certificate.pem"
        if other == prefix or not cert_file.is_file():
            continue
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization

            cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
            printed = fingerprint(cert.public_bytes(serialization.Encoding.DER))
            listed = sums.read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue  # not ours to describe; its own VERIFY steps are lost, not its files
        pdf = f"{other}.pdf"
        sets.append(PlainSet(other, printed, pdf if f"  {pdf}\n" in listed else None))
    return sets


def _leaves_name(targets: Targets) -> str:
    from reports.tree import LEAVES_SUFFIX

    return f"{targets.prefix}{LEAVES_SUFFIX}"


def _write_leaves(targets: Targets, tree: ExportTree) -> tuple[Path, Path] | None:
    """The leaves file beside the CSVs: (temporary path, final path)."""
    if targets.csv_dir is None:
        return None
    final = targets.csv_dir / _leaves_name(targets)
    temp = targets.temp(final)
    try:
        temp.write_bytes(tree.leaves)
    except OSError as exc:
        raise LedgerError(
            f"The audit tree could not be written to {final.parent}: {exc.strerror or exc}."
        ) from exc
    return temp, final


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _names(by: Actor) -> Callable[[str, str], str]:
    """Client references as entered, decrypted once per client (a manager's export)."""
    return lambda _key, cipher: by.keys.decrypt_client(cipher)


def _pseudonyms(by: Actor) -> Callable[[str, str], str]:
    """Each client's keyed pseudonym, from its blind index: no reference is decrypted."""
    return lambda key, _cipher: by.keys.pseudonym(key)


def _record_and_place(
    db: Database,
    result: ExportResult,
    info: ReportInfo,
    targets: Targets,
    signed_pdf: Path | None,
    manifest_temp: Path | None,
    writers: Writers,
    by: Actor,
    tree: ExportTree,
    leaves: tuple[Path, Path] | None,
    extras: list[tuple[Path, Path]] | None = None,
    overwrite: bool = True,
) -> None:
    """Record the export with its digests and move the files into place, as one step."""
    from reports.pipeline import VERIFY_NAME, WouldOverwrite

    moves: list[tuple[Path, Path]] = []
    digests: dict[str, str] = {}
    if signed_pdf is not None and result.pdf is not None:
        moves.append((signed_pdf, result.pdf))
        digests[result.pdf.name] = _sha256(signed_pdf)
    for section, final in zip(writers.sections, result.csv_files, strict=False):
        assert section.path is not None
        moves.append((section.path, final))
        digests[final.name] = section.sha256
    if leaves is not None:
        moves.append(leaves)
    if manifest_temp is not None and result.manifest is not None:
        moves.append((manifest_temp, result.manifest))
        digests[result.manifest.name] = _sha256(manifest_temp)
    # The plain-tool check files are derived from those above: placed, not recorded.
    moves += extras or []
    if not overwrite:  # the CSV sections' names are known only now: check them all again
        taken = [f for _t, f in moves if f.name != VERIFY_NAME and f.exists()]
        if taken:
            raise WouldOverwrite(taken)
    record = {
        "report": result.kind,
        "from": info.period.start.isoformat(),
        "to": info.period.end.isoformat(),
        "data_digest": result.digest,
        "client_names": info.with_client_names,
        "signing_key": result.fingerprint,
        "counts": result.counts,
        "files": digests,
        # The signed head, for the next export to prove consistency from; and the leaves.
        "audit_tree": tree.audit_entry(leaves[1].name if leaves else None),
    }
    placed: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # an earlier export's file, set aside until we commit
    try:
        for _temp, final in moves:
            if final.exists():
                previous = final.with_name(final.name + ".previous")
                os.replace(final, previous)
                kept.append((previous, final))
        if by.changes_nothing:  # an inspector's export: the files name them; no record
            for temp, final in moves:
                os.replace(temp, final)
                placed.append(final)
        else:
            with db.write() as conn:
                audit.record(
                    conn,
                    at=db.now(conn),
                    by=by,
                    action="export",
                    entity="report",
                    entity_id=f"{result.kind} {record['from']}..{record['to']}",
                    new=record,
                )
                for temp, final in moves:
                    os.replace(temp, final)
                    placed.append(final)
    except BaseException as error:
        for final in placed:
            with contextlib.suppress(OSError):
                final.unlink()
        for previous, final in kept:  # the earlier export comes back whole
            with contextlib.suppress(OSError):
                os.replace(previous, final)
        if isinstance(error, OSError):
            raise LedgerError(
                f"The report could not be saved ({error.strerror or error}): nothing was "
                "changed, and an earlier export of the same name is as it was.",
                code="export_failed",
            ) from error
        raise
    for previous, _final in kept:
        with contextlib.suppress(OSError):
            previous.unlink()
