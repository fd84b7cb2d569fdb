"""The annotation CSV: one row per span, a column per scheme layer. What analysts take to R."""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from stancedesk.domain import Scheme
from stancedesk.domain.annotation_table import annotation_columns
from stancedesk.formats import previews
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import ExchangeFormat, ExportSource
from stancedesk.formats.records import AnnotationRecord
from stancedesk.formats.text import csv_problem, decode_utf8, open_utf8_text

REQUIRED_COLUMNS = ("annotator", "start", "end", "text")
# what ``records_from_rows`` reads of a row, in the order it unpacks them
_RECORD_COLUMNS = (*REQUIRED_COLUMNS, "document_id", "source_file", "annotation_id", "note",
                   "created_at", "updated_at", "role", "attributed_to", "via", "cue", "entity")
_EXTRA = [""]  # the cell read for a column the file does not have
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def columns(scheme: Scheme) -> list[str]:
    return annotation_columns(scheme.layer_keys)


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(value: str, file: str, line: int, column: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FormatError(file, f"{column} {value!r} is not an ISO 8601 time", line) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def spreadsheet_safe(value: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def write_annotation_rows(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]],
                          *, safe: bool = False) -> int:
    """Rows already in column order (see ``columns``): the fast path of the CSV export.
    ``csv.writer.writerows`` consumes them in C; only the row count is kept on the way."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    n = 0

    def counted() -> Iterator[Sequence[object]]:
        nonlocal n
        for n, row in enumerate(rows, start=1):  # noqa: B007 - n is read after the loop
            yield [spreadsheet_safe(c) if isinstance(c, str) else c for c in row] if safe \
                else row

    writer.writerows(counted())
    return n


def csv_cells(values: Sequence[object]) -> str:
    """``values`` as ``write_annotation_rows`` writes them, without the line end: for cells
    written once and reused on many lines (see ``repositories.annotation_csv_blocks``)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)  # the line end decides quoting too
    return out.getvalue()[:-1]


def _quote_triggers() -> str | None:
    """The characters that make ``csv.writer`` quote a cell (they vary between Python
    versions), found by asking it; None if it quotes in a way a character test cannot say."""
    found = ""
    for c in ',"\n\r\t;':
        cell = csv_cells((f"a{c}b", "x"))
        if cell.startswith('"'):
            found += c
        elif cell != f"a{c}b,x":
            return None
    if csv_cells(("", " a ", "é", 5)) != ", a ,é,5" or '"' not in found or "," not in found:
        return None
    return found


QUOTE_TRIGGERS = _quote_triggers()


