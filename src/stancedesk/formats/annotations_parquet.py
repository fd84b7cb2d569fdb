"""Apache Parquet: the spans table for pandas, polars, R (arrow) and DuckDB users.

The columns are those of the annotation CSV, typed: offsets as int64, one nullable string column
per layer, times as UTC timestamps. Written in record batches so memory stays flat; pyarrow is
imported inside the functions so that starting the CLI or the desk does not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from stancedesk.domain import Scheme
from stancedesk.domain.annotation_table import PackedCells, TableBatch
from stancedesk.domain.span_pack import SEPARATOR
from stancedesk.formats import previews
from stancedesk.formats.annotations_csv import columns, format_time, records_from_rows
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import ExchangeFormat, ExportSource
from stancedesk.formats.previews import Preview
from stancedesk.formats.records import AnnotationRecord
from stancedesk.formats.text import storable

BATCH_ROWS = 20_000
_INT_COLUMNS = ("start", "end")
_TIME_COLUMNS = ("created_at", "updated_at", "curated_at")
# columns with a value per span (ids, offsets, text, times)
_MANY_VALUES = frozenset(("annotation_id", "start", "end", "text", "note", "attributed_to",
                          "via", "cue", "created_at", "updated_at"))


def arrow_schema(scheme: Scheme) -> Any:
    import pyarrow as pa

    fields = []
    for name in columns(scheme):
        if name in _INT_COLUMNS:
            fields.append(pa.field(name, pa.int64(), nullable=False))
        elif name in _TIME_COLUMNS:
            fields.append(pa.field(name, pa.timestamp("us", tz="UTC")))
        else:
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields, metadata={b"stancedesk.scheme": scheme.name.encode("utf-8")})


def write_annotation_rows_parquet(path: Path, scheme: Scheme,
                                  rows: Iterable[Sequence[Any]]) -> int:
    """Rows in CSV column order (times as ISO 8601 text): Arrow builds each column in C.

    ``repositories.annotation_table_rows`` finishes the rows (in SQLite, or from domain objects
    elsewhere); empty layer cells become nulls, times UTC timestamps.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(scheme)
    names = columns(scheme)
    layer_index = {names.index(key) for key in scheme.layer_keys}
    n = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batch: list[Sequence[Any]] = []

        def flush() -> None:
            cols = list(zip(*batch, strict=True)) if batch else [() for _ in names]
            arrays = []
            for i, (field, values) in enumerate(zip(schema, cols, strict=True)):
                if i in layer_index:
                    arrays.append(pa.array([v or None for v in values], pa.string()))
                elif pa.types.is_timestamp(field.type):
                    arrays.append(pa.array([v or None for v in values], pa.string())
                                  .cast(field.type))
                else:
                    arrays.append(pa.array(values, field.type))
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            batch.clear()

        for row in rows:
            batch.append(row)
            n += 1
            if len(batch) == BATCH_ROWS:
                flush()
        if batch or n == 0:
            flush()
    return n


