"""What an annotation exchange format is: one description per format, in the format's module.

A format module ends with ``FORMAT = ExchangeFormat(...)``: its name (the ``--format`` value),
title, the file suffixes it reads and writes (or the files of the folder it writes), its writer,
its reader, how a file is recognised as being in it, and how an export is previewed. The
registry (``formats.registry``) lists the modules; the services, the CLI and the dialogs ask the
registry, so adding a format means adding its module and naming it there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from stancedesk.domain import Document, Scheme, Span
from stancedesk.domain.annotation_table import TableBatch
from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import ForeignBundle
from stancedesk.formats.previews import Preview
from stancedesk.formats.records import AnnotationRecord


@dataclass(frozen=True, slots=True)
class Attribution:
    """One document's links and the registry names its spans use: what a writer that streams
    spans needs to write roles, links and entities next to them."""

    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # from -> kind -> to
    entities: Mapping[str, str] = field(default_factory=dict)  # entity id -> name
    # span id -> (curated_by, curated_at, curated_from, decision), for gold spans curated
    provenance: Mapping[str, tuple[str, str, str, str]] = field(default_factory=dict)

    def cells(self, span: Span) -> tuple[str, str, str, str, str]:
        """(role, attributed_to, via, cue, entity), as the annotation table has them."""
        out = self.links.get(span.id, {})
        return (span.role or "", out.get("attributed_to", ""), out.get("via", ""),
                out.get("cue", ""), self.entities.get(span.entity_id or "", ""))

    def curation_cells(self, span: Span) -> tuple[str, str, str, str]:
        """The curation columns of the annotation table (empty unless a decision made it)."""
        return self.provenance.get(span.id, ("", "", "", ""))


class ExportSource(Protocol):
    """What a writer reads: the selection's spans (ordered by document) or the same spans as
    annotation-table rows, the documents they belong to, and the scheme."""

    @property
    def scheme(self) -> Scheme: ...

    @property
    def spreadsheet_safe(self) -> bool: ...

    def spans(self) -> Iterator[Span]: ...

    def rows(self) -> Iterator[Sequence[object]]: ...

    def table_batches(self) -> Iterator[TableBatch] | None:
        """``rows()`` by column (see ``repositories.annotation_table_batches``), when the
        database can give them so; None: build the columns from ``rows()``."""

    def csv_blocks(self, csv_cells: Callable[[Sequence[object]], str],
                   quote_when: str) -> Iterator[tuple[int, bytes]] | None:
        """``rows()`` already written as CSV lines, in UTF-8 blocks of whole lines with their
        count, when the database can do it faster than ``csv.writer`` (see
        ``repositories.annotation_csv_blocks``); None: write ``rows()``."""

    def document(self, document_id: str) -> Document | None: ...

    def attribution(self, document_id: str) -> Attribution: ...


TextWriter = Callable[[IO[str], ExportSource], int]  # to a text stream (a file or stdout)
PathWriter = Callable[[Path, ExportSource], int]  # to a binary file or a new folder
RecordReader = Callable[[Path, Scheme], Iterable[AnnotationRecord]]  # StanceDesk's own tables
BundleReader = Callable[[Path, str], ForeignBundle]  # texts and foreign labels; str: annotator


@dataclass(frozen=True, slots=True)
class ExchangeFormat:
    name: str
    title: str
    description: str  # one line for the export dialog
    suffixes: tuple[str, ...]  # files it reads; the first names an export (for a folder format:
    #                            the files inside that identify it)
    preview: Callable[[Path], Preview]
    folder: bool = False  # an export writes a folder
    write_text: TextWriter | None = None
    write_path: PathWriter | None = None
    read_records: RecordReader | None = None  # no label mapping: the labels are the scheme's
    read_bundle: BundleReader | None = None  # carries documents; labels go through a mapping
    looks_like: Callable[[Path], bool] | None = None  # a look inside, beyond the suffix

    def __post_init__(self) -> None:
        if self.write_text is not None and self.write_path is not None:
            raise ValueError(f"{self.name}: one writer, to text or to a path")
        if self.read_records is not None and self.read_bundle is not None:
            raise ValueError(f"{self.name}: one reader, of records or of a bundle")

    @property
    def suffix(self) -> str:
        """What an exported file is named with ("" for a folder)."""
        return "" if self.folder else self.suffixes[0]

    @property
    def can_export(self) -> bool:
        return self.write_text is not None or self.write_path is not None

    @property
    def can_import(self) -> bool:
        return self.read_records is not None or self.read_bundle is not None

    def detect(self, path: Path) -> bool:
        """Whether ``path`` is in this format, from its name (a folder: from the names of the
        files in it) and, where the name is shared, from a look inside."""
        if path.is_dir():
            return self.folder and any(p.is_file() and p.suffix.lower() in self.suffixes
                                       for p in path.rglob("*"))
        if path.suffix.lower() not in self.suffixes:
            return False
        return self.looks_like is None or self.looks_like(path)


def file_bytes(path: Path) -> bytes:
    """A whole file for the readers that parse bytes, with the error a person can act on."""
    if path.is_dir():
        raise FormatError(str(path), "this format is a file, not a folder")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None


def first_line(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.readline()
    except OSError:
        return b""


SpansWriter = Callable[..., int]


def writes_spans(write: SpansWriter) -> Callable[[object, ExportSource], int]:
    """Adapt ``write(target, scheme, spans, document, attribution=...)``, the shape most writers
    share (``attribution(document_id)`` gives the document's links and entity names)."""
    def adapted(target: object, source: ExportSource) -> int:
        return write(target, source.scheme, source.spans(), source.document,
                     attribution=source.attribution)

    return adapted
