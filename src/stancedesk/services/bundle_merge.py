"""``stancedesk bundle import``: merge annotators' bundles into a database of the same corpus.

The rules (docs/bundles.md says the same for users):

* **All or nothing.** Every bundle is read and checked, then merged in one write transaction;
  any refusal stores nothing, from any of the files. On a SQLite file the checks that need no
  writing run first without the write lock, and the spans new here and the new curation
  decisions (rejections, and those of the bundle's spans) are stored ahead in short chunks,
  hidden until that transaction publishes them (as an annotation import's rows are,
  ``storage.span_import``), so it stays short and a desk saving meanwhile waits a fraction of
  a second; a refusal or a cancel deletes them again. A new span naming a registry source is
  stored ahead naming none: the merge's transaction resolves the sources (it may create or
  merge them) and then sets them, in one batch. The annotator's spans here are read and
  classified while checking too, and the bundle's content of those it changes is staged
  aside (``storage.bundles.OverwriteStaging``); the transaction checks that none of them
  changed meanwhile (else it reads and classifies them again) and copies the changes over in
  one statement: an overwrite cannot be hidden beside the span it replaces (same id), so it
  is applied there. A dry run (the preview) does the same and deletes what it stored at the
  end. docs/performance.md ("Bundle merge: the merge's own transaction") has the costs.
* **Same corpus.** Each document a bundle lists must be stored here with the same SHA-256; a
  missing or different one is refused, naming it (id, source file, title).
* **Same scheme, or a mapping.** A label a bundle's spans use that this database's scheme does
  not know is refused, naming each; ``--mapping`` (the label-mapping file of the other imports,
  with labels spelt ``layer:value``) maps them.
* **Only the bundle's annotator.** A bundle span whose id belongs to another annotator here is
  refused, naming both; nobody else's spans are read for change, let alone changed.
* **By id and version.** A span new here is added at the bundle's version. A stored span with
  the same content is unchanged. A stored span is replaced when the bundle's version is higher
  and the stored one was not edited here since it was last imported (its version is the one
  recorded then, or it never came from a bundle). Otherwise it is left as it is and reported as
  a conflict: newer here, or edited on both sides.
* **Deletions.** A bundle is the annotator's complete state on the documents it lists. Their
  spans on those documents that the bundle lacks are deleted when they came from an earlier
  bundle and are unchanged here since; others are kept and reported (edited here, or never
  imported from a bundle).
* **Links** of the merged spans become the bundle's; the result is checked with the same rules
  as every link (domain.attribution.check_links).
* **Registry sources** are matched by name (name_key): the same name merges (aliases added,
  an empty sourcing or note filled); a different sourcing or note, a name that is another
  source's alias here, or an alias that names another source is reported as a collision and
  never renamed: the registry's values stay.
* **Curation decisions** (a gold bundle's) are stored with their ids, curators and times, so
  gold keeps its provenance. A decision already here is unchanged. One is skipped, and
  reported, when its span was not merged (a conflict) or already has another decision here, or
  when it is a rejection of a passage already decided here; a decision is never overwritten.
  Decisions go with their gold spans: deleting a span deletes its decision.
* **Idempotent.** Merging the same bundle again changes nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from stancedesk.domain import DocumentStatus, Scheme, Span
from stancedesk.domain.attribution import Link, LinkKind, SourceEntity, check_links, name_key
from stancedesk.domain.curation import Decision
from stancedesk.domain.errors import Cancelled
from stancedesk.formats.bundle import (
    Bundle,
    BundleDecision,
    BundleDocument,
    BundleEntity,
    BundleSpan,
    read_bundle,
)
from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import LabelMapping, check_mapping, lookup
from stancedesk.services.bundle_report import AnnotatorMerge, BundleMergeReport
from stancedesk.services.changes import Changes
from stancedesk.services.corpus import IsCancelled, Progress
from stancedesk.storage import attribution as arepo
from stancedesk.storage import bundles as brepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import pending_imports as pending
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database
from stancedesk.storage.span_import import staged_import
from stancedesk.storage.types import utcnow

CANCELLED_MESSAGE = "bundle import cancelled; nothing was stored"
MAX_LISTED = 20
PROGRESS_EVERY = 500  # spans between progress reports and cancel checks
MAX_NAME_KEY = 400  # entities.name_key is a String(400)


def _problems(file: str, what: str, problems: Sequence[str]) -> FormatError:
    shown = problems[:MAX_LISTED]
    more = len(problems) - len(shown)
    body = "\n  ".join([*shown, *([f"... and {more} more"] if more > 0 else [])])
    return FormatError(file, f"{what}; nothing was imported:\n  {body}")


def _doc_names(docs: Sequence[BundleDocument]) -> list[str]:
    return [d.describe() for d in docs]


@dataclass(slots=True)
class _Counts:
    added: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    changed: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    removed: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    curation: set[str] = field(default_factory=set)  # documents given decisions

    @staticmethod
    def bump(counts: dict[str, dict[str, int]], doc: str, annotator: str) -> None:
        counts[doc][annotator] = counts[doc].get(annotator, 0) + 1


# --- checks that need no writing ----------------------------------------------------------

def check_documents(session: Session, file: str, bundle: Bundle) -> None:
    stored = brepo.document_fingerprints(session, [d.id for d in bundle.documents])
    missing = [d for d in bundle.documents if d.id not in stored]
    changed = [d for d in bundle.documents if d.id in stored and stored[d.id][0] != d.sha256]
    if changed:
        raise _problems(file, f"the text of {len(changed)} document(s) differs from this "
                        "database's (SHA-256); the bundle was made on another version of them",
                        _doc_names(changed))
    if missing:
        raise _problems(file, f"{len(missing)} document(s) of the bundle are not in this "
                        "database; import the same articles first (the same text gets the "
                        "same id)", _doc_names(missing))


def _scheme_note(bundle: Bundle, scheme: Scheme) -> str:
    mine = scheme.fingerprint()
    if bundle.scheme.sha256 == mine:
        return f"the same as this database's ({scheme.name}, version {scheme.version})"
    return (f"{bundle.scheme.name or 'unnamed'} version {bundle.scheme.version} "
            f"(sha256 {bundle.scheme.sha256[:12] or '?'}) differs from this database's "
            f"{scheme.name} version {scheme.version} (sha256 {mine[:12]})")


def map_labels(file: str, bundle: Bundle, scheme: Scheme, mapping: LabelMapping | None
               ) -> dict[str, dict[str, str]]:
    """Span id -> its labels in this database's scheme; a label neither the scheme nor the
    mapping knows is refused, every one named with how many spans use it."""
    rules = mapping.rules if mapping is not None else {}
    out: dict[str, dict[str, str]] = {}
    unknown: dict[str, int] = {}
    problems: list[str] = []
    known: dict[str, tuple[tuple[str, str], ...] | None] = {}  # a bundle repeats its labels
    for span in bundle.spans:
        labels: dict[str, str] = {}
        for layer, value in span.labels.items():
            foreign = f"{layer}:{value}"
            if foreign not in known:
                known[foreign] = lookup(foreign, rules, scheme)
            targets = known[foreign]
            if targets is None:
                unknown[foreign] = unknown.get(foreign, 0) + 1
                continue
            for target_layer, target_value in targets:
                if labels.get(target_layer, target_value) != target_value:
                    problems.append(f"span {span.id}: labels give layer {target_layer!r} two "
                                    f"values, {labels[target_layer]!r} and {target_value!r}")
                labels[target_layer] = target_value
        if span.role:
            misfits = [k for k in labels if not scheme.layer(k).applies_to(span.role)]
            if misfits:
                problems.append(f"span {span.id}: the scheme does not give "
                                f"{', '.join(misfits)} to a {span.role}")
        out[span.id] = labels
    if unknown:
        raise _problems(file, f"the bundle's scheme is not compatible: its scheme "
                        f"({_scheme_note(bundle, scheme)}) has {len(unknown)} label(s) that "
                        "this database's scheme lacks; map them with --mapping FILE "
                        "(\"layer:value\": \"layer:value\", or null to drop)",
                        [f"{label!r}: {n} span(s)" for label, n in sorted(unknown.items())])
    if problems:
        raise _problems(file, "the mapped labels do not fit the scheme", problems)
    return out


def check_texts(session: Session, file: str, bundle: Bundle) -> None:
    """Offsets and covered text agree with the stored document (a hand-edited bundle)."""
    by_document: dict[str, list[BundleSpan]] = defaultdict(list)
    for span in bundle.spans:
        by_document[span.document_id].append(span)
    problems: list[str] = []
    for doc, spans in by_document.items():
        text = repo.document_text(session, doc) or ""
        for span in spans:
            if span.end > len(text):
                problems.append(f"span {span.id} ({span.start}:{span.end}) runs past the end "
                                f"of document {doc} ({len(text)} characters)")
            elif text[span.start:span.end] != span.text:
                problems.append(f"span {span.id}: text {span.text!r} does not match the "
                                f"document's text at {span.start}:{span.end}, "
                                f"{text[span.start:span.end]!r}")
    if problems:
        raise _problems(file, "spans do not match their documents", problems)


# --- registry ------------------------------------------------------------------------------

class _Registry:
    """Bundle entity id -> entity id here, merging by name and reporting every collision.

    ``held``: the caller holds SQLite's write lock, so nobody can add a source meanwhile; every
    source (hidden ones too) is read once and the new ones are inserted together by ``flush``,
    instead of four statements per source (500 sources new here held the lock 0.7 s). On a
    server each look-up and insert is its own statement, as a desk may add the same name at
    any moment (the INSERT ... ON CONFLICT of ``attribution.add_entity`` settles it)."""

    def __init__(self, session: Session, held: bool = False) -> None:
        self.session = session
        self.held = held
        self._by_key = brepo.every_entity(session) if held else {}  # hidden ones too
        self._ids = {e.id for e in self._by_key.values()}
        self._unwritten: list[tuple[SourceEntity, str]] = []
        self.entities: dict[str, SourceEntity] = {}
        # name key -> ids of the entities here with a name or alias of that key, in the order
        # of ``entities``: a look-up per alias, not a walk of the registry (500 sources new
        # in one bundle held SQLite's write lock 2 s walking it)
        self._keys: dict[str, list[str]] = defaultdict(list)
        for entity in arepo.list_entities(session):
            self._put(entity)

    def _put(self, entity: SourceEntity) -> None:
        old = self.entities.get(entity.id)
        if old is not None:
            for key in {name_key(n) for n in old.names()}:
                self._keys[key].remove(old.id)
        self.entities[entity.id] = entity
        for key in {name_key(n) for n in entity.names()}:
            self._keys[key].append(entity.id)

    def _find(self, key: str) -> SourceEntity | None:
        return self._by_key.get(key) if self.held else \
            arepo.find_entity_by_key(self.session, key)

    def _taken(self, entity_id: str) -> bool:
        return entity_id in self._ids if self.held else \
            arepo.get_entity(self.session, entity_id) is not None

    def _add(self, entity: SourceEntity, key: str) -> SourceEntity | None:
        if not self.held:
            return arepo.add_entity(self.session, entity, key)
        self._unwritten.append((entity, key))
        self._by_key[key] = entity
        self._ids.add(entity.id)
        return entity

    def _write(self, entity: SourceEntity, key: str) -> SourceEntity | None:
        self.flush()  # a source this merge adds may be merged into by a later one
        written = arepo.write_entity(self.session, entity, key)
        if written is not None and self.held:
            self._by_key[key] = written
        return written

    def flush(self) -> None:
        """Insert the sources added but not written yet (``held``): before any span names
        them."""
        if self._unwritten:
            brepo.add_entities(self.session, self._unwritten)
            self._unwritten = []

    def _owner(self, key: str, skip: str = "") -> SourceEntity | None:
        """The entity here whose name or alias has this key (other than ``skip``)."""
        owners = [i for i in self._keys.get(key, ()) if i != skip]
        if len(owners) > 1:  # the first in the registry's order, as a walk of it finds
            order = {i: n for n, i in enumerate(self.entities)}
            owners.sort(key=order.__getitem__)
        return self.entities[owners[0]] if owners else None

    def _aliases(self, entity: BundleEntity, owner: SourceEntity | None,
                 merge: AnnotatorMerge) -> list[str]:
        """The bundle's aliases the entity here lacks, without those naming another source."""
        have = {name_key(n) for n in owner.names()} if owner else {name_key(entity.name)}
        new: list[str] = []
        for alias in entity.aliases:
            key = name_key(alias)
            if not key or key in have:
                continue
            other = self._owner(key, owner.id if owner else "")
            if other is not None:
                merge.collisions.append(f"alias {alias!r} of {entity.name!r} already names "
                                        f"registry source {other.name!r}; not added")
                continue
            have.add(key)
            new.append(alias.strip())
        return new

    def resolve(self, entity: BundleEntity, merge: AnnotatorMerge) -> str:
        key = name_key(entity.name)
        if not key or len(key) > MAX_NAME_KEY:
            raise FormatError(merge.file, f"entity {entity.id}: the name {entity.name[:60]!r} "
                              + ("has no letters or digits" if not key else "is too long"))
        found = self._find(key)
        if found is None:
            owner = self._owner(key)
            if owner is not None:
                merge.collisions.append(f"{entity.name!r} is an alias of registry source "
                                        f"{owner.name!r} here; its spans name {owner.name!r}")
                return owner.id
            reported = len(merge.collisions)
            aliases = self._aliases(entity, None, merge)
            new_id = entity.id if entity.id not in self.entities and \
                not self._taken(entity.id) else str(uuid.uuid4())
            created = self._add(SourceEntity(
                new_id, entity.name.strip(), entity.sourcing, tuple(aliases), entity.notes), key)
            if created is not None:
                self._put(created)
                merge.entities_created.append(created.name)
                return created.id
            # a desk added the name since the look-up (a server: the merge's INSERT found it
            # committed): merged into that one like any source found here
            del merge.collisions[reported:]
            found = self._find(key)
            assert found is not None
            self._put(found)
        aliases = self._aliases(entity, found, merge)
        sourcing, notes, added = found.sourcing, found.notes, [f"alias {a!r}" for a in aliases]
        if entity.sourcing and entity.sourcing != found.sourcing:
            if found.sourcing:
                merge.collisions.append(f"{found.name!r}: sourcing {entity.sourcing!r} in the "
                                        f"bundle, {found.sourcing!r} here (kept)")
            else:
                sourcing = entity.sourcing
                added.append(f"sourcing {entity.sourcing!r}")
        if entity.notes and entity.notes != found.notes:
            if found.notes:
                merge.collisions.append(f"{found.name!r}: the bundle's notes differ from "
                                        "the notes here (kept)")
            else:
                notes = entity.notes
                added.append("notes")
        if entity.name.strip() != found.name:
            merge.collisions.append(f"{entity.name!r} in the bundle is {found.name!r} here "
                                    "(same name key; not renamed)")
        if added:
            written = self._write(SourceEntity(
                found.id, found.name, sourcing, (*found.aliases, *aliases), notes), key)
            assert written is not None
            self._put(written)
            merge.entities_merged.append(f"{found.name}: " + ", ".join(added))
        else:
            merge.entities_unchanged.append(found.name)
        return found.id


