"""Mathet's γ against published values (Mathet et al. 2015 and pygamma-agreement's test suite), an
exhaustive search for the best alignment, and its API.

Sources: the paper's Figure 10 positional dissimilarities and pygamma-agreement's tests
(tests/test_dissimilarity.py, tests/test_alignement.py, tests/test_gammas.py with the data files
tests/data/3by100.csv and AlexPaulSuzan.csv, reproduced below). γ depends on random chance
continua, so it is checked against the published ranges and the observed disorder exactly.
"""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
import pytest

from stancedesk.agreement import gamma_agreement
from stancedesk.agreement.gamma import (
    _best_alignments,
    _candidates,
    _Dissimilarity,
    gamma_for_spans,
)
from stancedesk.domain.span import Span

# pygamma's categorical matrix over categories in alphabetical order.
NAMES = ["Alice", "Bob", "Carol", "Jeremy"]
LIZA = [(1, 5, "Carol"), (6, 8, "Bob"), (7, 20, "Alice"), (12, 18, "Carol")]
PIERROT = [(2, 6, "Carol"), (7, 8, "Bob"), (7, 19, "Jeremy"), (8, 10, "Alice"), (12, 18, "Alice")]
HADRIEN = [(1, 6, "Carol"), (7, 19, "Jeremy"), (8, 10, "Alice"), (19, 20, "Alice")]


def _arrays(units, labels=NAMES):
    return (np.array([u[0] for u in units], float), np.array([u[1] for u in units], float),
            np.array([labels.index(u[2]) for u in units]))


def _rows(text):
    return [(r[0], float(r[2]), float(r[3]), r[1]) for r in csv.reader(io.StringIO(text))]


def test_positional_dissimilarity_paper_figure_10():
    # Mathet et al. (2015), Figure 10 (Δ∅ = 1), as in pygamma's test_dissimilarity.py.
    dis = _Dissimilarity(1.0, 0.0, 1.0, np.zeros((1, 1)))
    # The paper prints the values rounded to the digits given here.
    pairs = {((4, 14), (40, 44)): "22.2", ((4, 14), (4, 14)): "0", ((4, 14), (20, 25)): "3.2",
             ((4, 14), (14, 24)): "1", ((20, 30), (20, 25)): "0.11", ((20, 25), (14, 24)): "0.22"}
    for (a, b), printed in pairs.items():
        got = dis.matrix(_arrays([(*a, "Alice")]), _arrays([(*b, "Alice")]))[0, 0]
        digits = len(printed.partition(".")[2])
        assert f"{got:.{digits}f}" == printed
    exact = dis.matrix(_arrays([(4, 14, "Alice")]), _arrays([(40, 44, "Alice")]))[0, 0]
    assert exact == pytest.approx((66 / 14) ** 2, rel=1e-12)
    # Scale invariance (Figure 20).
    small = dis.matrix(_arrays([(0, 7, "Alice")]), _arrays([(0, 10, "Alice")]))
    large = dis.matrix(_arrays([(0, 21, "Alice")]), _arrays([(0, 30, "Alice")]))
    assert small[0, 0] == pytest.approx(large[0, 0], rel=1e-12) == pytest.approx(9 / 289)


def test_combined_dissimilarity_pygamma_values():
    # pygamma tests/test_dissimilarity.py::test_combi_categorical_dissimilarity (α=3, Δ∅=0.5).
    cat = np.array([[0.0, 0.6, 0.3, 0.7], [0.6, 0.0, 0.5, 0.4],
                    [0.3, 0.5, 0.0, 0.7], [0.7, 0.4, 0.7, 0.0]])
    got = _Dissimilarity(3.0, 1.0, 0.5, cat).matrix(_arrays(LIZA), _arrays(PIERROT)).ravel()
    expected = [0.09375, 5.11, 2.69375, 6.15, 8.79, 1.75, 0.16666666666666666,
                1.3020408163265305, 1.8, 6.3, 2.0237024221453286, 1.4020408163265305, 0.3524,
                0.8066666666666665, 0.20360110803324097, 7.26, 7.137755102040815,
                0.5166666666666666, 3.525, 0.15]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def _three_coders():
    return [(who, s, e, c) for who, units in (("liza", LIZA), ("pierrot", PIERROT),
                                               ("hadrien", HADRIEN)) for s, e, c in units]


