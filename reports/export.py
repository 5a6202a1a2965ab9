"""Export a report: files written beside their final names, signed, audited, then put in place.

This is the API the command line and the desktop app call. Files are written as
``*.partial`` first; only a finished, signed export is renamed into place, in the same
write transaction that records the export (with its digests) in the audit trail. A
cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from inventory import __version__, audit
from inventory.db import Database
from inventory.errors import InvalidInput, LedgerError
from inventory.settings import clinic
from reports import compliance as comp
from reports import usage
from reports.cover import ReportInfo, cover
from reports.csv_writer import CsvSection, data_digest
from reports.data import (
    Period,
    Sql,
    begin_snapshot,
    compliance_sections,
    drop_clients,
    first_use,
    load_clients,
    period_totals,
    refusals_by_reason,
)
from reports.fonts import report_fonts
from reports.manifest import SUFFIX, write_manifest
from reports.pdf_writer import PdfReport
from reports.pseudonym import Pseudonymiser, clinic_secret
from reports.signing import ClinicKey, ensure_clinic_key, sign_pdf

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
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

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "pdf": str(self.pdf) if self.pdf else None,
            "csv_files": [str(p) for p in self.csv_files],
            "manifest": str(self.manifest) if self.manifest else None,
            "counts": self.counts,
            "digest": self.digest,
            "signing_key_fingerprint": self.fingerprint,
        }


class ExportCancelled(LedgerError):
    """The person cancelled the export; no partial file was kept."""

    code = "cancelled"


def export_compliance(
    db: Database,
    start: date,
    end: date,
    *,
    pdf: Path | None,
    csv: Path | None,
    by: str,
    with_client_names: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """The inspector's report for a period: PDF and/or CSV, signed, recorded in the audit trail."""
    return _export(db, "compliance", start, end, pdf, csv, by, with_client_names, progress, cancel)


