"""An export that reports progress and can be cancelled, for long exports run as a job.

The exporters write under a temporary name and rename only on success; raising ``Cancelled``
from their per-span callback therefore removes the partial output, so a cancelled export
leaves no file (or folder) behind.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from stancedesk.domain.errors import Cancelled
from stancedesk.services import exchange, formats_registry
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.services.study import Viewer, require_own_selection
from stancedesk.storage.engine import Database

CANCELLED_MESSAGE = "export cancelled; nothing was written"
REPORT_EVERY_S = 0.05  # progress reports at most this often: a signal per span would flood Qt


def export_with_progress(database: Database, fmt: str, path: Path, *,
                         annotators: Sequence[str] | None = None,
                         documents: Sequence[str] | None = None,
                         spreadsheet_safe: bool = False, progress: Progress,
                         cancelled: IsCancelled, viewer: Viewer | None = None) -> int:
    """``progress(done, total, "")`` in spans; ``Cancelled`` as soon as ``cancelled()``."""
    require_own_selection(database, viewer, annotators, "an export")
    total = exchange.selection_counts(database, annotators, documents)[0]
    progress(0, total, "")
    last = 0.0

    def on_span(n: int) -> None:
        nonlocal last
        if cancelled():
            raise Cancelled(CANCELLED_MESSAGE)
        now = time.monotonic()
        if now - last > REPORT_EVERY_S:
            last = now
            progress(n, total, "")

    if cancelled():
        raise Cancelled(CANCELLED_MESSAGE)
    n = formats_registry.export_annotations(database, fmt, path, annotators=annotators,
                                            documents=documents,
                                            spreadsheet_safe=spreadsheet_safe, progress=on_span,
                                            viewer=viewer)
    progress(n, total, "")
    return n
