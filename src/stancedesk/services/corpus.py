"""Import a corpus (all-or-nothing) and list what is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from stancedesk.domain import Document
from stancedesk.domain.errors import Cancelled, NotFoundError
from stancedesk.formats.dateline import iso_date
from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import DocumentDraft
from stancedesk.formats.sidecar import (
    SIDECAR_SUFFIXES,
    apply_sidecar,
    find_sidecar,
    read_sidecar,
)
from stancedesk.formats.text import utf8_name
from stancedesk.services.changes import Changes
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database, retry_conflicts

if TYPE_CHECKING:
    from stancedesk.formats.registry import CorpusFormat



# the format modules load when a file is imported, not when the desk opens
def _format_for(path: Path) -> CorpusFormat | None:
    from stancedesk.formats.registry import corpus_format_for

    return corpus_format_for(path)


def corpus_extensions() -> tuple[str, ...]:
    from stancedesk.formats import registry

    return registry.corpus_extensions()

CANCELLED_MESSAGE = "import cancelled; nothing was stored"
Progress = Callable[[int, int, str], None]  # done, total, current file
IsCancelled = Callable[[], bool]


@dataclass(slots=True)
class ImportReport:
    files: int = 0
    added: list[Document] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (origin, existing id)
    skipped_files: list[str] = field(default_factory=list)  # unsupported types inside folders

    @property
    def changes(self) -> Changes:
        return Changes(documents_added=frozenset(d.id for d in self.added))


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: str
    title: str
    source_file: str
    outlet: str
    published: str
    length: int | None  # characters; None when not read (list_documents(lengths=False))
    spans: int = 0

    def as_json(self) -> dict[str, object]:
        """``date`` is ISO 8601 (or null); a stored date that is not readable as one is kept
        under ``date_as_given`` rather than dropped."""
        iso = iso_date(self.published) if self.published else ""
        out: dict[str, object] = {"id": self.id, "title": self.title,
                                  "source_file": self.source_file, "outlet": self.outlet,
                                  "date": iso or None, "length": self.length,
                                  "spans": self.spans}
        if self.published and not iso:
            out["date_as_given"] = self.published
        return out


@contextmanager
def sample_corpus_dir() -> Iterator[Path]:
    with resources.as_file(resources.files("stancedesk.sample_corpus")) as folder:
        yield Path(folder)


def collect_files(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Files named explicitly must be importable; inside folders other files are skipped."""
    files: list[Path] = []
    skipped: list[str] = []
    for path in paths:
        if not path.exists():
            raise FormatError(str(path), "no such file or folder")
        if path.is_dir():
            found = False
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or child.name == "__init__.py":
                    continue
                if _format_for(child) is None:
                    if not _is_sidecar(child):
                        skipped.append(str(child))
                    continue
                utf8_name(str(child), str(child))  # the name is stored with the document
                files.append(child)
                found = True
            if not found:
                raise FormatError(str(path), "the folder holds no importable files "
                                  f"({', '.join(corpus_extensions())})")
        else:
            if _format_for(path) is None:
                raise FormatError(str(path), f"unsupported file type {path.suffix or '(none)'!r}; "
                                  f"importable: {', '.join(corpus_extensions())}")
            utf8_name(str(path), str(path))
            files.append(path)
    return files, skipped


def _is_sidecar(path: Path) -> bool:
    """A ``.json``/``.meta.json`` next to an importable file of the same name: read with it."""
    name = path.name.lower()
    for suffix in SIDECAR_SUFFIXES:
        if name.endswith(suffix):
            stem = path.name[:-len(suffix)]
            return any(_format_for(sibling) is not None and sibling.is_file()
                       for sibling in path.parent.glob(f"{glob_escape(stem)}.*")
                       if sibling.stem == stem)
    return False


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None


def read_drafts(files: Sequence[Path], progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> list[DocumentDraft]:
    drafts: list[DocumentDraft] = []
    for i, path in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)
        if progress is not None:
            progress(i, len(files), str(path))
        fmt = _format_for(path)
        assert fmt is not None
        found = fmt.reader(_read_file(path), str(path))
        sidecar = find_sidecar(path)
        if sidecar is not None and len(found) == 1:
            apply_sidecar(found[0], read_sidecar(_read_file(sidecar), str(sidecar)))
        for draft in found:
            draft.source_file = path.name
            drafts.append(draft)
    if progress is not None:
        progress(len(files), len(files), "")
    return drafts