def export_usage(
    db: Database,
    start: date,
    end: date,
    *,
    pdf: Path | None,
    csv: Path | None,
    by: str,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """The manager's usage, stock and expiry report for a period."""
    return _export(db, "usage", start, end, pdf, csv, by, False, progress, cancel)


# --- where the files go ---------------------------------------------------------------


@dataclass
class Targets:
    """Final and temporary paths of one export."""

    pdf: Path | None
    csv_dir: Path | None
    prefix: str
    temps: list[Path] = field(default_factory=list)

    def temp(self, final: Path, tag: str = "") -> Path:
        path = final.with_name(f"{final.name}{tag}.partial")
        self.temps.append(path)
        return path

    def csv(self, section: str) -> Path | None:
        return None if self.csv_dir is None else self.csv_dir / f"{self.prefix}-{section}.csv"

    @property
    def manifest(self) -> Path | None:
        return None if self.csv_dir is None else self.csv_dir / f"{self.prefix}{SUFFIX}"

    def clean(self) -> None:
        for path in self.temps:
            with contextlib.suppress(OSError):
                path.unlink()


def plan_targets(kind: str, start: date, end: date, pdf: Path | None, csv: Path | None) -> Targets:
    """Check where the files go before any work: a clear sentence beats a late failure."""
    if pdf is None and csv is None:
        raise InvalidInput("Say where to write the report: a PDF file, a CSV folder, or both.")
    if start > end:
        raise InvalidInput(
            f"The period starts ({start.isoformat()}) after it ends ({end.isoformat()}): "
            "give a start on or before the end."
        )
    base = f"{kind}-{start.isoformat()}-to-{end.isoformat()}"
    pdf_path = None
    if pdf is not None:
        pdf_path = Path(pdf).expanduser()
        if pdf_path.is_dir():
            pdf_path = pdf_path / f"{base}.pdf"
        _check_folder(pdf_path.parent, "the PDF")
    csv_dir, prefix = None, base
    if csv is not None:
        csv_path = Path(csv).expanduser()
        if csv_path.suffix.lower() == ".csv" and not csv_path.is_dir():
            csv_dir, prefix = csv_path.parent, csv_path.stem
        else:
            csv_dir = csv_path
            if not csv_dir.exists() and csv_dir.parent.is_dir():
                _check_folder(csv_dir.parent, "the CSV folder")
                csv_dir.mkdir()
        _check_folder(csv_dir, "the CSV files")
    return Targets(pdf_path, csv_dir, prefix)


def _check_folder(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise InvalidInput(f"Cannot write {what}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"Cannot write {what}: the folder {folder} is not writable.")


# --- progress and cancelling ----------------------------------------------------------


class Steps:
    """Reports progress and honours cancel, cheaply enough to call once per row."""

    EVERY = 256

    def __init__(self, progress: Progress | None, cancel: Cancel | None) -> None:
        self.progress, self.cancel = progress, cancel
        self.total, self.done = 1, 0
        self._next = self.EVERY
        self.text = ""

    def phase(self, fraction: float, text: str) -> None:
        self.text = text
        self._check()
        if self.progress is not None:
            self.progress(fraction, text)

    def tick(self, rows: int = 1) -> None:
        self.done += rows
        if self.done >= self._next:
            self._next += self.EVERY
            self._check()
            if self.progress is not None:
                self.progress(0.05 + 0.85 * min(1.0, self.done / self.total), self.text)

    def _check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ExportCancelled("The export was cancelled; no file was kept.")


# --- the export -----------------------------------------------------------------------


@dataclass
class Writers:
    """The open outputs of one export: the PDF (if wanted) and one CSV writer per section."""

    targets: Targets
    doc: PdfReport | None
    sections: list[CsvSection] = field(default_factory=list)

    def csv(self, name: str, header: Iterable[str]) -> CsvSection:
        final = self.targets.csv(name)
        section = CsvSection(name, list(header), self.targets.temp(final) if final else None)
        self.sections.append(section)
        return section

    def close(self) -> list[tuple[str, str]]:
        return [(s.name, s.close()) for s in self.sections]

    def abort(self) -> None:
        for section in self.sections:
            section.abort()


def _export(
    db: Database,
    kind: str,
    start: date,
    end: date,
    pdf: Path | None,
    csv: Path | None,
    by: str,
    with_client_names: bool,
    progress: Progress | None,
    cancel: Cancel | None,
) -> ExportResult:
    targets = plan_targets(kind, start, end, pdf, csv)
    steps = Steps(progress, cancel)
    steps.phase(0.0, "Preparing")
    with db.read() as conn:
        settings = clinic(conn)
    period = Period(start, end, settings.tz)
    pseudonym = (lambda ref: ref) if with_client_names else Pseudonymiser(clinic_secret(db, by=by))
    key = ensure_clinic_key(settings.clinic_name)
    writers = Writers(targets, None)
    try:
        with db.read() as conn:
            begin_snapshot(conn)
            info = ReportInfo(
                kind,
                "Compliance report" if kind == "compliance" else "Usage and stock report",
                settings,
                period,
                db.clock.now(conn),
                by,
                __version__,
                key.fingerprint,
                with_client_names,
            )
            if targets.pdf is not None:
                writers.doc = _open_pdf(info, targets.temp(targets.pdf, ".unsigned"))
            if kind == "compliance":
                counts = _compliance(conn, info, pseudonym, writers, steps)
            else:
                counts = usage.build(conn, info, writers, steps)
        digests = writers.close()
        digest = data_digest(digests)
        steps.phase(0.92, "Signing")
        signed = _finish_pdf(writers.doc, targets, info, key, digest)
        manifest_temp = _write_manifest(targets, info, key, digest, writers, counts)
        result = ExportResult(
            kind,
            targets.pdf,
            [targets.csv(s.name) for s in writers.sections] if targets.csv_dir else [],  # type: ignore[misc]
            targets.manifest,
            counts,
            digest,
            key.fingerprint,
        )
        _record_and_place(db, result, info, targets, signed, manifest_temp, writers)
        targets.clean()  # the unsigned PDF; everything else was moved into place
    except BaseException:
        writers.abort()
        targets.clean()
        raise
    steps.phase(1.0, "Done")
    return result


def _open_pdf(info: ReportInfo, path: Path) -> PdfReport:
    pagesize = comp.PAGESIZE if info.kind == "compliance" else usage.PAGESIZE
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


def _compliance(
    conn: Connection,
    info: ReportInfo,
    client: Callable[[str], str],
    writers: Writers,
    steps: Steps,
) -> dict[str, int]:
    """Stream every compliance section through both writers; returns rows per section."""
    dialect = conn.dialect.name
    params = info.period.params(dialect)
    load_clients(conn, client)
    sql = Sql(dialect, info.clinic.tz)
    sql.learn_lengths(conn)
    sections = compliance_sections(sql, info.period, first_use(conn))
    counts = {s.name: s.count(conn, params) for s in sections}
    totals = period_totals(conn, params)
    by_reason = refusals_by_reason(conn, params)
    steps.total = max(1, sum(counts.values()))
    steps.phase(0.03, "Checking the audit trail")
    chain = audit.verify(conn)
    summary = [
        *info.summary_rows(),
        ("sessions_opened_in_period", str(totals["sessions"])),
        ("clients_with_a_session", str(totals["clients"])),
        *((f"rows.{name}", str(n)) for name, n in counts.items()),
        *((f"refusals.{r.reason}", str(int(r.refusals))) for r in by_reason.itertuples()),
        ("recalls_open_in_period", str(totals["recalls"])),
        ("units_in_quarantine_now", str(totals["quarantined_now"])),
        ("audit_trail", chain.sentence),
    ]
    out = writers.csv("summary", ("item", "value"))
    for row in summary:
        out.row(row)
    doc = writers.doc
    if doc is not None:
        cover_counts = [
            ("Treatment sessions opened", str(totals["sessions"])),
            ("Clients with a session", str(totals["clients"])),
            *((comp.SUMMARY_NAMES[name], str(n)) for name, n in counts.items()),
            *(
                (f"· refused: {r.reason.replace('_', ' ')}", str(int(r.refusals)))
                for r in by_reason.itertuples()
            ),
            ("Units in quarantine now", str(totals["quarantined_now"])),
            ("Audit trail", "intact" if chain.ok else f"BROKEN at event {chain.first_broken}"),
        ]
        doc.flow(cover(doc, info, cover_counts))
    for section in sections:
        steps.phase(steps.done / steps.total * 0.85 + 0.05, section.title)
        out = writers.csv(section.name, section.header)
        printer = comp.SectionPrinter(doc, section) if doc is not None else None
        pdf_row = printer.row if printer is not None else None
        for batch in section.batches(conn, params):
            out.rows_of(batch)
            if pdf_row is not None:
                for cells in batch:
                    pdf_row(cells)
                    steps.tick()
            else:
                steps.tick(len(batch))
        if out.rows != counts[section.name]:
            raise LedgerError(
                f"The {section.name} section changed while it was read; export again.",
                code="inconsistent",
            )
        if printer is not None:
            printer.close(out.rows)
    out = writers.csv("audit", ("item", "value"))
    for row in comp.audit_rows(chain, totals["audit_events"]):
        out.row(row)
    if doc is not None:
        comp.audit_page(doc, chain, totals["audit_events"])
    drop_clients(conn)
    return counts


def _finish_pdf(
    doc: PdfReport | None, targets: Targets, info: ReportInfo, key: ClinicKey, digest: str
) -> Path | None:
    if doc is None or targets.pdf is None:
        return None
    doc.c.setSubject(
        f"Sterile Ledger {info.kind} report; data digest {digest}; signing key {key.fingerprint}"
    )
    try:
        doc.finish(digest)
        signed = targets.temp(targets.pdf)
        sign_pdf(
            Path(doc.c._filename),
            signed,
            key,
            reason=f"{info.title} {info.period_text}, data digest {digest}",
            location=info.clinic.clinic_name,
        )
    except OSError as exc:
        raise LedgerError(
            f"The PDF could not be written to {targets.pdf.parent}: {exc.strerror or exc}."
        ) from exc
    return signed


def _write_manifest(
    targets: Targets,
    info: ReportInfo,
    key: ClinicKey,
    digest: str,
    writers: Writers,
    counts: dict[str, int],
) -> Path | None:
    final = targets.manifest
    if final is None:
        return None
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
    }
    temp = targets.temp(final)
    write_manifest(temp, body, key)
    return temp


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_and_place(
    db: Database,
    result: ExportResult,
    info: ReportInfo,
    targets: Targets,
    signed_pdf: Path | None,
    manifest_temp: Path | None,
    writers: Writers,
) -> None:
    """Record the export with its digests and move the files into place, as one step."""
    moves: list[tuple[Path, Path]] = []
    digests: dict[str, str] = {}
    if signed_pdf is not None and result.pdf is not None:
        moves.append((signed_pdf, result.pdf))
        digests[result.pdf.name] = _sha256(signed_pdf)
    for section, final in zip(writers.sections, result.csv_files, strict=False):
        assert section.path is not None
        moves.append((section.path, final))
        digests[final.name] = section.sha256
    if manifest_temp is not None and result.manifest is not None:
        moves.append((manifest_temp, result.manifest))
        digests[result.manifest.name] = _sha256(manifest_temp)
    record = {
        "report": result.kind,
        "from": info.period.start.isoformat(),
        "to": info.period.end.isoformat(),
        "data_digest": result.digest,
        "client_names": info.with_client_names,
        "signing_key": result.fingerprint,
        "counts": result.counts,
        "files": digests,
    }
    placed: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # an earlier export's file, set aside until we commit
    try:
        for _temp, final in moves:
            if final.exists():
                previous = final.with_name(final.name + ".previous")
                os.replace(final, previous)
                kept.append((previous, final))
        with db.write() as conn:
            audit.record(
                conn,
                at=db.clock.now(conn),
                actor=info.by,
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
