"""A run of spans as one text per field: how agreement reads a million spans without a Python
tuple (and seven objects) per span.

The database concatenates each field over the run (SQLite's ``group_concat``) and the reader
turns every text into an array in one call (``numpy.fromstring`` for the numbers, one
``str.split`` for the texts). Only the fields agreement needs travel: no covered text, note or
times. The run is in export order (document, start, end, span id), like every span read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# between the texts of one field: a control character that no document or span id made by
# StanceDesk, no role and no stored label JSON (whose strings escape control characters)
# contains; the reader checks the count, and a run where some value contains it is read as rows
SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class PackedSpans:
    """``count`` spans; the texts hold one entry per span, in order.

    ``annotators`` are integer keys (comma-separated) into ``annotator_names`` (the database's
    own small numbers for annotators, so no name is repeated per span); ``starts`` and ``ends``
    are comma-separated; ``document_ids``, ``roles`` ("" for none), ``labels`` (each span's
    label JSON, "" meaning none) and ``span_ids`` are separated by ``SEPARATOR``."""

    count: int
    document_ids: str
    annotators: str
    annotator_names: Mapping[int, str]
    starts: str
    ends: str
    roles: str
    labels: str
    span_ids: str

    def well_separated(self) -> bool:
        """Whether every separated field has exactly ``count`` entries (no value contains the
        separator)."""
        want = self.count - 1
        return all(field.count(SEPARATOR) == want for field in
                   (self.document_ids, self.roles, self.labels, self.span_ids))

    def last_key(self) -> tuple[str, int, int, str]:
        """(document id, start, end, span id) of the last span: where the next run begins."""
        return (self.document_ids.rpartition(SEPARATOR)[2], int(self.starts.rpartition(",")[2]),
                int(self.ends.rpartition(",")[2]), self.span_ids.rpartition(SEPARATOR)[2])
