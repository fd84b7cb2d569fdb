"""Export and import annotations. Imports check everything first and store all or nothing."""

from __future__ import annotations

import uuid
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stancedesk.domain import Document, Scheme, Span, new_span_id
from stancedesk.domain.annotation_table import TableBatch, curated_from_cell
from stancedesk.domain.attribution import (
    Link,
    LinkKind,
    SourceEntity,
    SpanRole,
    check_links,
    name_key,
    via_cycles,
)
from stancedesk.domain.errors import Cancelled
from stancedesk.formats.annotations_csv import format_time
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import Attribution
from stancedesk.formats.records import AnnotationRecord
from stancedesk.services.changes import Changes
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.storage import attribution as arepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import parallel_reads
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database
from stancedesk.storage.span_import import Publication, SpanStaging, staged_import
from stancedesk.storage.types import utcnow

MAX_LISTED_PROBLEMS = 20
PROGRESS_EVERY = 250  # records between progress reports and cancel checks
READERS = parallel_reads.READERS  # at most, for an export (see parallel_reads.useful_readers)
STAGING_BATCH = 5000  # records staged per executemany: bounds the memory an import holds
DOCUMENT_CHUNK = 200  # carried documents stored per write transaction (texts can be long)
CANCELLED_MESSAGE = "import cancelled; nothing was stored"
RACED_MESSAGE = ("{what} changed while this file was being checked; nothing was imported; "
                 "import it again")