# --- spans ---------------------------------------------------------------------------------

def _same(a: Span, b: Span) -> bool:
    return (a.start, a.end, a.text, dict(a.labels), a.note, a.role or None,
            a.entity_id or None) == (b.start, b.end, b.text, dict(b.labels), b.note,
                                     b.role or None, b.entity_id or None)


def _classify(stored: Span, incoming: Span, recorded: int | None) -> tuple[str, str]:
    """("unchanged" | "update" | "conflict", why) for a span stored here and in the bundle."""
    if _same(stored, incoming):
        return "unchanged", ""
    if stored.version > incoming.version:
        return "conflict", (f"newer here (version {stored.version}) than in the bundle "
                            f"(version {incoming.version})")
    if recorded is not None and stored.version != recorded:
        return "conflict", (f"edited on both sides since the last import (here version "
                            f"{stored.version}, imported at {recorded}; bundle version "
                            f"{incoming.version})")
    if stored.version == incoming.version:
        return "conflict", (f"same version {stored.version} on both sides but different "
                            "content (edited on both sides)")
    return "update", ""


@dataclass(slots=True)
class _Prepared:
    """What the checks before the write transaction found for one bundle (SQLite): its labels
    in this scheme, its spans new here (those naming a registry source stored naming none,
    see ``naming``), and its new curation decisions
    that are rejections or decide one of those spans or of the bundle's spans stored here
    already, all stored in chunks hidden until the merge publishes them (``prestored``,
    ``decided_ahead``: their ids; ``import_id``: the merge's, once it stores them)."""

    labels: dict[str, dict[str, str]]
    new: list[Span]
    decisions: list[Decision]
    # span id -> the bundle's entity id it names: stored ahead naming none, since the merge
    # itself resolves (and may create) the registry source; it then sets them in one batch
    naming: dict[str, str] = field(default_factory=dict)
    import_id: str = ""
    # the annotator's spans on the listed documents and their recorded imported versions, as
    # read while checking: the merge's transaction uses them when ``versions`` (span id ->
    # version and source) is still what it finds, instead of reading them again
    here: dict[str, Span] = field(default_factory=dict)
    recorded: dict[str, int] = field(default_factory=dict)
    versions: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    staging: brepo.OverwriteStaging | None = None  # the spans it may overwrite, staged
    # span id -> (the bundle's span, outcome, why) of its spans here naming no source,
    # classified while checking against ``here``: the same, when that is still current
    planned: dict[str, tuple[Span, str, str]] = field(default_factory=dict)

    @property
    def prestored(self) -> frozenset[str]:
        return frozenset(s.id for s in self.new)

    @property
    def decided_ahead(self) -> frozenset[str]:
        return frozenset(d.id for d in self.decisions)


