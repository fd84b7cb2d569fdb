"""Intermediate records that readers produce and services validate against the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
