"""Annotation formats by name: how each is exported from and imported into a database.

The formats describe themselves (``formats.registry``); this module connects them to the
database. Exports stream spans (ordered by document) to a file, a folder or standard output,
writing to a temporary name first so a failed export never leaves half a file. Imports read,
map labels, and store all or nothing through ``exchange.store_records``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar

from stancedesk.domain import Document, Scheme, Span
from stancedesk.domain.annotation_table import TableBatch
from stancedesk.formats import registry
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import Attribution, ExchangeFormat
from stancedesk.formats.labelmap import (
    ForeignBundle,
    LabelMapping,
    check_mapping,
    load_mapping,
    parse_map_options,
    resolve,
)
from stancedesk.formats.text import utf8_name
from stancedesk.services import exchange
from stancedesk.services.atomic import (
    folder_on_success,
    replaced_on_success,
    text_replaced_on_success,
)
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.services.exchange import AnnotationImportReport
from stancedesk.services.schemes import get_scheme
from stancedesk.services.study import Viewer, require_own_selection
from stancedesk.storage.engine import Database

DEFAULT_ANNOTATOR = "imported"  # for foreign files that do not say who annotated

SpanProgress = Callable[[int], None]
_T = TypeVar("_T")


@dataclass
class DatabaseSource:
    """A selection of a database's spans, as the writers read it (``ExportSource``)."""

    database: Database
    scheme: Scheme
    annotators: Sequence[str] | None
    documents: Sequence[str] | None
    spreadsheet_safe: bool = False
    # the first ``limit`` spans only (previews); ``progress(n)`` after each span read, and it may
    # raise to stop the export (the temporary file or folder is then removed)
    limit: int | None = None
    progress: SpanProgress | None = None
    _loader: Callable[[str], Document | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._loader = exchange.document_loader(self.database)

    def watch(self, items: Iterable[_T]) -> Iterator[_T]:
        if self.limit is not None:
            items = islice(items, self.limit)
        if self.progress is None:
            yield from items
            return
        for n, item in enumerate(items, start=1):
            self.progress(n)
            yield item

    def spans(self) -> Iterator[Span]:
        return self.watch(exchange.stream_spans(self.database, self.annotators, self.documents))

    def rows(self) -> Iterator[Sequence[object]]:
        return self.watch(exchange.annotation_rows(self.database, self.scheme, self.annotators,
                                                   self.documents))

    def table_batches(self) -> Iterator[TableBatch] | None:
        batches = exchange.annotation_table_batches(self.database, self.scheme, self.annotators,
                                                    self.documents, self.limit)
        if batches is None:
            return None
        return (block for _, block in self._watch_blocks((b.size, b) for b in batches))

    def csv_blocks(self, csv_cells: Callable[[Sequence[object]], str],
                   quote_when: str) -> Iterator[tuple[int, bytes]] | None:
        blocks = exchange.annotation_csv_blocks(self.database, self.scheme, csv_cells,
                                                quote_when, self.annotators, self.documents,
                                                self.limit)
        return None if blocks is None else self._watch_blocks(blocks)

    def _watch_blocks(self, blocks: Iterable[tuple[int, _T]]) -> Iterator[tuple[int, _T]]:
        """``progress`` after each block is read, with the spans read so far (the limit is
        the query's)."""
        done = 0
        for block in blocks:
            done += block[0]
            if self.progress is not None:
                self.progress(done)
            yield block

    def document(self, document_id: str) -> Document | None:
        return self._loader(document_id)

    def attribution(self, document_id: str) -> Attribution:
        return exchange.document_attribution(self.database, document_id, self.annotators)


def annotation_formats() -> tuple[ExchangeFormat, ...]:
    """Every annotation exchange format, in menu order."""
    return registry.ANNOTATION_FORMATS


def annotation_format(name: str) -> ExchangeFormat:
    return registry.annotation_format(name)


def export_formats() -> list[str]:
    return [fmt.name for fmt in registry.ANNOTATION_FORMATS if fmt.can_export]


def import_formats() -> list[str]:
    return [fmt.name for fmt in registry.ANNOTATION_FORMATS if fmt.can_import]


def import_file_filter() -> str:
    """The file chooser's filter for annotation files, from the registry."""
    return f"Annotations ({' '.join(registry.annotation_file_patterns())})"


def detection_note() -> str:
    """How a format is told from the file name, in words, from the registry."""
    by_suffix: dict[str, list[str]] = {}
    for fmt in registry.ANNOTATION_FORMATS:
        if fmt.can_import:
            for suffix in fmt.suffixes:
                by_suffix.setdefault(suffix, []).append(fmt.title)
    folders = [fmt.title for fmt in registry.ANNOTATION_FORMATS if fmt.folder and fmt.can_import]
    parts = [f"{suffix} {' or '.join(titles)}" for suffix, titles in by_suffix.items()]
    if folders:
        parts.append(f"a folder {' or '.join(folders)}")
    return f"As the command line detects it: {', '.join(parts)}."


def detect_format(path: Path) -> str | None:
    """From the name, or for ``.jsonl`` and folders, from a look inside."""
    fmt = registry.detect_annotation_format(path)
    return fmt.name if fmt is not None else None


def export_annotations(database: Database, fmt: str, path: Path | None, *,
                       annotators: Sequence[str] | None = None,
                       documents: Sequence[str] | None = None,
                       spreadsheet_safe: bool = False, limit: int | None = None,
                       progress: SpanProgress | None = None,
                       viewer: Viewer | None = None) -> int:
    """Write the selection in format ``fmt`` to ``path`` (None: standard output, for text
    formats), whole or not at all. ``limit`` exports only the first spans (a faithful preview);
    ``progress(n)`` is called after each span read and may raise to stop: the partial output is
    removed. In a blind study an annotator exports only their own spans; everyone's ("All") is
    for the lead."""
    described = registry.annotation_format(fmt, str(path or "-"))
    if not described.can_export:
        raise FormatError(str(path or "-"), f"the {fmt} format cannot be exported "
                          f"(these can: {', '.join(export_formats())})")
    require_own_selection(database, viewer, annotators, "an export")
    source = DatabaseSource(database, get_scheme(database), annotators, documents,
                            spreadsheet_safe, limit, progress)
    if described.write_text is not None:
        if path is None:
            return described.write_text(sys.stdout, source)
        with text_replaced_on_success(path) as out:
            return described.write_text(out, source)
    assert described.write_path is not None
    if path is None:
        need = "writes a folder: give it" if described.folder else \
            "is binary: give an output file"
        raise FormatError("-", f"the {fmt} format {need} with -o")
    with (folder_on_success if described.folder else replaced_on_success)(path) as tmp:
        return described.write_path(tmp, source)


# --- imports ---------------------------------------------------------------------------------

def store_bundle(database: Database, file: str, bundle: ForeignBundle,
                 mapping: LabelMapping | None, *, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    """Map labels, then store the bundle's documents and spans in one transaction (a cancel
    rolls back the documents too)."""
    scheme = get_scheme(database)
    if mapping is not None:
        check_mapping(mapping, scheme, file)
    docs = [d.to_document() for d in bundle.documents]
    records = resolve(bundle, scheme, mapping, [d.id for d in docs], file)
    return exchange.store_records(database, file, records, scheme, documents=docs,
                                  progress=progress, cancelled=cancelled)


def _read_and_store(database: Database, fmt: ExchangeFormat, path: Path,
                    mapping: LabelMapping | None, annotator: str | None,
                    progress: Progress | None,
                    cancelled: IsCancelled | None) -> AnnotationImportReport:
    if fmt.read_bundle is not None:
        bundle = fmt.read_bundle(path, annotator or DEFAULT_ANNOTATOR)
        return store_bundle(database, str(path), bundle, mapping, progress=progress,
                            cancelled=cancelled)
    assert fmt.read_records is not None
    if mapping is not None and mapping.rules:
        raise FormatError(str(path), f"the StanceDesk {fmt.title} format takes no label "
                          "mapping")
    if path.is_dir():
        raise FormatError(str(path), "this format is a file, not a folder")
    if not path.exists():
        raise FormatError(str(path), "no such file")
    scheme = get_scheme(database)
    return exchange.store_records(database, str(path), fmt.read_records(path, scheme), scheme,
                                  progress=progress, cancelled=cancelled)


def import_annotations(database: Database, path: Path, *, fmt: str | None = None,
                       mapping: str | None = None, label_map: Sequence[str] = (),
                       annotator: str | None = None, dry_run: bool = False,
                       label_mapping: LabelMapping | None = None,
                       progress: Progress | None = None,
                       cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    """``mapping`` names a mapping file; ``label_mapping`` (e.g. edited in the GUI) wins over
    its entries and ``label_map`` (``FOREIGN=layer:value`` options) wins over both. A
    ``dry_run`` reads and checks everything and returns the same report, storing nothing.

    ``progress(done, total, "")`` reports records checked (see ``exchange.store_records``);
    when ``cancelled()`` turns true the import raises ``Cancelled`` and, being one
    transaction, stores nothing."""
    path = Path(path)
    utf8_name(str(path), str(path))  # named in the import's record and in the documents
    if annotator is not None:
        utf8_name(annotator, str(path), "the annotator name given")
    for option in label_map:
        utf8_name(option, "--map", f"the label mapping {option!r}")
    if fmt is None:
        if not path.exists():
            raise FormatError(str(path), "no such file or folder")
        fmt = detect_format(path)
        if fmt is None:
            raise FormatError(str(path), "cannot tell the annotation format from the file name; "
                              f"give --format ({', '.join(import_formats())})")
    described = registry.annotation_format(fmt, str(path))
    if not described.can_import:
        raise FormatError(str(path), f"the {fmt} format cannot be imported "
                          f"(these can: {', '.join(import_formats())})")
    rules: LabelMapping | None = None
    if mapping is not None:
        rules = load_mapping(mapping)
    if label_mapping is not None:
        rules = rules.merged(label_mapping) if rules else label_mapping
    if label_map:
        options = parse_map_options(label_map)
        rules = rules.merged(options) if rules else options
    return _read_and_store(database.rolled_back() if dry_run else database, described, path,
                           rules, annotator, progress, cancelled)
