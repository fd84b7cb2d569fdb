"""What the exchange dialogs show before anything is written or stored (no Qt here).

An export preview runs the real exporter on the first spans of the selection into a temporary
folder and reads the head back, so what the dialog shows is exactly what the export will write,
for every format, with no second rendering of any format to keep in step.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stancedesk.services import exchange, formats_registry
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.services.study import Viewer, require_own_selection
from stancedesk.storage.engine import Database

PREVIEW_SPANS = 20
_MAX_CELL = 160  # characters of a long string (a document's text) shown in a preview
_MAX_LINE = 240
_MAX_LINES = 60


@dataclass(frozen=True, slots=True)
class FormatInfo:
    key: str
    title: str
    suffix: str  # "" for formats that write a folder
    description: str

    @property
    def folder(self) -> bool:
        return not self.suffix


FORMATS: dict[str, FormatInfo] = {info.key: info for info in (
    FormatInfo("csv", "CSV", ".csv",
               "File · one row per span, a column per layer; opens in any spreadsheet and "
               "imports back."),
    FormatInfo("xlsx", "Excel workbook", ".xlsx",
               "File · sheets spans, documents and scheme; every cell is text, so no formula "
               "can run."),
    FormatInfo("jsonl", "JSON Lines", ".jsonl",
               "File · one line per document with its full text and every span; keeps "
               "everything, imports back."),
    FormatInfo("parquet", "Parquet", ".parquet",
               "File · the CSV columns, typed and compressed, for pandas, polars or R."),
    FormatInfo("brat", "brat standoff", "",
               "Folder (new or empty) · a subfolder per annotator with .txt and .ann per "
               "document, plus annotation.conf."),
    FormatInfo("webanno", "WebAnno TSV 3.3", "",
               "Folder (new or empty) · a .tsv per document and annotator for INCEpTION "
               "(layer webanno.custom.StanceDesk)."),
    FormatInfo("labelstudio", "Label Studio", ".json",
               "File · a JSON array of tasks: one per document, one annotation per annotator."),
    FormatInfo("doccano", "doccano", ".jsonl",
               "File · one JSON line per document and annotator, labels as layer:value."),
)}


@dataclass(slots=True)
class Preview:
    """Text (``text``) or a table (``headers`` and ``rows``), with a line that sums it up."""

    summary: str = ""
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    caption: str = ""


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def selection_summary(spans: int, documents: int, annotators: int) -> str:
    return (f"{plural(spans, 'span')} from {plural(documents, 'document')} by "
            f"{plural(annotators, 'annotator')}")


def shorten(value: Any) -> Any:
    """JSON with long strings cut, so a document's text does not bury its spans."""
    if isinstance(value, str) and len(value) > _MAX_CELL:
        return f"{value[:_MAX_CELL - 40]}… ({len(value):,} characters)"
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


def _cut(line: str) -> str:
    return line if len(line) <= _MAX_LINE else f"{line[:_MAX_LINE]}…"


def _head(text: str, lines: int = _MAX_LINES) -> str:
    all_lines = text.splitlines()
    shown = [_cut(line) for line in all_lines[:lines]]
    if len(all_lines) > lines:
        shown.append(f"… {len(all_lines) - lines:,} more lines")
    return "\n".join(shown)


def _pretty_lines(text: str) -> str:
    return "\n\n".join(json.dumps(shorten(json.loads(line)), indent=2, ensure_ascii=False)
                       for line in text.splitlines() if line.strip())


def _folder_listing(folder: Path, suffix: str) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    parts = ["Files (for the first spans):"]
    parts += [f"  {p.relative_to(folder).as_posix()}" for p in files]
    shown = 0
    for p in files:
        if p.suffix == suffix and shown < 3:
            shown += 1
            parts += ["", f"── {p.relative_to(folder).as_posix()}",
                      _head(p.read_text(encoding="utf-8"), 30)]
    return "\n".join(parts)


def _table(headers: list[str], rows: list[Sequence[Any]]) -> tuple[list[str], list[list[str]]]:
    def cell(v: Any) -> str:
        text = "" if v is None else str(v)
        return shorten(text).replace("\n", "⏎")

    return headers, [[cell(v) for v in row] for row in rows]


def render_export(fmt: str, out: Path) -> Preview:
    """Read back the head of what an exporter wrote to ``out``."""
    if fmt == "csv":
        return Preview(text=_head(out.read_text(encoding="utf-8")))
    if fmt in ("jsonl", "doccano"):
        return Preview(text=_pretty_lines(out.read_text(encoding="utf-8")))
    if fmt == "labelstudio":
        tasks = json.loads(out.read_text(encoding="utf-8"))
        return Preview(text=json.dumps(shorten(tasks), indent=2, ensure_ascii=False))
    if fmt == "brat":
        return Preview(text=_folder_listing(out, ".ann"))
    if fmt == "webanno":
        return Preview(text=_folder_listing(out, ".tsv"))
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(out, read_only=True)
        try:
            rows = list(book["spans"].iter_rows(values_only=True))
            sheets = ", ".join(book.sheetnames)
        finally:
            book.close()
        headers, body = _table([str(h) for h in rows[0]] if rows else [], rows[1:])
        return Preview(headers=headers, rows=body, caption=f"Sheet 'spans' (workbook sheets: "
                       f"{sheets})")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        headers = [f"{f.name} ({f.type})" for f in table.schema]
        headers, body = _table(headers, [list(r.values()) for r in table.to_pylist()])
        return Preview(headers=headers, rows=body, caption="Columns with their Parquet types")
    raise ValueError(f"no preview for {fmt!r}")


def export_preview(database: Database, fmt: str, *, annotators: Sequence[str] | None,
                   documents: Sequence[str] | None, spreadsheet_safe: bool,
                   limit: int = PREVIEW_SPANS, viewer: Viewer | None = None) -> Preview:
    """Count the selection, export its first ``limit`` spans to a temporary place, read back."""
    require_own_selection(database, viewer, annotators, "an export")
    spans, docs, people = exchange.selection_counts(database, annotators, documents)
    summary = selection_summary(spans, docs, people)
    if spans == 0:
        return Preview(summary=summary, text="Nothing to export: no spans in this selection.")
    info = FORMATS[fmt]
    with tempfile.TemporaryDirectory(prefix="stancedesk-preview-") as tmp:
        out = Path(tmp) / ("preview" + info.suffix)
        formats_registry.export_annotations(database, fmt, out, annotators=annotators,
                                            documents=documents,
                                            spreadsheet_safe=spreadsheet_safe, limit=limit,
                                            viewer=viewer)
        preview = render_export(fmt, out)
    preview.summary = summary
    first = min(limit, spans)
    preview.caption = (f"The first {plural(first, 'span')}, as the export writes them"
                       + (f" · {preview.caption}" if preview.caption else ""))
    return preview


def describe_import(report: AnnotationImportReport, fmt: str) -> str:
    """A dry run's report in the words the import will use."""
    lines = [f"Format: {FORMATS[fmt].title} ({fmt})" if fmt in FORMATS else f"Format: {fmt}",
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
