"""Spans: a stretch of a document's text with one value per scheme layer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime


def new_span_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Span:
    """Offsets are Python ``str`` indices into the document text; ``text`` repeats the covered
    characters so that any drift between offsets and text is caught on import and export."""

    id: str
    document_id: str
    annotator: str
    start: int
    end: int
    text: str
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # the stored version this copy was read at (0: not read from a database); an edit says
    # which version it started from, so a change made meanwhile elsewhere is not overwritten
    version: int = 0
    # the attribution role ("source", "claim", "cue") or None, and the registry entity a source
    # names (migration 0005); both optional, so spans of a scheme without roles stay as they were
    role: str | None = None
    entity_id: str | None = None

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span offsets {self.start}:{self.end}")

    @property
    def length(self) -> int:
        return self.end - self.start

    def label(self, layer: str) -> str | None:
        value = self.labels.get(layer)
        return value if value else None

    def with_labels(self, labels: Mapping[str, str]) -> Span:
        return replace(self, labels=dict(labels))

    def overlaps(self, other: Span) -> bool:
        return self.document_id == other.document_id and self.start < other.end and \
            other.start < self.end
