"""The clinic's key sheet: the codes setup shows once, printed to paper and not to a file.

The recovery code and the verification key must not live on the PC (whoever holds the
verification key could forge the whole audit trail). So the sheet goes straight to a
printer from memory; Qt's print dialog may offer "print to PDF", which is the user's
choice, and the sheet says to keep any such file off this computer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtCore import QMarginsF, QUrl
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from ui.qr import qr_image


@dataclass(frozen=True)
class KeySheet:
    """What the sheet shows: the clinic, its first manager, and the codes shown once."""

    clinic: str
    manager: str
    made_at: datetime
    recovery_code: str
    verification_key: str
    fingerprint: str


def sheet_document(sheet: KeySheet) -> QTextDocument:
    """The sheet as a text document, the key's QR code inline, ready to print."""
    document = QTextDocument()
    qr = QUrl("sheet://verification-key.png")
    document.addResource(
        QTextDocument.ResourceType.ImageResource, qr, qr_image(sheet.verification_key, module=8)
    )
    when = sheet.made_at.strftime("%Y-%m-%d %H:%M")
    document.setHtml(
        f"""
<h1>Sterile Ledger: the clinic's key sheet</h1>
<p><b>{escape(sheet.clinic)}</b>, set up {escape(when)} by {escape(sheet.manager)}.</p>
<p>Keep this sheet locked away from the clinic's computer. Give a copy of the
verification key to the clinic's owner or to the inspector; neither code is kept
anywhere in the ledger.</p>
<h2>Verification key</h2>
<p style="font-family: monospace; font-size: 11pt; white-space: nowrap">
<b>{escape(sheet.verification_key)}</b></p>
<p><img src="{qr.toString()}" width="170" height="170"></p>
<p>It checks the audit trail's seals: <tt>audit verify --key KEY</tt>, or the Audit
screen's "Verify chain" with the key typed or scanned in. With it, any change,
deletion or reordering of recorded events shows, even one made by someone holding the
ledger file. Whoever has this key could forge the trail: do not keep it on the PC.</p>
<h2>Recovery code</h2>
<p style="font-family: monospace; font-size: 14pt"><b>{escape(sheet.recovery_code)}</b></p>
<p>Sets a new manager password when the only manager forgets theirs
(<tt>staff recover</tt>). Whoever has it can take over the manager's account.</p>
<h2>Signing certificate fingerprint (SHA-256)</h2>
<p style="font-family: monospace; white-space: pre">{escape(two_lines(sheet.fingerprint))}</p>
<p>Not secret: every report's cover prints it, for the inspector to compare.</p>
"""
    )
    return document


def print_sheet(sheet: KeySheet, printer: QPrinter) -> None:
    """Print the sheet on ``printer`` (A4, 18 mm margins)."""
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 18, 18, 18),
            QPageLayout.Unit.Millimeter,
        )
    )
    sheet_document(sheet).print_(printer)


def ask_and_print(sheet: KeySheet, parent: QWidget) -> bool:
    """Show the print dialog; print when the user says so. True when it was printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the key sheet")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    print_sheet(sheet, printer)
    return True


def two_lines(fingerprint: str) -> str:
    """The fingerprint as a report's cover groups it: two lines of eight groups."""
    groups = fingerprint.split()
    return " ".join(groups[:8]) + "\n" + " ".join(groups[8:]) if len(groups) == 16 else fingerprint
