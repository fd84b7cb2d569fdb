"""Excel workbook: a sheet of spans, one of documents, one of the scheme. For spreadsheet users.

Written with openpyxl's write-only mode, which streams rows to disk. Every text cell is stored as
a string cell, never as a formula, so a cell starting with ``=`` cannot run (the CSV
``--spreadsheet-safe`` concern does not arise). The spans sheet has the CSV's columns, so the
workbook also reads back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from stancedesk.domain import Document, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import columns, format_time, records_from_rows
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import ExchangeFormat, writes_spans
from stancedesk.formats.previews import Preview
from stancedesk.formats.records import AnnotationRecord

SPANS_SHEET, DOCUMENTS_SHEET, SCHEME_SHEET = "spans", "documents", "scheme"
DOCUMENT_COLUMNS = ("document_id", "title", "source_file", "outlet", "date", "url", "length",
                    "spans")
SCHEME_COLUMNS = ("layer", "layer_name", "kind", "label", "label_name", "description")
EXCEL_CELL_MAX = 32_767
# Control characters that the XLSX XML cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_annotations_xlsx(path: Path, scheme: Scheme, spans: Iterable[Span],
                           document: Callable[[str], Document | None]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(SPANS_SHEET)
    docs_sheet = wb.create_sheet(DOCUMENTS_SHEET)
    scheme_sheet = wb.create_sheet(SCHEME_SHEET)
    bold = Font(bold=True)

    def cell(ws: Any, value: Any, *, header: bool = False) -> Any:
        if isinstance(value, str):
            if len(value) > EXCEL_CELL_MAX:
                raise FormatError(str(path), f"a cell of {len(value)} characters is longer than "
                                  f"Excel allows ({EXCEL_CELL_MAX}); export CSV or Parquet")
            c = WriteOnlyCell(ws, value=_ILLEGAL.sub("\ufffd", value))
            c.data_type = "s"  # a string, even when it starts with '='
        else:
            c = WriteOnlyCell(ws, value=value)
        if header:
            c.font = bold
        return c

    names = columns(scheme)
    sheet.append([cell(sheet, h, header=True) for h in names])
    docs_sheet.append([cell(docs_sheet, h, header=True) for h in DOCUMENT_COLUMNS])
    n = 0
    current: Document | None = None
    count = 0

    def close_document() -> None:
        if current is not None:
            row = [current.id, current.title, current.source_file, current.outlet,
                   current.published, current.url, len(current.text), count]
            docs_sheet.append([cell(docs_sheet, v) for v in row])

    for span in spans:
        if current is None or span.document_id != current.id:
            close_document()
            current = document(span.document_id) or Document(span.document_id, "", "", "")
            count = 0
        row = [span.id, span.document_id, current.title, current.source_file, span.annotator,
               span.start, span.end, span.text]
        row += [span.labels.get(key, "") for key in scheme.layer_keys]
        row += [span.note, format_time(span.created_at), format_time(span.updated_at)]
        sheet.append([cell(sheet, v) for v in row])
        n += 1
        count += 1
    close_document()
    scheme_sheet.append([cell(scheme_sheet, h, header=True) for h in SCHEME_COLUMNS])
    for layer in scheme.layers:
        if not layer.labels:
            scheme_sheet.append([cell(scheme_sheet, v) for v in
                                 (layer.key, layer.name, layer.kind.value, "", "",
                                  layer.description)])
        for label in layer.labels:
            scheme_sheet.append([cell(scheme_sheet, v) for v in
                                 (layer.key, layer.name, layer.kind.value, label.key, label.name,
                                  label.description)])
    wb.save(str(path))
    return n


def read_annotations_xlsx(path: Path, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """The spans sheet, checked like CSV rows (line = spreadsheet row number)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(str(path), read_only=True, data_only=True)
    except (OSError, BadZipFile, KeyError, ValueError) as exc:
        raise FormatError(str(path), f"not a readable XLSX workbook: {exc}") from None
    try:
        if SPANS_SHEET not in wb.sheetnames:
            raise FormatError(str(path), f"the workbook has no {SPANS_SHEET!r} sheet")
        rows = wb[SPANS_SHEET].iter_rows(values_only=True)
        try:
            header = ["" if v is None else str(v) for v in next(rows)]
        except StopIteration:
            raise FormatError(str(path), "the spans sheet is empty") from None

        def cells() -> Iterator[tuple[int, list[str]]]:
            for line, values in enumerate(rows, start=2):
                out = ["" if v is None else str(v) for v in values]
                out += [""] * (len(header) - len(out))
                yield line, out[:len(header)]

        yield from records_from_rows(header, cells(), str(path), scheme)
    finally:
        wb.close()


def _preview(out: Path) -> Preview:
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    try:
        rows = list(book["spans"].iter_rows(values_only=True))
        sheets = ", ".join(book.sheetnames)
    finally:
        book.close()
    return previews.table([str(h) for h in rows[0]] if rows else [], rows[1:],
                          f"Sheet 'spans' (workbook sheets: {sheets})")


FORMAT = ExchangeFormat(
    name="xlsx", title="Excel workbook", suffixes=(".xlsx",),
    description="File · sheets spans, documents and scheme; every cell is text, so no formula "
                "can run.",
    write_path=writes_spans(write_annotations_xlsx), read_records=read_annotations_xlsx,
    preview=_preview)
