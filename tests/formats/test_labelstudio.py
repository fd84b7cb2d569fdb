"""Label Studio JSON: a hand-written export as Label Studio writes it, offsets, mapping."""

from __future__ import annotations

import json

import pytest

from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelstudio import label_config
from stancedesk.services import formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.project import default_scheme

TEXT = "Sources 😀😀 say the deal is a betrayal. قال المتحدث"
# "betrayal" starts at code point 29, UTF-16 unit 31 (two emoji before it).
TASKS = [
    {"id": 7, "data": {"text": TEXT},
     "annotations": [{
         "id": 70, "completed_by": 3, "was_cancelled": False,
         "created_at": "2024-05-01T10:00:00.000000Z",
         "result": [
             {"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": 31, "end": 39, "text": "betrayal", "labels": ["Against"]}},
             {"id": "r1", "from_name": "target", "to_name": "text", "type": "textarea",
              "value": {"start": 31, "end": 39, "text": ["the deal"]}},
             {"id": "r2", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": 0, "end": 7, "text": "Sources", "labels": ["Anon"]},
              "meta": {"text": ["who?"]}},
             {"id": "r3", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": 43, "end": 50, "text": "المتحدث", "labels": ["Official"]}},
             {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right"},
         ]}]},
    {"id": 8, "data": {"text": "A second task 😀 in code points."},
     "annotations": [{"completed_by": {"email": "ann@example.org"}, "result": [
         {"id": "x", "from_name": "stance", "to_name": "text", "type": "labels",
          "value": {"start": 16, "end": 18, "text": "in", "labels": ["favor"]}}]},
         {"was_cancelled": True, "result": []}]},
]
MAP = ["Against=stance:against", "Anon=sourcing:anonymous", "Official=sourcing:official"]


def test_hand_written_export(db, tmp_path):
    path = tmp_path / "project.json"
    path.write_text(json.dumps(TASKS, ensure_ascii=False), encoding="utf-8")
    report = formats_registry.import_annotations(db, path, label_map=MAP)
    assert report.added == 4 and len(report.documents_created) == 2
    spans = {s.text: s for s in span_service.list_spans(db)}
    assert spans["betrayal"].labels == {"stance": "against", "target": "the deal"}
    assert (spans["betrayal"].start, spans["betrayal"].end) == (29, 37)  # UTF-16 converted
    assert spans["betrayal"].annotator == "user 3"
    assert spans["Sources"].note == "who?"
    assert spans["المتحدث"].labels == {"sourcing": "official"}
    # from_name names the layer: "favor" in control "stance" needs no mapping.
    assert spans["in"].labels == {"stance": "favor"}
    assert spans["in"].annotator == "ann@example.org"


def test_unmapped_and_bad_offsets(db, tmp_path):
    path = tmp_path / "project.json"
    path.write_text(json.dumps(TASKS, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        formats_registry.import_annotations(db, path, label_map=MAP[:1])
    assert "'Anon'" in str(info.value) and "'Official'" in str(info.value)
    bad = json.loads(json.dumps(TASKS))
    bad[0]["annotations"][0]["result"][0]["value"]["start"] = 5
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FormatError, match=r"task 1, annotation 1, line 1: region 5:39"):
        formats_registry.import_annotations(db, path, label_map=MAP)
    assert span_service.list_spans(db) == []


def test_label_config_lists_every_layer():
    config = label_config(default_scheme())
    assert '<Labels name="stance" toName="text">' in config
    assert '<TextArea name="target" toName="text" perRegion="true"/>' in config
