"""The agreement commands end to end: reliability CSV, span agreement JSON, HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database

ROOT = Path(__file__).resolve().parents[2]

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, missing values; published alphas: nominal .743, ordinal .815, interval .849,
# ratio .797.
KRIPPENDORFF_2011 = """unit,A,B,C,D
1,1,1,,1
2,2,2,3,2
3,3,3,3,3
4,3,3,3,3
5,2,2,2,2
6,1,2,3,4
7,4,4,4,4
8,1,1,2,1
9,2,2,2,2
10,,5,5,5
11,,,1,1
12,,3,,
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("level", "alpha"), [("nominal", 0.743), ("ordinal", 0.815),
                                              ("interval", 0.849), ("ratio", 0.797)])
def test_reliability_reproduces_krippendorffs_example(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, level: str,
                                                      alpha: float) -> None:
    path = tmp_path / "k.csv"
    path.write_text(KRIPPENDORFF_2011, encoding="utf-8")
    code, out, _ = run(capsys, "reliability", str(path), "--level", level, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["units"] == 12 and result["coders"] == 4
    assert result["coder_names"] == ["A", "B", "C", "D"]
    assert result["krippendorff_alpha"] == pytest.approx(alpha, abs=5e-4)
    for key in ("percent_agreement", "fleiss_kappa", "gwet_ac1"):
        assert isinstance(result[key], float)
    assert "cohen_kappa" not in result


def test_reliability_two_coders_reports_cohen_kappa(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    # Krippendorff (2011), section A: two observers, binary data, alpha = 0.095.
    a = "0100000010"
    b = "1110010000"
    path.write_text("unit,obs1,obs2\n" + "".join(f"u{i},{x},{y}\n" for i, (x, y) in
                                               enumerate(zip(a, b, strict=True))),
                    encoding="utf-8")
    code, out, _ = run(capsys, "reliability", str(path), "--json")
    result = json.loads(out)
    assert result["krippendorff_alpha"] == pytest.approx(0.095, abs=5e-4)
    assert result["percent_agreement"] == pytest.approx(0.6)
    assert "cohen_kappa" in result
    code, out, _ = run(capsys, "reliability", str(path))
    assert code == 0 and "krippendorff_alpha" in out and "0.095" in out


@pytest.mark.parametrize(("content", "level", "problem"), [
    ("unit,a,b\n1,x,y\n", "interval", "is not a number"),
    ("unit,a,b\n1,1,2\n1,2,2\n", "nominal", "repeats line 2"),
    ("unit,a,b\n1,1\n", "nominal", "the row has 2 cells"),
    ("unit\n1\n", "nominal", "at least one coder column"),
    ("", "nominal", "empty"),
])
def test_reliability_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                               content: str, level: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "reliability", str(path), "--level", level)
    assert code == 2 and str(path) in err and problem in err


@pytest.fixture
def two_annotators(tmp_path: Path) -> str:
    db = str(tmp_path / "p.sqlite")
    database = open_database(db, seed_sample=True)
    try:
        docs = corpus.list_documents(database)[:2]
        for doc in docs:
            text = corpus.get_document(database, doc.id).text
            for needle, stance, source in (("said", "neutral", "official"),
                                           ("diplomat", "favor", "diplomat")):
                start = text.index(needle)
                for name in ("alice", "bob"):
                    span_service.create_span(database, doc.id, name, start, start + len(needle),
                                            {"stance": stance, "sourcing": source})
    finally:
        database.dispose()
    return db


def test_agreement_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str],
                                                two_annotators: str) -> None:
    # four passages: below the default minimum of 30 units, so lowered for the key check
    code, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                       "--layer", "sourcing", "--json", "--bootstrap", "200",
                       "--min-units", "2")
    assert code == 0
    result = json.loads(out)
    assert set(result["layers"]) == {"stance", "sourcing"}
    stance = result["layers"]["stance"]
    for key in ("char_alpha", "pairwise", "aligned", "unitized_alpha", "labels", "confusion"):
        assert key in stance
    (pair,) = stance["pairwise"]
    assert set(pair) >= {"a", "b", "f1_exact", "f1_overlap", "cohen_kappa"}
    assert (pair["a"], pair["b"]) == ("alice", "bob")
    assert pair["f1_exact"] == pair["f1_overlap"] == 1.0  # identical annotations
    assert stance["char_alpha"] == pytest.approx(1.0)
    assert result["settings"]["annotators"] == ["alice", "bob"]
    assert result["settings"]["bootstrap"] == 200
    attribution = result["attribution"]
    assert set(attribution) >= {"annotators", "link_f1", "link_f1_reason", "links", "pairwise",
                                "coefficients", "minimums", "n_documents"}
    assert attribution["minimums"] == {"units": 2}
    (pair,) = attribution["pairwise"]
    assert set(pair) >= {"a", "b", "links_a", "links_b", "matches", "link_f1", "link_f1_reason",
                         "aligned_claims", "aligned_sources", "sourcing", "reliability",
                         "entity", "coefficients"}
    for entry in pair["coefficients"].values():
        assert set(entry) == {"value", "n", "reason"}