class AnnotationImportError(FormatError):
    """Several rows are wrong; all of them are listed so the file is fixed in one pass."""

    def __init__(self, file: str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        shown = [f"line {line}: {problem}" for line, problem in problems[:MAX_LISTED_PROBLEMS]]
        more = len(problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        summary = (f"{len(problems)} problem(s); nothing was imported\n  " + "\n  ".join(shown))
        super().__init__(file, summary)


@dataclass(slots=True)
class AnnotationImportReport:
    added: int = 0
    unchanged: int = 0
    annotators_created: list[str] = field(default_factory=list)
    documents_created: list[str] = field(default_factory=list)  # ids, for corpus-carrying formats
    documents_reused: list[str] = field(default_factory=list)  # same text already stored
    per_annotator: dict[str, int] = field(default_factory=dict)  # spans added, by annotator
    spans_added: dict[str, dict[str, int]] = field(default_factory=dict)  # document, annotator
    links_added: int = 0  # attribution links the file set (new or changed)
    entities_created: list[str] = field(default_factory=list)  # registry names, file order

    @property
    def changes(self) -> Changes:
        return Changes(spans_added=self.spans_added,
                       documents_added=frozenset(self.documents_created),
                       annotators_added=frozenset(self.annotators_created))


def document_loader(database: Database) -> Callable[[str], Document | None]:
    """Whole documents (with text), one query each, keeping only the latest: exports that group
    spans by document ask for each document once, so memory stays at one text."""
    last: dict[str, Document | None] = {}

    def load(doc_id: str) -> Document | None:
        if doc_id not in last:
            last.clear()
            with database.read() as session:
                last[doc_id] = repo.get_document(session, doc_id)
        return last[doc_id]

    return load


def stream_spans(database: Database, annotators: Sequence[str] | None = None,
                 documents: Sequence[str] | None = None) -> Iterator[Span]:
    """Spans in export order, streamed while a read session stays open."""
    with database.read() as session:
        yield from repo.stream_spans(session, documents, annotators)


def selection_counts(database: Database, annotators: Sequence[str] | None = None,
                     documents: Sequence[str] | None = None) -> tuple[int, int, int]:
    """(spans, documents, annotators) an export of this selection holds, counted in SQL so a
    dialog can say what it is about to write without streaming it."""
    with database.read() as session:
        return repo.selection_counts(session, annotators, documents)


def annotation_rows(database: Database, scheme: Scheme,
                    annotators: Sequence[str] | None = None,
                    documents: Sequence[str] | None = None) -> Iterator[tuple[object, ...]]:
    """The annotation table's rows, streamed while a read session stays open."""
    with database.read() as session:
        yield from repo.annotation_table_rows(session, scheme.layer_keys, annotators, documents)


def annotation_table_batches(database: Database, scheme: Scheme,
                             annotators: Sequence[str] | None = None,
                             documents: Sequence[str] | None = None,
                             limit: int | None = None) -> Iterator[TableBatch] | None:
    """The annotation table by column, streamed while a read session stays open; None where
    the database gives rows only (``repositories.annotation_table_batches``)."""
    if not database.is_sqlite:
        return None
    return _table_batches(database, scheme, annotators, documents, limit)


def _table_batches(database: Database, scheme: Scheme, annotators: Sequence[str] | None,
                   documents: Sequence[str] | None, limit: int | None
                   ) -> Iterator[TableBatch]:
    with database.read() as session:
        batches = repo.annotation_table_batches(session, scheme.layer_keys, annotators,
                                                documents, limit,
                                                readers=parallel_reads.useful_readers(READERS))
        assert batches is not None, "a SQLite database gives its table by column"
        yield from batches


def annotation_csv_blocks(database: Database, scheme: Scheme,
                          csv_cells: Callable[[Sequence[object]], str], quote_when: str,
                          annotators: Sequence[str] | None = None,
                          documents: Sequence[str] | None = None,
                          limit: int | None = None) -> Iterator[tuple[int, bytes]] | None:
    """The annotation table as blocks of CSV lines, streamed while a read session stays open;
    None where the database cannot write them (``repositories.annotation_csv_blocks``)."""
    if not database.is_sqlite:
        return None
    return _csv_blocks(database, scheme, csv_cells, quote_when, annotators, documents, limit)


def _csv_blocks(database: Database, scheme: Scheme,
                csv_cells: Callable[[Sequence[object]], str], quote_when: str,
                annotators: Sequence[str] | None, documents: Sequence[str] | None,
                limit: int | None) -> Iterator[tuple[int, bytes]]:
    with database.read() as session:
        blocks = repo.annotation_csv_blocks(session, scheme.layer_keys, csv_cells, quote_when,
                                            annotators, documents, limit,
                                            readers=parallel_reads.useful_readers(READERS))
        assert blocks is not None, "a SQLite database writes its CSV lines"
        yield from blocks


def document_attribution(database: Database, document_id: str,
                         annotators: Sequence[str] | None = None) -> Attribution:
    """The links among a document's spans (of ``annotators``) and the entity names they use."""
    with database.read() as session:
        links: dict[str, dict[str, str]] = {}
        for link in arepo.links_in(session, [document_id], annotators):
            links.setdefault(link.from_span, {})[str(link.kind)] = link.to_span
        names = {e.id: e.name for e in arepo.list_entities(session)}
        provenance = {span_id: (d.curated_by, format_time(d.curated_at),
                                curated_from_cell(d.curated_from), d.decision)
                      for span_id, d in crepo.decisions_in(session, document_id).items()}
    return Attribution(links, names, provenance)


def _same(span: Span, record: Span) -> bool:
    return (span.document_id, span.annotator, span.start, span.end, span.text, dict(span.labels),
            span.note, span.role or None, span.entity_id or None) == (
        record.document_id, record.annotator, record.start, record.end, record.text,
        dict(record.labels), record.note, record.role or None, record.entity_id or None)


def _signature(span: Span) -> tuple[Any, ...]:
    return (span.annotator, span.start, span.end, tuple(sorted(span.labels.items())), span.note)


class _Texts:
    """Document texts for the checks: the given ones (formats that carry their corpus), and
    stored ones on demand, keeping only the last few (files are usually grouped by document,
    so a corpus of any size costs a handful of texts)."""

    def __init__(self, session: Session, given: dict[str, str], keep: int = 32) -> None:
        self.session, self.given, self.keep = session, given, keep
        self.recent: OrderedDict[str, str | None] = OrderedDict()

    def get(self, doc_id: str) -> str | None:
        if doc_id in self.given:
            return self.given[doc_id]
        if doc_id in self.recent:
            self.recent.move_to_end(doc_id)
            return self.recent[doc_id]
        text = repo.document_text(self.session, doc_id)
        self.recent[doc_id] = text
        if len(self.recent) > self.keep:
            self.recent.popitem(last=False)
        return text


_ROLES = {str(role): role for role in SpanRole}
_LINK_FIELDS = (("attributed_to", LinkKind.ATTRIBUTED_TO), ("via", LinkKind.VIA),
                ("cue", LinkKind.CUE))


class _Entities:
    """Registry entities named by the file, by name_key: found (by name, then alias) while
    checking; a new name gets an id then and is created while publishing, so a refused import
    creates none."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, str] = {}
        self.new: dict[str, tuple[str, str]] = {}  # name_key -> (name, id given while checking)
        self._aliases: dict[str, str] | None = None

    def id_of(self, name: str) -> str | None:
        key = name_key(name)
        if not key:
            return None
        found = self.ids.get(key)
        if found is None:
            entity = arepo.find_entity_by_key(self.session, key)
            if entity is None:
                if self._aliases is None:
                    self._aliases = {name_key(a): e.id for e in arepo.list_entities(self.session)
                                     for a in e.aliases}
                alias = self._aliases.get(key)
                if alias is None:
                    alias = str(uuid.uuid4())
                    self.new[key] = (name.strip(), alias)
                found = alias
            else:
                found = entity.id
            self.ids[key] = found
        return found

    def create(self, session: Session, staging: SpanStaging,
               report: AnnotationImportReport, import_id: str) -> None:
        """Add the new names to the registry (while publishing, hidden until the import is
        published); a name someone else added meanwhile is used as it is."""
        for key, (name, entity_id) in self.new.items():
            entity = arepo.find_entity_by_key(session, key)
            if entity is None and arepo.add_entity(session, SourceEntity(entity_id, name), key,
                                                   import_id=import_id) is not None:
                report.entities_created.append(name)
                continue
            # added by a desk since the checks (on a server, even since the look-up above)
            entity = entity or arepo.find_entity_by_key(session, key)
            assert entity is not None
            staging.use_entity(entity_id, entity.id)


class _FileLinks:
    """The links a file brings, kept compactly (links are far fewer than spans): checked with
    ``check_links`` against the staged and stored spans, then stored after the spans."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, LinkKind, str]] = []  # line, from ref, kind, to ref
        self.refs: dict[str, str] = {}  # a file's own id (brat's T3) -> the span's id
        # span ids the import made up -> how the file shows that span, for messages
        self.names: dict[str, str] = {}

    def add(self, rec: AnnotationRecord, span_id: str) -> None:
        if rec.ref and rec.ref != span_id:
            self.refs[rec.ref] = span_id
            self.names[span_id] = rec.ref
        elif not rec.annotation_id and not rec.ref:
            self.names[span_id] = f"(the span {rec.text[:40]!r} without annotation_id)"
        for name, kind in _LINK_FIELDS:
            target = getattr(rec, name)
            if target:
                self.items.append((rec.line, rec.ref or span_id, kind, target))

    def links(self) -> list[tuple[int, Link]]:
        return [(line, Link(self.refs.get(a, a), kind, self.refs.get(b, b)))
                for line, a, kind, b in self.items]

    def problems(self, session: Session, staging: SpanStaging) -> list[tuple[int, str]]:
        """Every link refused, with its line: dangling, across documents or annotators, wrong
        roles, two of a kind from one span, and via cycles (with what is already stored)."""
        links = self.links()
        if not links:
            return []
        ids = {i for _, link in links for i in (link.from_span, link.to_span)}
        ends = staging.ends(ids)
        ends.update(arepo.span_ends(session, ids - ends.keys()))
        problems: list[tuple[int, str]] = []
        given: dict[tuple[str, LinkKind], tuple[int, Link]] = {}
        name = self.name
        for line, link in links:
            problems += [(line, problem) for problem in check_links(ends, [link], name=name)]
            earlier = given.get((link.from_span, link.kind))
            if earlier is not None and earlier[1].to_span != link.to_span:
                problems.append((line, f"span {name(link.from_span)} already has a {link.kind} "
                                       f"link (to {name(earlier[1].to_span)}, line "
                                       f"{earlier[0]})"))
            given.setdefault((link.from_span, link.kind), (line, link))
        if problems:
            return problems
        via: dict[str, str] = {}
        for doc, annotator in {(e.document_id, e.annotator) for e in ends.values()}:
            via.update({link.from_span: link.to_span
                        for link in arepo.links_of(session, doc, annotator)
                        if link.kind is LinkKind.VIA})
        lines: dict[str, int] = {}
        for line, link in links:
            if link.kind is LinkKind.VIA:
                via[link.from_span] = link.to_span
                lines.setdefault(link.from_span, line)
        for cycle in via_cycles(via):
            line = min((lines[i] for i in cycle if i in lines), default=0)
            problems.append((line, "via links form a cycle: " + " -> ".join(map(name, cycle))))
        return problems

    def name(self, span_id: str) -> str:
        """A span as the file names it: its annotation_id, its own id (brat's T3), or, for a
        span the file gives no id, its text; never an id only this import made up."""
        return self.names.get(span_id, span_id)

    def store(self, session: Session) -> int:
        """Set every link whose two spans were stored (a span skipped as a repeat of a stored
        one keeps the links it has); how many."""
        links = [link for _, link in self.links()]
        if not links:
            return 0
        present = arepo.span_ends(session, {i for link in links
                                            for i in (link.from_span, link.to_span)})
        n = 0
        for link in links:
            if link.from_span in present and link.to_span in present and \
                    arepo.get_link(session, link.from_span, link.kind) != link:
                arepo.put_link(session, link)
                n += 1
        return n


class _RecordChecks:
    """The checks one record passes on its own: a known document, offsets inside it, the
    covered text equal to the document's, labels in the scheme."""

    def __init__(self, session: Session, scheme: Scheme, texts: _Texts) -> None:
        self.session, self.scheme, self.texts = session, scheme, texts
        self._by_file: dict[str, list[str]] | None = None
        self._labels: dict[tuple[str, str], tuple[str, str]] = {}
        # (role, *labels as given) -> (labels as the layers spell them, problems)
        self._checked: dict[tuple[object, ...], tuple[dict[str, str], list[str]]] = {}
        self._last_id, self._last_text = "", ""  # files come grouped by document

    def check(self, rec: AnnotationRecord) -> tuple[str, list[str]]:
        """(the record's document id, its problems): [] when it may be stored."""
        doc_id = rec.document_id
        if doc_id and doc_id == self._last_id:  # files come grouped by document
            text = self._last_text
        else:
            doc_id, problem = self._document(rec)
            if problem:
                return doc_id, [problem]
            text = self._last_text if doc_id == self._last_id else self._text(doc_id)
        if rec.end > len(text):
            return doc_id, [f"span {rec.start}:{rec.end} runs past the end of the document "
                            f"({len(text)} characters)"]
        if text[rec.start:rec.end] != rec.text:
            return doc_id, [f"text {rec.text!r} does not match the document's text at "
                            f"{rec.start}:{rec.end}, which is {text[rec.start:rec.end]!r}"]
        if rec.entity:
            return doc_id, self._labels_and_role(rec)
        # a file repeats a few combinations of role and labels: each is checked once
        key = (rec.role, *rec.labels.items())
        checked = self._checked.get(key)
        if checked is None:
            if len(self._checked) > 10_000:  # free-text layers: keep the memory bounded
                self._checked.clear()
            problems = self._labels_and_role(rec)
            checked = self._checked[key] = (rec.labels, problems)
        rec.labels = dict(checked[0])
        return doc_id, checked[1]

    def _labels_and_role(self, rec: AnnotationRecord) -> list[str]:
        """The problems of a record's role, entity and labels; its labels become the values
        as the layers spell them."""
        labels: dict[str, str] = {}
        problems: list[str] = []
        if rec.role and rec.role not in _ROLES:
            problems.append(f"role {rec.role!r} is not one of {', '.join(_ROLES)}")
        if rec.entity and rec.role != SpanRole.SOURCE:
            problems.append(f"entity {rec.entity!r}: only a source can name a registry entity, "
                            f"not a {rec.role or 'span without a role'}")
        for label in rec.labels.items():
            labels[label[0]], problem = self._label(label)
            if problem:
                problems.append(problem)
        if rec.role in _ROLES:
            misfits = [k for k in labels if self.scheme.has_layer(k)
                       and not self.scheme.layer(k).applies_to(rec.role)]
            if misfits:
                problems.append(f"the scheme does not give {', '.join(misfits)} to a {rec.role}")
        rec.labels = labels
        return problems

    def _text(self, doc_id: str) -> str:
        self._last_id, self._last_text = doc_id, self.texts.get(doc_id) or ""
        return self._last_text

    def _document(self, rec: AnnotationRecord) -> tuple[str, str]:
        """(document id, "") or ("", the problem)."""
        if rec.document_id:
            if rec.document_id != self._last_id and self.texts.get(rec.document_id) is None:
                return "", (f"unknown document_id {rec.document_id!r} (import the corpus "
                            "first, or check the id)")
            return rec.document_id, ""
        if self._by_file is None:
            self._by_file = repo.documents_by_source_file(self.session)
        candidates = self._by_file.get(rec.source_file, [])
        if not candidates:
            return "", (f"unknown document: no document was imported from a file named "
                        f"{rec.source_file!r}")
        if len(candidates) > 1:
            return "", (f"source_file {rec.source_file!r} names {len(candidates)} documents; "
                        "give document_id instead")
        return candidates[0], ""

    def _label(self, label: tuple[str, str]) -> tuple[str, str]:
        """(the value as the layer spells it, the scheme's objection or ""), remembered: files
        repeat a few labels. A spreadsheet's rewriting (3.0 for 3, TRUE for true) is read as
        the label it is."""
        known = self._labels.get(label)
        if known is None:
            if len(self._labels) > 100_000:  # free-text layers: keep the memory bounded
                self._labels.clear()
            layer, value = label
            value = self.scheme.coerce_value(layer, value)
            known = self._labels[label] = (value, self.scheme.check_value(layer, value) or "")
        return known


def _add_documents(publication: Publication, documents: Sequence[Document],
                   report: AnnotationImportReport) -> None:
    """Store the carried documents not stored yet, hidden until the import is published, a
    chunk per write transaction (ON CONFLICT in the database: a concurrent import carrying the
    same text is no error)."""
    unique = list({doc.id: doc for doc in documents}.values())
    stored: set[str] = set()
    for i in range(0, len(unique), DOCUMENT_CHUNK):
        with publication.step() as session:
            stored |= repo.insert_documents_if_absent(session, unique[i:i + DOCUMENT_CHUNK],
                                                      import_id=publication.import_id)
    for doc in unique:
        (report.documents_created if doc.id in stored else report.documents_reused).append(doc.id)


def _same_scheme(session: Session, checked: Scheme | None, file: str) -> None:
    """Refuse the import when the scheme its records were checked against has changed."""
    if repo.load_scheme(session) != checked:
        raise FormatError(file, RACED_MESSAGE.format(what="the scheme"))


def _id_problems(staging: SpanStaging) -> list[tuple[int, str]]:
    """Ids given twice in the file, and given ids stored with other content."""
    problems = [(line, f"annotation_id {span_id} repeats line {first}")
                for line, span_id, first in staging.repeated_ids()]
    problems += [(line, f"annotation_id {new.id} already exists with different content; "
                  "remove the id to add it as a new span")
                 for line, new, stored in staging.already_stored() if not _same(stored, new)]
    return problems


def _skip_repeats_without_id(session: Session, staging: SpanStaging) -> int:
    """Spans without an id that equal a stored span (or one earlier in the file) of the same
    document are skipped, so importing a file twice adds nothing; how many were skipped."""
    repeats = array("q")
    seen: set[tuple[Any, ...]] = set()
    current = None
    for seq, span in staging.new_ids_by_document():
        if span.document_id != current:
            current = span.document_id
            seen = {_signature(s) for s in repo.iter_spans(session, [current])}
        signature = _signature(span)
        if signature in seen:
            repeats.append(seq)
        else:
            seen.add(signature)
    staging.skip(repeats)
    return len(repeats)


def store_records(database: Database, file: str, records: Iterable[AnnotationRecord],
                  scheme: Scheme | None = None,
                  documents: Sequence[Document] = (), *,
                  progress: Progress | None = None,
                  cancelled: IsCancelled | None = None) -> AnnotationImportReport:
    """Check every record, then store them all, or nothing.

    Shared by every annotation format, so each gets the same checks: known document, offsets
    inside it, covered text equal to the document's text, labels in the scheme, no clashing ids.
    ``documents`` come from formats that carry their text (brat, Label Studio, doccano, WebAnno,
    JSONL): those not stored yet are added in the same transaction; a document whose text is
    already stored is reused as it is (its id follows from the text, so it is the same article).
    A record without an id that equals a stored span (same document, annotator, offsets, labels
    and note) counts as unchanged, so importing a file twice adds nothing the second time.

    ``records`` are streamed: those that pass their own checks are staged in batches, the
    checks across records run in the database, and chunks of one statement each store them,
    so memory stays flat however long the file is. Every problem is collected (with its line)
    before anything is stored, and the error lists them all. The checks take no write lock;
    on SQLite the chunks are short write transactions whose rows stay hidden until one small
    commit publishes them all (``storage.span_import``), so a desk saving meanwhile waits a
    fraction of a second at most and the import is still all or nothing.

    ``progress(done, total, "")`` is called every ``PROGRESS_EVERY`` records checked and once at
    the end (``total`` is 0 when ``records`` has no length); ``cancelled()`` is asked at the same
    points, between the chunks stored, and once more just before the publishing commit: if
    true, ``Cancelled`` is raised and what was stored is deleted again, so nothing (documents
    included) is stored.
    """
    report = AnnotationImportReport()
    total = len(records) if progress is not None and isinstance(records, Sized) else 0

    def checkpoint(done: int) -> None:  # done < 0: while storing, a cancel check only
        if progress is not None and done >= 0:
            progress(done, total, "")
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)

    with staged_import(database) as unit:
        with unit.checking() as session:  # no write lock: desks keep saving meanwhile
            stored_scheme = repo.load_scheme(session)
            scheme = scheme or stored_scheme
            assert scheme is not None
            given = {doc.id: doc.text for doc in documents}
            checks = _RecordChecks(session, scheme, _Texts(session, given))
            staging = SpanStaging(unit, STAGING_BATCH)
            entities = _Entities(session)
            links = _FileLinks()
            problems: list[tuple[int, str]] = []
            now = utcnow()
            done = 0
            for rec in records:
                if done and done % PROGRESS_EVERY == 0:
                    checkpoint(done)
                done += 1
                doc_id, found = checks.check(rec)
                if found:
                    problems.extend((rec.line, p) for p in found)
                    continue
                created = rec.created_at or now
                span_id = rec.annotation_id or new_span_id()
                staging.add(rec.line, span_id, bool(rec.annotation_id),
                            doc_id, rec.annotator, rec.start, rec.end, rec.text,
                            rec.labels if all(rec.labels.values())
                            else repo.clean_labels(rec.labels),
                            rec.note, created,
                            rec.updated_at or created, rec.role or None,
                            entities.id_of(rec.entity) if rec.entity else None)
                if rec.ref or rec.attributed_to or rec.via or rec.cue:
                    links.add(rec, span_id)
            if progress is not None or cancelled is not None:
                checkpoint(done)
            problems += _id_problems(staging)
            problems += links.problems(session, staging)
            if problems:
                problems.sort(key=lambda problem: problem[0])
                raise AnnotationImportError(file, problems)
            report.unchanged = staging.skip_stored_ids() + _skip_repeats_without_id(session,
                                                                                    staging)
            annotators = staging.annotators()
            report.per_annotator = staging.per_annotator()
            report.added = sum(report.per_annotator.values())
            report.spans_added = staging.stored_per_document()
        try:
            with unit.publishing("annotations", file, dry_run_in_chunks=True) as publication:
                with publication.early() as session:  # committed at once: see its note
                    _same_scheme(session, stored_scheme, file)
                    entities.create(session, staging, report, publication.import_id)
                    report.annotators_created = staging.create_annotators(
                        session, annotators, publication.import_id)
                _add_documents(publication, documents, report)
                staging.store(publication, None if cancelled is None else lambda: checkpoint(-1))
                with unit.publish(publication) as session:  # one small commit shows them all
                    _same_scheme(session, stored_scheme, file)
                    report.links_added = links.store(session)
                    if cancelled is not None and cancelled():  # the last moment before it
                        raise Cancelled(CANCELLED_MESSAGE)
        except IntegrityError as exc:  # a document deleted, a span id restored meanwhile
            raise FormatError(file, RACED_MESSAGE.format(
                what="a document or span it refers to")) from exc
    return report