@retry_conflicts
def import_paths(database: Database, paths: Sequence[Path | str],
                 progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> ImportReport:
    """Read everything first, then store all or nothing: any bad file stores nothing.

    The documents are stored in short write transactions, hidden until one small commit
    publishes them all (``storage.document_import``), so a desk saving on the same file
    meanwhile waits a fraction of a second at most; a cancel between them, a failure or a
    killed import leaves nothing visible. Imports run one at a time (the annotation imports'
    lock), so the same corpus imported twice at once is stored once: the second finds the
    first's documents, as it would have after it. A dry run (a rolled-back ``database``) only
    reads: which texts are stored already."""
    from stancedesk.storage.document_import import store_documents  # (not at the desk's start)
    from stancedesk.storage.span_import import staged_import

    files, skipped = collect_files([Path(p) for p in paths])
    drafts = read_drafts(files, progress, cancelled)
    report = ImportReport(files=len(files), skipped_files=skipped)
    docs = [d.to_document() for d in drafts]

    def check_cancelled() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)

    if not database.commits:
        with database.read() as session:
            new = _new_documents(report, drafts, docs, repo.existing_hashes(
                session, [d.sha256 for d in docs]))
        report.added.extend(doc for _, doc in new)
        return report
    with staged_import(database) as unit:
        with unit.checking() as session:
            present = repo.existing_hashes(session, [d.sha256 for d in docs])
        new = _new_documents(report, drafts, docs, present)
        stored: set[str] = set()
        if new:
            source = ", ".join(str(p) for p in paths)
            with unit.publishing("corpus", source) as publication:
                # a concurrent writer may have stored some since the check (a desk's undo)
                stored = store_documents(publication, [doc for _, doc in new],
                                         check_cancelled)
                with unit.publish(publication):  # one small commit shows them all
                    check_cancelled()
        else:
            check_cancelled()
    for draft, doc in new:
        if doc.id in stored:
            report.added.append(doc)
        else:
            report.duplicates.append((draft.origin, doc.id))
    return report


def _new_documents(report: ImportReport, drafts: Sequence[DocumentDraft],
                   docs: Sequence[Document], present: set[str]
                   ) -> list[tuple[DocumentDraft, Document]]:
    """The documents whose text is neither stored nor earlier in the import; the others go
    to ``report.duplicates``."""
    seen: set[str] = set()
    new: list[tuple[DocumentDraft, Document]] = []
    for draft, doc in zip(drafts, docs, strict=True):
        if doc.sha256 in present or doc.sha256 in seen:
            report.duplicates.append((draft.origin, doc.id))
            continue
        seen.add(doc.sha256)
        new.append((draft, doc))
    return new


def list_documents(database: Database, annotator: str | None = None, *,
                   lengths: bool = True) -> list[DocumentSummary]:
    """Headers only (no texts), with span counts for ``annotator`` or for everyone. Counting
    the characters reads every text through; the desk's list leaves the lengths out
    (``lengths=False``) and asks ``document_length`` for the one a tooltip shows."""
    with database.read() as session:
        counts = repo.span_counts_by_document(session, annotator)
        return [DocumentSummary(id=i, title=t, source_file=s, outlet=o, published=p, length=n,
                                spans=counts.get(i, 0))
                for i, t, s, o, p, n in repo.document_headers(session, lengths)]


def document_length(database: Database, document_id: str) -> int | None:
    with database.read() as session:
        return repo.document_length(session, document_id)


def documents_matching(database: Database, query: str) -> set[str]:
    """Ids of the documents whose title, outlet or text contains ``query`` (the desk's filter)."""
    query = query.strip()
    if not query:
        return set()
    with database.read() as session:
        return repo.document_ids_matching(session, query)


def count_documents(database: Database) -> int:
    with database.read() as session:
        return repo.count_documents(session)


def get_document(database: Database, document_id: str) -> Document:
    with database.read() as session:
        doc = repo.get_document(session, document_id)
    if doc is None:
        raise NotFoundError(f"no document with id {document_id}")
    return doc


def read_document(database: Database, document_id: str) -> tuple[Document, bytes | None]:
    """``get_document`` for the reader: with the text's UTF-8 when the database stores it so
    (SQLite), else None."""
    with database.read() as session:
        found = repo.document_and_utf8(session, document_id)
    if found is None:
        raise NotFoundError(f"no document with id {document_id}")
    return found


def get_texts(database: Database, document_ids: Sequence[str] | None = None) -> dict[str, str]:
    with database.read() as session:
        return repo.document_texts(session, document_ids)