def _int(value: str, file: str, line: int, column: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise FormatError(file, f"{column} {value!r} is not a whole number", line) from None
    if number < 0:
        raise FormatError(file, f"{column} {number} is negative", line)
    return number


class CsvRecords:
    """The records of an annotation CSV file, read as they are iterated (a million rows never
    sit in memory at once); ``len()`` counts them in a separate quick pass, for progress."""

    def __init__(self, path: Path, scheme: Scheme) -> None:
        self.path, self.scheme = path, scheme

    def __iter__(self) -> Iterator[AnnotationRecord]:
        with open_utf8_text(self.path) as lines:
            yield from _records(csv.reader(lines, strict=True), str(self.path), self.scheme)

    def __len__(self) -> int:
        try:
            with open_utf8_text(self.path) as lines:
                rows = csv.reader(lines)
                next(rows, None)
                return sum(1 for cells in rows if any(c.strip() for c in cells))
        except (csv.Error, FormatError):
            return 0  # the real pass reports it


def read_annotations_csv(data: bytes, file: str, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """Parse and check the shape of every row; the database checks are the service's job."""
    text = decode_utf8(data, file)
    yield from _records(csv.reader(io.StringIO(text, newline=""), strict=True), file, scheme)


def _records(reader: Any, file: str, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """``reader`` is strict: a file cut off inside a quoted field is an error, not a row."""
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError(file, "the file is empty") from None
    except csv.Error as exc:
        raise FormatError(file, csv_problem(exc), 1) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise FormatError(file, csv_problem(exc), reader.line_num) from None

    yield from records_from_rows(header, rows(), file, scheme)


def records_from_rows(header: list[str], rows: Iterable[tuple[int, list[str]]], file: str,
                      scheme: Scheme) -> Iterator[AnnotationRecord]:
    """Check a table of annotation cells (CSV, XLSX, Parquet share the columns)."""
    header = [h.strip() for h in header]
    known = set(columns(scheme))
    unknown = [h for h in header if h not in known]
    if unknown:
        raise FormatError(
            file, f"unknown column(s) {', '.join(repr(u) for u in unknown)}; the scheme's layers "
            f"are {', '.join(scheme.layer_keys)} (a misspelt layer would lose its labels)", 1)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise FormatError(file, f"duplicate column(s) {', '.join(duplicates)}", 1)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "document_id" not in header and "source_file" not in header:
        missing.insert(0, "document_id or source_file")
    if missing:
        raise FormatError(file, f"missing required column(s): {', '.join(missing)}", 1)
    layers = [h for h in header if scheme.has_layer(h)]
    width = len(header)
    where = {name: i for i, name in enumerate(header)}
    # the cells a record needs, in one C call per row; a column the file lacks reads the extra
    # empty cell appended at ``width``
    pick = itemgetter(*(where.get(name, width) for name in _RECORD_COLUMNS))
    layer_cells = [(layer, where[layer]) for layer in layers]
    annotator_at = where["annotator"]
    for line, cells in rows:
        if len(cells) != width or not cells[annotator_at].strip():
            _refuse_or_skip(cells, width, file, line)  # a blank row is skipped
            continue
        (annotator, start_cell, end_cell, text, document_id, source_file, annotation_id, note,
         created, updated, role, attributed_to, via, cue, entity) = pick(cells + _EXTRA)
        document_id, source_file = document_id.strip(), source_file.strip()
        if not document_id and not source_file:
            raise FormatError(file, "the row names no document (document_id or source_file)",
                              line)
        start = _int(start_cell, file, line, "start")
        end = _int(end_cell, file, line, "end")
        if end <= start:
            raise FormatError(file, f"end {end} is not after start {start}", line)
        created_at = parse_time(created, file, line, "created_at") if created else None
        yield AnnotationRecord(
            line=line, annotator=annotator.strip(), start=start, end=end, text=text,
            document_id=document_id, source_file=source_file,
            annotation_id=annotation_id.strip(),
            labels={layer: cells[i] for layer, i in layer_cells if cells[i] != ""},
            note=note, created_at=created_at,
            updated_at=created_at if updated == created else  # (one parse where they agree)
            parse_time(updated, file, line, "updated_at") if updated else None,
            role=role.strip(), attributed_to=attributed_to.strip(), via=via.strip(),
            cue=cue.strip(), entity=entity.strip())


def _refuse_or_skip(cells: list[str], width: int, file: str, line: int) -> None:
    """A row with the wrong number of cells or no annotator: skipped when it is blank,
    refused otherwise."""
    if not any(c.strip() for c in cells):
        return
    if len(cells) != width:
        raise FormatError(file, f"the row has {len(cells)} cells, the header has {width}", line)
    raise FormatError(file, "the annotator is empty", line)


def _write(out: IO[str], source: ExportSource) -> int:
    blocks = None if source.spreadsheet_safe or QUOTE_TRIGGERS is None else \
        source.csv_blocks(csv_cells, QUOTE_TRIGGERS)
    if blocks is None:
        return write_annotation_rows(out, columns(source.scheme), source.rows(),
                                     safe=source.spreadsheet_safe)
    return write_annotation_blocks(out, columns(source.scheme), blocks)


def write_annotation_blocks(out: IO[str], header: Sequence[str],
                            blocks: Iterable[tuple[int, bytes]]) -> int:
    """Blocks of lines already written as UTF-8 (``ExportSource.csv_blocks``) after the
    header. Where ``out`` is a UTF-8 text stream that writes ``\\n`` as it is, the bytes go
    to its buffer untouched: decoding them only to encode them again cost about a second per
    million rows; elsewhere (a StringIO, another encoding) they are written as text."""
    out.write(csv_cells(header) + "\n")
    raw = _utf8_buffer(out)
    if raw is not None:
        out.flush()
    n = 0
    for count, block in blocks:
        if raw is not None:
            raw.write(block)
        else:
            out.write(block.decode("utf-8"))
        n += count
    if raw is not None:
        raw.flush()
    return n


def _utf8_buffer(out: IO[str]) -> IO[bytes] | None:
    """The byte stream under ``out`` when writing UTF-8 bytes there writes the same as writing
    their text to ``out``: a UTF-8 ``TextIOWrapper`` on a system whose line end is ``\\n``
    (files are opened with ``newline=""`` for csv; standard output translates ``\\n`` to
    ``os.linesep``)."""
    if not isinstance(out, io.TextIOWrapper) or os.linesep != "\n":
        return None
    try:
        if codecs.lookup(out.encoding).name != "utf-8":
            return None
    except LookupError:
        return None
    return out.buffer


FORMAT = ExchangeFormat(
    name="csv", title="CSV", suffixes=(".csv",),
    description="File · one row per span, a column per layer; opens in any spreadsheet and "
                "imports back.",
    write_text=_write, read_records=CsvRecords, preview=previews.text_head)
