"""Intermediate records that readers produce and services validate against the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stancedesk.domain import Document

TITLE_MAX = 200


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
        """The document this draft becomes; its id follows from the text (the data contract)."""
        return Document.from_text(self.text, title=self.title or first_line_title(self.text),
                                  source_file=self.source_file, outlet=self.outlet,
                                  published=self.published, url=self.url,
                                  metadata=self.metadata)


def first_line_title(text: str) -> str:
    """A title for an article that has none: its first non-empty line, without Markdown #."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:TITLE_MAX]
    return ""


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
