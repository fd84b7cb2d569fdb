"""A gold standard curated on a lead's laptop travels to the team's database with its
provenance: the gold bundle carries the curation decisions, the merge stores them with their
ids, curators and times, is idempotent, and never overwrites a decision made here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stancedesk.services import curation
from stancedesk.services import spans as span_service
from stancedesk.services.bundle_export import export_bundle
from stancedesk.services.bundle_merge import import_bundles
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

from .test_bundles import first_doc

LEAD = "lea"


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "lead.sqlite"), seed_sample=True)
    yield database
    database.dispose()


def mark(db: Database, who: str, phrase: str, **labels: str) -> str:
    doc, text = first_doc(db)
    start = text.index(phrase)
    return span_service.create_span(db, doc, who, start, start + len(phrase), labels).id


@pytest.fixture
def curated(laptop: Database, tmp_path: Path) -> dict[str, Path]:
    """Ana and Ben annotate on the laptop; the lead accepts where they agree, accepts Ana's
    version of a disputed passage and rejects a third; bundles of all three are written."""
    for who in ("ana", "ben"):
        mark(laptop, who, "a cautious first step", stance="neutral")
    mark(laptop, "ana", "the first direct contacts", stance="favor")
    mark(laptop, "ben", "the first direct contacts", stance="against")
    mark(laptop, "ana", "Ostrelia will host", stance="favor")
    doc = first_doc(laptop)[0]
    curation.auto_curate(laptop, 2, curator=LEAD)
    queue = curation.conflict_queue(laptop, documents=[doc])
    disputed, lone = sorted(queue, key=lambda p: p.start)
    contacts = next(p for p in (disputed, lone) if len(p.versions) == 2)
    host = next(p for p in (disputed, lone) if len(p.versions) == 1)
    curation.accept_span(laptop, next(v.span.id for v in contacts.versions
                                      if v.annotator == "ana"), curator=LEAD)
    curation.reject_passage(laptop, doc, host.start, host.end, curator=LEAD,
                            from_span_ids=[v.span.id for v in host.versions])
    paths = {}
    for who in ("ana", "ben", "gold"):
        paths[who] = tmp_path / f"{who}.json"
        export_bundle(laptop, who, paths[who])
    return paths


def provenance(db: Database) -> list[tuple[object, ...]]:
    return sorted((d.id, d.document_id, d.span_id, d.start, d.end, d.decision, d.curated_by,
                   d.curated_at, d.curated_from, d.from_span_ids)
                  for d in curation.list_decisions(db))


def test_gold_and_its_decisions_arrive_with_their_provenance(
        laptop: Database, sample_db: Database, curated: dict[str, Path]) -> None:
    import_bundles(sample_db, [curated["ana"], curated["ben"]])
    report = import_bundles(sample_db, [curated["gold"]])
    merge = report.merges[0]
    assert len(merge.decisions_added) == 3 and not merge.decisions_skipped
    assert provenance(sample_db) == provenance(laptop)
    kinds = sorted(d.decision for d in curation.list_decisions(sample_db))
    assert kinds == ["majority", "rejected", "unanimous"]
    assert report.changes.curation_documents == frozenset({first_doc(sample_db)[0]})
    assert "curation decisions: 3 added, 0 unchanged, 0 skipped" in report.text()
    # the team's status counts the passages as decided, as on the laptop
    assert [s.as_json() for s in curation.status(sample_db)] == [
        s.as_json() for s in curation.status(laptop)]
    # and an imported decision undoes like one made here: the gold span goes with it
    taken = next(d for d in curation.list_decisions(sample_db) if d.decision == "majority")
    curation.undo_decisions(sample_db, [taken.id])
    assert len(curation.list_decisions(sample_db)) == 2
    assert taken.span_id not in {s.id for s in span_service.spans_for_document(
        sample_db, taken.document_id, ["gold"])}


def test_the_same_gold_bundle_twice_changes_nothing(
        sample_db: Database, curated: dict[str, Path]) -> None:
    import_bundles(sample_db, [curated["ana"], curated["ben"], curated["gold"]])
    before = provenance(sample_db)
    again = import_bundles(sample_db, [curated["gold"]]).merges[0]
    assert not again.changed_anything and again.decisions_unchanged == 3
    assert provenance(sample_db) == before


def test_a_passage_decided_here_is_never_overwritten(
        sample_db: Database, curated: dict[str, Path]) -> None:
    import_bundles(sample_db, [curated["ana"], curated["ben"]])
    doc = first_doc(sample_db)[0]
    host = next(p for p in curation.conflict_queue(sample_db, documents=[doc])
                if len(p.versions) == 1)
    mine = curation.accept_span(sample_db, host.versions[0].span.id, curator="max")
    merge = import_bundles(sample_db, [curated["gold"]]).merges[0]
    assert len(merge.decisions_added) == 2
    (why,) = merge.decisions_skipped.values()
    assert f"the passage {host.start}:{host.end} is already decided here" in why
    here = {d.id: d for d in curation.list_decisions(sample_db)}
    assert here[mine.decisions[0].id].curated_by == "max"  # the team's decision stands
    assert "skipped decision" in import_bundles(
        sample_db, [curated["gold"]], dry_run=True).text()


def test_a_dry_run_stores_no_decision(sample_db: Database, curated: dict[str, Path]) -> None:
    import_bundles(sample_db, [curated["ana"], curated["ben"]])
    report = import_bundles(sample_db, [curated["gold"]], dry_run=True)
    assert len(report.merges[0].decisions_added) == 3
    assert curation.list_decisions(sample_db) == []
