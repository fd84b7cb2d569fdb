"""Write with each format, read back into a fresh database of the same corpus: same spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancedesk.services import formats_registry
from tests.formats.fmt_helpers import content, fresh_db

# format -> (output name, carries span ids and times, carries document text)
FORMATS = {
    "csv": ("out.csv", True, False),
    "xlsx": ("out.xlsx", True, False),
    "parquet": ("out.parquet", True, False),
    "jsonl": ("out.jsonl", True, True),
    "brat": ("brat_out", False, True),
    "doccano": ("out.doccano.jsonl", False, True),
    "labelstudio": ("out.json", True, True),
    "webanno": ("webanno_out", False, True),
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_round_trip(fmt, annotated, tmp_path: Path):
    name, full, carries_text = FORMATS[fmt]
    out = tmp_path / name
    n = formats_registry.export_annotations(annotated.db, fmt, out)
    assert n == 11
    # Formats that carry the text also build the corpus; the others need it imported first.
    other = fresh_db(tmp_path, corpus_folder=None if carries_text else annotated.folder)
    try:
        report = formats_registry.import_annotations(other, out, fmt=fmt)
        assert report.added == 11
        if carries_text:
            assert len(report.documents_created) == 3
        assert content(other) == content(annotated.db)
        if full:
            assert content(other, ids=True) == content(annotated.db, ids=True)
        if fmt in {"csv", "xlsx", "parquet", "jsonl"}:
            assert content(other, times=True) == content(annotated.db, times=True)
        # Importing the same file again adds nothing.
        again = formats_registry.import_annotations(other, out, fmt=fmt)
        assert again.added == 0 and again.unchanged == 11
    finally:
        other.dispose()
