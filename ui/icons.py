"""The app's icons: simple SVGs in resources/icons, sharp at any screen scale."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui import style

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
INK = style.ICON_INK
"""The colour the SVG files are drawn in; ``tinted`` swaps it for another."""


def icon_path(name: str) -> Path:
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon called {name!r} in {ICON_DIR}")
    return path


@cache
def icon(name: str) -> QIcon:
    """An icon by file name (without .svg); QIcon renders the SVG at the screen's scale."""
    return QIcon(str(icon_path(name)))


@cache
def tinted(name: str, colour: str, size: int = 22) -> QIcon:
    """The same drawing in another colour (light icons on the dark navigation bar),
    rendered at 1x, 2x and 3x so it is sharp on high-DPI screens."""
    svg = icon_path(name).read_text(encoding="utf-8").replace(INK, colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for scale in (1, 2, 3):
        image = QImage(size * scale, size * scale, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        result.addPixmap(pixmap)
    return result
