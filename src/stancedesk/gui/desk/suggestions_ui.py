"""The suggestion keys of the main window (Sources menu) and the View setting that turns
suggestions off.

The keys pair Alt with the keys that already act on spans (Return, Del, ] and [), so they read
as "the same, for the suggestion"; no menu mnemonic, scheme label or attribution key uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from stancedesk.domain.scheme import normalise_shortcut
from stancedesk.gui.desk.suggestions import KEYS

if TYPE_CHECKING:
    from stancedesk.gui.shell.main_window import MainWindow


def install(window: MainWindow) -> dict[str, QAction]:
    chrome, s = window.chrome, window.desk.suggestions
    s.runner = window.jobs
    s.defer = window.after_first_paint
    taken = set(window.scheme.shortcut_map())

    def action(name: str, text: str, slot: object, tip: str,
               extra: tuple[str, ...] = ()) -> QAction:
        made = chrome._reader_scoped(chrome._action(text, slot, tip=tip))
        keys = [k for k in (KEYS[name], *extra) if normalise_shortcut(k) not in taken]
        made.setShortcuts([QKeySequence(k) for k in keys])
        made.setObjectName(f"{name}SuggestionAction")
        return made

    actions = {
        "accept": action("accept", "&Accept suggestion", s.accept,
                         "Store the outlined suggestion as your source, cue and claim spans "
                         "with their links and sourcing type", ("Alt+Enter",)),
        "reject": action("reject", "Re&ject suggestion", s.reject,
                         "Hide the outlined suggestion for you (undo brings it back)"),
        "next": action("next", "N&ext suggestion", lambda: s.step(True),
                       "Outline the next suggestion in the document"),
        "previous": action("previous", "Pre&vious suggestion", lambda: s.step(False),
                           "Outline the previous suggestion in the document"),
    }
    menu = window.sources_menu
    menu.addSeparator()
    for name in ("next", "previous", "accept", "reject"):
        menu.addAction(actions[name])

    toggle = QAction("Suggested &attributions", window)
    toggle.setObjectName("suggestionsAction")
    toggle.setCheckable(True)
    toggle.setStatusTip("Outline the sources, cues and claims the finder suggests (turn off "
                        "for an agreement study, so annotators are not primed)")
    toggle.setChecked(window.settings.suggestions)
    s.set_enabled(toggle.isChecked())

    def switched(on: bool) -> None:
        window.settings.suggestions = on
        s.set_enabled(on)
        for item in actions.values():
            item.setEnabled(on)
        window.statusBar().showMessage("Suggestions on." if on else
                                       "Suggestions off: none are computed or shown.", 5000)

    toggle.toggled.connect(switched)
    for item in actions.values():
        item.setEnabled(toggle.isChecked())
    chrome.view_menu.addAction(toggle)
    window.suggestions_action = toggle
    window.suggestion_actions = actions
    return actions
