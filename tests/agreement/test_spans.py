"""Span agreement on small hand-worked cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stancedesk.agreement import (
    align_layer,
    char_alpha,
    cohen_kappa,
    f1_exact,
    f1_overlap,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    layer_agreement,
    layers_agreement,
)
from stancedesk.agreement.text import WHITESPACE_CODEPOINTS, non_whitespace
from stancedesk.domain.span import Span

LAYER = "stance"


class Maker:
    """Builds spans with unique ids; text is taken from the document so offsets stay honest."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.n = 0

    def __call__(self, annotator: str, start: int, end: int, value: str | None,
                 doc: str = "d1", layer: str = LAYER) -> Span:
        self.n += 1
        labels = {} if value is None else {layer: value}
        return Span(f"s{self.n}", doc, annotator, start, end, self.texts[doc][start:end], labels)


def test_whitespace_table_covers_every_code_point():
    full = [c for c in range(0x110000) if chr(c).isspace()]
    assert WHITESPACE_CODEPOINTS.tolist() == full
    for text in ("a b\tc\u00a0d\u3000e\u2028f", "plain ascii\n", "",
                 "emoji 🙂\u3000beyond U+FFFF\u2029", "lone \ud800 surrogate\u0085"):
        assert non_whitespace(text).tolist() == [not ch.isspace() for ch in text], text


def test_identical_annotators_agree_perfectly():
    texts = {"d1": "The minister said the report was wrong, sources claim.",
             "d2": "Officials denied it on Tuesday."}
    mk = Maker(texts)
    spans = []
    for who in ("A", "B", "C"):
        spans += [mk(who, 0, 12, "quote"), mk(who, 17, 38, "claim"), mk(who, 40, 54, "quote"),
                  mk(who, 0, 9, "claim", doc="d2")]
    report = layer_agreement(spans, texts, LAYER)
    json.dumps(report, allow_nan=False)
    assert report["char_alpha"] == 1.0
    assert report["unitized_alpha"] == 1.0
    assert report["aligned"]["alpha"] == 1.0
    assert report["aligned"]["n_units"] == 4
    assert report["aligned"]["gwet_ac1"] == 1.0
    for pair in report["pairwise"]:
        assert pair["f1_exact"] == 1.0
        assert pair["f1_overlap"] == 1.0
        assert pair["cohen_kappa"] == 1.0
    assert [(p["a"], p["b"]) for p in report["pairwise"]] == [("A", "B"), ("A", "C"),
                                                               ("B", "C")]
    assert report["confusion"]["A|B"] == {"labels": ["claim", "quote", "none"],
                                          "matrix": [[2, 0, 0], [0, 2, 0], [0, 0, 0]]}
    assert report["labels"]["quote"]["f1_exact"] == 1.0
    assert report["labels"]["claim"]["char_alpha"] == 1.0


def test_disjoint_spans_hand_worked():
    """20 letters; A labels [0,5), B labels [10,15). Character α: o(x,none) = o(none,x) = 10,
    n_x = 10, n_none = 30, n = 40: α = 1 − 39·20 / (2·10·30) = −0.3. αu = −0.8627 (see the
    unitized tests). No span overlaps, so F1 = 0 and no aligned unit is pairable."""
    texts = {"d1": "abcdefghijklmnopqrst"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "x"), mk("B", 10, 15, "x")]
    assert char_alpha(spans, texts, LAYER) == pytest.approx(-0.3)
    report = layer_agreement(spans, texts, LAYER)
    assert report["char_alpha"] == pytest.approx(-0.3)
    assert report["pairwise"][0]["f1_exact"] == 0.0
    assert report["pairwise"][0]["f1_overlap"] == 0.0
    assert report["pairwise"][0]["cohen_kappa"] is None
    assert report["aligned"]["n_units"] == 2
    assert report["aligned"]["alpha"] is None
    assert report["unitized_alpha"] == pytest.approx(1 - 0.125 / (0.1 * 1020 / 1520))
    assert report["confusion"]["A|B"]["matrix"] == [[0, 1], [1, 0]]
    json.dumps(report, allow_nan=False)