def test_best_alignment_pygamma_value():
    # pygamma tests/test_alignement.py::test_best_alignment: disorder 0.43478875578596043.
    cat = np.array([[0, 0.5, 0.3, 0.7], [0.5, 0.0, 0.6, 0.4],
                    [0.3, 0.6, 0.0, 0.7], [0.7, 0.4, 0.7, 0.0]])
    units = _three_coders()
    res = gamma_agreement(units, alpha=3.0, categorical=(NAMES, cat), delta_empty=0.5,
                          n_samples=3)
    assert res.observed_disorder == pytest.approx(0.43478875578596043, rel=1e-6)
    assert res.annotators == ("hadrien", "liza", "pierrot")
    got = {tuple(None if i is None else units[i][1:] for i in t) for t in res.alignment}
    # The alignment pygamma-agreement 0.5.9 returns for this continuum.
    assert got == {
        ((1, 6, "Carol"), (1, 5, "Carol"), (2, 6, "Carol")),
        (None, (6, 8, "Bob"), (7, 8, "Bob")),
        ((7, 19, "Jeremy"), (7, 20, "Alice"), (7, 19, "Jeremy")),
        ((8, 10, "Alice"), None, (8, 10, "Alice")),
        (None, (12, 18, "Carol"), (12, 18, "Alice")),
        ((19, 20, "Alice"), None, None),
    }


def test_gamma_3by100_pygamma_published():
    # pygamma tests/test_gammas.py::test_gamma_3by100: 127 unitary alignments, 0.79 <= γ <= 0.81.
    units = _rows(DATA_3BY100)
    res = gamma_agreement(units, alpha=3.0, beta=1.0, seed=4772)
    assert len(res.alignment) == 127
    assert res.observed_disorder == pytest.approx(0.34351167, rel=1e-6)  # pygamma 0.5.9
    assert res.n_samples == 30
    assert 0.79 <= res.gamma <= 0.81
    assert res.gamma == pytest.approx(1 - res.observed_disorder / res.expected_disorder)


def test_gamma_alexpaulsuzan_pygamma_published():
    # pygamma tests/test_gammas.py::test_gamma_alexpaulsuzan, with the paper's shuffling
    # sampler: 6 unitary alignments, disorder 0.96 (±1 %), 0.44 <= γ <= 0.47.
    units = _rows(DATA_ALEX_PAUL_SUZAN)
    res = gamma_agreement(units, alpha=3.0, beta=1.0, sampler="mathet", precision_level=0.05,
                          seed=4772)
    assert len(res.alignment) == 6
    assert res.observed_disorder == pytest.approx(0.960625, rel=1e-9)
    assert 0.44 <= res.gamma <= 0.47


def _brute_force(conts, dis):
    """Minimum total disorder over every partition into unitary alignments (no pruning)."""
    n = len(conts)
    c2 = n * (n - 1) // 2
    mats = {(a, b): dis.matrix(conts[a], conts[b]) for a in range(n) for b in range(a + 1, n)}

    def cost(t):
        return sum(dis.delta if t[a] < 0 or t[b] < 0 else mats[a, b][t[a], t[b]]
                   for a, b in mats) / c2

    units = [(a, j) for a in range(n) for j in range(len(conts[a][0]))]

    def best(covered):
        free = [u for u in units if u not in covered]
        if not free:
            return 0.0
        a0, j0 = free[0]
        options = [[j0] if a == a0 else [-1] + [j for j in range(len(conts[a][0]))
                                                 if (a, j) not in covered]
                   for a in range(n)]
        return min(cost(t) + best(covered | {(a, j) for a, j in enumerate(t) if j >= 0})
                   for t in itertools.product(*options))

    return best(frozenset())


def _random_continuum(rng, n, m, k=2):
    conts = []
    for _ in range(n):
        s = rng.integers(0, 12, m).astype(float)
        conts.append((s, s + rng.integers(1, 6, m), rng.integers(0, k, m)))
    return conts


