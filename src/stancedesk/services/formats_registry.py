"""Annotation formats by name: how each is exported from and imported into a database.

Exporters stream spans (ordered by document) from the database to a file, a folder or standard
output, writing to a temporary name first so a failed export never leaves half a file. Importers
read everything, map labels, and store all or nothing through ``exchange.store_records``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, TypeVar

from stancedesk.domain import Scheme
from stancedesk.formats import (
    annotations_csv,
    annotations_jsonl,
    annotations_parquet,
    annotations_xlsx,
    brat,
    doccano,
    labelstudio,
    webanno,
)
from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import (
    ForeignBundle,
    LabelMapping,
    check_mapping,
    load_mapping,
    parse_map_options,
    resolve,
)
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

Exporter = Callable[..., int]
Importer = Callable[..., AnnotationImportReport]
SpanProgress = Callable[[int], None]
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Selection:
    annotators: Sequence[str] | None
    documents: Sequence[str] | None
    # the first ``limit`` spans only (previews); ``progress(n)`` after each span read, and it may
    # raise to stop the export (the temporary file or folder is then removed)
    limit: int | None = None
    progress: SpanProgress | None = None

    def watch(self, items: Iterable[_T]) -> Iterator[_T]:
        if self.limit is not None:
            items = islice(items, self.limit)
        if self.progress is None:
            yield from items
            return
        for n, item in enumerate(items, start=1):
            self.progress(n)
            yield item


def _text_export(write: Callable[[IO[str], Scheme, Selection, Database], int]) -> Exporter:
    def export(database: Database, path: Path | None, *, annotators: Sequence[str] | None,
               documents: Sequence[str] | None, spreadsheet_safe: bool = False,
               limit: int | None = None, progress: SpanProgress | None = None) -> int:
        del spreadsheet_safe
        scheme, sel = get_scheme(database), Selection(annotators, documents, limit, progress)
        if path is None:
            return write(sys.stdout, scheme, sel, database)
        with text_replaced_on_success(path) as out:
            return write(out, scheme, sel, database)

    return export


def _path_export(name: str, folder: bool,
                 write: Callable[[Path, Scheme, Selection, Database], int]) -> Exporter:
    """Formats written to a file that is not text (xlsx, parquet) or to a folder (brat, webanno):
    they need -o, and the output appears whole or not at all."""
    def export(database: Database, path: Path | None, *, annotators: Sequence[str] | None,
               documents: Sequence[str] | None, spreadsheet_safe: bool = False,
               limit: int | None = None, progress: SpanProgress | None = None) -> int:
        del spreadsheet_safe
        if path is None:
            need = "writes a folder: give it" if folder else "is binary: give an output file"
            raise FormatError("-", f"the {name} format {need} with -o")
        with (folder_on_success if folder else replaced_on_success)(path) as tmp:
            return write(tmp, get_scheme(database),
                         Selection(annotators, documents, limit, progress), database)

    return export


def _spans(database: Database, sel: Selection) -> Iterator:
    return sel.watch(exchange.stream_spans(database, sel.annotators, sel.documents))


def _rows(database: Database, scheme: Scheme, sel: Selection) -> Iterator[tuple[object, ...]]:
    return sel.watch(exchange.annotation_rows(database, scheme, sel.annotators, sel.documents))


def _export_csv(database: Database, path: Path | None, *, annotators: Sequence[str] | None,
                documents: Sequence[str] | None, spreadsheet_safe: bool = False,
                limit: int | None = None, progress: SpanProgress | None = None) -> int:
    def write(out: IO[str], scheme: Scheme, sel: Selection, db: Database) -> int:
        return annotations_csv.write_annotation_rows(out, annotations_csv.columns(scheme),
                                                     _rows(db, scheme, sel),
                                                     safe=spreadsheet_safe)

    return _text_export(write)(database, path, annotators=annotators, documents=documents,
                               limit=limit, progress=progress)


EXPORTERS: dict[str, Exporter] = {
    "csv": _export_csv,
    "xlsx": _path_export("xlsx", False, lambda p, sc, sel, db:
                         annotations_xlsx.write_annotations_xlsx(
                             p, sc, _spans(db, sel), exchange.document_loader(db))),
    "jsonl": _text_export(lambda out, sc, sel, db: annotations_jsonl.write_annotations_jsonl(
        out, _spans(db, sel), exchange.document_loader(db))),
    "parquet": _path_export("parquet", False, lambda p, sc, sel, db:
                            annotations_parquet.write_annotation_rows_parquet(
                                p, sc, _rows(db, sc, sel))),
    "brat": _path_export("brat", True, lambda p, sc, sel, db: brat.write_brat(
        p, sc, _spans(db, sel), exchange.document_loader(db))),
    "webanno": _path_export("webanno", True, lambda p, sc, sel, db: webanno.write_webanno(
        p, sc, _spans(db, sel), exchange.document_loader(db))),
    "labelstudio": _text_export(lambda out, sc, sel, db: labelstudio.write_labelstudio(
        out, sc, _spans(db, sel), exchange.document_loader(db))),
    "doccano": _text_export(lambda out, sc, sel, db: doccano.write_doccano(
        out, sc, _spans(db, sel), exchange.document_loader(db))),
}


# --- imports ---------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise FormatError(str(path), "this format is a file, not a folder")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None


def _no_mapping(name: str, path: Path, mapping: LabelMapping | None) -> None:
    if mapping is not None and mapping.rules:
        raise FormatError(str(path), f"the StanceDesk {name} format takes no label mapping")


def _import_csv(database: Database, path: Path, *, mapping: LabelMapping | None,
                annotator: str | None, progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    del annotator
    _no_mapping("CSV", path, mapping)
    return exchange.import_annotations_csv(database, path, progress=progress,
                                           cancelled=cancelled)


def _table_import(name: str, read: Callable[[Path, Scheme], Iterator]) -> Importer:
    def imp(database: Database, path: Path, *, mapping: LabelMapping | None,
            annotator: str | None, progress: Progress | None = None,
            cancelled: IsCancelled | None = None) -> AnnotationImportReport:
        del annotator
        _no_mapping(name, path, mapping)
        if not path.is_file():
            raise FormatError(str(path), "no such file")
        scheme = get_scheme(database)
        records = list(read(path, scheme))
        return exchange.store_records(database, str(path), records, scheme, progress=progress,
                                      cancelled=cancelled)

    return imp


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


def _bundle_import(read: Callable[[Path, str], ForeignBundle]) -> Importer:
    def imp(database: Database, path: Path, *, mapping: LabelMapping | None,
            annotator: str | None, progress: Progress | None = None,
            cancelled: IsCancelled | None = None) -> AnnotationImportReport:
        bundle = read(path, annotator or DEFAULT_ANNOTATOR)
        return store_bundle(database, str(path), bundle, mapping, progress=progress,
                            cancelled=cancelled)

    return imp


IMPORTERS: dict[str, Importer] = {
    "csv": _import_csv,
    "xlsx": _table_import("XLSX", annotations_xlsx.read_annotations_xlsx),
    "parquet": _table_import("Parquet", annotations_parquet.read_annotations_parquet),
    "jsonl": _bundle_import(lambda p, a: annotations_jsonl.read_annotations_jsonl(
        _read_bytes(p), str(p), a)),
    "brat": _bundle_import(brat.read_brat),
    "webanno": _bundle_import(webanno.read_webanno),
    "labelstudio": _bundle_import(lambda p, a: labelstudio.read_labelstudio(
        _read_bytes(p), str(p), a)),
    "doccano": _bundle_import(lambda p, a: doccano.read_doccano(_read_bytes(p), str(p), a)),
}
IMPORT_SUFFIXES: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet",
                                   ".ann": "brat", ".tsv": "webanno", ".json": "labelstudio"}
FORMAT_NAMES = ("csv", "xlsx", "jsonl", "parquet", "brat", "webanno", "labelstudio", "doccano")


def export_formats() -> list[str]:
    return [name for name in FORMAT_NAMES if name in EXPORTERS]


def import_formats() -> list[str]:
    return [name for name in FORMAT_NAMES if name in IMPORTERS]


def export_annotations(database: Database, fmt: str, path: Path | None, *,
                       annotators: Sequence[str] | None = None,
                       documents: Sequence[str] | None = None,
                       spreadsheet_safe: bool = False, limit: int | None = None,
                       progress: SpanProgress | None = None,
                       viewer: Viewer | None = None) -> int:
    """``limit`` exports only the first spans (a faithful preview); ``progress(n)`` is called
    after each span read and may raise to stop: the partial output is removed. In a blind
    study an annotator exports only their own spans; everyone's ("All") is for the lead."""
    if fmt not in EXPORTERS:
        raise FormatError(str(path or "-"), f"unknown export format {fmt!r} "
                          f"(known: {', '.join(export_formats())})")
    require_own_selection(database, viewer, annotators, "an export")
    if limit is None and progress is None:  # exactly the call the exporters always had
        return EXPORTERS[fmt](database, path, annotators=annotators, documents=documents,
                              spreadsheet_safe=spreadsheet_safe)
    return EXPORTERS[fmt](database, path, annotators=annotators, documents=documents,
                          spreadsheet_safe=spreadsheet_safe, limit=limit, progress=progress)