def test_nested_spans_shortest_wins_and_ties_take_earliest_start():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    # A: "x" over everything with a nested "y" at [2,4); B: plain "x" over everything
    spans = [mk("A", 0, 10, "x"), mk("A", 2, 4, "y"), mk("B", 0, 10, "x")]
    expected = krippendorff_alpha([list("xxyyxxxxxx"), list("xxxxxxxxxx")])
    assert char_alpha(spans, texts, LAYER) == pytest.approx(expected)
    # ties: two length-4 spans overlap on [2,4): the earlier start ("x") wins there
    spans = [mk("A", 0, 4, "x"), mk("A", 2, 6, "y"), mk("B", 0, 6, "y")]
    a_row = ["x", "x", "x", "x", "y", "y", "none", "none", "none", "none"]
    b_row = ["y"] * 6 + ["none"] * 4
    assert char_alpha(spans, texts, LAYER) == pytest.approx(krippendorff_alpha([a_row, b_row]))
    # a span without a value in this layer neither paints nor hides anything
    spans.append(mk("A", 0, 10, None))
    assert char_alpha(spans, texts, LAYER) == pytest.approx(krippendorff_alpha([a_row, b_row]))


def test_whitespace_is_excluded():
    """A covers "ab cd" including the space, B covers "ab" and "cd" separately: on the
    non-whitespace characters they agree perfectly (e, f are 'none' for both)."""
    texts = {"d1": "ab cd ef"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "x"), mk("B", 0, 2, "x"), mk("B", 3, 5, "x")]
    report = layer_agreement(spans, texts, LAYER)
    assert report["char_alpha"] == 1.0
    assert report["n_characters"] == 6
    # the same spans over a text without the spaces' exemption would disagree on one character
    with_space = krippendorff_alpha([list("xxxxxnnn"), list("xxnxxnnn")])
    assert with_space < 1.0


def test_emoji_and_combining_marks_count_as_str_indices():
    """"x👍🏽 e\u0301y": 7 code points (emoji + skin-tone modifier, e + combining acute). A
    labels the whole emoji [1,3), B only the base emoji [1,2). Units are the 6 non-space
    code points."""
    text = "x\U0001F44D\U0001F3FD e\u0301y"
    assert len(text) == 7
    texts = {"d1": text}
    mk = Maker(texts)
    spans = [mk("A", 1, 3, "x"), mk("B", 1, 2, "x"), mk("A", 4, 6, "y"), mk("B", 4, 6, "y")]
    n = "none"
    expected = krippendorff_alpha([[n, "x", "x", "y", "y", n], [n, "x", n, "y", "y", n]])
    report = layer_agreement(spans, texts, LAYER)
    assert report["n_characters"] == 6
    assert report["char_alpha"] == pytest.approx(expected)
    assert report["pairwise"][0]["f1_exact"] == pytest.approx(0.5)  # only [4,6) matches exactly
    assert report["pairwise"][0]["f1_overlap"] == 1.0


def test_document_scope():
    """By default only documents where a chosen annotator has a span count; listing a
    document with no spans adds agreed 'none' characters and raises α."""
    texts = {"d1": "abcdefghij", "d2": "klmnopqrst"}
    mk = Maker(texts)
    spans = [mk("A", 0, 6, "x"), mk("B", 2, 6, "x")]
    default = layer_agreement(spans, texts, LAYER)
    assert default["n_documents"] == 1
    both = layer_agreement(spans, texts, LAYER, documents=["d1", "d2"])
    assert both["n_documents"] == 2
    assert both["n_characters"] == 20
    assert both["char_alpha"] > default["char_alpha"]
    expected = krippendorff_alpha([list("xxxxxx") + ["none"] * 14,
                                   ["none"] * 2 + list("xxxx") + ["none"] * 14])
    assert both["char_alpha"] == pytest.approx(expected)
    # a document where a chosen annotator has only unlabelled spans is still in scope
    spans.append(mk("A", 0, 3, None, doc="d2"))
    assert layer_agreement(spans, texts, LAYER)["n_documents"] == 2


def test_annotator_choice_and_single_annotator():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "x"), mk("B", 0, 5, "x"), mk("C", 5, 9, "y")]
    ab = layer_agreement(spans, texts, LAYER, annotators=["A", "B"])
    assert ab["annotators"] == ["A", "B"]
    assert ab["char_alpha"] == 1.0
    solo = layer_agreement(spans, texts, LAYER, annotators=["A"])
    assert solo["char_alpha"] is None
    assert solo["pairwise"] == []
    assert solo["unitized_alpha"] is None
    json.dumps(solo, allow_nan=False)


def test_f1_exact_is_a_multiset_intersection():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    spans = [mk("A", 0, 3, "x"), mk("A", 0, 3, "x"), mk("B", 0, 3, "x"), mk("B", 5, 8, "x"),
             mk("B", 0, 3, "y")]
    # A: two copies of (0,3,x); B: one copy, plus two others: 1 match, F1 = 2·1/(2+3)
    assert f1_exact(spans, texts, LAYER, "A", "B") == pytest.approx(0.4)
    assert math.isnan(f1_exact([], texts, LAYER, "A", "B"))


