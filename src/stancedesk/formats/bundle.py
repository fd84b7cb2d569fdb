"""Annotator bundles: one annotator's complete work on a corpus, in one self-describing JSON file.

A bundle carries what a lead needs to merge an annotator's laptop into the team's database and
to check that both hold the same thing: the documents (id and SHA-256 of the text, with the
title and source file for messages), the scheme with its version and fingerprint, the
annotator's spans (with their ids and versions, so a merge can tell an edit from a repeat), the
links among them, the registry entities they name, and who wrote it when with which StanceDesk.
The gold annotator's bundle also carries the curation decisions behind its spans (format version
2), so a gold standard curated on one laptop keeps who decided what, when and from whose spans
in the team's database; every other bundle stays version 1, readable by older StanceDesks.

The layout is plain JSON with one span, link, entity or document per line, so a bundle reads
in a text editor and two bundles of the same annotator diff line by line. Reading is hardened
like every other reader: a size limit before anything is decoded, strict UTF-8, no NUL or lone
surrogate anywhere, nesting bounded, and every field's type and range checked, each problem
named with its record (``spans[12]``). This module knows neither the database nor Qt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

from stancedesk.formats.errors import FormatError
from stancedesk.formats.grouping import load_json
from stancedesk.formats.text import decode_utf8, storable_json

BUNDLE_FORMAT = "stancedesk-bundle"
FORMAT_VERSION = 2  # the highest this reader understands; 2 adds "decisions"
PLAIN_VERSION = 1  # what a bundle without decisions is written as
SUFFIX = ".stancedesk-bundle.json"
# far above any real annotator's work (a million spans is about 400 MB), and a bound on what a
# hostile file can make the reader hold
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MAX_INT = 2**31 - 1  # offsets and versions are 32-bit integers on every database
MAX_ID = 36  # span and entity ids are String(36) columns
ROLES = ("source", "claim", "cue")
LINK_KINDS = ("attributed_to", "via", "cue")
STATUSES = ("in_progress", "done")
DECISIONS = ("unanimous", "majority", "curator", "rejected")  # domain.curation.DECISION_KINDS
# a JSON escape of NUL or of a UTF-16 surrogate (a pair is fine, but is checked the slow way)
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_TOP_KEYS = ("format", "format_version", "tool", "exported_at", "annotator", "scheme",
             "documents", "entities", "spans", "links", "decisions")


@dataclass(frozen=True, slots=True)
class BundleScheme:
    name: str
    version: int
    sha256: str  # domain.scheme.Scheme.fingerprint() of ``definition``
    definition: Mapping[str, Any]  # Scheme.to_dict(), parsed by the service


@dataclass(frozen=True, slots=True)
class BundleDocument:
    id: str
    sha256: str
    title: str = ""
    source_file: str = ""
    status: str | None = None  # the annotator's mark (in_progress, done), if any

    def describe(self) -> str:
        """How a message names the document: its id and where it came from."""
        origin = ", ".join(repr(v) for v in (self.source_file, self.title) if v)
        return f"{self.id} ({origin})" if origin else self.id


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade the registry shows for an entity: given by the annotator in a document."""

    document_id: str
    grade: str
    at: str  # ISO 8601


@dataclass(frozen=True, slots=True)
class BundleEntity:
    id: str
    name: str
    sourcing: str = ""
    aliases: tuple[str, ...] = ()
    notes: str = ""
    grades: tuple[Grade, ...] = ()  # informational: grades live in the spans' labels


@dataclass(frozen=True, slots=True)
class BundleSpan:
    id: str
    document_id: str
    start: int
    end: int
    text: str
    labels: Mapping[str, str]
    note: str
    role: str | None
    entity_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BundleLink:
    from_span: str
    kind: str
    to_span: str