def _decision(raw: BundleDecision) -> Decision:
    return Decision(raw.id, raw.document_id, raw.span_id, raw.start, raw.end, raw.decision,
                    raw.curated_by, raw.curated_at, raw.curated_from, raw.from_span_ids)


def _prepare(session: Session, file: str, bundle: Bundle, scheme: Scheme,
             mapping: LabelMapping | None,
             staging: brepo.OverwriteStaging | None = None) -> _Prepared:
    """The checks that need no write transaction (documents, labels, covered texts), and what
    can be stored ahead of the merge: the spans new here (naming no source yet: the merge
    resolves, and may create or merge, the registry sources they name); and the decisions
    new here that can be: rejections, and the decisions of those spans or of the bundle's
    spans stored here already (the merge's rules may still skip some: it deletes those
    again). Also what the
    merge's transaction would read first (the annotator's spans here and their imported
    versions), and, in ``staging``, the bundle's content of those of its spans stored here
    that differ from it, which the merge may overwrite."""
    check_documents(session, file, bundle)
    labels = map_labels(file, bundle, scheme, mapping)
    check_texts(session, file, bundle)
    stored = brepo.stored_span_ids(session, [s.id for s in bundle.spans])
    new = [Span(raw.id, raw.document_id, bundle.annotator, raw.start, raw.end, raw.text,
                labels[raw.id], raw.note, raw.created_at, raw.updated_at, raw.version, raw.role)
           for raw in bundle.spans if raw.id not in stored]
    naming = {raw.id: raw.entity_id for raw in bundle.spans
              if raw.id not in stored and raw.entity_id}
    ahead = {s.id for s in new} | {raw.id for raw in bundle.spans if raw.id in stored}
    have = crepo.decisions_by_ids(session, [d.id for d in bundle.decisions])
    decisions = [_decision(raw) for raw in bundle.decisions if raw.id not in have
                 and (raw.span_id is None or raw.span_id in ahead)]
    listed = [d.id for d in bundle.documents]
    here = {s.id: s for s in repo.stream_spans(session, listed, [bundle.annotator])}
    prepared = _Prepared(labels, new, decisions, naming, here=here,
                         recorded=brepo.imported_versions_on(session, bundle.annotator, listed),
                         versions={i: (s.version, s.entity_id) for i, s in here.items()},
                         staging=staging)
    candidates: list[tuple[Span, str | None]] = []
    for raw in bundle.spans:
        if raw.id not in here:
            continue
        span = _incoming(raw, bundle.annotator, labels)
        if raw.entity_id:  # its source is resolved by the merge: classified there
            candidates.append((span, raw.entity_id))
            continue
        outcome, why = _classify(here[raw.id], span, prepared.recorded.get(raw.id))
        prepared.planned[raw.id] = (span, outcome, why)
        if outcome == "update":
            candidates.append((span, None))
    if staging is not None:
        staging.stage(candidates)
    return prepared


