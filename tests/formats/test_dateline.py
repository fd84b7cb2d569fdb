"""Title, date and outlet from the first lines of hand-written wire articles, and sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.formats.dateline import iso_date, parse_date, read_head
from stancedesk.formats.errors import FormatError
from stancedesk.services import corpus
from stancedesk.storage.engine import Database

# (first lines, title, outlet, date) as analysts paste them from news databases and sites
HEADS = [
    ("04 Dec 2022; MEMO: Israel approves 1,000 settler homes in the West Bank\n\nThe plan ...",
     "Israel approves 1,000 settler homes in the West Bank", "MEMO", "2022-12-04"),
    ("Troops withdraw from border town\nUpdate: 16 September 2022 12:42\n\nOfficials said ...",
     "Troops withdraw from border town", "", "2022-09-16T12:42"),
    ("Updated: Sept. 3, 2021\nPort reopens after strike\nDockers voted ...",
     "Port reopens after strike", "", "2021-09-03"),
    ("Monday, 4 December 2022 | Al Jazeera\nTalks stall over prisoners\nbody",
     "Talks stall over prisoners", "Al Jazeera", "2022-12-04"),
    ("Dec. 4, 2022; The Guardian\nA headline\nbody", "A headline", "The Guardian",
     "2022-12-04"),
    ("4 December 2022 - Talks resume in Geneva\nbody", "Talks resume in Geneva", "",
     "2022-12-04"),
    ("Ceasefire holds\nLONDON, Dec 4, 2022 (Reuters) - A ceasefire held on Sunday ...",
     "Ceasefire holds", "Reuters", "2022-12-04"),
    ("Ceasefire holds\nGAZA CITY, Dec 4 (AP) - A ceasefire held ...",  # no year: no date
     "Ceasefire holds", "AP", ""),
    ("# Minister resigns\n\nPublished on 2023-02-01 09:30\n\nThe minister ...",
     "Minister resigns", "", "2023-02-01T09:30"),
    ("Just a headline, nothing else\nThe body starts here.", "Just a headline, nothing else",
     "", ""),
    ("04/12/2022; MEMO: ambiguous numeric date\nbody",  # day or month first? not guessed
     "04/12/2022; MEMO: ambiguous numeric date", "", ""),
    ("31 Feb 2022; MEMO: no such day\nbody", "31 Feb 2022; MEMO: no such day", "", ""),
]


@pytest.mark.parametrize(("text", "title", "outlet", "when"), HEADS)
def test_head_metadata(text: str, title: str, outlet: str, when: str) -> None:
    head = read_head(text)
    assert (head.title, head.outlet, head.date) == (title, outlet, when)


def test_long_first_line_is_whole_or_cut_at_a_word() -> None:
    line = "Officials from both governments met for the first time in four years " * 3
    assert len(line.strip()) > 200
    assert read_head(line + "\nbody").title == line.strip(), "a long headline stays whole"
    paragraph = "word " * 200
    title = read_head(paragraph).title
    assert title.endswith("…") and title[:-1].split() == ["word"] * len(title[:-1].split())


def test_dates() -> None:
    assert parse_date("16 September 2022 12:42") == "2022-09-16T12:42"
    assert parse_date("December 4th, 2022") == "2022-12-04"
    assert parse_date("next Tuesday") == ""
    assert iso_date("2022-12-04T10:00:00+00:00") == "2022-12-04T10:00:00+00:00"
    assert iso_date("2022-13-04") == ""
    assert iso_date("4 Dec 2022") == "2022-12-04"


def test_import_reads_datelines_without_changing_the_text(db: Database, tmp_path: Path) -> None:
    text = ("04 Dec 2022; MEMO: Israel approves 1,000 settler homes in the West Bank\n"
            "The plan was approved on Sunday.\n")
    (tmp_path / "memo.txt").write_text(text, encoding="utf-8")
    (tmp_path / "front.md").write_text(
        "---\ntitle: Given title\noutlet: Given outlet\n---\n04 Dec 2022; MEMO: other\nbody\n",
        encoding="utf-8")
    corpus.import_paths(db, [tmp_path])
    docs = {d.source_file: corpus.get_document(db, d.id) for d in corpus.list_documents(db)}
    memo = docs["memo.txt"]
    assert memo.text == text
    assert (memo.title, memo.outlet, memo.published) == (
        "Israel approves 1,000 settler homes in the West Bank", "MEMO", "2022-12-04")
    front = docs["front.md"]
    assert (front.title, front.outlet, front.published) == ("Given title", "Given outlet",
                                                             "2022-12-04")


def test_jsonl_dates_in_words_are_stored_as_iso(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"text": "Body one.", "date": "16 September 2022"}) + "\n"
        + json.dumps({"text": "Body two.", "date": "sometime in spring"}) + "\n",
        encoding="utf-8")
    corpus.import_paths(db, [tmp_path / "a.jsonl"])
    dates = sorted(d.as_json()["date"] or "-" for d in corpus.list_documents(db))
    assert dates == ["-", "2022-09-16"]
    kept = [d.as_json() for d in corpus.list_documents(db) if d.published == "sometime in spring"]
    assert kept[0]["date_as_given"] == "sometime in spring", "never dropped, only not a date"


@pytest.mark.parametrize("suffix", [".json", ".meta.json"])
def test_sidecar_gives_metadata(db: Database, tmp_path: Path, suffix: str) -> None:
    tmp_path = tmp_path / "articles"  # the database lives in tmp_path itself
    tmp_path.mkdir()
    text = "04 Dec 2022; MEMO: headline from the text\nbody\n"
    (tmp_path / "art.txt").write_text(text, encoding="utf-8")
    (tmp_path / f"art{suffix}").write_text(json.dumps({
        "title": "Sidecar title", "outlet": "Middle East Monitor", "date": "5 December 2022",
        "url": "https://example.org/a", "author": "R. Writer", "id": "ext-7"}), encoding="utf-8")
    report = corpus.import_paths(db, [tmp_path])
    assert report.skipped_files == [], "the sidecar is read with its article, not skipped"
    (doc,) = [corpus.get_document(db, d.id) for d in report.added]
    assert doc.text == text
    assert (doc.title, doc.outlet, doc.published, doc.url) == (
        "Sidecar title", "Middle East Monitor", "2022-12-05", "https://example.org/a")
    assert doc.metadata == {"author": "R. Writer", "external_id": "ext-7"}


def test_a_bad_sidecar_stops_the_import(db: Database, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("second\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"date": "whenever"}', encoding="utf-8")
    with pytest.raises(FormatError, match=r"b\.json: date 'whenever' is not a date"):
        corpus.import_paths(db, [tmp_path])
    assert corpus.list_documents(db) == [], "all or nothing"
    (tmp_path / "b.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FormatError, match="one JSON object"):
        corpus.import_paths(db, [tmp_path])
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    (tmp_path / "b.meta.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FormatError, match="two sidecar files"):
        corpus.import_paths(db, [tmp_path])
