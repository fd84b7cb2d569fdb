"""WebAnno TSV 3.3: a hand-written INCEpTION file (UTF-16 offsets), escaping, mapping."""

from __future__ import annotations

import pytest

from stancedesk.formats.errors import FormatError
from stancedesk.formats.webanno import escape, unescape
from stancedesk.services import formats_registry
from stancedesk.services import spans as span_service

# Offsets count UTF-16 units: the emoji takes 9-11, so "praised" is 12-19 (11-18 in Python).
TSV = """#FORMAT=WebAnno TSV 3.3
#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|identifier|value
#T_SP=webanno.custom.Stance|Stance


#Text=Minister 😀 praised talks.
1-1\t0-8\tMinister\t_\tPER\t_\t
1-2\t9-11\t😀\t_\t_\t_\t
1-3\t12-19\tpraised\t_\t_\tFavour[1]\t
1-4\t20-25\ttalks\t_\t_\tFavour[1]\t
1-5\t25-26\t.\t_\t_\t_\t

#Text=قال المتحدث
2-1\t27-30\tقال\t_\t_\t_\t
2-2\t31-38\tالمتحدث\t_\tORG|PER\t_\t
"""
MAP = ["PER=", "ORG=sourcing:official", "Favour=stance:favor"]


def test_hand_written_inception_file(db, tmp_path):
    path = tmp_path / "doc.tsv"
    path.write_text(TSV, encoding="utf-8")
    report = formats_registry.import_annotations(db, path, label_map=MAP, annotator="ines")
    assert report.added == 2
    spans = {s.text: s for s in span_service.list_spans(db)}
    assert (spans["praised talks"].start, spans["praised talks"].end) == (11, 24)
    assert spans["praised talks"].labels == {"stance": "favor"}
    assert spans["المتحدث"].labels == {"sourcing": "official"}
    [doc] = [d for d in __import__("stancedesk.services.corpus", fromlist=["x"])
             .list_documents(db)]
    assert doc.length == len("Minister 😀 praised talks.\nقال المتحدث")


def test_unmapped_and_bad_offsets(db, tmp_path):
    path = tmp_path / "doc.tsv"
    path.write_text(TSV, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        formats_registry.import_annotations(db, path)
    assert all(f"'{x}'" in str(info.value) for x in ("PER", "ORG", "Favour"))
    path.write_text(TSV.replace("12-19\tpraised", "11-18\tpraised"), encoding="utf-8")
    with pytest.raises(FormatError, match=r"doc.tsv, line 9: token 'praised'"):
        formats_registry.import_annotations(db, path, label_map=MAP)
    assert span_service.list_spans(db) == []


def test_escaping_round_trips():
    value = "a_b|c[1]\\d->e;f*\tg\nh"
    assert unescape(escape(value)) == value
    assert "|" not in escape(value).replace("\\|", "")
