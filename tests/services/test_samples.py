"""The sample project shows attribution from the first start: two annotators, chains, sources."""

from __future__ import annotations

import json

import pytest

from stancedesk.cli import main
from stancedesk.domain.attribution import LinkKind, chain
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database


def test_two_annotators_chains_and_registry(sample_db: Database) -> None:
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


def test_attribution_agreement_on_the_sample(sample_db: Database, db_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sample_db.dispose()
    assert main(["--db", db_url, "agreement", "--layer", "sourcing", "--annotators",
                 "sample-ana,sample-ben", "--json"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    # 9 links each; 3 + 2 + 2 of Ana's match Ben's (worked out by hand in the data file's
    # three documents: Kovar's second mention and the HNA relay differ)
    assert section["link_f1"] == pytest.approx(14 / 18)
