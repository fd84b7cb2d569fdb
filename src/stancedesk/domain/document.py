"""Documents: immutable text plus bibliographic metadata."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# A fixed namespace so that the same text gets the same id on every machine, which lets
# annotations made in separate databases merge without a lookup table.
DOCUMENT_NAMESPACE = uuid.UUID("6f1c2d0e-3a57-5b7e-9a41-7d2f4c8e9b10")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_id_for_text(text: str) -> str:
    """UUID5 of the text's SHA-256: stable across databases, so exports merge."""
    return str(uuid.uuid5(DOCUMENT_NAMESPACE, sha256_text(text)))


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    title: str
    text: str
    sha256: str
    source_file: str = ""
    outlet: str = ""
    published: str = ""  # ISO 8601 date as given by the source; kept as text, never guessed
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    imported_at: datetime | None = None

    @classmethod
    def from_text(cls, text: str, **fields: Any) -> Document:
        """Build a document whose id and hash follow from its text (the data contract)."""
        digest = sha256_text(text)
        fields.setdefault("title", "")
        return cls(id=str(uuid.uuid5(DOCUMENT_NAMESPACE, digest)), text=text, sha256=digest,
                   **fields)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        first = self.text.strip().split("\n", 1)[0]
        return first[:80] or self.source_file or self.id


class DocumentStatus(StrEnum):
    """An annotator's own mark on a document; stored as its value, so the strings are a contract
    (``stancedesk status --set``)."""

    IN_PROGRESS = "in_progress"
    DONE = "done"
