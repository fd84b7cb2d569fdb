"""Excel workbook: a sheet of spans, one of documents, one of the scheme. For spreadsheet users.

Written with xlsxwriter in constant-memory mode, which streams rows to disk and records each
sheet's size, so read-only readers see every row (openpyxl's write-only mode leaves sheets
unsized). Every text cell is stored as a string cell, never as a formula, so a cell starting
with ``=`` cannot run (the CSV ``--spreadsheet-safe`` concern does not arise). The spans sheet
has the CSV's columns, a frozen header and a filter, and reads back; a cell someone typed as a
formula reads back as its formula text. A workbook is a zip, read within ``XLSX_LIMITS``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from stancedesk.domain import Document, Scheme, Span
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import columns, format_time, records_from_rows
from stancedesk.formats.archive import ZipLimits, check_zip
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import Attribution, ExchangeFormat, writes_spans
from stancedesk.formats.previews import Preview
from stancedesk.formats.records import AnnotationRecord
from stancedesk.formats.text import storable

SPANS_SHEET, DOCUMENTS_SHEET, SCHEME_SHEET = "spans", "documents", "scheme"
DOCUMENT_COLUMNS = ("document_id", "title", "source_file", "outlet", "date", "url", "length",
                    "spans")
SCHEME_COLUMNS = ("layer", "layer_name", "kind", "label", "label_name", "description")
EXCEL_CELL_MAX = 32_767
# openpyxl streams the sheet but holds all shared strings in memory.
XLSX_LIMITS = ZipLimits(total=1024 * 1024 * 1024, member=512 * 1024 * 1024,
                        xml_member=512 * 1024 * 1024)
# Control characters that the XLSX XML cannot hold (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


_WIDE = {"annotation_id": 38, "document_id": 38, "document_title": 40, "title": 40,
         "source_file": 24, "text": 50, "note": 30, "url": 30, "description": 40,
         "created_at": 28, "updated_at": 28}


class _Sheet:
    """One worksheet written row by row (xlsxwriter's constant-memory mode flushes each row),
    with a bold, frozen header, a filter over every column and readable column widths."""

    def __init__(self, book: Any, name: str, header: Sequence[str], path: Path) -> None:
        self.ws, self.path, self.rows, self.width = book.add_worksheet(name), path, 0, len(header)
        self.ws.freeze_panes(1, 0)
        for col, title in enumerate(header):
            self.ws.set_column(col, col, _WIDE.get(title, max(12, len(title) + 2)))
        bold = book.add_format({"bold": True})
        for col, title in enumerate(header):
            self.ws.write_string(0, col, title, bold)

    def append(self, values: Sequence[Any]) -> None:
        self.rows += 1
        for col, value in enumerate(values):
            if isinstance(value, str):
                if len(value) > EXCEL_CELL_MAX:
                    raise FormatError(str(self.path), f"a cell of {len(value)} characters is "
                                      f"longer than Excel allows ({EXCEL_CELL_MAX}); export "
                                      "CSV or Parquet")
                if value:  # a string cell, even when it starts with '='
                    self.ws.write_string(self.rows, col, _ILLEGAL.sub("\ufffd", value))
            elif value is not None:
                self.ws.write_number(self.rows, col, value)

    def finish(self) -> None:
        self.ws.autofilter(0, 0, self.rows, self.width - 1)


def write_annotations_xlsx(path: Path, scheme: Scheme, spans: Iterable[Span],
                           document: Callable[[str], Document | None], *,
                           attribution: Callable[[str], Attribution] | None = None) -> int:
    """Every sheet records its size (the ``dimension``), so read-only readers such as
    ``openpyxl.load_workbook(read_only=True)`` see every row."""
    import xlsxwriter

    with path.open("wb") as out:
        sink = _FirstWriteError(out)
        rows = _write_book(xlsxwriter.Workbook(sink, {"constant_memory": True,
                                                      "strings_to_formulas": False,
                                                      "strings_to_urls": False,
                                                      "strings_to_numbers": False}),
                           path, scheme, spans, document, attribution)
        if sink.error is not None:
            raise sink.error  # the caller names the output (not this temporary file)
    return rows


def _write_book(book: Any, path: Path, scheme: Scheme, spans: Iterable[Span],
                document: Callable[[str], Document | None],
                attribution: Callable[[str], Attribution] | None) -> int:
    from xlsxwriter.exceptions import XlsxWriterException

    try:
        sheet = _Sheet(book, SPANS_SHEET, columns(scheme), path)
        docs_sheet = _Sheet(book, DOCUMENTS_SHEET, DOCUMENT_COLUMNS, path)
        scheme_sheet = _Sheet(book, SCHEME_SHEET, SCHEME_COLUMNS, path)
        current: Document | None = None
        links = Attribution()
        count = 0

        def close_document() -> None:
            if current is not None:
                docs_sheet.append([current.id, current.title, current.source_file,
                                   current.outlet, current.published, current.url,
                                   len(current.text), count])

        for span in spans:
            if current is None or span.document_id != current.id:
                close_document()
                current = document(span.document_id) or Document(span.document_id, "", "", "")
                links = attribution(span.document_id) if attribution is not None \
                    else Attribution()
                count = 0
            sheet.append([span.id, span.document_id, current.title, current.source_file,
                          span.annotator, span.start, span.end, span.text,
                          *(span.labels.get(key, "") for key in scheme.layer_keys),
                          *links.cells(span), span.note, format_time(span.created_at),
                          format_time(span.updated_at), *links.curation_cells(span)])
            count += 1
        close_document()
        for layer in scheme.layers:
            if not layer.labels:
                scheme_sheet.append([layer.key, layer.name, layer.kind.value, "", "",
                                     layer.description])
            for label in layer.labels:
                scheme_sheet.append([layer.key, layer.name, layer.kind.value, label.key,
                                     label.name, label.description])
        for each in (sheet, docs_sheet, scheme_sheet):
            each.finish()
    finally:
        try:
            book.close()
        except XlsxWriterException as exc:
            raise FormatError(str(path), f"cannot write the workbook: {exc}") from None
    return sheet.rows


class _FirstWriteError:
    """The workbook's file as xlsxwriter sees it: the first write error (a full disk) is kept,
    not raised, and later writes go nowhere, so xlsxwriter finishes its zip and the error is
    raised afterwards. Raised inside xlsxwriter's ``close``, it would leave the ZipFile open,
    and the garbage collector's second try at closing it fails again and prints a traceback
    after the one-line error."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out, self._at, self._end = out, 0, 0
        self.error: OSError | None = None

    def _try(self, step: Callable[[], object]) -> None:
        if self.error is None:
            try:
                step()
            except OSError as exc:
                self.error = exc

    def write(self, data: bytes) -> int:
        self._try(lambda: self._out.write(data))
        self._at += len(data)
        self._end = max(self._end, self._at)
        return len(data)

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._at = offset + {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._end}[whence]
        self._try(lambda: self._out.seek(self._at))
        return self._at

    def flush(self) -> None:
        self._try(self._out.flush)


def _text(value: Any) -> str:
    """A cell as the text the person typed: a formula cell gives its formula (``=...``), since
    a formula in a note or label column is text that Excel took for a formula, and its cached
    result (``#NAME?``, or nothing when the file was not saved by Excel) is not what was meant."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0: how a number typed in Excel may come back
    text = getattr(value, "text", None)  # array and data-table formulas
    return str(text if isinstance(text, str) else value)


def read_annotations_xlsx(path: Path, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """The spans sheet, checked like CSV rows (line = spreadsheet row number)."""
    from zipfile import BadZipFile

    from lxml.etree import LxmlError
    from openpyxl import load_workbook

    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(file, f"cannot read the file: {exc.strerror}") from None
    check_zip(data, file, "XLSX workbook", XLSX_LIMITS)
    unreadable = (OSError, BadZipFile, KeyError, ValueError, TypeError, IndexError,
                  AttributeError, LxmlError, ElementTree.ParseError)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except unreadable as exc:
        raise FormatError(file, f"not a readable XLSX workbook: {type(exc).__name__}: "
                          f"{_first_line(exc)}") from None
    try:
        if SPANS_SHEET not in wb.sheetnames:
            raise FormatError(file, f"the workbook has no {SPANS_SHEET!r} sheet")
        rows = wb[SPANS_SHEET].iter_rows(values_only=True)

        def cells() -> Iterator[tuple[int, list[str]]]:
            line = 1
            try:
                for line, values in enumerate(rows, start=2):
                    out = [_text(v) for v in values]
                    out += [""] * (len(header) - len(out))
                    # "_x0000_" is how XML spells a NUL, and openpyxl decodes it
                    storable("".join(out), file, line, what="the row")
                    yield line, out[:len(header)]
            except unreadable as exc:
                raise FormatError(file, f"not a readable XLSX workbook: {type(exc).__name__}: "
                                  f"{_first_line(exc)}", line) from None

        try:
            header = [_text(v) for v in next(rows)]
        except StopIteration:
            raise FormatError(file, "the spans sheet is empty") from None
        except unreadable as exc:
            raise FormatError(file, f"not a readable XLSX workbook: {type(exc).__name__}: "
                              f"{_first_line(exc)}") from None
        yield from records_from_rows(header, cells(), file, scheme)
    finally:
        wb.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


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
