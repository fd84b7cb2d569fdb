"""Toolbar icons: small SVGs shipped in ``stancedesk.resources/icons``, drawn in the theme's text
colour (the files say ``currentColor``), rendered with QtSvg so no image plugin is needed."""

from __future__ import annotations

from importlib import resources
from typing import ClassVar

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

DISABLED_OPACITY = "0.35"


def svg_text(name: str) -> str:
    return resources.files("stancedesk.resources").joinpath("icons", f"{name}.svg").read_text(
        encoding="utf-8")


class SvgIconEngine(QIconEngine):
    """Draws an icon's SVG at the size and in the mode Qt asks for, when it first asks, and
    keeps that pixmap. The window shows each icon at one size, and some only in a menu that
    may never open: rendering four sizes in two modes for every icon up front (over a hundred
    renders) was a twentieth of the desk's launch."""

    # PySide6 does not hand a clone's ownership to Qt, which deletes it when its icon goes:
    # a clone (Qt makes one only when a shared icon is changed) is kept alive here for good
    _clones: ClassVar[list[SvgIconEngine]] = []

    def __init__(self, normal: bytes, disabled: bytes) -> None:
        super().__init__()
        self._svg = (normal, disabled)
        self._pixmaps: dict[tuple[int, int, bool], QPixmap] = {}

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:
        disabled = mode == QIcon.Mode.Disabled
        width, height = round(size.width() * scale), round(size.height() * scale)
        key = (width, height, disabled)
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = QPixmap(max(width, 1), max(height, 1))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            QSvgRenderer(QByteArray(self._svg[disabled])).render(painter)
            painter.end()
            pixmap.setDevicePixelRatio(scale)
            self._pixmaps[key] = pixmap
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def clone(self) -> QIconEngine:
        twin = SvgIconEngine(*self._svg)
        SvgIconEngine._clones.append(twin)
        return twin


def icon(name: str, colour: QColor | str) -> QIcon:
    """An icon in ``colour``, with a dimmed variant for disabled actions."""
    hex_colour = QColor(colour).name()
    text = svg_text(name)
    normal, disabled = (
        text.replace('stroke="currentColor"',
                     f'stroke="{hex_colour}" stroke-opacity="{opacity}"').encode("utf-8")
        for opacity in ("1", DISABLED_OPACITY))
    return QIcon(SvgIconEngine(normal, disabled))
