"""Composition root: resolve the database, open it, show the main window."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module

# What the desk's first window uses below the GUI. PySide6 reads the source of every module
# imported after it (its import hook looks for "PySide6" in each, for its __feature__
# switches), so these load first: a tenth of a second of launch for SQLAlchemy's dialect, the
# tables and the services. Only speed depends on this list; a module left out still loads.
DESK_LAYERS = (
    "sqlalchemy.dialects.sqlite",
    "stancedesk.services.project",
    "stancedesk.services.spans",
    "stancedesk.services.corpus",
    "stancedesk.services.documents",
    "stancedesk.services.attribution",
    "stancedesk.services.suggestions",
    "stancedesk.services.study",
)


def run_gui(db: str | None = None, annotator: str | None = None,
            started: Callable[[], None] | None = None) -> int:
    """Open the annotation desk; returns the Qt event loop's exit status. ``started`` is
    called once the first window is on screen (the CLI resumes the garbage collector)."""
    for name in DESK_LAYERS:
        import_module(name)
    from stancedesk.gui.shell.launch import launch

    return launch(db, annotator, sys.argv[:1], started)
