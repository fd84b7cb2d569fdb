"""Status bar labels and toolbar buttons that change with every key keep the main window's
layout still: a text of the same size repaints the label alone, a longer one grows it once."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QWidget

from stancedesk.gui.shell.steady import SteadyLabel


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _flush() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def test_a_steady_label_asks_for_a_layout_only_when_it_needs_more_room(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    layout = QHBoxLayout(parent)
    label = SteadyLabel()
    label.setText("5,000 spans (ana)")
    layout.addWidget(label)
    layout.addStretch(1)
    parent.show()
    qtbot.waitExposed(parent)
    _flush()
    width = label.width()
    assert label.minimumSize() == label.maximumSize() == label.sizeHint()
    requests = _LayoutRequests()
    parent.installEventFilter(requests)
    label.setText("5,001 spans (ana)")  # digits have one width: the same size
    label.setText("5,001 spans (ana)")
    _flush()
    assert requests.count == 0 and label.text() == "5,001 spans (ana)"
    label.setText("12,345,678 spans (a much longer name)")
    _flush()
    assert requests.count == 1 and label.width() > width
    wide = label.width()
    label.setText("1 span (ana)")  # narrower: keeps its width, no layout pass
    _flush()
    assert requests.count == 1 and label.width() == wide
    label.setStyleSheet("font-size: 30px")  # restyled: measured again for the new font
    _flush()
    assert label.height() == label.sizeHint().height() > 20
