"""Apache Parquet: the spans table for pandas, polars, R (arrow) and DuckDB users.

The columns are those of the annotation CSV, typed: offsets as int64, one nullable string column
per layer, times as UTC timestamps. Written in record batches so memory stays flat; pyarrow is
imported inside the functions so that starting the CLI or the desk does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from stancedesk.domain import Document, Scheme, Span
from stancedesk.formats.annotations_csv import columns, format_time, records_from_rows
from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import AnnotationRecord

BATCH_ROWS = 20_000
_INT_COLUMNS = ("start", "end")
_TIME_COLUMNS = ("created_at", "updated_at")


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


def write_annotations_parquet(path: Path, scheme: Scheme, spans: Iterable[Span],
                              document: Callable[[str], Document | None]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(scheme)
    layers = scheme.layer_keys
    names = columns(scheme)
    n = 0

    def empty() -> dict[str, list[Any]]:
        return {name: [] for name in names}

    cols = empty()
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        def flush() -> None:
            writer.write_batch(pa.RecordBatch.from_pydict(cols, schema=schema))

        titles: tuple[str, str, str] = ("", "", "")
        for span in spans:
            if span.document_id != titles[0]:
                doc = document(span.document_id)
                titles = (span.document_id, doc.title if doc else "",
                          doc.source_file if doc else "")
            cols["annotation_id"].append(span.id)
            cols["document_id"].append(span.document_id)
            cols["document_title"].append(titles[1])
            cols["source_file"].append(titles[2])
            cols["annotator"].append(span.annotator)
            cols["start"].append(span.start)
            cols["end"].append(span.end)
            cols["text"].append(span.text)
            for key in layers:
                cols[key].append(span.labels.get(key) or None)
            cols["note"].append(span.note)
            cols["created_at"].append(span.created_at)
            cols["updated_at"].append(span.updated_at)
            n += 1
            if n % BATCH_ROWS == 0:
                flush()
                cols = empty()
        if cols["annotation_id"] or n == 0:
            flush()
    return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return format_time(value)
    return str(value)


def read_annotations_parquet(path: Path, scheme: Scheme) -> Iterator[AnnotationRecord]:
    """Rows are checked exactly like CSV rows; ``line`` is the row number plus one (header)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise FormatError(str(path), f"not a readable Parquet file: {exc}") from None
    header = list(parquet.schema_arrow.names)

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            data = batch.to_pydict()
            values = [data[name] for name in header]
            for i in range(batch.num_rows):
                line += 1
                yield line, [_cell(col[i]) for col in values]

    yield from records_from_rows(header, rows(), str(path), scheme)