@pytest.mark.parametrize("n_annotators", [2, 3, 4])
def test_best_alignment_matches_exhaustive_search(n_annotators):
    rng = np.random.default_rng(n_annotators)
    dis = _Dissimilarity(1.0, 1.0, 1.0, 1.0 - np.eye(2))
    m = {2: 3, 3: 2, 4: 2}[n_annotators]
    samples = [_random_continuum(rng, n_annotators, m) for _ in range(12)]
    for conts, (cost, chosen) in zip(samples, _best_alignments(samples, dis), strict=True):
        assert cost == pytest.approx(_brute_force(conts, dis), abs=1e-6)
        used = sorted((a, j) for t in chosen for a, j in enumerate(t) if j >= 0)
        assert used == [(a, j) for a in range(n_annotators) for j in range(m)]


def test_two_annotator_assignment_equals_set_partition():
    rng = np.random.default_rng(7)
    dis = _Dissimilarity(3.0, 1.0, 1.0, 1.0 - np.eye(2))
    samples = [_random_continuum(rng, 2, int(rng.integers(1, 15))) for _ in range(20)]
    fast = _best_alignments(samples, dis)
    slow = _best_alignments(samples, dis, force_milp=True)
    for (c1, t1), (c2, t2) in zip(fast, slow, strict=True):
        assert c1 == pytest.approx(c2, abs=1e-9)
        assert len(t1) == len(t2)


def test_pruning_keeps_singletons_and_drops_far_pairs():
    dis = _Dissimilarity(1.0, 1.0, 1.0, 1.0 - np.eye(1))
    near = ([0.0], [10.0], [0])
    far = ([100.0], [110.0], [0])
    conts = [tuple(np.array(x) for x in near), tuple(np.array(x) for x in near),
             tuple(np.array(x) for x in far)]
    tuples, costs = _candidates(conts, dis)
    got = {tuple(int(v) for v in t): c for t, c in zip(tuples, costs, strict=True)}
    assert got[(0, 0, 1)] == pytest.approx(2 / 3)  # the two identical units together
    assert got[(1, 1, 0)] == pytest.approx(1.0)  # a singleton costs Δ∅
    assert not any(t[0] == 0 and t[2] == 0 for t in got)  # d = 441 ≫ bound


def test_perfect_agreement_and_reproducibility():
    units = [(w, s, s + 5.0, c) for w in ("a", "b", "c")
             for s, c in ((0.0, "x"), (10.0, "y"), (20.0, "x"))]
    res = gamma_agreement(units)
    assert res.gamma == 1.0 and res.observed_disorder == 0.0
    noisy = [*units[:-1], ("c", 22.0, 27.0, "y"), ("a", 40.0, 44.0, "x")]
    first = gamma_agreement(noisy, seed=3)
    assert gamma_agreement(noisy, seed=3) == first
    other = gamma_agreement(noisy, seed=4)
    assert other.observed_disorder == first.observed_disorder
    assert other.expected_disorder != first.expected_disorder
    assert 0.0 < first.gamma < 1.0


def test_precision_level_adds_samples():
    units = _rows(DATA_ALEX_PAUL_SUZAN)
    res = gamma_agreement(units, n_samples=5, precision_level="high", seed=1)
    assert res.n_samples > 5
    fixed = gamma_agreement(units, n_samples=5, seed=1)
    assert fixed.n_samples == 5


def _span(i, doc, who, start, end, label):
    return Span(id=f"s{i}", document_id=doc, annotator=who, start=start, end=end,
                text="x" * (end - start), labels={"stance": label} if label else {})


