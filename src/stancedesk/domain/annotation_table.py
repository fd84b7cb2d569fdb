"""The columns of the annotation table (one row per span, one column per layer).

One definition for the database query that fills the rows and for every table format that
writes or reads them (CSV, XLSX, Parquet), so a column added here moves everywhere at once.
"""

from __future__ import annotations

from collections.abc import Sequence

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
