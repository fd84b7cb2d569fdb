"""The attribution keys and menu of the main window, and the question asked when a deleted
source still has claims.

Keys use Alt with letters no menu and no scheme label takes (the scheme's own shortcuts are
plain or Shift+ keys; checked in ``install``), so marking roles never shadows a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox, QWidget

from stancedesk.domain import Span
from stancedesk.domain.attribution import SpanRole
from stancedesk.domain.scheme import normalise_shortcut
from stancedesk.gui.desk.attribution import short
from stancedesk.services import attribution as attr_service
from stancedesk.services.attribution import ClaimsPolicy

if TYPE_CHECKING:
    from stancedesk.gui.desk.sources_panel import NameSourcePopup, SourcesPanel
    from stancedesk.gui.shell.main_window import MainWindow

KEYS = {
    "source": "Alt+S",
    "claim": "Alt+C",
    "cue": "Alt+Q",
    "link": "Alt+K",
    "via": "Alt+R",
    "clear": "Alt+X",
    "name": "Alt+N",
}


def claims_policy_box(parent: QWidget | None, span: Span, claims: int) -> QMessageBox:
    """Keep a deleted source's claims (unattributed) or delete them too."""
    box = QMessageBox(parent)
    box.setObjectName("claimsPolicyBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Delete source")
    plural = "s" if claims != 1 else ""
    box.setText(f"The source “{short(span.text)}” has {claims} claim{plural}.")
    box.setInformativeText("Undo (Ctrl+Z) brings back the source, its claims and the links.")
    keep = box.addButton(f"Keep the claim{plural} unattributed",
                         QMessageBox.ButtonRole.AcceptRole)
    keep.setObjectName("keepClaims")
    drop = box.addButton(f"Delete the claim{plural} too", QMessageBox.ButtonRole.DestructiveRole)
    drop.setObjectName("deleteClaims")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    return box


def ask_claims_policy(parent: QWidget, span: Span, claims: int) -> ClaimsPolicy | None:
    box = claims_policy_box(parent, span, claims)
    box.exec()
    clicked = box.clickedButton()
    name = clicked.objectName() if clicked is not None else ""
    return "keep" if name == "keepClaims" else "delete" if name == "deleteClaims" else None


def install(window: MainWindow) -> dict[str, QAction]:
    """The Sources menu with its keys, scoped to the reader and the span table like labels."""
    taken = set(window.scheme.shortcut_map())
    clash = [k for k in KEYS.values() if normalise_shortcut(k) in taken]
    if clash:  # a scheme may define any key: theirs win, ours go without a key
        window.statusBar().showMessage(f"Scheme keys {', '.join(clash)} shadow attribution "
                                       "keys; use the Sources menu.", 8000)
    chrome = window.chrome
    a = window.desk.attribution

    def action(name: str, text: str, slot: object, tip: str) -> QAction:
        key = KEYS[name] if KEYS[name] not in clash else None
        made = chrome._reader_scoped(chrome._action(text, slot, key, tip=tip))
        made.setObjectName(f"{name}Action")
        return made

    actions = {
        "source": action("source", "Mark &source", lambda: a.mark(SpanRole.SOURCE),
                         "Mark the selection or the current span as a source"),
        "claim": action("claim", "Mark &claim", lambda: a.mark(SpanRole.CLAIM),
                        "Mark the selection or the current span as a claim"),
        "cue": action("cue", "Mark c&ue", lambda: a.mark(SpanRole.CUE),
                      "Mark the attribution verb or phrase (said, according to)"),
        "link": action("link", "&Link claim to source", a.link_source,
                       "Attribute the current claim to the nearest preceding source; press "
                       "again for the paragraph's other sources"),
        "via": action("via", "Source &relayed via…", a.link_via,
                      "Mark the current source as relayed via another source; press again "
                      "for the next one"),
        "clear": action("clear", "Clear lin&k", a.clear_link,
                        "Clear the current claim's source or the current source's "
                        "intermediary"),
        "name": action("name", "&Name source…", lambda: open_name_popup(window),
                       "Name the current source after a registry entity (matches of its text "
                       "first)"),
    }
    a.ask_claims_policy = lambda span, n: ask_claims_policy(window, span, n)
    menu = window.menuBar().addMenu("So&urces")
    menu.setObjectName("sourcesMenu")
    window.menuBar().insertMenu(chrome.tools_menu.menuAction(), menu)
    for name in ("source", "claim", "cue"):
        menu.addAction(actions[name])
    menu.addSeparator()
    for name in ("link", "via", "clear"):
        menu.addAction(actions[name])
    menu.addSeparator()
    menu.addAction(actions["name"])
    install_panel(window, menu)
    def follow_role(*_args: object) -> None:
        span = window.desk.current_span()
        window.palette_widget.show_role(span.role if span is not None else None)

    window.desk.currentSpanChanged.connect(follow_role)
    window.desk.saved.connect(follow_role)
    window.sources_menu = menu
    window.attribution_actions = actions
    return actions


