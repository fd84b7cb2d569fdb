"""Status bar and toolbar pieces that change with every label key without laying out the
whole main window again.

A QLabel whose text changes, and a tool button whose action changes (an undo action's text
names the last step), ask their parents to lay out again. In a status bar or a toolbar that
request climbs to the main window, which then lays out every dock again (with an animation
object per dock) and repaints the dock separators: about a millisecond of CPU per key for a
change nobody can see. The pieces here keep their size (and so their parents' layouts) when
what they show changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QHelpEvent
from PySide6.QtWidgets import QLabel, QToolBar, QToolTip, QWidget


class SteadyLabel(QLabel):
    """A label with a fixed size, which changes (one layout pass) only when a new text needs
    more room; otherwise it stays as wide as the widest text it has shown since it was last
    styled. A label of fixed size does not ask its parent to lay out again when its text
    changes (Qt skips the request for a widget whose minimum and maximum sizes are equal),
    so a span count going from 5,000 to 5,001, or "Saved" coming back, repaints the label
    alone. Sizes are taken once the style sheet has been applied (a status bar's labels get
    their padding from it) and again whenever the style or the font changes."""

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        super().setText(text)
        if self.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange,
                            QEvent.Type.FontChange):
            self._fit(forget=True)
        return handled

    def _fit(self, *, forget: bool = False) -> None:
        hint = self.sizeHint()
        width = hint.width() if forget else max(hint.width(), self.minimumWidth())
        wanted = QSize(width, hint.height())
        if wanted != self.minimumSize() or wanted != self.maximumSize():
            self.setFixedSize(wanted)


class _ToolTipFrom(QObject):
    """Answers a tool button's tooltip request with another action's tooltip, read when the
    pointer rests on the button rather than copied at every change."""

    def __init__(self, source: QAction, parent: QObject) -> None:
        super().__init__(parent)
        self.source = source

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent) \
                and isinstance(watched, QWidget):
            QToolTip.showText(event.globalPos(), self.source.toolTip(), watched)
            return True
        return False


def add_steady_twin(toolbar: QToolBar, action: QAction, text: str) -> QAction:
    """Put on ``toolbar`` a copy of ``action`` (an undo or redo action) that keeps one text:
    it triggers the original, is enabled with it, shows its icon (and is recoloured with it:
    same ``data``), and its button's tooltip is the original's current one ("Undo Create span
    (Favor)"). The original, whose text changes at every step, stays in the menus and keeps
    the shortcuts; the toolbar, and so the main window, no longer lays out again per key."""
    twin = QAction(action.icon(), text, toolbar.parent())
    twin.setData(action.data())
    twin.setEnabled(action.isEnabled())
    twin.triggered.connect(action.trigger)
    action.enabledChanged.connect(twin.setEnabled)
    toolbar.addAction(twin)
    button = toolbar.widgetForAction(twin)
    if button is not None:
        button.installEventFilter(_ToolTipFrom(action, button))
    return twin