@dataclass(frozen=True, slots=True)
class BundleDecision:
    """A curator's decision on a passage: the gold span it produced (None: every version was
    rejected), who decided when, and from which annotators' spans."""

    id: str
    document_id: str
    span_id: str | None
    start: int
    end: int
    decision: str
    curated_by: str
    curated_at: datetime
    curated_from: tuple[str, ...] = ()
    from_span_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class Bundle:
    annotator: str
    scheme: BundleScheme
    tool_version: str
    exported_at: datetime
    documents: list[BundleDocument] = field(default_factory=list)
    entities: list[BundleEntity] = field(default_factory=list)
    spans: list[BundleSpan] = field(default_factory=list)
    links: list[BundleLink] = field(default_factory=list)
    decisions: list[BundleDecision] = field(default_factory=list)
    format_version: int = PLAIN_VERSION
    tool: str = "stancedesk"


# --- writing ---------------------------------------------------------------------------------

def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _span_json(span: BundleSpan) -> dict[str, Any]:
    return {"id": span.id, "document_id": span.document_id, "start": span.start,
            "end": span.end, "text": span.text, "labels": dict(span.labels), "note": span.note,
            "role": span.role, "entity_id": span.entity_id, "version": span.version,
            "created_at": iso(span.created_at), "updated_at": iso(span.updated_at)}


def _document_json(doc: BundleDocument) -> dict[str, Any]:
    return {"id": doc.id, "sha256": doc.sha256, "title": doc.title,
            "source_file": doc.source_file, "status": doc.status}


def _entity_json(entity: BundleEntity) -> dict[str, Any]:
    return {"id": entity.id, "name": entity.name, "sourcing": entity.sourcing,
            "aliases": list(entity.aliases), "notes": entity.notes,
            "grades": [{"document_id": g.document_id, "grade": g.grade, "at": g.at}
                       for g in entity.grades]}


def _decision_json(decision: BundleDecision) -> dict[str, Any]:
    return {"id": decision.id, "document_id": decision.document_id, "span_id": decision.span_id,
            "start": decision.start, "end": decision.end, "decision": decision.decision,
            "curated_by": decision.curated_by, "curated_at": iso(decision.curated_at),
            "curated_from": list(decision.curated_from),
            "from_span_ids": list(decision.from_span_ids)}


def write_bundle(bundle: Bundle, out: IO[str],
                 progress: Callable[[int], None] | None = None) -> None:
    """The bundle as JSON: the header indented, then each list with one item per line (a
    changed span is one changed line in a diff). ``progress(spans written)`` every 1,000.
    Only a bundle with decisions is written as version 2 and has the "decisions" list."""
    version = FORMAT_VERSION if bundle.decisions else PLAIN_VERSION
    head = {"format": BUNDLE_FORMAT, "format_version": version,
            "tool": {"name": bundle.tool, "version": bundle.tool_version},
            "exported_at": iso(bundle.exported_at), "annotator": bundle.annotator,
            "scheme": {"name": bundle.scheme.name, "version": bundle.scheme.version,
                       "sha256": bundle.scheme.sha256,
                       "definition": bundle.scheme.definition}}
    out.write("{\n")
    for key, value in head.items():
        out.write(f'  "{key}": {_line(value)},\n')

    def items(key: str, rows: Sequence[Any], last: bool = False,
              report: Callable[[int], None] | None = None) -> None:
        out.write(f'  "{key}": [')
        for i, row in enumerate(rows):
            out.write(("\n    " if i == 0 else ",\n    ") + _line(row))
            if report is not None and (i + 1) % 1000 == 0:
                report(i + 1)
        out.write("\n  ]" if rows else "]")
        out.write("\n" if last else ",\n")

    items("documents", [_document_json(d) for d in bundle.documents])
    items("entities", [_entity_json(e) for e in bundle.entities])
    items("spans", [_span_json(s) for s in bundle.spans], report=progress)
    items("links", [{"from": k.from_span, "kind": k.kind, "to": k.to_span}
                    for k in bundle.links], last=not bundle.decisions)
    if bundle.decisions:
        items("decisions", [_decision_json(d) for d in bundle.decisions], last=True)
    out.write("}\n")


# --- reading ---------------------------------------------------------------------------------

