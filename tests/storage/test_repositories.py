"""ORM rows stay inside storage: services work through repository functions, dry runs through
``Database.rolled_back``, and the CLI through services. (Who may import the tables and the
repositories is an import-linter contract in pyproject.toml, run by tests/test_contracts.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from stancedesk.domain import DocumentStatus
from stancedesk.domain.annotation_table import annotation_columns
from stancedesk.formats.annotations_csv import columns
from stancedesk.services import corpus, project, schemes
from stancedesk.services import spans as span_service
from stancedesk.storage import repositories
from stancedesk.storage.engine import Database


def _doc(db: Database, tmp_path: Path) -> str:
    (tmp_path / "a.txt").write_text("Officials said the talks went well.\n", encoding="utf-8")
    return corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id


def test_rolled_back_units_of_work_store_nothing(db: Database, tmp_path: Path) -> None:
    dry = db.rolled_back()
    report = corpus.import_paths(dry, [_write(tmp_path / "b.txt", "A dry run reads this.\n")])
    assert len(report.added) == 1
    assert corpus.list_documents(db) == [] and corpus.list_documents(dry) == []
    assert db.commits and not dry.commits and dry.engine is db.engine


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_span_edits_go_through_repository_functions(db: Database, tmp_path: Path) -> None:
    doc = _doc(db, tmp_path)
    span = span_service.create_span(db, doc, "ana", 0, 9, {"sourcing": "official"})
    change = span_service.update_span(db, span.id, start=0, end=14, note="who")
    assert (change.before, change.after.text, change.after.note) == (span, "Officials said",
                                                                      "who")
    assert change.after.labels == {"sourcing": "official"}
    assert change.after.updated_at >= span.updated_at
    undone = span_service.put_span(db, change.before, expected=change.after).after
    assert undone is not None and undone.version == 3, "an undo is a change of its own"
    assert (undone.start, undone.end, undone.text, undone.note, undone.labels) == \
        (span.start, span.end, span.text, span.note, span.labels)
    assert span_service.delete_span(db, span.id) == undone
    with pytest.raises(span_service.AnnotationError, match="no span with id"):
        span_service.get_span(db, span.id)
    with pytest.raises(span_service.AnnotationError, match="no span with id"):
        span_service.delete_span(db, span.id)


def test_document_status_is_an_enum_stored_as_its_value(db: Database, tmp_path: Path) -> None:
    doc = _doc(db, tmp_path)
    span_service.set_document_status(db, doc, "ana", DocumentStatus.DONE)
    statuses = span_service.document_statuses(db, "ana")
    assert statuses == {doc: DocumentStatus.DONE} and statuses[doc] == "done"
    span_service.set_document_status(db, doc, "ana", "in_progress")  # the CLI's spelling
    assert span_service.document_statuses(db, "ana")[doc] is DocumentStatus.IN_PROGRESS
    with pytest.raises(span_service.AnnotationError, match="unknown status 'finished'"):
        span_service.set_document_status(db, doc, "ana", "finished")


def test_sample_flag_and_database_info_through_services(db: Database, tmp_path: Path) -> None:
    assert project.load_sample_corpus_once(db) > 0
    assert project.load_sample_corpus_once(db) == 0  # the flag is a repository setting
    info = project.database_info(db)
    assert info["documents"] > 0 and info["spans"] == 0
    assert info["schema_revision"] == info["schema_head"] == project.schema_head()


def test_the_csv_columns_have_one_definition(db: Database) -> None:
    scheme = schemes.get_scheme(db)
    assert columns(scheme) == annotation_columns(scheme.layer_keys)


def test_a_committed_annotator_is_not_looked_up_for_each_span(db: Database,
                                                              tmp_path: Path) -> None:
    """A desk labels all day as one person: after the first commit the annotator's id comes
    from the database object's memory, not a query per span. A unit of work that did not
    commit (a dry run, an error) teaches it nothing, since its new annotator is not stored."""
    doc = _doc(db, tmp_path)
    span_service.create_span(db, doc, "ana", 0, 9, {"sourcing": "official"})
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        second = span_service.create_span(db, doc, "ana", 10, 14, {"sourcing": "official"})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert second.annotator == "ana"
    assert statements and not [s for s in statements if "annotators" in s], statements

    dry = db.rolled_back()
    span_service.create_span(dry, doc, "bea", 0, 9, {"sourcing": "official"})
    assert "bea" not in dry.annotator_ids and "bea" not in db.annotator_ids
    with pytest.raises(RuntimeError), db.write() as session:
        repositories.ensure_annotator(session, "cy")
        raise RuntimeError("rolled back")
    assert "cy" not in db.annotator_ids
    made = span_service.create_span(db, doc, "cy", 0, 9, {"sourcing": "official"})
    assert made.annotator == "cy" and "cy" in db.annotator_ids
    assert {s.annotator for s in span_service.spans_for_document(db, doc)} == {"ana", "cy"}


def test_a_documents_span_rows_build_the_spans_that_are_read_whole(db: Database,
                                                                    tmp_path: Path) -> None:
    """The desk's store reads rows and builds spans on demand (repositories
    .document_span_rows): every field as the whole-span read gives it, for one annotator or
    everyone, and nothing of another document."""
    from stancedesk.domain.attribution import SpanRole
    from stancedesk.services import attribution

    doc = _doc(db, tmp_path)
    other = corpus.import_paths(db, [_write(tmp_path / "b.txt", "Another text here.\n")]
                                ).added[0].id
    first = span_service.create_span(db, doc, "ana", 0, 9, {"sourcing": "official"}, "a note",
                                     role="source")
    attribution.name_source(db, first.id, attribution.create_entity(db, "Officials").id)
    span_service.create_span(db, doc, "bo", 10, 14, {"stance": "favor"})
    claim = span_service.create_span(db, doc, "ana", 10, 35, {"stance": "against"})
    attribution.set_role(db, claim.id, SpanRole.CLAIM)
    span_service.create_span(db, doc, "ana", 15, 20)
    span_service.create_span(db, other, "ana", 0, 7, {"stance": "favor"})
    for annotators in (["ana"], ["bo"], None, []):
        whole = span_service.spans_for_document(db, doc, annotators)
        with db.read() as session:
            pending = repositories.document_span_rows(session, doc, annotators)
        assert [row[:3] for row in pending.rows] == [(s.id, s.start, s.end) for s in whole]
        assert pending.spans() == whole
    by_id = {s.id: s for s in span_service.spans_for_document(db, doc)}
    assert by_id[first.id].entity_id and by_id[first.id].role == "source"
    assert by_id[claim.id].version > 1 and by_id[claim.id].role == "claim"


def test_a_name_another_writer_stored_first_is_not_reported_as_created(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between an import's look-up of a name and its insert, another writer may store it (a
    server runs both at once): the insert does nothing, and the import must not count the
    name among those it created. On psycopg an ORM insert's row count is -1, which read as
    "inserted": every such name was reported as created."""
    span_service.ensure_annotator(db, "ana")
    monkeypatch.setattr(repositories, "find_annotator", lambda session, name: None)
    with db.write() as session:
        assert repositories.create_annotators(session, ["ana", "ben"], None) == ["ben"]
    assert span_service.list_annotator_names(db) == ["ana", "ben"]