def test_gamma_for_spans_matches_tuples_and_keeps_documents_apart():
    spans = [_span(0, "d1", "ann", 0, 10, "pro"), _span(1, "d1", "bob", 1, 10, "pro"),
             _span(2, "d1", "bob", 20, 30, "con"), _span(3, "d1", "ann", 20, 30, ""),
             _span(4, "d2", "ann", 25, 35, "con"), _span(5, "d1", "cyd", 0, 10, "pro")]
    one_doc = gamma_for_spans(spans[:4], "stance", seed=2)
    direct = gamma_agreement([("ann", 0, 10, "pro"), ("bob", 1, 10, "pro"),
                              ("bob", 20, 30, "con")], seed=2)
    assert one_doc == direct
    # Across documents, d2's unit may not pair with bob's [20, 30) in d1.
    both = gamma_for_spans(spans[:5], "stance", seed=2)
    assert (None, 2) in both.alignment and (3, None) in both.alignment
    # Annotator "dan" has no spans: he only contributes empty slots.
    with_dan = gamma_for_spans(spans, "stance", annotators=["ann", "bob", "cyd", "dan"])
    assert with_dan.annotators == ("ann", "bob", "cyd", "dan")
    assert (0, 1, 4, None) in with_dan.alignment


def test_invalid_input():
    with pytest.raises(ValueError, match="two annotators"):
        gamma_agreement([("a", 0, 1, "x")])
    with pytest.raises(ValueError, match="end > start"):
        gamma_agreement([("a", 0, 1, "x"), ("b", 2, 2, "x")])
    with pytest.raises(ValueError, match="missing"):
        gamma_agreement([("a", 0, 1, "x"), ("b", 0, 1, "y")], categorical=(["x"], [[0.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        gamma_agreement([("a", 0, 1, "x"), ("b", 0, 1, "y")],
                        categorical=(["x", "y"], [[0.0, 1.0], [0.5, 0.0]]))
    with pytest.raises(ValueError, match="sampler"):
        gamma_agreement([("a", 0, 1, "x"), ("b", 0, 1, "y")], sampler="uniform")


# pygamma-agreement tests/data/AlexPaulSuzan.csv (annotator, category, start, end).
DATA_ALEX_PAUL_SUZAN = """\
Alex,1,2,9
Alex,2,11,17
Alex,5,24,30
Alex,6,32,36
Alex,6,36,44
Alex,7,44,60
Paul,1,2,9
Paul,3,11,17
Paul,5,19,25
Paul,6,32,44
Suzan,1,2,9
Suzan,4,11,17
Suzan,5,21,27
Suzan,6,32,36
Suzan,6,36,40
Suzan,6,40,44
"""

# pygamma-agreement tests/data/3by100.csv (annotator, category, start, end).
DATA_3BY100 = """\
annotator_1,Noun,3,16
annotator_1,Adj,28,38
annotator_1,Noun,44,62
annotator_1,Prep,64,66
annotator_1,Noun,77,84
annotator_1,Noun,86,119
annotator_1,Verb,127,133
annotator_1,Noun,138,158
annotator_1,Prep,163,169
annotator_1,Prep,177,188
annotator_1,Noun,192,195
annotator_1,Prep,201,208
annotator_1,Adj,209,233
annotator_1,Noun,241,249
annotator_1,Noun,255,277
annotator_1,Prep,282,287
annotator_1,Verb,294,300
annotator_1,Adj,305,314
annotator_1,Prep,321,326
annotator_1,Prep,330,336
annotator_1,Noun,347,353
annotator_1,Adj,359,387
annotator_1,Adj,393,411
annotator_1,Adj,422,441
annotator_1,Noun,442,454
annotator_1,Prep,463,465
annotator_1,Prep,466,477
annotator_1,Verb,478,484
annotator_1,Verb,486,491
annotator_1,Prep,498,506
annotator_1,Noun,518,526
annotator_1,Noun,527,544
annotator_1,Verb,553,567
annotator_1,Prep,572,580
annotator_1,Prep,591,592
annotator_1,Prep,596,598
annotator_1,Noun,602,628
annotator_1,Prep,638,644
annotator_1,Verb,645,648
annotator_1,Adj,649,657
annotator_1,Noun,668,680
annotator_1,Noun,688,696
annotator_1,Noun,706,710
annotator_1,Adj,721,725
annotator_1,Adj,728,732
annotator_1,Prep,743,744
annotator_1,Noun,753,770
annotator_1,Prep,775,784
annotator_1,Noun,785,804
annotator_1,Adj,814,837
annotator_1,Noun,840,849
annotator_1,Adj,866,889
annotator_1,Prep,890,902
annotator_1,Noun,908,936
annotator_1,Verb,937,942
annotator_1,Verb,945,948
annotator_1,Prep,956,957
annotator_1,Adj,961,994
annotator_1,Prep,998,1007
annotator_1,Verb,1011,1016
annotator_1,Noun,1027,1038
annotator_1,Verb,1043,1048
annotator_1,Prep,1049,1052
annotator_1,Noun,1052,1077
annotator_1,Noun,1087,1091
annotator_1,Noun,1094,1115
annotator_1,Adj,1122,1129
annotator_1,Prep,1134,1138
annotator_1,Adj,1148,1161
annotator_1,Prep,1167,1169
annotator_1,Noun,1176,1186
annotator_1,Noun,1194,1209
annotator_1,Noun,1216,1231
annotator_1,Noun,1247,1253
annotator_1,Prep,1258,1262
annotator_1,Noun,1277,1288
annotator_1,Verb,1289,1298
annotator_1,Prep,1303,1308
annotator_1,Adj,1309,1319
annotator_1,Prep,1330,1337
annotator_1,Noun,1346,1351
annotator_1,Noun,1360,1363
annotator_1,Adj,1380,1385
annotator_1,Prep,1390,1395
annotator_1,Verb,1399,1406
annotator_1,Prep,1411,1413
annotator_1,Noun,1415,1440
annotator_1,Noun,1448,1459
annotator_1,Noun,1464,1488
annotator_1,Noun,1488,1494
annotator_1,Noun,1497,1508
annotator_1,Adj,1517,1525
annotator_1,Noun,1534,1553
annotator_1,Prep,1557,1558
annotator_1,Noun,1563,1574
annotator_1,Noun,1584,1595
annotator_1,Adj,1609,1628
annotator_1,Noun,1633,1643
annotator_1,Noun,1651,1664
annotator_1,Prep,1671,1673
annotator_1,Verb,1679,1681
annotator_1,Noun,1695,1708
annotator_1,Prep,1710,1718
annotator_1,Prep,1729,1737
annotator_1,Prep,1740,1750
annotator_1,Prep,1756,1765
annotator_1,Prep,1771,1774
annotator_1,Prep,1781,1787
annotator_1,Adj,1792,1795
annotator_1,Noun,1802,1814
annotator_1,Adj,1816,1827
annotator_1,Noun,1828,1839
annotator_1,Prep,1844,1847
annotator_1,Prep,1855,1861
annotator_1,Prep,1869,1874
annotator_1,Noun,1879,1907
annotator_1,Prep,1909,1913
annotator_1,Adj,1917,1921
annotator_1,Prep,1928,1929
annotator_1,Prep,1939,1940
annotator_1,Noun,1942,1950
annotator_1,Noun,1958,1965
annotator_1,Noun,1976,1981
annotator_1,Noun,1984,1992
annotator_2,Noun,4,28
annotator_2,Adj,32,41
annotator_2,Noun,50,60
annotator_2,Prep,65,70
annotator_2,Noun,79,93
annotator_2,Noun,95,123
annotator_2,Verb,128,133
annotator_2,Noun,144,156
annotator_2,Prep,165,169
annotator_2,Prep,178,184
annotator_2,Noun,187,194
annotator_2,Prep,202,210
annotator_2,Adj,214,232
annotator_2,Noun,238,244
annotator_2,Noun,254,272
annotator_2,Prep,284,287
annotator_2,Verb,295,300
annotator_2,Adj,307,315
annotator_2,Prep,320,326
annotator_2,Prep,331,336
annotator_2,Noun,346,351
annotator_2,Adj,358,379
annotator_2,Adj,392,414
annotator_2,Adj,434,448
annotator_2,Noun,449,461
annotator_2,Prep,464,465
annotator_2,Prep,471,477
annotator_2,Verb,479,484
annotator_2,Verb,486,490
annotator_2,Prep,498,507
annotator_2,Noun,517,522
annotator_2,Noun,529,545
annotator_2,Noun,558,567
annotator_2,Prep,570,584
annotator_2,Prep,590,592
annotator_2,Prep,597,598
annotator_2,Noun,614,632
annotator_2,Prep,639,643
annotator_2,Verb,645,648
annotator_2,Adj,650,659
annotator_2,Noun,669,682
annotator_2,Noun,690,697
annotator_2,Verb,705,712
annotator_2,Adj,719,725
annotator_2,Adj,727,731
annotator_2,Prep,742,746
annotator_2,Noun,753,765
annotator_2,Prep,778,785
annotator_2,Noun,789,799
annotator_2,Adj,800,832
annotator_2,Noun,844,860
annotator_2,Prep,870,890
annotator_2,Prep,894,901
annotator_2,Noun,906,935
annotator_2,Verb,937,940
annotator_2,Verb,942,945
annotator_2,Prep,956,957
annotator_2,Adj,963,997
annotator_2,Prep,998,1004
annotator_2,Verb,1012,1019
annotator_2,Noun,1025,1033
annotator_2,Verb,1045,1049
annotator_2,Prep,1050,1054
annotator_2,Noun,1056,1084
annotator_2,Noun,1085,1086
annotator_2,Noun,1087,1109
annotator_2,Adj,1122,1126
annotator_2,Prep,1135,1137
annotator_2,Adj,1140,1162
annotator_2,Prep,1167,1169
annotator_2,Noun,1177,1185
annotator_2,Noun,1194,1205
annotator_2,Noun,1211,1233
annotator_2,Noun,1236,1256
annotator_2,Prep,1259,1264
annotator_2,Noun,1271,1286
annotator_2,Verb,1291,1296
annotator_2,Prep,1302,1309
annotator_2,Adj,1316,1329
annotator_2,Prep,1332,1338
annotator_2,Noun,1347,1350
annotator_2,Noun,1357,1364
annotator_2,Adj,1372,1382
annotator_2,Prep,1387,1393
annotator_2,Verb,1399,1405
annotator_2,Prep,1410,1413
annotator_2,Noun,1416,1436
annotator_2,Noun,1447,1463
annotator_2,Noun,1470,1481
annotator_2,Noun,1489,1493
annotator_2,Noun,1497,1506
annotator_2,Adj,1517,1520
annotator_2,Noun,1536,1554
annotator_2,Prep,1556,1558
annotator_2,Noun,1569,1578
annotator_2,Noun,1586,1600
annotator_2,Adj,1607,1624
annotator_2,Noun,1636,1644
annotator_2,Noun,1646,1668
annotator_2,Prep,1670,1675
annotator_2,Verb,1677,1683
annotator_2,Noun,1687,1707
annotator_2,Prep,1711,1717
annotator_2,Prep,1727,1732
annotator_2,Prep,1742,1748
annotator_2,Prep,1755,1765
annotator_2,Prep,1772,1774
annotator_2,Prep,1783,1788
annotator_2,Adj,1794,1796
annotator_2,Noun,1802,1812
annotator_2,Adj,1815,1824
annotator_2,Noun,1830,1840
annotator_2,Prep,1846,1849
annotator_2,Prep,1858,1861
annotator_2,Prep,1871,1878
annotator_2,Noun,1888,1904
annotator_2,Prep,1907,1916
annotator_2,Adj,1917,1921
annotator_2,Prep,1927,1929
annotator_2,Prep,1939,1941
annotator_2,Noun,1942,1947
annotator_2,Noun,1961,1967
annotator_2,Noun,1974,1984
annotator_2,Noun,1987,1991
annotator_3,Noun,1,26
annotator_3,Adj,29,39
annotator_3,Noun,40,62
annotator_3,Prep,63,70
annotator_3,Noun,73,92
annotator_3,Noun,101,123
annotator_3,Verb,127,133
annotator_3,Noun,146,158
annotator_3,Prep,160,168
annotator_3,Prep,178,186
annotator_3,Noun,188,193
annotator_3,Prep,202,211
annotator_3,Adj,218,229
annotator_3,Noun,237,244
annotator_3,Noun,250,280
annotator_3,Prep,283,287
annotator_3,Verb,294,300
annotator_3,Adj,302,315
annotator_3,Prep,318,326
annotator_3,Prep,330,335
annotator_3,Noun,344,354
annotator_3,Adj,363,389
annotator_3,Adj,393,403
annotator_3,Adj,425,437
annotator_3,Noun,449,458
annotator_3,Prep,463,465
annotator_3,Prep,474,479
annotator_3,Verb,479,483
annotator_3,Verb,484,491
annotator_3,Prep,498,506
annotator_3,Noun,520,525
annotator_3,Noun,537,546
annotator_3,Noun,553,570
annotator_3,Prep,572,588
annotator_3,Prep,590,592
annotator_3,Prep,596,598
annotator_3,Noun,610,625
annotator_3,Prep,637,641
annotator_3,Verb,644,647
annotator_3,Adj,648,659
annotator_3,Noun,662,685
annotator_3,Noun,688,695
annotator_3,Verb,705,710
annotator_3,Adj,720,725
annotator_3,Adj,729,732
annotator_3,Prep,741,745
annotator_3,Noun,748,770
annotator_3,Prep,777,779
annotator_3,Noun,782,802
annotator_3,Adj,810,831
annotator_3,Noun,831,859
annotator_3,Adj,864,880
annotator_3,Prep,892,897
annotator_3,Noun,908,923
annotator_3,Verb,939,942
annotator_3,Verb,946,949
annotator_3,Prep,956,957
annotator_3,Adj,962,988
annotator_3,Prep,993,1008
annotator_3,Verb,1012,1016
annotator_3,Noun,1020,1042
annotator_3,Verb,1045,1050
annotator_3,Prep,1050,1055
annotator_3,Noun,1060,1071
annotator_3,Noun,1086,1091
annotator_3,Noun,1097,1121
annotator_3,Adj,1121,1127
annotator_3,Prep,1135,1137
annotator_3,Adj,1143,1159
annotator_3,Prep,1167,1170
annotator_3,Noun,1180,1187
annotator_3,Noun,1195,1211
annotator_3,Noun,1222,1232
annotator_3,Noun,1240,1254
annotator_3,Prep,1258,1266
annotator_3,Noun,1270,1287
annotator_3,Verb,1292,1296
annotator_3,Prep,1303,1307
annotator_3,Adj,1308,1329
annotator_3,Prep,1330,1337
annotator_3,Noun,1345,1350
annotator_3,Noun,1355,1363
annotator_3,Adj,1372,1376
annotator_3,Prep,1387,1393
annotator_3,Verb,1397,1406
annotator_3,Prep,1410,1413
annotator_3,Noun,1424,1443
annotator_3,Noun,1444,1458
annotator_3,Noun,1471,1485
annotator_3,Noun,1488,1494
annotator_3,Noun,1499,1505
annotator_3,Adj,1519,1529
annotator_3,Noun,1534,1548
annotator_3,Prep,1556,1558
annotator_3,Noun,1563,1574
annotator_3,Noun,1583,1599
annotator_3,Adj,1606,1630
annotator_3,Noun,1638,1646
annotator_3,Noun,1654,1669
annotator_3,Prep,1672,1675
annotator_3,Verb,1679,1682
annotator_3,Noun,1693,1704
annotator_3,Prep,1708,1718
annotator_3,Prep,1726,1731
annotator_3,Prep,1742,1747
annotator_3,Prep,1755,1762
annotator_3,Prep,1771,1774
annotator_3,Prep,1781,1788
annotator_3,Adj,1792,1795
annotator_3,Noun,1804,1814
annotator_3,Adj,1816,1823
annotator_3,Noun,1828,1837
annotator_3,Prep,1843,1849
annotator_3,Prep,1857,1860
annotator_3,Prep,1873,1877
annotator_3,Noun,1885,1901
annotator_3,Prep,1911,1915
annotator_3,Adj,1918,1922
annotator_3,Prep,1927,1929
annotator_3,Prep,1939,1941
annotator_3,Noun,1943,1949
annotator_3,Noun,1958,1964
annotator_3,Noun,1974,1987
annotator_3,Noun,1987,1995
"""
