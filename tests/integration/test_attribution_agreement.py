"""Attribution agreement and the sourcing profile through 'agreement' and 'report'."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.domain import DocumentStatus
from stancedesk.domain.attribution import LinkKind
from stancedesk.services import attribution as attr
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from tests.services.test_attribution import TEXT, add_doc


def annotate(db, doc: str, who: str, *, other_source: bool = False) -> None:
    def make(phrase: str, role: str, **labels: str) -> str:
        start = TEXT.index(phrase)
        return span_service.create_span(db, doc, who, start, start + len(phrase), labels,
                                        role=role).id

    claim = make("the meeting was postponed", "claim", stance="neutral")
    source = make("a source with knowledge of the talks", "source", sourcing="anonymous",
                  reliability="C")
    reuters = make("Reuters", "source", sourcing="media", reliability="B")
    attr.link(db, claim, LinkKind.ATTRIBUTED_TO, reuters if other_source else source)
    attr.link(db, source, LinkKind.VIA, reuters)
    second = make("the delay was technical", "claim", stance="neutral")
    minister = make("The minister", "source", sourcing="official", reliability="A")
    attr.link(db, second, LinkKind.ATTRIBUTED_TO, minister)
    span_service.set_document_status(db, doc, who, DocumentStatus.DONE)


@pytest.mark.parametrize("differ, f1", [(False, 1.0), (True, 0.5)])
def test_link_f1_in_json_text_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         differ: bool, f1: float) -> None:
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)
    annotate(db, doc, "ana")
    annotate(db, doc, "ben", other_source=differ)
    db.dispose()
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--annotators", "ana,ben",
                 "--json"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    # ana: 2 links; ben: 2 links; with the other source only the minister's link matches
    assert section["link_f1"] == pytest.approx(f1)
    pair = section["pairwise"][0]
    assert (pair["links_a"], pair["links_b"], pair["matches"]) == (2, 2, 2 if not differ else 1)
    assert pair["sourcing"]["agreement"] == 1.0 and pair["sourcing"]["n"] == 3
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--annotators",
                 "ana,ben"]) == 0
    assert "claim→source link F1" in capsys.readouterr().out
    report = tmp_path / "r.html"
    assert main(["--db", path, "report", "-o", str(report), "--layer", "sourcing"]) == 0
    html = report.read_text(encoding="utf-8")
    assert 'id="attribution"' in html and 'id="profile"' in html and "Meridian" in html
