"""Composition root: resolve the database, open it, show the main window."""

from __future__ import annotations

import sys


def run_gui(db: str | None = None, annotator: str | None = None) -> int:
    """Open the annotation desk; returns the Qt event loop's exit status."""
    from stancedesk.gui.shell.launch import launch

    return launch(db, annotator, sys.argv[:1])
