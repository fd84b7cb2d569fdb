"""What the finder proposes: plain values with Python ``str`` offsets into the text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the text: ``text[start:end] == self.text``."""

    start: int
    end: int
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One attribution: ``claim`` is said by ``source`` (through ``via``, marked by ``cue``)."""

    source: Piece
    sourcing: str
    claim: Piece
    cue: Piece | None
    via: Piece | None
    rule: str

    def as_json(self, document_id: str) -> dict[str, Any]:
        """The contract of ``stancedesk suggest --json``."""
        return {
            "document_id": document_id,
            "source": {**self.source.as_json(), "sourcing": self.sourcing},
            "cue": self.cue.as_json() if self.cue else None,
            "claim": self.claim.as_json(),
            "via": self.via.as_json() if self.via else None,
            "rule": self.rule,
        }