def test_attribution_without_links_or_a_second_annotator_says_why(
        capsys: pytest.CaptureFixture[str], two_annotators: str) -> None:
    """Spans without roles: no link to compare, at any minimum; the reason, never a number."""
    for extra in ([], ["--min-units", "0"]):
        _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                        "--json", "--bootstrap", "0", *extra)
        section = json.loads(out)["attribution"]
        assert section["link_f1"] is None
        assert section["link_f1_reason"] == "no annotator linked a claim to a source"
        (pair,) = section["pairwise"]
        assert pair["link_f1_reason"] == "neither annotator linked a claim to a source"
        assert pair["sourcing"]["reason"] == \
            "no aligned source where both annotators gave a value"
    _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                    "--json", "--bootstrap", "0", "--annotators", "alice")
    section = json.loads(out)["attribution"]
    assert section["link_f1_reason"] == "fewer than two annotators"
    assert section["coefficients"]["link_f1"]["reason"] == "fewer than two annotators"
    _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                    "--bootstrap", "0")
    assert "claim→source link F1     n/a   (no annotator linked a claim to a source)" in out


def test_agreement_selection_and_errors(capsys: pytest.CaptureFixture[str],
                                        two_annotators: str) -> None:
    code, out, _ = run(capsys, "--db", two_annotators, "agreement", "--annotators", "alice",
                       "--layer", "stance", "--json", "--bootstrap", "0")
    stance = json.loads(out)["layers"]["stance"]
    assert stance["pairwise"] == [] and stance["char_alpha"] is None
    code, _, err = run(capsys, "--db", two_annotators, "agreement", "--layer", "stnace")
    assert code == 2 and "unknown layer 'stnace'" in err
    code, _, err = run(capsys, "--db", two_annotators, "agreement", "--documents", "nope")
    assert code == 2 and "unknown document id(s): nope" in err
    code, out, _ = run(capsys, "--db", two_annotators, "agreement", "--bootstrap", "0")
    assert code == 0 and "[credibility]" in out and "alice ~ bob" in out


def test_report_is_a_self_contained_html_file(capsys: pytest.CaptureFixture[str],
                                              two_annotators: str, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    code, _, err = run(capsys, "--db", two_annotators, "report", "-o", str(path),
                       "--bootstrap", "100")
    assert code == 0 and str(path) in err
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "http://" not in html and "src=" not in html
    for needle in ("Settings", "alice, bob", "Sourcing", "Character α", "<svg", "seed 20261123",
                   "Krippendorff, K. (2004)"):
        assert needle in html


def test_gamma_on_request(capsys: pytest.CaptureFixture[str], two_annotators: str,
                          tmp_path: Path) -> None:
    _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                    "--bootstrap", "0", "--json")
    assert "gamma" not in json.loads(out)["layers"]["stance"], "gamma is opt-in"
    _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                    "--bootstrap", "0", "--gamma", "--json", "--min-units", "2")
    gamma = json.loads(out)["layers"]["stance"]["gamma"]
    assert gamma["gamma"] == pytest.approx(1.0)  # identical annotations: no disorder
    assert gamma["observed_disorder"] == pytest.approx(0.0)
    assert gamma["n_groups"] == 4  # two passages in each of two documents
    _, out, _ = run(capsys, "--db", two_annotators, "agreement", "--layer", "stance",
                    "--annotators", "alice", "--bootstrap", "0", "--gamma", "--json")
    assert json.loads(out)["layers"]["stance"]["gamma"] is None
    path = tmp_path / "r.html"
    run(capsys, "--db", two_annotators, "report", "-o", str(path), "--bootstrap", "0",
        "--gamma")
    assert "Mathet's γ" in path.read_text(encoding="utf-8")
