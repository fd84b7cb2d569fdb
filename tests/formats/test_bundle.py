"""The bundle file: written one record per line, read back exactly, and every bad input refused
with the file and the record named."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stancedesk.formats import bundle as fmt
from stancedesk.formats.errors import FormatError

WHEN = datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=UTC)


def sample() -> fmt.Bundle:
    return fmt.Bundle(
        annotator="ana",
        scheme=fmt.BundleScheme("s", 3, "ab" * 32, {"format": "stancedesk-scheme"}),
        tool_version="0.1.0", exported_at=WHEN,
        documents=[fmt.BundleDocument("d1", "0" * 64, "Talks", "a.md", "done"),
                   fmt.BundleDocument("d2", "1" * 64)],
        entities=[fmt.BundleEntity("e1", "Reuters", "media", ("the agency",), "wire",
                                   (fmt.Grade("d1", "B", "2026-12-02T10:00:00Z"),))],
        spans=[fmt.BundleSpan("s1", "d1", 0, 5, "Talks", {"sourcing": "media"}, "", "source",
                              "e1", 2, WHEN, WHEN),
               fmt.BundleSpan("s2", "d1", 6, 12, "resume", {"stance": "favor"}, "n 🕊️",
                              "claim", None, 1, WHEN, WHEN)],
        links=[fmt.BundleLink("s2", "attributed_to", "s1")])


def written(bundle: fmt.Bundle) -> str:
    out = io.StringIO()
    fmt.write_bundle(bundle, out)
    return out.getvalue()


def test_a_bundle_reads_back_exactly() -> None:
    original = sample()
    text = written(original)
    again = fmt.read_bundle_bytes(text.encode("utf-8"), "b.json")
    assert again == original


def test_one_record_per_line_so_bundles_diff_by_span() -> None:
    original = sample()
    before = written(original).splitlines()
    changed = sample()
    span = changed.spans[1]
    changed.spans[1] = fmt.BundleSpan(span.id, span.document_id, span.start, span.end,
                                      span.text, {"stance": "against"}, span.note, span.role,
                                      None, 2, span.created_at, span.updated_at)
    after = written(changed).splitlines()
    differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(differing) == 1 and '"id": "s2"' in differing[0][1]
    head = json.loads(written(original))
    assert head["format"] == "stancedesk-bundle" and head["format_version"] == 1
    assert head["tool"] == {"name": "stancedesk", "version": "0.1.0"}
    assert head["spans"][0]["created_at"] == "2026-12-02T10:00:00.123456Z"


def data() -> dict[str, Any]:
    return json.loads(written(sample()))


def refused(raw: dict[str, Any] | bytes, match: str) -> None:
    payload = raw if isinstance(raw, bytes) else json.dumps(raw).encode("utf-8")
    with pytest.raises(FormatError, match=match) as caught:
        fmt.read_bundle_bytes(payload, "in.json")
    assert str(caught.value).startswith("in.json")


@pytest.mark.parametrize(("change", "match"), [
    (lambda d: d.update(format="stancedesk-scheme"), "not a StanceDesk bundle"),
    (lambda d: d.update(format_version=3), "newer StanceDesk"),
    (lambda d: d.update(annotator=" "), "'annotator' must not be empty"),
    (lambda d: d.update(extra=1), r"unknown key\(s\) 'extra'"),
    (lambda d: d["spans"][0].update(start=-1), r"spans\[0\] \(id s1\): 'start' is -1"),
    (lambda d: d["spans"][0].update(end=2**40), "outside"),
    (lambda d: d["spans"][0].update(text="Talk"), "'text' has 4 characters"),
    (lambda d: d["spans"][0].update(version=0), "'version' is 0"),
    (lambda d: d["spans"][0].update(version=True), "'version' must be a whole number"),
    (lambda d: d["spans"][0].update(role="speaker"), "'role' is 'speaker'"),
    (lambda d: d["spans"][1].update(entity_id="e1"), "only a source can name"),
    (lambda d: d["spans"][0].update(labels={"stance": 1}), "'labels' must be an object"),
    (lambda d: d["spans"][0].update(updated_at="yesterday"), "not an ISO 8601 time"),
    (lambda d: d["spans"][0].update(document_id="d9"), "document d9 is not in the bundle"),
    (lambda d: d["spans"][0].update(entity_id="e9"), "entity e9 is not in the bundle"),
    (lambda d: d["spans"][1].update(id="s1"), r"spans\[1\]: id s1 is given twice"),
    (lambda d: d["links"][0].update(to="s9"), r"links\[0\]: no span s9"),
    (lambda d: d["links"][0].update(kind="quotes"), "'kind' is 'quotes'"),
    (lambda d: d["documents"][0].update(sha256="xyz"), "64 lower-case hexadecimal"),
    (lambda d: d["documents"][0].update(status="skimmed"), "'status' is 'skimmed'"),
    (lambda d: d["entities"][0].update(aliases="agency"), "'aliases' must be a list"),
    (lambda d: d["scheme"].update(definition=[]), "'definition' must be a JSON object"),
    (lambda d: d.update(spans={}), "'spans' must be a list"),
])
def test_bad_fields_are_refused_by_record(change: Any, match: str) -> None:
    raw = data()
    change(raw)
    refused(raw, match)


def gold_sample() -> fmt.Bundle:
    """A gold bundle: its spans and the decisions behind them, and a rejection."""
    bundle = sample()
    bundle.annotator = "gold"
    bundle.decisions = [
        fmt.BundleDecision("c1", "d1", "s1", 0, 5, "unanimous", "lea", WHEN, ("ana", "ben"),
                           ("a1", "b1")),
        fmt.BundleDecision("c2", "d1", None, 20, 31, "rejected", "lea", WHEN, ("ana",),
                           ("a2",))]
    return bundle


def test_a_gold_bundle_carries_its_decisions_as_version_2() -> None:
    original = gold_sample()
    text = written(original)
    head = json.loads(text)
    assert head["format_version"] == 2
    assert head["decisions"][0] == {
        "id": "c1", "document_id": "d1", "span_id": "s1", "start": 0, "end": 5,
        "decision": "unanimous", "curated_by": "lea", "curated_at": "2026-12-02T10:00:00.123456Z",
        "curated_from": ["ana", "ben"], "from_span_ids": ["a1", "b1"]}
    again = fmt.read_bundle_bytes(text.encode("utf-8"), "gold.json")
    assert again.decisions == original.decisions and again.format_version == 2
    # a bundle without decisions stays version 1, so an older StanceDesk still reads it
    assert "decisions" not in data() and data()["format_version"] == 1


@pytest.mark.parametrize(("change", "match"), [
    (lambda d: d.update(format_version=1), "'decisions' needs bundle format version 2"),
    (lambda d: d["decisions"][0].update(decision="maybe"), r"decisions\[0\] \(id c1\): "
                                                            "'decision' is 'maybe'"),
    (lambda d: d["decisions"][0].update(span_id=None), "a rejection has no span"),
    (lambda d: d["decisions"][1].update(span_id="s2"), "a rejection cannot name a span"),
    (lambda d: d["decisions"][0].update(span_id="s9"), "no span s9 in the bundle"),
    (lambda d: d["decisions"][0].update(document_id="d9"), "document d9 is not in the"),
    (lambda d: d["decisions"][0].update(end=-1), "'end' is -1"),
    (lambda d: d["decisions"][1].update(id="c1"), r"decisions\[1\]: id c1 is given twice"),
    (lambda d: d["decisions"][1].update(decision="curator", span_id="s1"),
     "span s1 already has decision c1"),
    (lambda d: d["decisions"][0].update(curated_from="ana"), "must be a list of strings"),
    (lambda d: d["decisions"][0].update(curated_at="noon"), "not an ISO 8601 time"),
])
def test_bad_decisions_are_refused_by_record(change: Any, match: str) -> None:
    raw = json.loads(written(gold_sample()))
    change(raw)
    refused(raw, match)


def test_unstorable_and_hostile_input_is_refused() -> None:
    text = written(sample())
    refused(text.replace('"n 🕊️"', '"n \\u0000"').encode(), "NUL character")
    refused(text.replace('"n 🕊️"', '"n \\ud800"').encode(), "lone surrogate")
    refused(b'{"format": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested")
    refused(text.encode("utf-16"), "binary file|not valid UTF-8")
    refused(text[: len(text) // 2].encode(), "malformed JSON")
    refused(b"[]", "must be a JSON object")


def test_the_size_limit_is_checked_before_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.json"
    path.write_text(written(sample()), encoding="utf-8")
    monkeypatch.setattr(fmt, "MAX_BUNDLE_BYTES", 100)
    with pytest.raises(FormatError, match="larger than"):
        fmt.read_bundle(path)
    with pytest.raises(FormatError, match="a bundle is a file, not a folder"):
        fmt.read_bundle(tmp_path)
    with pytest.raises(FormatError, match="cannot read the file"):
        fmt.read_bundle(tmp_path / "absent.json")
