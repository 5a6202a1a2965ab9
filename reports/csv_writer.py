"""CSV sections: UTF-8, every cell text, formula-looking cells neutralised, hashed as written.

One file per section. A cell that starts with = + - @, a tab or a carriage return gets a
leading apostrophe, except a plain negative number such as -46 (``reports.cells``, the
one home of that rule). Values are written as their text, so GTINs and lots keep their
leading zeros in the file; a spreadsheet that opens a CSV may still read 09506000100043
as a number, which is why every CSV export also writes an .xlsx workbook with typed
cells (``reports.xlsx_writer``). Files start with a UTF-8 byte-order mark so spreadsheet
programs read names in any script correctly.

The writer hashes exactly the bytes it writes. With no file wanted (a PDF-only export)
it still produces and hashes the same bytes, so the report digest printed on a PDF
cover is the one its CSV export would have.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from reports.cells import neutral

BOM = "\ufeff".encode()
WORKBOOK = "workbook"  # the manifest's section name for the .xlsx (reports.xlsx_writer)
_FLUSH_EVERY = 2000


class CsvSection:
    """Writes one section's rows (or only hashes them when ``path`` is None)."""

    def __init__(self, name: str, header: Sequence[str], path: Path | None) -> None:
        self.name = name
        self.path = path
        self.rows = 0
        self.bytes = 0
        self._sha = hashlib.sha256()
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._file: BinaryIO | None = path.open("wb") if path is not None else None
        self._emit(BOM)
        self._writer.writerow(header)
        self._pending = 0

    def _emit(self, data: bytes) -> None:
        self._sha.update(data)
        self.bytes += len(data)
        if self._file is not None:
            self._file.write(data)

    def _flush(self) -> None:
        self._emit(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pending = 0

    def row(self, cells: Sequence[str]) -> None:
        self._writer.writerow([neutral(c) for c in cells])
        self.rows += 1
        self._pending += 1
        if self._pending >= _FLUSH_EVERY:
            self._flush()

    def rows_of(self, batch: Sequence[Sequence[str]]) -> None:
        """A batch of rows already neutralised (by the query), written at C speed."""
        self._writer.writerows(batch)
        self.rows += len(batch)
        self._flush()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def close(self) -> str:
        """Finish the file; returns the SHA-256 of its bytes."""
        self._flush()
        if self._file is not None:
            self._file.close()
            self._file = None
        return self._sha.hexdigest()

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def data_digest(section_digests: Sequence[tuple[str, str]]) -> str:
    """The report's digest: SHA-256 over "<section> <sha256 of its CSV>" lines, in order.

    Anyone with the CSV files can recompute it, and it is the digest on the PDF cover.
    The workbook (section ``WORKBOOK``) is listed in the manifest beside the CSVs but is
    left out here: it is the same data in another form, and a PDF-only export, which
    writes no workbook, must print the same digest.
    """
    text = "".join(
        f"{name} {digest}\n" for name, digest in section_digests if name != WORKBOOK
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