def write_annotation_batches_parquet(path: Path, scheme: Scheme,
                                     batches: Iterable[TableBatch]) -> int:
    """The annotation table by column (``ExportSource.table_batches``), written as the same
    table ``write_annotation_rows_parquet`` writes from rows, with no work per row in Python.

    Packed columns are split by Arrow in one call; keyed columns are dictionary-encoded by
    Arrow and each distinct key looked up once; the stored times are parsed by Arrow (as
    naive UTC, then marked UTC); a column a batch does not hold is empty. Each batch is a row
    group. Arrays are made from buffers (``_texts``), not from Python lists: ``pa.array`` on
    Python values imports pandas (0.4 s and 40 MB that nothing else here needs).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(scheme)
    layers = set(scheme.layer_keys)
    n = 0
    # Parquet dictionary pages only for columns of few distinct values: for ids and text the
    # writer would build a dictionary on every page only to give it up
    few = [f.name for f in schema if f.name not in _MANY_VALUES]
    with pq.ParquetWriter(str(path), schema, compression="zstd",
                          use_dictionary=few) as writer:
        for batch in batches:
            encoded: dict[int, Any] = {}  # the keys of several columns are often one sequence
            arrays = []
            for field in schema:
                if field.name in batch.keyed:
                    arrays.append(_keyed(batch, field.name, field.name not in layers, encoded))
                elif field.name in batch.values:
                    arrays.append(_column(batch.values[field.name], batch.size, field.type))
                else:
                    arrays.append(_texts((), batch.size)
                                  if field.type == pa.string() and field.name not in layers
                                  else pa.nulls(batch.size, field.type))
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            n += batch.size
            del batch, arrays, encoded  # before the next batch is read: one at a time
        if n == 0:
            writer.write_batch(pa.RecordBatch.from_arrays(
                [pa.array([], f.type) for f in schema], schema=schema))
    return n


def _keyed(batch: TableBatch, name: str, empty_text: bool, encoded: dict[int, Any]) -> Any:
    """A keyed column: each distinct key of the batch looked up once, then taken per row; an
    empty cell is "" (``empty_text``) or null (the layers)."""
    keys, cells = batch.keyed[name]
    if id(keys) not in encoded:
        encoded[id(keys)] = _strings(keys, batch.size).dictionary_encode()
    codes = encoded[id(keys)]
    empty = "" if empty_text else None
    found = _texts([str(v) if v else empty for v in map(cells.__getitem__,
                                                        codes.dictionary.to_pylist())]) \
        .take(codes.indices)
    return found.fill_null(_texts([""])[0]) if empty_text and found.null_count else found


def _column(values: Sequence[object] | PackedCells, size: int, kind: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(kind):
        times = _strings(values, size)
        if isinstance(values, PackedCells):  # "" is no time
            times = pc.if_else(pc.equal(times, _texts([""])[0]),
                               pa.nulls(1, pa.string())[0], times)
        return times.cast(pa.timestamp("us")).cast(kind)
    if isinstance(values, PackedCells):  # numbers are split at commas
        return _strings(values, size, pa.types.is_integer(kind)).cast(kind)
    if isinstance(next(iter(values), None), bytes):
        return _strings(values, size).cast(kind)
    return pa.array(values, kind)


def _strings(values: Sequence[object] | PackedCells, size: int, numbers: bool = False) -> Any:
    """A batch's column as an Arrow string array: packed cells split in one call (``numbers``:
    decimal texts joined by commas), UTF-8 bytes checked by Arrow, text as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, PackedCells):
        whole = pa.Array.from_buffers(pa.binary(), 1, [
            None, pa.py_buffer(_offsets([len(values.data)])), pa.py_buffer(values.data)])
        cells = pc.split_pattern(whole, b"," if numbers else SEPARATOR.encode()).flatten()
        assert len(cells) == size, "a packed column holds one cell per row"
        return cells.cast(pa.string())  # UTF-8 checked by Arrow
    if isinstance(next(iter(values), None), bytes):
        return pa.array(values, pa.binary()).cast(pa.string())
    return pa.array(values, pa.string())


def _texts(cells: Sequence[str | None], size: int | None = None) -> Any:
    """A (short) list of texts as an Arrow string array, built from its buffers; with
    ``size``, ``size`` empty texts (``cells`` unused)."""
    import numpy as np
    import pyarrow as pa

    if size is not None:
        return pa.Array.from_buffers(pa.string(), size, [
            None, pa.py_buffer(np.zeros(size + 1, dtype=np.int32)), pa.py_buffer(b"")])
    data = [b"" if c is None else c.encode("utf-8") for c in cells]
    valid = np.array([c is not None for c in cells], dtype=bool)
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), len(cells), [
        bitmap, pa.py_buffer(_offsets([len(d) for d in data])), pa.py_buffer(b"".join(data))],
        null_count=len(cells) - int(valid.sum()))


def _offsets(lengths: Sequence[int]) -> Any:
    import numpy as np

    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return format_time(value)
    return str(value)


def read_annotations_parquet(path: Path, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """Rows are checked exactly like CSV rows; ``line`` is the row number plus one (header).

    A damaged file fails inside Arrow in many ways (thrift, page headers, levels, names that
    are not UTF-8), when opened or at any batch; each becomes a FormatError naming the row
    reached. Strings are checked for what no database stores (Parquet may hold a NUL)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    unreadable = (OSError, pa.ArrowException, UnicodeDecodeError, ValueError, IndexError)
    try:
        parquet = pq.ParquetFile(str(path))
        header = [str(name) for name in parquet.schema_arrow.names]
    except unreadable as exc:
        raise FormatError(str(path), f"not a readable Parquet file: {_first_line(exc)}") \
            from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                data = batch.to_pydict()
                values = [data[name] for name in header]
                for i in range(batch.num_rows):
                    line += 1
                    cells = [_cell(col[i]) for col in values]
                    storable("".join(cells), str(path), line, what="the row")
                    yield line, cells
        except unreadable as exc:
            raise FormatError(str(path), f"not a readable Parquet file: {_first_line(exc)}",
                              line) from None

    yield from records_from_rows(header, rows(), str(path), scheme)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _write(path: Path, source: ExportSource) -> int:
    batches = source.table_batches()
    if batches is None:
        return write_annotation_rows_parquet(path, source.scheme, source.rows())
    return write_annotation_batches_parquet(path, source.scheme, batches)


def _preview(out: Path) -> Preview:
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    return previews.table([f"{f.name} ({f.type})" for f in table.schema],
                          [list(r.values()) for r in table.to_pylist()],
                          "Columns with their Parquet types")


FORMAT = ExchangeFormat(
    name="parquet", title="Parquet", suffixes=(".parquet",),
    description="File · the CSV columns, typed and compressed, for pandas, polars or R.",
    write_path=_write, read_records=read_annotations_parquet, preview=_preview)