def _incoming(raw: BundleSpan, annotator: str, labels: Mapping[str, Mapping[str, str]],
              entity_id: str | None = None) -> Span:
    """A bundle span as it would be stored here (``entity_id``: the source here it names)."""
    return Span(raw.id, raw.document_id, annotator, raw.start, raw.end, raw.text,
                dict(labels[raw.id]), raw.note, raw.created_at, raw.updated_at, raw.version,
                raw.role, entity_id)


class _Merge:
    """One bundle merged into the open write transaction."""

    def __init__(self, session: Session, file: str, bundle: Bundle, scheme: Scheme,
                 mapping: LabelMapping | None, counts: _Counts,
                 tick: Callable[[int], None] = lambda _n: None,
                 prepared: _Prepared | None = None, created: bool = False) -> None:
        self.session, self.file, self.bundle = session, file, bundle
        self.scheme, self.mapping, self.counts = scheme, mapping, counts
        self.tick = tick  # spans merged so far: progress, and the chance to cancel
        self.report = AnnotatorMerge(file, bundle.annotator)
        self.annotator = bundle.annotator
        self.prepared = prepared
        self.created = created  # the annotator was created for this merge, ahead of it
        self.current = False  # the spans read ahead (``prepared.here``) are still current

    def run(self) -> AnnotatorMerge:
        session, bundle, report = self.session, self.bundle, self.report
        check_documents(session, self.file, bundle)  # again: a document deleted meanwhile
        if self.prepared is None:
            labels = map_labels(self.file, bundle, self.scheme, self.mapping)
            check_texts(session, self.file, bundle)
            prestored: frozenset[str] = frozenset()
        else:  # checked already (a text never changes), and some spans stored ahead
            labels, prestored = self.prepared.labels, self.prepared.prestored
        report.scheme = _scheme_note(bundle, self.scheme)
        incoming = {s.id: s for s in bundle.spans}
        listed = [d.id for d in bundle.documents]
        # the annotator's spans on the listed documents, then any other span a bundle id names;
        # those read while checking, if none of them changed since (nor was added or deleted)
        ahead = self.prepared
        current = self.current = ahead is not None and \
            brepo.span_versions(session, self.annotator, listed) == ahead.versions
        here = ahead.here if ahead is not None and current else \
            {s.id: s for s in repo.stream_spans(session, listed, [self.annotator])}
        others = brepo.spans_by_ids(session, [sid for sid in incoming if sid not in here
                                              and sid not in prestored])
        if session.get_bind().dialect.name != "sqlite":
            # a server reads committed rows without locking them: a desk's edit committed
            # between this read and the merge's UPDATE (or DELETE) was overwritten unseen.
            # Locked and read again, each span is classified as it is now, and a desk's edit
            # waits for the merge (SQLite's write transaction holds the whole database)
            locked = crepo.lock_spans(session, [*here, *others])
            here = {sid: locked[sid] for sid in here if sid in locked}
            others = {sid: locked[sid] for sid in others if sid in locked}
        stored = {sid: here[sid] for sid in incoming if sid in here}
        stored.update(others)
        owned = [f"span {sid} belongs to annotator {s.annotator!r} here; a bundle of "
                 f"{self.annotator!r} cannot change it"
                 for sid, s in stored.items() if s.annotator != self.annotator]
        owned += [f"span {sid} is in document {s.document_id} here, not "
                  f"{incoming[sid].document_id}" for sid, s in stored.items()
                  if s.annotator == self.annotator and s.document_id != incoming[sid].document_id]
        if owned:
            raise _problems(self.file, "the bundle would change spans it does not own", owned)
        report.annotator_created = self.created or \
            repo.find_annotator(session, self.annotator) is None
        registry = _Registry(session, held=session.get_bind().dialect.name == "sqlite")
        entity_ids = {e.id: registry.resolve(e, report) for e in bundle.entities}
        registry.flush()
        if self.prepared is not None:  # the sources of the new spans stored ahead, now known
            brepo.name_entities(session, self.prepared.naming, entity_ids)
        # the versions recorded at the last import: of the annotator's spans here (one read),
        # and of any other stored span the bundle names
        recorded = dict(ahead.recorded) if ahead is not None and current else \
            brepo.imported_versions_on(session, self.annotator, listed)
        recorded.update(brepo.imported_versions(session, [i for i in stored if i not in here]))
        imported: dict[str, int] = {}
        new: list[Span] = []
        updates: list[Span] = []
        planned = ahead.planned if ahead is not None and current else {}
        for n, (span_id, raw) in enumerate(incoming.items()):
            if n % PROGRESS_EVERY == 0:
                self.tick(n)
            if span_id in prestored:  # new here, stored ahead with its imported version (its
                report.added.append(span_id)  # id is taken: it cannot have become otherwise)
                self.counts.bump(self.counts.added, raw.document_id, self.annotator)
                continue
            known = planned.get(span_id)
            if known is not None:  # classified while checking, against the same span here
                span, outcome, why = known
                before = here[span_id]
            else:
                span = _incoming(raw, self.annotator, labels,
                                 entity_ids.get(raw.entity_id) if raw.entity_id else None)
                found = stored.get(span_id)
                if found is None:
                    new.append(span)
                    report.added.append(span_id)
                    self.counts.bump(self.counts.added, span.document_id, self.annotator)
                    imported[span_id] = span.version
                    continue
                before = found
                outcome, why = _classify(before, span, recorded.get(span_id))
            if outcome == "conflict":
                report.conflicts[span_id] = why
            elif outcome == "update":
                updates.append(span)
                report.updated.append(span_id)
                self.counts.bump(self.counts.changed, span.document_id, self.annotator)
                imported[span_id] = span.version
            else:
                report.unchanged.append(span_id)
                if recorded.get(span_id) != before.version:
                    imported[span_id] = before.version
        staged = ahead.staging if ahead is not None and ahead.staging is not None else None
        if staged is not None:  # one statement, the content staged while checking
            applied = [s.id for s in updates if s.id in staged.ids]
            staged.apply(session, applied, entity_ids, utcnow())
            updates = [s for s in updates if s.id not in staged.ids]
            for span_id in applied:
                del imported[span_id]
        brepo.overwrite_spans(session, updates)
        brepo.add_spans_at(session, self.annotator, new)
        self._delete_absent(here, incoming, recorded)
        brepo.record_imported(session, imported)
        self._links(incoming)
        self._statuses()
        self._decisions()
        return report

    def _decisions(self) -> None:
        """Store the bundle's decisions this database lacks, by the rules in the docstring."""
        wanted = self.bundle.decisions
        if not wanted:
            return
        report, session = self.report, self.session
        # stored ahead, hidden: not among those "here" (every read of decisions hides them);
        # one whose span a desk deleted meanwhile went with it (ON DELETE CASCADE), which
        # only a change among the spans read ahead can tell (``self.current``)
        prepared = self.prepared
        ahead: frozenset[str] = frozenset()
        if prepared is not None and prepared.decisions:
            safe = prepared.prestored | prepared.here.keys() if self.current else frozenset()
            ahead = prepared.decided_ahead if all(
                d.span_id is None or d.span_id in safe for d in prepared.decisions) else \
                brepo.still_stored(session, prepared.decided_ahead, prepared.import_id)
        dropped: list[str] = []
        have = crepo.decisions_by_ids(session, [d.id for d in wanted])
        # the first decision here (in the order listed) of each span and of each passage
        by_span: dict[tuple[str, str], Decision] = {}
        by_passage: dict[tuple[str, int, int], Decision] = {}

        def note(decision: Decision) -> None:
            if decision.span_id is not None:
                by_span.setdefault((decision.document_id, decision.span_id), decision)
            by_passage.setdefault((decision.document_id, decision.start, decision.end),
                                  decision)

        for decision in crepo.list_decisions(session, sorted({d.document_id for d in wanted})):
            note(decision)
        new: list[Decision] = []
        for raw in wanted:
            if raw.id in have:
                report.decisions_unchanged += 1
                continue
            why = ""
            if raw.span_id is not None and raw.span_id in report.conflicts:
                why = f"its gold span {raw.span_id} was not merged (a conflict)"
            elif raw.span_id is not None:
                other = by_span.get((raw.document_id, raw.span_id))
                if other is not None:
                    why = (f"span {raw.span_id} already has decision {other.id} here "
                           f"({other.decision}, by {other.curated_by})")
            else:
                other = by_passage.get((raw.document_id, raw.start, raw.end))
                if other is not None:
                    why = (f"the passage {raw.start}:{raw.end} is already decided here "
                           f"({other.decision}, by {other.curated_by})")
            if why:
                report.decisions_skipped[raw.id] = why
                if raw.id in ahead:
                    dropped.append(raw.id)
                continue
            decision = _decision(raw)
            if raw.id not in ahead:
                new.append(decision)
            note(decision)
            report.decisions_added.append(raw.id)
            self.counts.curation.add(raw.document_id)
        crepo.store_decisions(session, new)
        crepo.delete_gold(session, dropped, ())

    def _delete_absent(self, here: Mapping[str, Span], incoming: Mapping[str, BundleSpan],
                       recorded: Mapping[str, int]) -> None:
        gone: list[str] = []
        for span_id, span in here.items():
            if span_id in incoming:
                continue
            was = recorded.get(span_id)
            if was is None:
                self.report.kept[span_id] = "never came from a bundle (made in this database)"
            elif span.version != was:
                self.report.kept[span_id] = (f"edited here since it was imported (version "
                                             f"{span.version}, imported at {was})")
            else:
                gone.append(span_id)
                self.report.deleted.append(span_id)
                self.counts.bump(self.counts.removed, span.document_id, self.annotator)
        brepo.delete_spans(self.session, gone)

    def _links(self, incoming: Mapping[str, BundleSpan]) -> None:
        """The merged spans' links become the bundle's; conflicting spans keep theirs. The
        stored links are read once, so only the differences cost a write."""
        wanted = {(link.from_span, LinkKind(link.kind)): link.to_span
                  for link in self.bundle.links}
        documents = sorted({s.document_id for s in incoming.values()})
        have = {(link.from_span, link.kind): link.to_span
                for link in arepo.links_in(self.session, documents, [self.annotator])}
        merged = {sid for sid in incoming if sid not in self.report.conflicts}
        for key in sorted(k for k in have.keys() - wanted.keys() if k[0] in merged):
            arepo.remove_link(self.session, *key)
            self.report.links_removed += 1
        for (span_id, kind), target in sorted(wanted.items()):
            if span_id in merged and have.get((span_id, kind)) != target:
                arepo.put_link(self.session, Link(span_id, kind, target))
                self.report.links_set += 1

    def _statuses(self) -> None:
        current = repo.document_statuses(self.session, self.annotator)
        for doc in self.bundle.documents:
            if doc.status is not None and current.get(doc.id) != DocumentStatus(doc.status):
                repo.set_document_status(self.session, doc.id, self.annotator,
                                         DocumentStatus(doc.status))
                self.report.statuses_set += 1


