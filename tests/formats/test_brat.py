"""brat standoff: a hand-written collection in brat's own format, mapping, and errors."""

from __future__ import annotations

import json

import pytest

from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus, formats_registry
from stancedesk.services import spans as span_service
from tests.formats.fmt_helpers import fresh_db

TEXT = "Der Minister 😀 lobte die Gespräche.\nقال المتحدث إن المحادثات مثمرة\n"
ANN = (
    "T1\tFavour 0 12\tDer Minister\n"
    "T2\tSource 15 20\tlobte\n"
    "A1\tKind T2 Anonymous\n"
    "A2\tNegated T1\n"
    "#1\tAnnotatorNotes T1\tcheck this\n"
    "T3\tFavour 25 34;36 39\tGespräche قال\n"
    "R1\tRel Arg1:T1 Arg2:T2\n"
)
MAPPING = {"format": "stancedesk-label-mapping",
           "labels": {"Favour": "stance:favor", "Source": None,
                      "Kind=Anonymous": "sourcing:anonymous", "Negated": None}}


@pytest.fixture
def collection(tmp_path):
    folder = tmp_path / "brat"
    (folder / "dana").mkdir(parents=True)
    (folder / "dana" / "doc1.txt").write_text(TEXT, encoding="utf-8", newline="")
    (folder / "dana" / "doc1.ann").write_text(ANN, encoding="utf-8")
    (folder / "annotation.conf").write_text("[entities]\nFavour\nSource\n", encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return folder, mapping


def test_foreign_collection_with_mapping_file(db, collection):
    folder, mapping = collection
    report = formats_registry.import_annotations(db, folder, fmt="brat", mapping=str(mapping))
    assert report.added == 3 and len(report.documents_created) == 1
    spans = {(s.start, s.end): s for s in span_service.list_spans(db)}
    assert spans[(0, 12)].labels == {"stance": "favor"}
    assert spans[(0, 12)].note == "check this"
    assert spans[(0, 12)].annotator == "dana"  # the subfolder names the annotator
    assert spans[(15, 20)].labels == {"sourcing": "anonymous"}
    # A fragmented span (over a line break) becomes one span from first to last fragment.
    assert spans[(25, 39)].text == "Gespräche.\nقال"


def test_map_options_instead_of_a_file(db, collection):
    folder, _ = collection
    report = formats_registry.import_annotations(
        db, folder / "dana" / "doc1.ann", label_map=["Favour=stance:favor", "Source=",
                                                    "Kind=Anonymous=sourcing:anonymous",
                                                    "Negated="], annotator="erin")
    assert report.added == 3
    assert {s.annotator for s in span_service.list_spans(db)} == {"erin"}


def test_unmapped_labels_are_all_listed_and_nothing_is_stored(db, collection):
    folder, _ = collection
    with pytest.raises(FormatError) as info:
        formats_registry.import_annotations(db, folder, label_map=["Favour=stance:favor"])
    message = str(info.value)
    for label in ("'Source'", "'Kind=Anonymous'", "'Negated'"):
        assert label in message
    assert "'Favour'" not in message
    assert span_service.list_spans(db) == [] and corpus.list_documents(db) == []


def test_malformed_line_names_file_and_line(db, collection):
    folder, _ = collection
    (folder / "dana" / "doc1.ann").write_text("T1\tFavour 0 12\tDer Minister\nT2\tbroken\n",
                                              encoding="utf-8")
    with pytest.raises(FormatError, match=r"doc1\.ann, line 2"):
        formats_registry.import_annotations(db, folder, label_map=["Favour=stance:favor"])
    (folder / "dana" / "doc1.ann").write_text("T1\tFavour 0 12\tDer Ministre\n",
                                              encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 1: T1: the text 'Der Ministre' does not match"):
        formats_registry.import_annotations(db, folder, label_map=["Favour=stance:favor"])
    assert corpus.list_documents(db) == []


def test_crlf_text_files_keep_offsets(db, tmp_path):
    folder = tmp_path / "crlf"
    folder.mkdir()
    (folder / "a.txt").write_bytes("One line.\r\nTwo 😀 lines.\r\n".encode())
    (folder / "a.ann").write_text("T1\tFavour 17 23\tlines.\n", encoding="utf-8")
    formats_registry.import_annotations(db, folder, label_map=["Favour=stance:favor"])
    [span] = span_service.list_spans(db)
    assert (span.start, span.end, span.text) == (16, 22, "lines.")


def test_export_reuses_stored_documents_and_writes_conf(annotated, tmp_path):
    out = tmp_path / "export"
    formats_registry.export_annotations(annotated.db, "brat", out, annotators=["carol ü"])
    assert sorted(p.name for p in out.iterdir()) == ["annotation.conf", "carol ü", "visual.conf"]
    ann = next((out / "carol ü").glob("*.ann")).read_text(encoding="utf-8")
    assert "T2\tstance_against 57 73\tExperts doubt it\nA1\tsourcing T2 expert" in ann
    assert "T1\tunlabelled 10 18\twelcomed\n#1\tAnnotatorNotes T1\tunlabelled on purpose" in ann
    other = fresh_db(tmp_path, corpus_folder=annotated.folder)
    try:
        report = formats_registry.import_annotations(other, out)
        assert report.added == 2 and len(report.documents_reused) == 1
        assert not report.documents_created
    finally:
        other.dispose()


def test_export_refuses_a_non_empty_folder(annotated, tmp_path):
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FormatError, match="not empty"):
        formats_registry.export_annotations(annotated.db, "brat", out)
