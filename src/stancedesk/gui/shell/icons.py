"""Toolbar icons: small SVGs shipped in ``stancedesk.resources/icons``, drawn in the theme's text
colour (the files say ``currentColor``), rendered with QtSvg so no image plugin is needed."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer


def svg_text(name: str) -> str:
    return resources.files("stancedesk.resources").joinpath("icons", f"{name}.svg").read_text(
        encoding="utf-8")


def icon(name: str, colour: QColor | str) -> QIcon:
    """An icon in ``colour``, with a dimmed variant for disabled actions."""
    result = QIcon()
    hex_colour = QColor(colour).name()
    for mode, opacity in ((QIcon.Mode.Normal, "1"), (QIcon.Mode.Disabled, "0.35")):
        data = svg_text(name).replace('stroke="currentColor"',
                                      f'stroke="{hex_colour}" stroke-opacity="{opacity}"')
        renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
        for size in (16, 24, 32, 48):
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter)
            painter.end()
            result.addPixmap(pixmap, mode)
    return result