def _check_all_links(session: Session, file_of: Mapping[str, str],
                     documents: Mapping[str, set[str]]) -> None:
    """The links of every merged annotator on the documents the merge touched, by the rules
    every link follows."""
    for annotator, docs in documents.items():
        # one read of the links and one of their ends, not two per document: this runs
        # inside the merge's write transaction
        links = arepo.links_in(session, sorted(docs), [annotator])
        ends = arepo.span_ends(session, {i for k in links for i in (k.from_span, k.to_span)})
        by_document: dict[str, list[Link]] = defaultdict(list)
        for link in links:
            by_document[ends[link.from_span].document_id].append(link)
        problems: list[str] = []
        for doc in sorted(by_document):
            problems += check_links(ends, by_document[doc])
        if problems:
            raise _problems(file_of[annotator], "the merged links break the rules of "
                            "attribution", problems)


# --- the service -----------------------------------------------------------------------------

def read_bundles(paths: Sequence[Path | str],
                 progress: Callable[[int, int, str], None] | None = None) -> list[Bundle]:
    """Read every file first; two bundles of one annotator (or sharing a span) are refused."""
    bundles: list[Bundle] = []
    owners: dict[str, str] = {}
    spans: dict[str, str] = {}
    for n, path in enumerate(paths):
        if progress is not None:
            progress(n, len(paths), str(path))
        bundle = read_bundle(Path(path))
        if bundle.annotator in owners:
            raise FormatError(str(path), f"a second bundle of annotator {bundle.annotator!r} "
                              f"(the first is {owners[bundle.annotator]}); merge one at a time")
        owners[bundle.annotator] = str(path)
        for span in bundle.spans:
            if span.id in spans:
                raise FormatError(str(path), f"span {span.id} is also in {spans[span.id]}; "
                                  "nothing was imported")
            spans[span.id] = str(path)
        bundles.append(bundle)
    return bundles


