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
    # two documents' worth of links is far below the default minimum: lowered to see values
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--annotators", "ana,ben",
                 "--json", "--min-units", "0"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    # ana: 2 links; ben: 2 links; with the other source only the minister's link matches
    assert section["link_f1"] == pytest.approx(f1)
    pair = section["pairwise"][0]
    assert (pair["links_a"], pair["links_b"], pair["matches"]) == (2, 2, 2 if not differ else 1)
    assert pair["sourcing"]["agreement"] == 1.0 and pair["sourcing"]["n"] == 3
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--annotators",
                 "ana,ben", "--min-units", "0"]) == 0
    assert f"claim→source link F1     {f1:.3f}   n = " in capsys.readouterr().out
    report = tmp_path / "r.html"
    assert main(["--db", path, "report", "-o", str(report), "--layer", "sourcing",
                 "--min-units", "0"]) == 0
    html = report.read_text(encoding="utf-8")
    assert 'id="attribution"' in html and 'id="profile"' in html and "Meridian" in html
    attribution = html[html.index('id="attribution"'):html.index('id="profile"')]
    assert f'<td class="">{f1:.3f}</td>' in attribution


def test_below_the_minimum_json_text_and_report_say_na_and_why(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)
    annotate(db, doc, "ana")
    annotate(db, doc, "ben")
    db.dispose()
    # identical annotations: 1.0 at a minimum they meet, n/a (not 1.0) at the default of 30
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--json",
                 "--min-units", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["attribution"]["link_f1"] == 1.0
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--json"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    links = "2 links made by either annotator, fewer than the minimum of 30"
    assert (section["link_f1"], section["link_f1_reason"]) == (None, links)
    assert section["coefficients"]["link_f1"]["n"]["units"] == 2
    pair = section["pairwise"][0]
    assert (pair["link_f1"], pair["link_f1_reason"], pair["matches"]) == (None, links, 2)
    sources = ("3 aligned sources with a sourcing value from both annotators, fewer than the "
               "minimum of 30")
    assert pair["sourcing"] == {"n": 3, "agreement": None, "kappa": None, "reason": sources}
    assert pair["coefficients"]["sourcing_kappa"] == {
        "value": None, "reason": sources,
        "n": {"units": 3, "unit": "aligned sources with a sourcing value from both annotators",
              "coders": 2, "documents": 1}}
    assert main(["--db", path, "agreement", "--layer", "sourcing"]) == 0
    text = capsys.readouterr().out
    assert f"claim→source link F1     n/a   ({links})" in text
    assert f"sourcing κ             n/a   ({sources})" in text
    report = tmp_path / "r.html"
    assert main(["--db", path, "report", "-o", str(report), "--layer", "sourcing"]) == 0
    html = report.read_text(encoding="utf-8")
    attribution = html[html.index('id="attribution"'):html.index('id="profile"')]
    assert f'<span class="na" title="{links}">n/a</span>' in attribution
    assert f'<span class="why">{sources}</span>' in attribution
    assert "1.000" not in attribution


def test_undefined_figures_say_why_in_json_and_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No link at all, and one annotator: n/a with the reason, whatever the minimum."""
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)
    for who in ("ana", "ben"):
        start = TEXT.index("Reuters")
        span_service.create_span(db, doc, who, start, start + 7, {"sourcing": "media"},
                                 role="source")
    db.dispose()
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--json", "--scope", "all",
                 "--min-units", "0"]) == 0
    section = json.loads(capsys.readouterr().out)["attribution"]
    assert section["link_f1_reason"] == "no annotator linked a claim to a source"
    pair = section["pairwise"][0]
    assert pair["link_f1_reason"] == "neither annotator linked a claim to a source"
    assert pair["entity"]["reason"] == "no aligned source where both annotators gave a value"
    # one aligned source, both 'media': a single category says nothing about skill
    assert pair["sourcing"]["agreement"] is None and pair["sourcing"]["reason"].startswith(
        "every compared value is 'media': with no variation")
    assert main(["--db", path, "agreement", "--layer", "sourcing", "--json", "--scope", "all",
                 "--annotators", "ana"]) == 0
    alone = json.loads(capsys.readouterr().out)["attribution"]
    assert (alone["link_f1"], alone["link_f1_reason"]) == (None, "fewer than two annotators")
    report = tmp_path / "r.html"
    assert main(["--db", path, "report", "-o", str(report), "--layer", "sourcing",
                 "--scope", "all", "--min-units", "0"]) == 0
    html = report.read_text(encoding="utf-8")
    assert ('<span class="na" title="no annotator linked a claim to a source">n/a</span>'
            in html)