class _Fields:
    """Typed access to one JSON object, every failure naming the record and the key."""

    def __init__(self, file: str, where: str, raw: Any, allowed: Sequence[str]) -> None:
        self.file, self.where = file, where
        if not isinstance(raw, dict):
            self.fail("must be a JSON object")
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            self.fail(f"unknown key(s) {', '.join(repr(k) for k in unknown)}")
        self.raw: dict[str, Any] = raw

    def fail(self, problem: str) -> NoReturn:
        raise FormatError(self.file, f"{self.where}: {problem}")

    def text(self, key: str, *, required: bool = True, empty: bool = True,
             limit: int | None = None) -> str:
        value = self.raw.get(key, None if required else "")
        if value is None and not required:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{key!r} must be a string")
        assert isinstance(value, str)
        if not empty and not value.strip():
            self.fail(f"{key!r} must not be empty")
        if limit is not None and len(value) > limit:
            self.fail(f"{key!r} is longer than {limit} characters")
        return value

    def optional(self, key: str, choices: Sequence[str] | None = None,
                 limit: int | None = None) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.fail(f"{key!r} must be a string or null")
        assert isinstance(value, str)
        if choices is not None and value not in choices:
            self.fail(f"{key!r} is {value!r}, not one of {', '.join(choices)}")
        if limit is not None and len(value) > limit:
            self.fail(f"{key!r} is longer than {limit} characters")
        return value

    def integer(self, key: str, low: int = 0, high: int = MAX_INT) -> int:
        value = self.raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(f"{key!r} must be a whole number")
        assert isinstance(value, int)
        if not low <= value <= high:
            self.fail(f"{key!r} is {value}, outside {low}..{high}")
        return value

    def time(self, key: str) -> datetime:
        value = self.text(key, empty=False, limit=64)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(UTC) if parsed.tzinfo is not None \
                else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError):
            self.fail(f"{key!r} is {value!r}, not an ISO 8601 time")

    def strings(self, key: str) -> list[str]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{key!r} must be a list of strings")
        return list(value)

    def objects(self, key: str) -> list[Any]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{key!r} must be a list")
        return list(value)


def _document(file: str, i: int, raw: Any) -> BundleDocument:
    f = _Fields(file, f"documents[{i}]", raw, ("id", "sha256", "title", "source_file",
                                               "status"))
    sha = f.text("sha256", empty=False, limit=64)
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        f.fail("'sha256' must be 64 lower-case hexadecimal digits")
    return BundleDocument(f.text("id", empty=False, limit=MAX_ID), sha,
                          f.text("title", required=False), f.text("source_file", required=False),
                          f.optional("status", STATUSES))


def _entity(file: str, i: int, raw: Any) -> BundleEntity:
    f = _Fields(file, f"entities[{i}]", raw, ("id", "name", "sourcing", "aliases", "notes",
                                              "grades"))
    grades: list[Grade] = []
    for j, graw in enumerate(f.objects("grades")):
        g = _Fields(file, f"entities[{i}].grades[{j}]", graw, ("document_id", "grade", "at"))
        grades.append(Grade(g.text("document_id", limit=MAX_ID), g.text("grade"),
                            g.text("at", required=False, limit=64)))
    return BundleEntity(f.text("id", empty=False, limit=MAX_ID), f.text("name", empty=False),
                        f.text("sourcing", required=False, limit=100),
                        tuple(f.strings("aliases")), f.text("notes", required=False),
                        tuple(grades))


def _span(file: str, i: int, raw: Any) -> BundleSpan:
    where = f"spans[{i}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where += f" (id {raw['id'][:MAX_ID]})"
    f = _Fields(file, where, raw, ("id", "document_id", "start", "end", "text", "labels",
                                   "note", "role", "entity_id", "version", "created_at",
                                   "updated_at"))
    start, end = f.integer("start"), f.integer("end")
    if end < start:
        f.fail(f"'end' ({end}) is before 'start' ({start})")
    labels = f.raw.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        f.fail("'labels' must be an object of layer: value strings")
    text = f.text("text")
    if len(text) != end - start:
        f.fail(f"'text' has {len(text)} characters but the span covers {end - start}")
    role = f.optional("role", ROLES)
    entity = f.optional("entity_id", limit=MAX_ID)
    if entity is not None and role != "source":
        f.fail(f"only a source can name a registry entity, not a {role or 'span without a role'}")
    return BundleSpan(f.text("id", empty=False, limit=MAX_ID),
                      f.text("document_id", empty=False, limit=MAX_ID), start, end, text,
                      {k: v for k, v in labels.items() if v != ""}, f.text("note", required=False),
                      role, entity, f.integer("version", low=1), f.time("created_at"),
                      f.time("updated_at"))


