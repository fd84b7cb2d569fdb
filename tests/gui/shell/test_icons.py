"""Icons are drawn from their SVG when Qt first asks for a size and mode (the desk's launch
rendered four sizes in two modes of every icon up front), and look as before."""

from __future__ import annotations

import gc

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from stancedesk.gui.shell.icons import DISABLED_OPACITY, icon, svg_text

COLOUR = "#4a4f57"


def _rendered(name: str, size: int, opacity: str) -> QImage:
    """The icon as the desk drew it before: the SVG in the colour, on transparency."""
    data = svg_text(name).replace('stroke="currentColor"',
                                  f'stroke="{COLOUR}" stroke-opacity="{opacity}"')
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    QSvgRenderer(QByteArray(data.encode("utf-8"))).render(painter)
    painter.end()
    return pixmap.toImage()


def test_each_size_and_mode_looks_as_the_svg_drawn_in_the_colour(qapp) -> None:
    undo = icon("undo", COLOUR)
    for size in (16, 24, 48):
        assert undo.pixmap(QSize(size, size)).toImage() == _rendered("undo", size, "1")
        disabled = undo.pixmap(QSize(size, size), QIcon.Mode.Disabled).toImage()
        assert disabled == _rendered("undo", size, DISABLED_OPACITY)
        assert disabled != _rendered("undo", size, "1")
    sharp = undo.pixmap(QSize(24, 24), 2.0)  # a high-density screen gets its own pixels
    assert (sharp.width(), sharp.devicePixelRatio()) == (48, 2.0)
    assert sharp.toImage() == _rendered("undo", 48, "1")


def test_a_changed_copy_and_the_original_both_keep_drawing(qapp) -> None:
    """Changing a shared icon makes Qt clone its engine; neither may be freed under the other."""
    find = icon("find", COLOUR)
    copy = QIcon(find)
    copy.addPixmap(icon("note", COLOUR).pixmap(QSize(16, 16)))
    gc.collect()
    assert copy.pixmap(QSize(32, 32)).toImage() == _rendered("find", 32, "1")
    del find
    gc.collect()
    assert copy.pixmap(QSize(24, 24)).toImage() == _rendered("find", 24, "1")
