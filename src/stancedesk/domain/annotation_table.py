"""The columns of the annotation table (one row per span, one column per layer).

One definition for the database query that fills the rows and for every table format that
writes or reads them (CSV, XLSX, Parquet), so a column added here moves everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LEADING_COLUMNS = ("annotation_id", "document_id", "document_title", "source_file", "annotator",
                   "start", "end", "text")
# attribution (issue 11): the span's role, the annotation_id each of its links points to, and
# the registry name of the entity a source names; empty where the span has none
ATTRIBUTION_COLUMNS = ("role", "attributed_to", "via", "cue", "entity")
TRAILING_COLUMNS = ("note", "created_at", "updated_at")
# curation (issue 13): where a gold span came from (see docs/curation.md); empty for every span
# that no curation decision produced. ``curated_from`` lists annotator names joined by ";".
CURATION_COLUMNS = ("curated_by", "curated_at", "curated_from", "decision")
CURATED_FROM_SEPARATOR = ";"


def annotation_columns(layer_keys: Sequence[str]) -> list[str]:
    """The header: the leading columns, one per scheme layer in scheme order, the attribution
    columns, the trailing, the curation provenance."""
    return [*LEADING_COLUMNS, *layer_keys, *ATTRIBUTION_COLUMNS, *TRAILING_COLUMNS,
            *CURATION_COLUMNS]


def curated_from_cell(names: Sequence[str]) -> str:
    """How the annotators a gold span came from are written in one cell."""
    return CURATED_FROM_SEPARATOR.join(names)


@dataclass(frozen=True, slots=True)
class PackedCells:
    """One column of a ``TableBatch`` as a single value, as the database packed it: the cells'
    UTF-8 texts joined by ``span_pack.SEPARATOR`` (an empty cell for none), or for whole
    numbers their decimal texts joined by commas. A writer splits it in one call instead of
    taking a Python object per cell."""

    data: bytes


@dataclass(frozen=True, slots=True)
class TableBatch:
    """Consecutive rows of the annotation table by column, for writers that build columns
    (Parquet): a million rows cost seconds if anything is done per row in Python.

    ``values``: column -> one value per row, or the column packed (``PackedCells``); text may
    come as its UTF-8 bytes. Times are UTC as the database stores them, 'YYYY-MM-DD
    HH:MM:SS[.ffffff]' (None, or an empty packed cell: no time). ``keyed``: column -> (one key
    per row, or the keys packed; a mapping that answers ``mapping[key]`` with the cell of every
    key in the column); a None key is an empty cell. Columns of few distinct values (titles,
    names, layer values by label set) travel this way so that each distinct value is made
    once per batch, not once per row. A column in neither is empty in every row.
    """

    size: int
    values: Mapping[str, Sequence[object] | PackedCells]
    keyed: Mapping[str, tuple[Sequence[object] | PackedCells, Mapping[object, object]]]
