"""What the exchange dialogs show before anything is written or stored (no Qt here).

An export preview runs the real exporter on the first spans of the selection into a temporary
folder and reads the head back with the format's own preview (its ``ExchangeFormat.preview``),
so what the dialog shows is exactly what the export will write, for every format.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from stancedesk.formats.previews import Preview
from stancedesk.services import exchange, formats_registry
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.services.study import Viewer, require_own_selection
from stancedesk.storage.engine import Database

PREVIEW_SPANS = 20
__all__ = ["PREVIEW_SPANS", "Preview", "describe_import", "export_preview", "plural",
           "selection_summary"]


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def selection_summary(spans: int, documents: int, annotators: int) -> str:
    return (f"{plural(spans, 'span')} from {plural(documents, 'document')} by "
            f"{plural(annotators, 'annotator')}")


def export_preview(database: Database, fmt: str, *, annotators: Sequence[str] | None,
                   documents: Sequence[str] | None, spreadsheet_safe: bool,
                   limit: int = PREVIEW_SPANS, viewer: Viewer | None = None) -> Preview:
    """Count the selection, export its first ``limit`` spans to a temporary place, read back."""
    require_own_selection(database, viewer, annotators, "an export")
    spans, docs, people = exchange.selection_counts(database, annotators, documents)
    summary = selection_summary(spans, docs, people)
    if spans == 0:
        return Preview(summary=summary, text="Nothing to export: no spans in this selection.")
    info = formats_registry.annotation_format(fmt)
    with tempfile.TemporaryDirectory(prefix="stancedesk-preview-") as tmp:
        out = Path(tmp) / ("preview" + info.suffix)
        formats_registry.export_annotations(database, fmt, out, annotators=annotators,
                                            documents=documents,
                                            spreadsheet_safe=spreadsheet_safe, limit=limit,
                                            viewer=viewer)
        preview = info.preview(out)
    preview.summary = summary
    first = min(limit, spans)
    preview.caption = (f"The first {plural(first, 'span')}, as the export writes them"
                       + (f" · {preview.caption}" if preview.caption else ""))
    return preview


def describe_import(report: AnnotationImportReport, fmt: str) -> str:
    """A dry run's report in the words the import will use."""
    known = {f.name: f.title for f in formats_registry.annotation_formats()}
    lines = [f"Format: {known[fmt]} ({fmt})" if fmt in known else f"Format: {fmt}",
             f"Spans to add: {report.added:,}"]
    for name, n in sorted(report.per_annotator.items()):
        lines.append(f"  {name}: {plural(n, 'span')}")
    if report.unchanged:
        lines.append(f"Already present (skipped): {plural(report.unchanged, 'span')}")
    if report.documents_created or report.documents_reused:
        lines.append(f"Documents: {len(report.documents_created):,} new, "
                     f"{len(report.documents_reused):,} already stored (reused as stored)")
    if report.annotators_created:
        lines.append(f"New annotators: {', '.join(report.annotators_created)}")
    lines += ["", "Dry run: nothing has been stored yet."]
    return "\n".join(lines)