def detect_format(path: Path) -> str | None:
    """From the name, or for ``.jsonl`` and folders, from a look inside."""
    if path.is_dir():
        files = [p.suffix.lower() for p in path.rglob("*") if p.is_file()]
        if ".ann" in files:
            return "brat"
        if ".tsv" in files:
            return "webanno"
        return None
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        try:
            with path.open("rb") as fh:
                first = fh.readline()
        except OSError:
            return None
        return "jsonl" if b'"spans"' in first else "doccano"
    return IMPORT_SUFFIXES.get(suffix)


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
    if fmt is None:
        if not path.exists():
            raise FormatError(str(path), "no such file or folder")
        fmt = detect_format(path)
        if fmt is None:
            raise FormatError(str(path), "cannot tell the annotation format from the file name; "
                              f"give --format ({', '.join(import_formats())})")
    if fmt not in IMPORTERS:
        raise FormatError(str(path), f"unknown annotation format {fmt!r} "
                          f"(known: {', '.join(import_formats())})")
    rules: LabelMapping | None = None
    if mapping is not None:
        rules = load_mapping(mapping)
    if label_mapping is not None:
        rules = rules.merged(label_mapping) if rules else label_mapping
    if label_map:
        options = parse_map_options(label_map)
        rules = rules.merged(options) if rules else options
    target = database.rolled_back() if dry_run else database
    if progress is None and cancelled is None:  # exactly the call the importers always had
        return IMPORTERS[fmt](target, path, mapping=rules, annotator=annotator)
    return IMPORTERS[fmt](target, path, mapping=rules, annotator=annotator, progress=progress,
                          cancelled=cancelled)
