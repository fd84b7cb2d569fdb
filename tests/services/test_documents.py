"""Corpus management: delete documents with their spans (all or nothing, undoable), edit their
headers, remove the sample articles; the same through the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.domain.errors import NotFoundError
from stancedesk.services import corpus, documents
from stancedesk.services import spans as span_service
from stancedesk.services.documents import DocumentEditError
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _two_docs_with_spans(db: Database) -> tuple[str, str]:
    first, second = (d.id for d in corpus.list_documents(db)[:2])
    span_service.create_span(db, first, "ana", 0, 5, {"stance": "favor"}, note="n")
    span_service.create_span(db, first, "ben", 2, 9, {"sourcing": "official"})
    span_service.create_span(db, second, "ana", 0, 4, {"stance": "against"})
    span_service.set_document_status(db, first, "ana", "done")
    return first, second


def test_delete_is_all_or_nothing_and_restore_puts_everything_back(sample_db: Database) -> None:
    first, second = _two_docs_with_spans(sample_db)
    before_spans = span_service.list_spans(sample_db)
    before_doc = corpus.get_document(sample_db, first)
    with pytest.raises(NotFoundError, match="nothing was deleted"):
        documents.delete_documents(sample_db, [first, "no-such-id"])
    assert len(span_service.list_spans(sample_db)) == 3

    removed = documents.delete_documents(sample_db, [first])
    assert removed.ids == [first] and len(removed.spans) == 2
    assert first not in {d.id for d in corpus.list_documents(sample_db)}
    assert [s.document_id for s in span_service.list_spans(sample_db)] == [second]
    assert first not in span_service.document_statuses(sample_db, "ana")

    documents.restore_documents(sample_db, removed)
    assert span_service.list_spans(sample_db) == before_spans, "same ids, labels and times"
    assert corpus.get_document(sample_db, first) == before_doc
    assert span_service.document_statuses(sample_db, "ana")[first] == "done"


def test_edit_headers_and_undo(sample_db: Database) -> None:
    doc = corpus.list_documents(sample_db)[0]
    change = documents.update_document(sample_db, doc.id, title="  A  better   title ",
                                       outlet="Wire", date="4 Dec 2022", url="https://x.org/a")
    after = corpus.get_document(sample_db, doc.id)
    assert (after.title, after.outlet, after.published, after.url) == (
        "A better title", "Wire", "2022-12-04", "https://x.org/a")
    assert after.text == change.before.text, "the text never changes"
    documents.update_document(sample_db, doc.id, date="")
    assert corpus.get_document(sample_db, doc.id).published == ""
    with pytest.raises(DocumentEditError, match="not a date"):
        documents.update_document(sample_db, doc.id, date="2022-02-30")
    documents.put_document_headers(sample_db, change.before)
    assert corpus.get_document(sample_db, doc.id) == change.before
    with pytest.raises(NotFoundError):
        documents.update_document(sample_db, "nope", title="x")


def test_remove_the_sample_articles_keeps_the_others(sample_db: Database,
                                                     tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "own.txt").write_text("My own article.\n", encoding="utf-8")
    own = corpus.import_paths(sample_db, [tmp_path / "mine"]).added[0].id
    first = corpus.list_documents(sample_db)[0].id
    documents.update_document(sample_db, first, title="renamed, still a sample")
    assert len(documents.sample_document_ids(sample_db)) == 10
    removed = documents.remove_sample_documents(sample_db)
    assert len(removed.documents) == 10
    assert [d.id for d in corpus.list_documents(sample_db)] == [own]
    assert documents.sample_document_ids(sample_db) == []


def test_cli_documents_set_and_json_date(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    db = str(tmp_path / "p.sqlite")
    run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    doc = json.loads(run(capsys, "--db", db, "documents", "--json")[1])[0]
    assert doc["date"] == "2026-01-14"
    code, out, _ = run(capsys, "--db", db, "documents", "set", doc["id"], "--title", "New",
                       "--outlet", "Desk", "--date", "2022-12-04", "--url", "u")
    assert code == 0 and "2022-12-04" in out
    (now,) = [d for d in json.loads(run(capsys, "--db", db, "documents", "--json")[1])
              if d["id"] == doc["id"]]
    assert (now["title"], now["outlet"], now["date"]) == ("New", "Desk", "2022-12-04")
    code, _, err = run(capsys, "--db", db, "documents", "set", doc["id"], "--date", "04.12.22")
    assert code == 2 and "is not a date; write YYYY-MM-DD" in err
    code, _, err = run(capsys, "--db", db, "documents", "set", doc["id"])
    assert code == 2 and "nothing to change" in err


def test_cli_documents_delete_confirms(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "p.sqlite")
    run(capsys, "--db", db, "import", str(ROOT / "sample_corpus"))
    database = open_database(db)
    try:
        first, second = _two_docs_with_spans(database)
    finally:
        database.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody can say yes
    code, _, err = run(capsys, "--db", db, "documents", "delete", first)
    assert code == 2 and "nothing was deleted: no terminal to confirm on; add --yes" in err
    code, _, err = run(capsys, "--db", db, "documents", "delete", first, "nope", "--yes")
    assert code == 2 and "no document with id nope; nothing was deleted" in err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, _, err = run(capsys, "--db", db, "documents", "delete", first)
    assert code == 2 and "nothing was deleted" in err
    assert len(json.loads(run(capsys, "--db", db, "documents", "--json")[1])) == 10
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "--db", db, "documents", "delete", first, second)
    assert code == 0 and "deleted 2 document(s) with 3 span(s)" in out
    listed = json.loads(run(capsys, "--db", db, "documents", "--json")[1])
    assert len(listed) == 8 and {first, second}.isdisjoint(d["id"] for d in listed)
    code, out, _ = run(capsys, "--db", db, "documents", "remove-samples", "--yes")
    assert code == 0 and "deleted 8 document(s) with 0 span(s)" in out
    code, out, _ = run(capsys, "--db", db, "documents", "remove-samples", "--yes")
    assert code == 0 and "no sample articles are stored" in out


def test_delete_takes_the_links_and_restore_brings_them_back(db: Database,
                                                            tmp_path: Path) -> None:
    from stancedesk.domain.attribution import LinkKind, SpanRole
    from stancedesk.services import attribution

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "a.txt").write_text("The minister said talks will resume.\n",
                                          encoding="utf-8")
    doc = corpus.import_paths(db, [tmp_path / "a"]).added[0].id
    source = span_service.create_span(db, doc, "ana", 0, 12, {"sourcing": "official"})
    claim = span_service.create_span(db, doc, "ana", 18, 35, {"stance": "favor"})
    attribution.set_role(db, source.id, SpanRole.SOURCE)
    attribution.set_role(db, claim.id, SpanRole.CLAIM)
    attribution.link(db, claim.id, LinkKind.ATTRIBUTED_TO, source.id)
    links = attribution.links_in(db, [doc])
    assert len(links) == 1
    removed = documents.delete_documents(db, [doc])
    assert removed.links == links and attribution.links_in(db) == []
    documents.restore_documents(db, removed)
    assert attribution.links_in(db, [doc]) == links
    assert {s.id for s in span_service.list_spans(db)} == {source.id, claim.id}