def _link(file: str, i: int, raw: Any) -> BundleLink:
    f = _Fields(file, f"links[{i}]", raw, ("from", "kind", "to"))
    kind = f.optional("kind", LINK_KINDS)
    if kind is None:
        f.fail("'kind' is missing")
    assert kind is not None
    return BundleLink(f.text("from", empty=False, limit=MAX_ID), kind,
                      f.text("to", empty=False, limit=MAX_ID))


def _decision(file: str, i: int, raw: Any) -> BundleDecision:
    where = f"decisions[{i}]"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        where += f" (id {raw['id'][:MAX_ID]})"
    f = _Fields(file, where, raw, ("id", "document_id", "span_id", "start", "end",
                                               "decision", "curated_by", "curated_at",
                                               "curated_from", "from_span_ids"))
    start, end = f.integer("start"), f.integer("end")
    if end < start:
        f.fail(f"'end' ({end}) is before 'start' ({start})")
    kind = f.optional("decision", DECISIONS)
    if kind is None:
        f.fail("'decision' is missing")
    assert kind is not None
    span = f.optional("span_id", limit=MAX_ID)
    if (span is None) != (kind == "rejected"):
        f.fail("a rejection has no span and every other decision has one" if span is None
               else f"a rejection cannot name a span ({span})")
    return BundleDecision(f.text("id", empty=False, limit=MAX_ID),
                          f.text("document_id", empty=False, limit=MAX_ID), span, start, end,
                          kind, f.text("curated_by", empty=False, limit=200),
                          f.time("curated_at"), tuple(f.strings("curated_from")),
                          tuple(f.strings("from_span_ids")))


