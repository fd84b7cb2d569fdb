"""The attribution keys and menu of the main window, and the question asked when a deleted
source still has claims.

Keys use Alt with letters no menu and no scheme label takes (the scheme's own shortcuts are
plain or Shift+ keys; checked in ``install``), so marking roles never shadows a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from stancedesk.domain import Span
from stancedesk.domain.attribution import SpanRole
from stancedesk.domain.scheme import normalise_shortcut
from stancedesk.gui.desk.attribution import short
from stancedesk.services.attribution import ClaimsPolicy

if TYPE_CHECKING:
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
    def follow_role(*_args: object) -> None:
        span = window.desk.current_span()
        window.palette_widget.show_role(span.role if span is not None else None)

    window.desk.currentSpanChanged.connect(follow_role)
    window.desk.saved.connect(follow_role)
    window.sources_menu = menu
    window.attribution_actions = actions
    return actions
