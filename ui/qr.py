"""A QR code as a Qt image, for codes a person keeps on paper (the verification key).

zxing-cpp draws the symbol (the same library that reads and draws the labels' codes); this
turns its one-bit image into a QImage scaled by whole pixels, so a phone or a 2D scanner
reads it back from the screen or from the printed sheet.
"""

from __future__ import annotations

from PySide6.QtGui import QImage, QPixmap

QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks


def qr_image(text: str, *, module: int = 4) -> QImage:
    """The QR code of ``text``, each module ``module`` pixels wide, with its quiet zone.

    numpy and zxing load here, on the first start's codes page, not with every window.
    """
    import numpy as np
    import zxingcpp

    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    modules = np.array(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False))
    modules = np.pad(modules, QUIET_ZONE, constant_values=255)
    pixels = np.ascontiguousarray(np.kron(modules, np.ones((module, module), np.uint8)))
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: the numpy buffer goes away with this frame


def qr_pixmap(text: str, *, module: int = 4) -> QPixmap:
    return QPixmap.fromImage(qr_image(text, module=module))
