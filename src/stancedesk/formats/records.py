"""Intermediate records that readers produce and services validate against the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stancedesk.domain import Document
from stancedesk.formats.dateline import iso_date, read_head


@dataclass(slots=True)
class DocumentDraft:
    """An article as read from a file, before it gets an id from its text."""

    text: str
    title: str = ""
    outlet: str = ""
    published: str = ""
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    source_file: str = ""
    origin: str = ""  # "file, line N" for messages

    def to_document(self) -> Document:
        """The document this draft becomes; its id follows from the text (the data contract).

        What the file did not say (title, outlet, date) is taken from the article's first lines
        where they hold a headline, a dateline or an update stamp (formats/dateline.py); a date
        written out in words is stored in ISO 8601."""
        head = read_head(self.text) if not (self.title and self.outlet and self.published) \
            else None
        published = self.published.strip()
        return Document.from_text(
            self.text, title=self.title or (head.title if head else ""),
            source_file=self.source_file, outlet=self.outlet or (head.outlet if head else ""),
            published=(iso_date(published) or published) if published
            else (head.date if head else ""),
            url=self.url, metadata=self.metadata)


def first_line_title(text: str) -> str:
    """A title for an article that has none: its first line (after any dateline), whole."""
    return read_head(text).title


@dataclass(slots=True)
class AnnotationRecord:
    """One span as read from an exchange file; ``line`` points back at it for messages."""

    line: int
    annotator: str
    start: int
    end: int
    text: str
    document_id: str = ""
    source_file: str = ""
    annotation_id: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # attribution: the role, the ids the span's links point to (in the file's own namespace:
    # annotation_ids, or ``ref``s), and the registry name of the entity it names
    role: str = ""
    attributed_to: str = ""
    via: str = ""
    cue: str = ""
    entity: str = ""
    # the id the file's links use for this span when it has no annotation_id (brat's T3, a
    # Label Studio region id); empty: the annotation_id
    ref: str = ""
