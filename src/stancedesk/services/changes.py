"""What a write changed, so that every view refreshes exactly what it shows.

Each service write (a span created, changed or deleted; a corpus, scheme or annotation import; a
new annotator) returns a ``Changes`` next to its usual result. The desk sends it through one
signal; the document list, the span table, the annotator menus and the agreement dashboard each
look at the part they show, instead of being told "reload" by whoever made the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stancedesk.domain import Span

# document id -> annotator -> how many of their spans: enough for every view (which documents to
# refresh, how counts move) without holding the ids of a million imported spans
SpanCounts = Mapping[str, Mapping[str, int]]


def _merge(a: SpanCounts, b: SpanCounts) -> dict[str, dict[str, int]]:
    out = {doc: dict(by) for doc, by in a.items()}
    for doc, by in b.items():
        mine = out.setdefault(doc, {})
        for annotator, n in by.items():
            mine[annotator] = mine.get(annotator, 0) + n
    return out


def span_counts(spans: Iterable[Span]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for span in spans:
        by = counts.setdefault(span.document_id, {})
        by[span.annotator] = by.get(span.annotator, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class Changes:
    spans_added: SpanCounts = field(default_factory=dict)
    spans_changed: SpanCounts = field(default_factory=dict)
    spans_removed: SpanCounts = field(default_factory=dict)
    documents_added: frozenset[str] = frozenset()
    documents_removed: frozenset[str] = frozenset()
    scheme_changed: bool = False
    annotators_added: frozenset[str] = frozenset()
    # documents where an annotator rejected a suggestion or took a rejection back
    suggestions_changed: frozenset[str] = frozenset()
    # documents whose curation decisions changed (a rejection adds no span, yet the curation
    # view must show the passage decided)
    curation_documents: frozenset[str] = frozenset()

    @classmethod
    def of_span(cls, before: Span | None, after: Span | None) -> Changes:
        """One span created (no ``before``), deleted (no ``after``) or changed."""
        if before is None and after is not None:
            return cls(spans_added=span_counts([after]))
        if after is None and before is not None:
            return cls(spans_removed=span_counts([before]))
        if before is not None and after is not None:
            return cls(spans_changed=span_counts([after]))
        return cls()

    def __or__(self, other: Changes) -> Changes:
        return Changes(_merge(self.spans_added, other.spans_added),
                       _merge(self.spans_changed, other.spans_changed),
                       _merge(self.spans_removed, other.spans_removed),
                       self.documents_added | other.documents_added,
                       self.documents_removed | other.documents_removed,
                       self.scheme_changed or other.scheme_changed,
                       self.annotators_added | other.annotators_added,
                       self.suggestions_changed | other.suggestions_changed,
                       self.curation_documents | other.curation_documents)

    @property
    def span_documents(self) -> frozenset[str]:
        """Documents some of whose spans were added, changed or removed."""
        return frozenset(self.spans_added) | frozenset(self.spans_changed) \
            | frozenset(self.spans_removed)

    @property
    def touches_spans(self) -> bool:
        return bool(self.span_documents)

    @property
    def touches_documents(self) -> bool:
        return bool(self.documents_added or self.documents_removed)

    def count_delta(self, document_id: str, annotator: str | None) -> int:
        """How many spans (of ``annotator``, or of everyone) ``document_id`` gained."""
        def count(counts: SpanCounts) -> int:
            by = counts.get(document_id, {})
            return sum(by.values()) if annotator is None else by.get(annotator, 0)

        return count(self.spans_added) - count(self.spans_removed)

    def __bool__(self) -> bool:
        return (self.touches_spans or self.touches_documents or self.scheme_changed
                or bool(self.annotators_added) or bool(self.suggestions_changed)
                or bool(self.curation_documents))
