"""Who is annotating: the toolbar's combo box and the Annotator menu, both listing the project's
annotators (new ones appear as soon as a write adds them) and asking the window to switch."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QMenu

from stancedesk.gui.desk.controller import AnnotationDesk
from stancedesk.services.changes import Changes

NEW_ANNOTATOR = "New annotator…"


class AnnotatorSwitcher(QObject):
    chosen = Signal(str)  # an annotator's name
    newRequested = Signal()  # "New annotator…": the window asks for a name

    def __init__(self, desk: AnnotationDesk, menu: QMenu, menu_actions: Sequence[QAction],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.menu = menu
        self._menu_actions = list(menu_actions)
        self.combo = QComboBox()
        self.combo.setObjectName("annotatorCombo")
        self.combo.setMinimumContentsLength(10)
        self.combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.combo.activated.connect(self._activated)
        menu.aboutToShow.connect(self.fill_menu)
        desk.changed.connect(self.follow)

    def refresh(self) -> None:
        """List every annotator, the current one selected."""
        combo = self.combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(self.desk.annotator_names())
        combo.addItem(NEW_ANNOTATOR)
        combo.setCurrentIndex(combo.findText(self.desk.annotator))
        combo.blockSignals(False)

    def follow(self, changes: Changes) -> None:
        if changes.annotators_added:
            self.refresh()

    def fill_menu(self) -> None:
        self.menu.clear()
        group = QActionGroup(self.menu)
        for name in self.desk.annotator_names():
            action = self.menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.desk.annotator)
            group.addAction(action)
            action.triggered.connect(lambda _c=False, n=name: self.chosen.emit(n))
        self.menu.addSeparator()
        self.menu.addActions(self._menu_actions)

    def _activated(self, index: int) -> None:
        text = self.combo.itemText(index)
        if text == NEW_ANNOTATOR:
            self.refresh()  # back to the current annotator until a name is given
            self.newRequested.emit()
        elif text:
            self.chosen.emit(text)
