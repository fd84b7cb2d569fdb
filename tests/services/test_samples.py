"""The sample project shows attribution from the first start: two annotators, chains, sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.domain.attribution import LinkKind, chain
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.services.samples import load_sample_annotations
from stancedesk.storage.engine import Database


@pytest.fixture
def annotated(sample_db: Database) -> Database:
    load_sample_annotations(sample_db)
    return sample_db


def test_two_annotators_chains_and_registry(annotated: Database) -> None:
    sample_db = annotated
    counts = span_service.spans_per_annotator(sample_db)
    assert counts["sample-ana"] == 24 and counts["sample-ben"] == 21
    links = attr.links_in(sample_db, annotators=["sample-ana"])
    via = {x.from_span: x.to_span for x in links if x.kind is LinkKind.VIA}
    spans = {s.id: s for s in span_service.list_spans(sample_db, annotators=["sample-ana"])}
    chains = [[spans[i].text for i in chain(s, via)] for s in via]
    assert ["two unnamed officials", "the opposition-leaning daily Kessa Evening Post"] in chains
    registry = {e.entity.name: e for e in attr.registry(sample_db)}
    hna = registry["Halmora News Agency"]
    assert (hna.mentions, hna.documents, hna.claims) == (4, 2, 1)
    assert hna.current_grade == "C"
    assert [c.text for c in attr.claims_of(sample_db, "HNA")] == [
        "the handover would take place at the Karsa Gate crossing"]


def test_attribution_agreement_on_the_sample(annotated: Database, db_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    annotated.dispose()
    assert main(["--db", db_url, "agreement", "--layer", "sourcing", "--annotators",
                 "sample-ana,sample-ben", "--json", "--min-units", "0"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    # 9 links each; 3 + 2 + 2 of Ana's match Ben's (worked out by hand in the data file's
    # three documents: Kovar's second mention and the HNA relay differ)
    assert section["link_f1"] == pytest.approx(14 / 18)
    # a first launch (the default minimum of 30) is told why there is no number yet
    assert main(["--db", db_url, "agreement", "--layer", "sourcing", "--annotators",
                 "sample-ana,sample-ben", "--json"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    assert section["link_f1"] is None
    assert section["link_f1_reason"] == ("11 links made by either annotator, fewer than the "
                                         "minimum of 30")


def test_a_new_users_default_database_shows_the_examples(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stancedesk.services.project import open_database

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    database = open_database(None)
    try:
        assert set(span_service.spans_per_annotator(database)) >= {"sample-ana", "sample-ben"}
        assert len(attr.registry(database)) == 5
    finally:
        database.dispose()
    plain = open_database(str(tmp_path / "other.sqlite"), seed_sample=True)
    try:
        assert span_service.spans_per_annotator(plain) == {}
    finally:
        plain.dispose()
