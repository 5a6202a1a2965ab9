"""What every export shares: where its files go, its open writers, progress and cancelling.

Both reports (``reports.compliance`` and ``reports.usage``) are built the same way: their
``build`` takes the snapshot connection, the report's facts, the open ``Writers`` and the
``Steps`` that report progress. ``reports.export`` plans the targets, opens the writers,
calls a ``build``, then signs, records and places the files.

This module is light on purpose (no pandas, reportlab or pyhanko): the desktop app
imports the export API, and with it this module, at start-up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from inventory.errors import InvalidInput, LedgerError
from reports.csv_writer import WORKBOOK, CsvSection

if TYPE_CHECKING:
    from reports.pdf_writer import PdfReport
    from reports.xlsx_writer import WorkbookFile

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


class ExportCancelled(LedgerError):
    """The person cancelled the export; no partial file was kept."""

    code = "cancelled"


class WouldOverwrite(InvalidInput):
    """The export would replace files already there, and nobody said it may."""

    code = "would_overwrite"

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        shown = ", ".join(p.name for p in files[:3])
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        super().__init__(
            f"A report is already saved there ({shown}{more} in {files[0].parent}). Nothing "
            "was exported: choose another folder or name, or confirm that the earlier files "
            "may be replaced."
        )


# The first and last days a report may cover: the ledger holds no record outside them,
# and dates beyond them overflow the clinic's calendar (year 1, year 9999) or pandas's.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)
# Room kept in a file name for what an export adds to its prefix ("-refusals.csv.partial").
NAME_ROOM = 48
# Fixed suffixes of what one CSV export writes beside its CSV files (all named by prefix).
CSV_SET_SUFFIXES = (
    "-manifest.json",
    "-manifest.signed",
    "-manifest.sig",
    "-certificate.pem",
    "-SHA256SUMS",
    "-SHA256SUMS.sig",
    "-audit-tree.bin",
)
VERIFY_NAME = "VERIFY.txt"
NAMED_TAG = "-CLIENT-NAMES"
"""Added to the file names of an export that prints client names instead of pseudonyms."""


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
        if self.csv_dir is not None and section == WORKBOOK:  # the .xlsx (reports.xlsx_writer)
            return self.csv_dir / f"{self.prefix}.xlsx"
        return None if self.csv_dir is None else self.csv_dir / f"{self.prefix}-{section}.csv"

    @property
    def manifest(self) -> Path | None:
        from reports.manifest import SUFFIX  # manifest loads the signing code: only on use

        return None if self.csv_dir is None else self.csv_dir / f"{self.prefix}{SUFFIX}"

    def existing(self) -> list[Path]:
        """What an export with these targets would replace: the PDF and the CSV set's files.

        The CSV sections' own names are known only once the report is built; every CSV
        export also writes its manifest, so an earlier export is found by its manifest, and
        the export checks once more, for every file, when it puts them in place.
        """
        found: list[Path] = []
        if self.pdf is not None and self.pdf.exists():
            found.append(self.pdf)
        if self.csv_dir is not None:
            found += [
                self.csv_dir / f"{self.prefix}{suffix}"
                for suffix in CSV_SET_SUFFIXES
                if (self.csv_dir / f"{self.prefix}{suffix}").exists()
            ]
        return found

    def clean(self) -> None:
        for path in self.temps:
            with contextlib.suppress(OSError):
                path.unlink()


def plan_targets(
    kind: str,
    start: date,
    end: date,
    pdf: Path | None,
    csv: Path | None,
    *,
    overwrite: bool = True,
    named: bool = False,
) -> Targets:
    """Check the request and where the files go before any work.

    An export that prints client names (``named``) says so in every file name too
    (:data:`NAMED_TAG`), so a confidential file is not mistaken for the shareable one.

    The one place an export's arguments are checked: a clear sentence, in the words of
    whoever asked (desktop or command line), beats a late failure. With ``overwrite``
    False, an earlier export in the same place is refused (:class:`WouldOverwrite`).
    """
    if pdf is None and csv is None:
        raise InvalidInput("Say where to write the report: a PDF file, a CSV folder, or both.")
    if start > end:
        raise InvalidInput(
            f"The period starts ({start.isoformat()}) after it ends ({end.isoformat()}): "
            "give a start on or before the end."
        )
    if start < FIRST_DAY or end > LAST_DAY:
        raise InvalidInput(
            f"The period {start.isoformat()} to {end.isoformat()} reaches outside the "
            f"dates a report can cover ({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}): "
            "give a period within them."
        )
    try:
        targets = _targets(kind, start, end, pdf, csv, named)
    except OSError as exc:  # a path too long for the disk, a name it cannot hold...
        raise InvalidInput(
            f"The report cannot be saved there: {exc.strerror or exc}. Choose a shorter or "
            "simpler folder or file name."
        ) from exc
    if not overwrite:
        existing = targets.existing()
        if existing:
            raise WouldOverwrite(existing)
    return targets


def _targets(
    kind: str, start: date, end: date, pdf: Path | None, csv: Path | None, named: bool
) -> Targets:
    tag = NAMED_TAG if named else ""
    base = f"{kind}-{start.isoformat()}-to-{end.isoformat()}{tag}"
    pdf_path = None
    if pdf is not None:
        pdf_path = Path(pdf).expanduser()
        if pdf_path.is_dir():
            pdf_path = pdf_path / f"{base}.pdf"
        elif named and NAMED_TAG.lower() not in pdf_path.stem.lower():
            pdf_path = pdf_path.with_name(f"{pdf_path.stem}{NAMED_TAG}{pdf_path.suffix}")
        _check_name(pdf_path.name, pdf_path, "the PDF")
        _check_folder(pdf_path.parent, "the PDF")
    csv_dir, prefix = None, base
    if csv is not None:
        csv_path = Path(csv).expanduser()
        if csv_path.suffix.lower() == ".csv" and not csv_path.is_dir():
            csv_dir, prefix = csv_path.parent, csv_path.stem
            if named and NAMED_TAG.lower() not in prefix.lower():
                prefix += NAMED_TAG
            _check_name(prefix, csv_path, "the CSV files")
        else:
            csv_dir = csv_path
            for part in csv_dir.parts:
                _check_name(part, csv_dir, "the CSV folder", room=0)
            if not csv_dir.exists() and csv_dir.parent.is_dir():
                _check_folder(csv_dir.parent, "the CSV folder")
                csv_dir.mkdir()
        _check_folder(csv_dir, "the CSV files")
        _check_name(prefix, csv_dir / prefix, "the CSV files")
    return Targets(pdf_path, csv_dir, prefix)


def _check_name(name: str, path: Path, what: str, room: int = NAME_ROOM) -> None:
    """A file name the disk can hold (with what the export adds) and sha256sum can list."""
    if any(ch in name for ch in "\n\r\\") or not name.isprintable():
        raise InvalidInput(
            f"Cannot write {what}: the name {name!r} holds a line break, a backslash or "
            "another character that the check files cannot list. Choose a plainer name."
        )
    limit = 255
    length = len(os.fsencode(name))
    if length + room > limit:
        raise InvalidInput(
            f"Cannot write {what}: the name {name[:40]}... is {length} bytes long; a name "
            f"may have at most {limit - room} here. Choose a shorter name."
        )
    if len(os.fsencode(str(path))) + NAME_ROOM > 4000:
        raise InvalidInput(
            f"Cannot write {what}: the path is too long ({len(str(path))} characters). "
            "Choose a folder nearer the top of the disk."
        )


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


# --- the open outputs -----------------------------------------------------------------


@dataclass
class Writers:
    """The open outputs of one export: the PDF (if wanted) and one CSV writer per section."""

    targets: Targets
    doc: PdfReport | None
    sections: list[CsvSection | WorkbookFile] = field(default_factory=list)

    def csv(self, name: str, header: Iterable[str]) -> CsvSection:
        final = self.targets.csv(name)
        section = CsvSection(name, list(header), self.targets.temp(final) if final else None)
        self.sections.append(section)
        return section

    def close(self) -> list[tuple[str, str]]:
        digests = [(s.name, s.close()) for s in self.sections]
        # The .xlsx of these sections joins them: listed, summed and moved like a CSV, but
        # outside the data digest (reports.xlsx_writer, reports.csv_writer.data_digest).
        if self.targets.csv_dir is not None:
            from reports.xlsx_writer import write_workbook

            self.sections.append(write_workbook(self.targets, self.sections))
        return digests

    def abort(self) -> None:
        for section in self.sections:
            section.abort()