def install_panel(window: MainWindow, menu: QMenu) -> QDockWidget:
    """The Sources dock (hidden at first; View and Sources menus toggle it). Its panel is made
    when the dock is first shown (``window.sources_panel`` from then on): most sessions never
    open it, and making it at launch took a fiftieth of the launch."""
    dock = QDockWidget("Sources", window)
    dock.setObjectName("sourcesDock")
    window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
    window.tabifyDockWidget(window.spans_dock, dock)
    window.spans_dock.raise_()
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setText("&Sources panel")
    toggle.setShortcut("Ctrl+Shift+S")
    toggle.setObjectName("sourcesPanelAction")
    toggle.triggered.connect(lambda on: dock.raise_() if on else None)  # over the spans tab
    window.chrome.view_menu.addAction(toggle)
    menu.addSeparator()
    menu.addAction(toggle)

    def refresh(*_args: object) -> None:
        if dock.isVisible() and dock.widget() is not None:
            window.sources_panel.reload()

    def shown(visible: bool) -> None:
        if visible:
            panel = window.sources_panel if dock.widget() is not None else \
                _make_sources_panel(window, dock)
            panel.reload()

    dock.visibilityChanged.connect(shown)
    window.desk.saved.connect(refresh)
    window.desk.changed.connect(refresh)
    window.desk.attribution.entitiesChanged.connect(refresh)
    window.sources_dock = dock
    return dock


def _make_sources_panel(window: MainWindow, dock: QDockWidget) -> SourcesPanel:
    from stancedesk.gui.desk.sources_panel import SourcesPanel

    panel = SourcesPanel(window.database, window.reporter)
    panel.claimOpened.connect(lambda doc, span, who: open_claim(window, doc, span, who))
    panel.registryEdited.connect(window.desk.attribution.push_registry)
    dock.setWidget(panel)
    window.sources_panel = panel
    return panel


def open_claim(window: MainWindow, document_id: str, span_id: str, annotator: str) -> None:
    """Show a claim from the Sources panel in the reader (another annotator's claim needs
    reviewer mode, which the desk turns on unless a blind study forbids it)."""
    desk = window.desk
    window.open_document(document_id)
    window.documents.select_row(desk.doc_model.row_of(document_id))
    if desk.store.get(span_id) is None and annotator != desk.annotator:
        window.set_reviewer(True)
    if desk.store.get(span_id) is None:
        desk.message.emit(f"That claim is {annotator}'s: turn on reviewer mode to see it.")
        return
    desk.select_span(span_id, show=True)
    window.reader.setFocus()


def open_name_popup(window: MainWindow) -> NameSourcePopup | None:
    from stancedesk.gui.desk.sources_panel import NameSourcePopup

    a = window.desk.attribution
    span = a._own_current(SpanRole.SOURCE, "name it")
    if span is None:
        return None
    popup = NameSourcePopup(window.database, span, window)
    popup.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(choice: object) -> None:
        if isinstance(choice, tuple):
            with window.reporter.guarded("adding a source to the registry"):
                made = attr_service.create_entity(window.database, str(choice[1]))
                a.name_current(made.id)
        else:
            a.name_current(choice if isinstance(choice, str) else None)

    popup.chosen.connect(chosen)
    window.name_popup = popup
    popup.open()
    popup.edit.setFocus()
    popup.edit.selectAll()
    return popup
