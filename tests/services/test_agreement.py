"""The documents in scope are chosen by an explicit rule and printed in every output; numbers
that cannot say are n/a with their reason in JSON, CSV, text and the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import agreement, corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.agreement import AgreementSettings
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

STANCES = ("favor", "against", "neutral")


@pytest.fixture
def study(tmp_path: Path) -> tuple[str, list[str]]:
    """Two annotators label stance on every fifth word of the first two sample documents."""
    path = str(tmp_path / "study.sqlite")
    database = open_database(path, seed_sample=True)
    try:
        docs = [d.id for d in corpus.list_documents(database)]
        for d, doc in enumerate(docs[:2]):
            text = corpus.get_document(database, doc).text
            starts = [i for i in range(1, len(text) - 20) if text[i - 1] == " "
                      and text[i].isalpha()][:60:5]
            for u, start in enumerate(starts):
                end = text.index(" ", start)
                a = STANCES[(u + d) % 3]
                b = a if u % 4 else STANCES[(u + 1) % 3]
                span_service.create_span(database, doc, "alice", start, end, {"stance": a})
                span_service.create_span(database, doc, "bob", start, end, {"stance": b})
    finally:
        database.dispose()
    return path, docs


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _stance(db: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code, out, err = run(capsys, "--db", db, "agreement", "--layer", "stance", "--json",
                         "--bootstrap", "0", "--min-units", "5", *extra)
    assert code == 0, err
    return json.loads(out)


def test_an_unrelated_sourcing_span_does_not_change_the_stance_alpha(
        study: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's repro: one sourcing-only span by one annotator in another document."""
    db, docs = study
    before = _stance(db, capsys)
    database = open_database(db)
    try:
        text = corpus.get_document(database, docs[3]).text
        span_service.create_span(database, docs[3], "alice", 0, text.index(" "),
                                 {"sourcing": "official"})
    finally:
        database.dispose()
    after = _stance(db, capsys)
    assert after["layers"]["stance"]["char_alpha"] == before["layers"]["stance"]["char_alpha"]
    assert after["layers"]["stance"]["scope"]["documents"] == sorted(docs[:2])
    # "all" takes it in, explicitly: the former accidental default
    every = _stance(db, capsys, "--scope", "all")
    assert every["layers"]["stance"]["scope"]["n_documents"] == 3
    assert every["layers"]["stance"]["char_alpha"] != before["layers"]["stance"]["char_alpha"]


