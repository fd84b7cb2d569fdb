"""Exports that went through pandas (or a spreadsheet) come back: 3.0 is the label 3, TRUE is
true. pandas reads a column of digits with gaps as floats and a column of true/false as bools."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stancedesk.domain import Scheme
from stancedesk.formats.errors import FormatError
from stancedesk.services import formats_registry, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.project import default_scheme
from tests.formats.fmt_helpers import content, fresh_db


def test_coerce_value_takes_only_plainly_equal_values() -> None:
    scheme = default_scheme()
    assert scheme.coerce_value("credibility", "3.0") == "3"
    assert scheme.coerce_value("credibility", "3.000") == "3"
    assert scheme.coerce_value("credibility", "3") == "3"
    assert scheme.coerce_value("credibility", "3.5") == "3.5"  # not a whole number: refused
    assert scheme.coerce_value("credibility", "9.0") == "9.0"  # not a label either way
    assert scheme.coerce_value("reliability", "b") == "b"  # case is not rewritten in general
    assert scheme.coerce_value("target", "3.0") == "3.0"  # free text is taken as written
    assert scheme.check_value("credibility", scheme.coerce_value("credibility", "3.5"))


def test_pandas_csv_round_trip(annotated, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    formats_registry.export_annotations(annotated.db, "csv", out)
    frame = pd.read_csv(out)
    assert frame["credibility"].dtype == float  # what breaks a naive import: "3.0"
    again = tmp_path / "from_pandas.csv"
    frame.to_csv(again, index=False)
    assert "3.0" in again.read_text(encoding="utf-8")

    other = fresh_db(tmp_path, corpus_folder=annotated.folder)
    try:
        report = formats_registry.import_annotations(other, again)
        assert report.added == 11
        assert content(other, ids=True) == content(annotated.db, ids=True)
    finally:
        other.dispose()
    # into the database it came from: every span is recognised as already there
    report = formats_registry.import_annotations(annotated.db, again)
    assert (report.added, report.unchanged) == (0, 11)


def _with_boolean_layer(db) -> Scheme:
    data = default_scheme().to_dict()
    data["layers"].append({"key": "quoted", "name": "Direct quote", "kind": "closed",
                           "labels": [{"key": "true", "name": "yes"},
                                      {"key": "false", "name": "no"}]})
    scheme = Scheme.from_dict(data)
    schemes.replace_scheme(db, scheme)
    return scheme


def test_true_false_from_pandas(annotated, tmp_path: Path) -> None:
    _with_boolean_layer(annotated.db)
    doc = annotated.ids["emoji.txt"]
    span_service.create_span(annotated.db, doc, "dora", 0, 5, {"quoted": "true"})
    span_service.create_span(annotated.db, doc, "dora", 6, 12, {"quoted": "false"})
    out = tmp_path / "spans.csv"
    formats_registry.export_annotations(annotated.db, "csv", out, annotators=["dora"])
    frame = pd.read_csv(out)
    assert frame["quoted"].dtype == bool
    frame.to_csv(out, index=False)
    assert "True" in out.read_text(encoding="utf-8")

    other = fresh_db(tmp_path, corpus_folder=annotated.folder)
    try:
        _with_boolean_layer(other)
        formats_registry.import_annotations(other, out)
        assert sorted(s.labels["quoted"] for s in span_service.list_spans(other)) == \
            ["false", "true"]
    finally:
        other.dispose()


def test_a_value_that_is_not_the_same_is_still_refused(annotated, tmp_path: Path) -> None:
    out = tmp_path / "spans.csv"
    formats_registry.export_annotations(annotated.db, "csv", out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    frame.loc[frame["credibility"] == "3", "credibility"] = "3.5"
    frame.to_csv(out, index=False)
    other = fresh_db(tmp_path, corpus_folder=annotated.folder)
    try:
        with pytest.raises(FormatError, match=r"label '3.5' is not in layer 'credibility'"):
            formats_registry.import_annotations(other, out)
        assert span_service.list_spans(other) == []
    finally:
        other.dispose()
