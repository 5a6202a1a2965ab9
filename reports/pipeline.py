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
from reports.csv_writer import CsvSection

if TYPE_CHECKING:
    from reports.pdf_writer import PdfReport

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


class ExportCancelled(LedgerError):
    """The person cancelled the export; no partial file was kept."""

    code = "cancelled"


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
        from reports.manifest import SUFFIX  # manifest loads the signing code: only on use

        return None if self.csv_dir is None else self.csv_dir / f"{self.prefix}{SUFFIX}"

    def clean(self) -> None:
        for path in self.temps:
            with contextlib.suppress(OSError):
                path.unlink()


def plan_targets(kind: str, start: date, end: date, pdf: Path | None, csv: Path | None) -> Targets:
    """Check the request and where the files go before any work.

    The one place an export's arguments are checked: a clear sentence, in the words of
    whoever asked (desktop or command line), beats a late failure.
    """
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


# --- the open outputs -----------------------------------------------------------------


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
