"""doccano JSONL: both export shapes doccano writes, code-point offsets, mapping."""

from __future__ import annotations

import json

import pytest

from stancedesk.formats.errors import FormatError
from stancedesk.services import formats_registry
from stancedesk.services import spans as span_service

LINES = [
    {"id": 1, "text": "😀 Officials praised the talks. قال المتحدث",
     "label": [[2, 11, "OFFICIAL"], [2, 11, "POS"], [35, 42, "OFFICIAL"]], "Comments": []},
    {"id": 2, "text": "Cafe\u0301 owners doubt it.",
     "entities": [{"id": 5, "label": "NEG", "start_offset": 0, "end_offset": 5}],
     "relations": []},
]
MAP = {"POS": "stance:favor", "NEG": "stance:against", "OFFICIAL": "sourcing:official"}


def test_hand_written_file(db, tmp_path):
    path = tmp_path / "all.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n",
                    encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(MAP), encoding="utf-8")  # the flat form
    report = formats_registry.import_annotations(db, path, mapping=str(mapping), annotator="dora")
    assert report.added == 3
    spans = {s.text: s for s in span_service.list_spans(db)}
    # Two entries with the same offsets are one span with two layers.
    assert spans["Officials"].labels == {"stance": "favor", "sourcing": "official"}
    assert spans["المتحدث"].labels == {"sourcing": "official"}
    assert spans["Cafe\u0301"].labels == {"stance": "against"}
    assert {s.annotator for s in spans.values()} == {"dora"}


def test_errors_name_file_and_line(db, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINES[0], ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.jsonl, line 2: malformed JSON"):
        formats_registry.import_annotations(db, path, fmt="doccano")
    path.write_text(json.dumps({"text": "short", "label": [[0, 99, "POS"]]}) + "\n",
                    encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 1: span 0:99 does not fit"):
        formats_registry.import_annotations(db, path, fmt="doccano")
    path.write_text(json.dumps(LINES[0], ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"'OFFICIAL'.*\n.*'POS'"):
        formats_registry.import_annotations(db, path, fmt="doccano")
    assert span_service.list_spans(db) == []