def test_done_by_every_annotator_is_the_default_and_the_fallback_says_so(
        study: tuple[str, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    db, docs = study
    fallback = _stance(db, capsys)
    scope = fallback["scope"]
    assert (scope["requested"], scope["rule"], scope["fallback"]) == ("done", "annotated", True)
    assert "No document is marked done by every compared annotator" in scope["notice"]
    assert fallback["settings"]["scope"] == "done"
    database = open_database(db)
    try:
        for name in ("alice", "bob"):
            span_service.set_document_status(database, docs[0], name, "done")
        span_service.set_document_status(database, docs[1], "alice", "done")  # bob: not yet
    finally:
        database.dispose()
    done = _stance(db, capsys)
    layer_scope = done["layers"]["stance"]["scope"]
    assert (layer_scope["rule"], layer_scope["fallback"], layer_scope["notice"]) == \
        ("done", False, None)
    assert layer_scope["documents"] == [docs[0]]
    assert done["layers"]["stance"]["n_documents"] == 1
    annotated = _stance(db, capsys, "--scope", "annotated")
    assert annotated["layers"]["stance"]["scope"]["documents"] == sorted(docs[:2])
    assert annotated["scope"]["notice"] is None
    named = _stance(db, capsys, "--documents", docs[1])
    assert named["scope"]["rule"] == "all" and named["layers"]["stance"]["n_documents"] == 1
    code, out, _ = run(capsys, "--db", db, "agreement", "--layer", "stance", "--bootstrap", "0",
                       "--min-units", "5")
    assert code == 0
    assert "scope: documents every compared annotator (alice, bob) marked done (1 documents" \
        in out


def test_scope_and_na_reasons_in_text_csv_and_report(
        study: tuple[str, list[str]], capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    db, _ = study
    tables = tmp_path / "t.csv"
    code, out, _ = run(capsys, "--db", db, "agreement", "--layer", "stance", "--bootstrap",
                       "50", "--csv", str(tables))  # default minimum: 30 units
    assert code == 0
    assert out.splitlines()[1].startswith("scope: documents where every compared annotator")
    assert "notice: No document is marked done" in out
    assert "aligned alpha            n/a   (24 pairable aligned units, fewer than the " \
           "minimum of 30)" in out
    with tables.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    alpha = next(r for r in rows if r["table"] == "coefficients" and r["metric"] ==
                 "aligned_alpha")
    assert alpha["value"] == "" and alpha["n"] == "24" and alpha["n_coders"] == "2"
    assert alpha["reason"] == "24 pairable aligned units, fewer than the minimum of 30"
    # gold speaks where it was curated, whatever the scope rule (docs/curation.md)
    assert {r["scope"] for r in rows if not r["table"].startswith("gold")} == \
        {"annotated (fallback from done)"}
    assert {r["scope"] for r in rows if r["table"].startswith("gold")} == \
        {"documents gold has spans in"}
    report = tmp_path / "r.html"
    code, _, _ = run(capsys, "--db", db, "report", "-o", str(report), "--layer", "stance",
                     "--bootstrap", "50", "--ci", "bca", "--min-units", "5")
    html = report.read_text(encoding="utf-8")
    for needle in ("Scope", "No document is marked done by every compared annotator",
                   "BCa intervals", "Minimum n", "5 units", "pairable aligned units",
                   "aligned units resampled", "Bloch"):
        assert needle in html, needle


def test_bad_scope_options_are_user_errors(study: tuple[str, list[str]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = study
    code, _, err = run(capsys, "--db", db, "agreement", "--min-units", "-1")
    assert code == 2 and "--min-units" in err
    code, _, err = run(capsys, "--db", db, "agreement", "--min-documents", "1")
    assert code == 2 and "--min-documents" in err


def test_ordered_layers_get_ordinal_measures_from_the_scheme(tmp_path: Path) -> None:
    database: Database = open_database(str(tmp_path / "o.sqlite"), seed_sample=True)
    try:
        scheme = schemes.get_scheme(database)
        assert scheme.layer("reliability").ordered
        assert scheme.layer("reliability").no_grade_keys == ("F",)
        assert scheme.layer("credibility").no_grade_keys == ("6",)
        doc = corpus.list_documents(database)[0].id
        for i, (a, b) in enumerate(zip("ABCDEF", "ABDDFF", strict=True)):
            span_service.create_span(database, doc, "alice", 10 * i, 10 * i + 3,
                                     {"reliability": a})
            span_service.create_span(database, doc, "bob", 10 * i, 10 * i + 3,
                                     {"reliability": b})
        settings = AgreementSettings(layers=["reliability", "stance"], bootstrap=0,
                                     min_units=2)
        result = agreement.span_agreement(database, settings)
        rel = result["layers"]["reliability"]
        assert rel["ordered"] and "alpha_ordinal" in rel["aligned"]
        assert "cohen_kappa_quadratic" in rel["pairwise"][0]
        assert rel["aligned"]["n_pairable_units"] == 4  # E~F and F~F: F is missing
        assert "alpha_ordinal" not in result["layers"]["stance"]["aligned"]
        counted = agreement.span_agreement(
            database, AgreementSettings(layers=["reliability"], bootstrap=0, min_units=2,
                                        count_no_grade=True))
        assert counted["layers"]["reliability"]["aligned"]["n_pairable_units"] == 6
    finally:
        database.dispose()


def test_every_confusion_cell_lists_exactly_the_passages_it_counts(
        study: tuple[str, list[str]]) -> None:
    path, docs = study
    database = open_database(path, seed_sample=False)
    try:
        text = corpus.get_document(database, docs[0]).text
        extra = text.index("the")  # only alice marks it: the "none" column
        span_service.create_span(database, docs[0], "alice", extra, extra + 3,
                                 {"stance": "favor"})
        settings = AgreementSettings(layers=["stance"], annotators=["alice", "bob"],
                                     bootstrap=0, scope="all")
        result = agreement.span_agreement(database, settings)
        cell = result["layers"]["stance"]["confusion"]["alice|bob"]
        labels = [None if i == len(cell["labels"]) - 1 else lab
                  for i, lab in enumerate(cell["labels"])]
        total = 0
        for r, row_value in enumerate(labels):
            for c, column_value in enumerate(labels):
                passages = agreement.confusion_passages(
                    database, settings, "stance", "alice", "bob", row_value, column_value)
                assert len(passages) == cell["matrix"][r][c], (row_value, column_value)
                total += len(passages)
                for p in passages:
                    assert (p.row_value, p.column_value) == (row_value, column_value)
                    assert p.text == corpus.get_document(database, p.document_id).text[
                        p.start:p.end]
        assert total == sum(map(sum, cell["matrix"]))
        lone = agreement.confusion_passages(database, settings, "stance", "alice", "bob",
                                            "favor", None)
        assert [(p.document_id, p.start, p.end, p.column_span) for p in lone] == \
            [(docs[0], extra, extra + 3, None)]
        off_diagonal = agreement.confusion_passages(database, settings, "stance", "alice",
                                                    "bob", "favor", "against")
        keys = [(docs.index(p.document_id), p.start) for p in off_diagonal]
        assert keys == sorted(keys), "in document and text order"
    finally:
        database.dispose()


def test_the_measures_run_with_one_blas_thread(study: tuple[str, list[str]],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenBLAS threads cost more than they give on the measures' small products
    (agreement/blas.py); the limit covers the measures and ends with them."""
    from threadpoolctl import threadpool_info

    import stancedesk.agreement as measures

    def blas_threads() -> list[int]:
        return [int(lib["num_threads"]) for lib in threadpool_info()
                if lib["user_api"] == "blas"]

    seen: list[list[int]] = []
    real = measures.layer_agreement

    def watched(*args: object, **kwargs: object) -> dict:
        seen.append(blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(measures, "layer_agreement", watched)
    database = open_database(study[0])
    try:
        before = blas_threads()
        agreement.span_agreement(database, AgreementSettings(layers=["stance"], bootstrap=20))
        assert seen == [[1] * len(before)]
        assert blas_threads() == before
    finally:
        database.dispose()