def _unique(file: str, what: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise FormatError(file, f"{what}[{i}]: id {item} is given twice")
        seen.add(item)


def parse_bundle(data: Any, file: str) -> Bundle:
    """A bundle from decoded JSON, refusing anything a merge could not trust."""
    top = _Fields(file, "the bundle", data, _TOP_KEYS)
    if data.get("format") != BUNDLE_FORMAT:
        raise FormatError(file, f"not a StanceDesk bundle ('format' must be {BUNDLE_FORMAT!r})")
    version = top.integer("format_version", low=1)
    if version > FORMAT_VERSION:
        raise FormatError(file, f"bundle format version {version} was written by a newer "
                          f"StanceDesk (this one reads up to {FORMAT_VERSION}); update it")
    tool = _Fields(file, "tool", data.get("tool"), ("name", "version"))
    annotator = top.text("annotator", empty=False, limit=200).strip()
    scheme_raw = _Fields(file, "scheme", data.get("scheme"),
                         ("name", "version", "sha256", "definition"))
    definition = scheme_raw.raw.get("definition")
    if not isinstance(definition, dict):
        scheme_raw.fail("'definition' must be a JSON object (a scheme file)")
    scheme = BundleScheme(scheme_raw.text("name", required=False),
                          scheme_raw.integer("version", low=0),
                          scheme_raw.text("sha256", required=False, limit=64), definition)
    bundle = Bundle(annotator, scheme, tool.text("version", required=False, limit=100),
                    top.time("exported_at"), format_version=version,
                    tool=tool.text("name", required=False, limit=100))
    bundle.documents = [_document(file, i, r) for i, r in enumerate(top.objects("documents"))]
    bundle.entities = [_entity(file, i, r) for i, r in enumerate(top.objects("entities"))]
    bundle.spans = [_span(file, i, r) for i, r in enumerate(top.objects("spans"))]
    bundle.links = [_link(file, i, r) for i, r in enumerate(top.objects("links"))]
    if "decisions" in data and version < 2:
        raise FormatError(file, "'decisions' needs bundle format version 2; was the file "
                          "edited by hand?")
    bundle.decisions = [_decision(file, i, r) for i, r in enumerate(top.objects("decisions"))]
    _unique(file, "documents", [d.id for d in bundle.documents])
    _unique(file, "entities", [e.id for e in bundle.entities])
    _unique(file, "spans", [s.id for s in bundle.spans])
    _unique(file, "decisions", [d.id for d in bundle.decisions])
    _check_references(bundle, file)
    return bundle


def _check_references(bundle: Bundle, file: str) -> None:
    """Every span in a listed document, every entity and link end present in the bundle."""
    documents = {d.id for d in bundle.documents}
    entities = {e.id for e in bundle.entities}
    spans = {s.id for s in bundle.spans}
    for i, span in enumerate(bundle.spans):
        if span.document_id not in documents:
            raise FormatError(file, f"spans[{i}] (id {span.id}): document {span.document_id} "
                              "is not in the bundle's documents")
        if span.entity_id is not None and span.entity_id not in entities:
            raise FormatError(file, f"spans[{i}] (id {span.id}): entity {span.entity_id} is "
                              "not in the bundle's entities")
    for i, link in enumerate(bundle.links):
        for end in (link.from_span, link.to_span):
            if end not in spans:
                raise FormatError(file, f"links[{i}]: no span {end} in the bundle")
    by_span: dict[str, str] = {}
    for i, decision in enumerate(bundle.decisions):
        if decision.document_id not in documents:
            raise FormatError(file, f"decisions[{i}] (id {decision.id}): document "
                              f"{decision.document_id} is not in the bundle's documents")
        if decision.span_id is None:
            continue
        if decision.span_id not in spans:
            raise FormatError(file, f"decisions[{i}] (id {decision.id}): no span "
                              f"{decision.span_id} in the bundle")
        if decision.span_id in by_span:
            raise FormatError(file, f"decisions[{i}] (id {decision.id}): span {decision.span_id} "
                              f"already has decision {by_span[decision.span_id]}")
        by_span[decision.span_id] = decision.id


def _load(text: str, file: str) -> Any:
    """The decoded JSON. Raw NUL bytes and invalid UTF-8 are refused by ``decode_utf8``, so an
    unstorable string can only come from a ``\\u0000`` or surrogate escape: without one, only
    the scheme (the one free-form part; everything else is checked field by field) needs the
    walk over every string and its depth, which otherwise costs more than the parse itself."""
    if _UNSTORABLE_ESCAPE.search(text) is not None:
        return load_json(text, file)  # the full walk names the first bad string
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(file, f"malformed JSON: {exc.msg} (column {exc.colno})",
                          exc.lineno) from None
    except RecursionError:
        raise FormatError(file, "the JSON is nested too deeply to read") from None
    if isinstance(value, dict) and isinstance(value.get("scheme"), dict):
        storable_json(value["scheme"], file)
    return value


def read_bundle_bytes(data: bytes, file: str) -> Bundle:
    if len(data) > MAX_BUNDLE_BYTES:
        raise FormatError(file, f"the file is larger than {MAX_BUNDLE_BYTES // 2**20} MB, more "
                          "than a bundle can hold; is it a bundle?")
    return parse_bundle(_load(decode_utf8(data, file), file), file)


def read_bundle(path: Path) -> Bundle:
    """Read and check a bundle file (the size is checked before a byte is read)."""
    file = str(path)
    if path.is_dir():
        raise FormatError(file, "a bundle is a file, not a folder")
    try:
        size = path.stat().st_size
        if size > MAX_BUNDLE_BYTES:
            raise FormatError(file, f"the file is larger than {MAX_BUNDLE_BYTES // 2**20} MB, "
                              "more than a bundle can hold; is it a bundle?")
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(file, f"cannot read the file: {exc.strerror or exc}") from None
    return read_bundle_bytes(data, file)
