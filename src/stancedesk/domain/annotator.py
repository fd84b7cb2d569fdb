"""Annotators: the people whose spans are compared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Annotator:
    id: str
    name: str
    created_at: datetime | None = None
    is_reviewer: bool = False