def test_f1_overlap_is_one_to_one_and_maximises_overlap():
    texts = {"d1": "abcdefghijklmnop"}
    mk = Maker(texts)
    # A's long span overlaps both of B's; only one may match (F1 = 2·1/3)
    spans = [mk("A", 0, 10, "x"), mk("B", 0, 4, "x"), mk("B", 5, 10, "x")]
    assert f1_overlap(spans, texts, LAYER, "A", "B") == pytest.approx(2 / 3)
    assert f1_exact(spans, texts, LAYER, "A", "B") == 0.0
    # the optimal assignment is not the greedy one: A1=[0,10) overlaps B1=[5,12) by 5 and
    # B2=[0,4) by 4; A2=[8,12) overlaps B1 by 4. Greedy-by-largest takes A1-B1 (5) and strands
    # A2; maximising the total takes A1-B2 + A2-B1 (8): two matches. Labels must agree.
    spans = [mk("A", 0, 10, "x"), mk("A", 8, 12, "x"), mk("B", 5, 12, "x"), mk("B", 0, 4, "x"),
             mk("B", 13, 15, "y"), mk("A", 13, 15, "x")]
    report = layer_agreement(spans, texts, LAYER)
    assert report["pairwise"][0]["overlap_matches"] == 2
    assert report["pairwise"][0]["f1_overlap"] == pytest.approx(2 * 2 / 6)
    assert report["labels"]["x"]["f1_overlap"] == pytest.approx(2 * 2 / 5)
    assert report["labels"]["y"]["f1_overlap"] == 0.0


def test_alignment_of_three_annotators():
    """C misses the second stretch and splits nothing; A and B disagree on one label."""
    texts = {"d1": "aaaaaaaaaa bbbbbbbbbb cccccccccc"}
    mk = Maker(texts)
    spans = [mk("A", 0, 10, "pro"), mk("B", 1, 10, "pro"), mk("C", 0, 9, "pro"),
             mk("A", 11, 21, "con"), mk("B", 11, 20, "pro"),
             mk("A", 22, 32, "con"), mk("B", 22, 32, "con"), mk("C", 23, 31, "con")]
    alignment = align_layer(spans, texts, LAYER)
    rows = alignment.rows()
    assert [r["unit"] for r in rows] == [0, 1, 2]
    assert rows[1]["spans"]["C"] is None
    assert rows[1]["spans"]["A"]["value"] == "con"
    assert rows[1]["spans"]["B"] == {"span_id": spans[4].id, "start": 11, "end": 20,
                                     "value": "pro"}
    json.dumps(rows)
    matrix = [["pro", "con", "con"], ["pro", "pro", "con"], ["pro", None, "con"]]
    report = layer_agreement(spans, texts, LAYER)
    assert report["aligned"]["n_units"] == 3
    assert report["aligned"]["alpha"] == pytest.approx(krippendorff_alpha(matrix))
    assert report["aligned"]["fleiss_kappa"] == pytest.approx(fleiss_kappa(matrix))
    assert report["aligned"]["gwet_ac1"] == pytest.approx(gwet_ac1(matrix))
    assert report["pairwise"][0]["cohen_kappa"] == pytest.approx(
        cohen_kappa(matrix[0], matrix[1]))
    # A|C: C has no span where A said "con" (unit 1): counted against 'none'
    assert report["confusion"]["A|C"] == {"labels": ["con", "pro", "none"],
                                          "matrix": [[1, 0, 1], [0, 1, 0], [0, 0, 0]]}


def test_alignment_prefers_the_unit_most_annotators_agree_on():
    """C's span overlaps unit 1 (A and B, 3 + 3 shared characters) less per member than
    unit 2 (only B's stray span, 4 characters), but the summed overlap with unit 1 wins."""
    texts = {"d1": "abcdefghijklmnopqrst"}
    mk = Maker(texts)
    spans = [mk("A", 0, 6, "x"), mk("B", 0, 6, "x"), mk("B", 6, 12, "x"), mk("C", 3, 10, "x")]
    rows = align_layer(spans, texts, LAYER).rows()
    unit_of_c = next(r for r in rows if r["spans"]["C"] is not None)
    assert unit_of_c["spans"]["A"] is not None