def import_bundles(database: Database, paths: Sequence[Path | str],
                   mapping: LabelMapping | None = None, *, dry_run: bool = False,
                   progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> BundleMergeReport:
    """Merge every bundle in one transaction, or none (on SQLite with its new spans stored
    ahead in hidden chunks: see the module's note). ``dry_run`` (the preview) does the same
    work and leaves nothing, so its report is exactly what the merge would do: on SQLite it
    stores ahead in hidden chunks too, rolls its last transaction back and deletes what the
    chunks stored, since one write transaction for the whole preview kept every desk from
    saving for its length (seconds for 20,000 spans). On a server it is one transaction,
    rolled back: row locks and MVCC let desks write meanwhile, so chunks would gain nothing."""
    if not paths:
        raise FormatError("bundle import", "no bundle files given")

    def checkpoint(done: int, total: int, text: str) -> None:
        if progress is not None:
            progress(done, total, text)
        if cancelled is not None and cancelled():
            raise Cancelled(CANCELLED_MESSAGE)

    bundles = read_bundles(paths, checkpoint)
    report = BundleMergeReport(dry_run=dry_run)
    target = database.rolled_back() if dry_run else database
    if not target.is_sqlite:  # a server: one transaction (see the module's note)
        with target.write() as session:
            _merge_all(session, paths, bundles, mapping, report, checkpoint)
        return report
    with staged_import(target) as unit, brepo.overwrite_staging(unit.connection) as staging:
        with unit.checking() as session:  # no write lock: desks keep saving
            scheme = repo.load_scheme(session)
            assert scheme is not None
            if mapping is not None:
                check_mapping(mapping, scheme, "the label mapping")
            prepared = [_prepare(session, str(path), bundle, scheme, mapping, staging)
                        for path, bundle in zip(paths, bundles, strict=True)]
        if not staging.ids and not any(p.new or p.decisions for p in prepared):
            # nothing to store ahead nor to overwrite (the staged content is on the import's
            # connection: its last step applies it)
            with target.write() as session:
                _merge_all(session, paths, bundles, mapping, report, checkpoint,
                           (scheme, prepared))
            return report
        with unit.publishing("bundle", ", ".join(map(str, paths)),
                             dry_run_in_chunks=True) as publication:
            with publication.early() as session:  # committed at once: see its note
                created = set(repo.create_annotators(
                    session, [b.annotator for b, p in zip(bundles, prepared, strict=True)
                              if p.new], publication.import_id))
            total, done = sum(len(p.new) + len(p.decisions) for p in prepared), 0
            for bundle, ahead in zip(bundles, prepared, strict=True):
                ahead.import_id = publication.import_id

                def stored(n: int, before: int = done, who: str = bundle.annotator,
                           what: str = "new spans") -> None:
                    checkpoint(before + n, total, f"storing {who}'s {what}")

                brepo.store_new_spans(publication, bundle.annotator, ahead.new, stored)
                done += len(ahead.new)
                brepo.store_new_decisions(publication, ahead.decisions,
                                          partial(stored, before=done,
                                                  what="curation decisions"))
                done += len(ahead.decisions)
            with unit.last_step(publication) as session:  # the merge, and the publishing flip

                def publish(session: Session = session) -> None:
                    pending.publish(session.connection(), publication.import_id)

                _merge_all(session, paths, bundles, mapping, report, checkpoint,
                           (scheme, prepared), created, publish)
    return report


def _merge_all(session: Session, paths: Sequence[Path | str], bundles: Sequence[Bundle],
               mapping: LabelMapping | None, report: BundleMergeReport,
               checkpoint: Callable[[int, int, str], None],
               ahead: tuple[Scheme, Sequence[_Prepared]] | None = None,
               created: set[str] | frozenset[str] = frozenset(),
               before_link_checks: Callable[[], None] = lambda: None) -> None:
    """Merge every bundle in the open write transaction. ``ahead``: the scheme the bundles
    were checked against and what the checks prepared (new spans stored already, hidden);
    ``created``: annotators created ahead; ``before_link_checks`` runs once every bundle is
    merged, before the checks of the links, which read the merged spans."""
    counts = _Counts()
    repo.lock_for_import(session)
    scheme = repo.load_scheme(session)
    assert scheme is not None
    if ahead is not None and ahead[0] != scheme:
        raise FormatError(str(paths[0]), "the scheme changed while the bundles were being "
                          "checked; nothing was imported")
    prepared = None if ahead is None else ahead[1]
    if mapping is not None:
        check_mapping(mapping, scheme, "the label mapping")
    annotators_before = {a.name for a in repo.list_annotators(session)}
    file_of: dict[str, str] = {}
    touched: dict[str, set[str]] = {}
    total = sum(len(b.spans) for b in bundles)
    done = 0
    for n, (path, bundle) in enumerate(zip(paths, bundles, strict=True)):
        def tick(k: int, before: int = done, who: str = bundle.annotator) -> None:
            checkpoint(before + k, total, f"merging {who}'s spans")

        merge = _Merge(session, str(path), bundle, scheme, mapping, counts, tick,
                       None if prepared is None else prepared[n], bundle.annotator in created)
        report.merges.append(merge.run())
        file_of[bundle.annotator] = str(path)
        touched[bundle.annotator] = {s.document_id for s in bundle.spans}
        done += len(bundle.spans)
    session.flush()
    before_link_checks()
    _check_all_links(session, file_of, touched)
    checkpoint(total, total, "checking links")
    report.changes = Changes(
        spans_added=dict(counts.added), spans_changed=dict(counts.changed),
        spans_removed=dict(counts.removed),
        curation_documents=frozenset(counts.curation),
        annotators_added=frozenset(
            {a.name for a in repo.list_annotators(session)} - annotators_before))
