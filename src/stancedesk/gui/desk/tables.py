"""The look the desk's tables share: whole rows, one at a time, compact, no grid."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


class _OpaqueViewport(QObject):
    """Keeps a table's viewport filling its own background. The style sheet's ``QTableView``
    rule (desk.qss) makes Qt's style-sheet style take the fill over (``autoFillBackground``
    off): the same base colour is painted, but Qt then counts the viewport as see-through
    and paints everything under each changed cell first, the dock with its title bar's icons
    and the table's frame. At every label key that doubled the span table's repaint and the
    document list's count cell. The style sheet polishes the table when it is shown and on
    every restyle (a theme switch, a new parent); both events come after the polish."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.StyleChange) \
                and isinstance(watched, QTableView):
            watched.viewport().setAutoFillBackground(True)
        return False


def tidy_table(view: QTableView) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    vh = view.verticalHeader()
    vh.hide()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft
                                                | Qt.AlignmentFlag.AlignVCenter)
    view.installEventFilter(_OpaqueViewport(view))
    view.viewport().setAutoFillBackground(True)
    # the scroll bars are see-through too, and Qt raises (so repaints) both at every row
    # inserted or removed: filled, they spare the dock and the frame under them
    for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):
        bar.setAutoFillBackground(True)