def test_layers_wrapper_and_labels_order():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "x"), mk("B", 0, 5, "x"),
             mk("A", 0, 5, "high", layer="source"), mk("B", 0, 5, "low", layer="source")]
    out = layers_agreement(spans, texts)
    assert sorted(out["layers"]) == ["source", "stance"]
    assert out["layers"]["stance"]["char_alpha"] == 1.0
    ordered = layers_agreement(spans, texts, {"source": ["low", "mid", "high"]})
    assert list(ordered["layers"]) == ["source"]
    assert ordered["layers"]["source"]["categories"] == ["low", "mid", "high"]
    assert ordered["layers"]["source"]["labels"]["mid"]["n_spans"] == 0
    json.dumps(ordered, allow_nan=False)


def test_label_outside_given_labels_is_reported_not_dropped():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "x"), mk("B", 0, 5, "stale")]
    report = layer_agreement(spans, texts, LAYER, labels=["x", "y"])
    assert report["categories"] == ["x", "y", "stale"]


def test_a_label_called_none_keeps_the_no_label_category_apart():
    texts = {"d1": "abcdefghij"}
    mk = Maker(texts)
    spans = [mk("A", 0, 5, "none"), mk("B", 0, 5, "none")]
    report = layer_agreement(spans, texts, LAYER)
    assert report["confusion"]["A|B"]["labels"] == ["none", "<none>"]
    assert report["char_alpha"] == 1.0


def test_bootstrap_in_layer_agreement_is_reproducible():
    rng = np.random.default_rng(3)
    texts = {f"d{i}": "word " * 40 for i in range(12)}
    mk = Maker(texts)
    spans = []
    for d in texts:
        for _ in range(6):
            s = int(rng.integers(0, 180))
            e = s + int(rng.integers(3, 15))
            spans.append(mk("A", s, e, "x", doc=d))
            if rng.random() < 0.8:
                spans.append(mk("B", s + int(rng.integers(0, 3)), e, "x" if rng.random() < 0.8
                                else "y", doc=d))
    first = layer_agreement(spans, texts, LAYER, bootstrap=200, seed=9)
    again = layer_agreement(spans, texts, LAYER, bootstrap=200, seed=9)
    assert first["ci"] == again["ci"]
    low, high = first["ci"]["char_alpha"]
    assert low <= first["char_alpha"] <= high
    low, high = first["ci"]["aligned_alpha"]
    assert low <= first["aligned"]["alpha"] <= high
    other = layer_agreement(spans, texts, LAYER, bootstrap=200, seed=10)
    assert other["ci"]["char_alpha"] != first["ci"]["char_alpha"]
    json.dumps(first, allow_nan=False)


def test_bad_offsets_and_missing_texts_are_errors():
    texts = {"d1": "abc"}
    span = Span("s1", "d1", "A", 0, 5, "abc??", {LAYER: "x"})
    with pytest.raises(ValueError, match="beyond"):
        layer_agreement([span], texts, LAYER)
    with pytest.raises(ValueError, match="no text"):
        layer_agreement([Span("s2", "d9", "A", 0, 1, "a", {LAYER: "x"})], texts, LAYER)


@pytest.mark.parametrize(("seed", "n_annotators"), [(1, 2), (2, 3), (3, 5), (4, 9)])
def test_char_alpha_matches_a_per_character_reference(seed, n_annotators):
    """The painting shortcut against the rule applied character by character in Python; nine
    annotators also take the path for profiles too many to count in a table."""
    rng = np.random.default_rng(seed)
    texts = {"d1": "lorem ipsum dolor sit amet", "d2": "consectetur  adipiscing\nelit"}
    labels = ["p", "q", "r"]
    mk = Maker(texts)
    names = [f"n{i}" for i in range(n_annotators)]
    spans = []
    for name in names:
        for doc, text in texts.items():
            for _ in range(int(rng.integers(0, 6))):
                s = int(rng.integers(0, len(text)))
                e = int(rng.integers(s, len(text) + 1))
                spans.append(mk(name, s, e, labels[int(rng.integers(0, 3))], doc=doc))
    rows: list[list[str]] = [[] for _ in names]
    for doc in sorted(texts):
        for i, ch in enumerate(texts[doc]):
            if ch.isspace():
                continue
            for a, name in enumerate(names):
                covering = [s for s in spans if s.annotator == name and s.document_id == doc
                            and s.start <= i < s.end]
                best = min(covering, default=None,
                           key=lambda s: (s.end - s.start, s.start, labels.index(s.labels[LAYER])))
                rows[a].append("none" if best is None else best.labels[LAYER])
    expected = krippendorff_alpha(rows)
    ours = char_alpha(spans, texts, LAYER, annotators=names, documents=sorted(texts),
                      labels=labels)
    if math.isnan(expected):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(expected, rel=1e-12)
