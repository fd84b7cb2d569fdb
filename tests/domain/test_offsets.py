"""Python indices <-> UTF-16 positions, with emoji, combining marks and right-to-left text."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from stancedesk.domain.offsets import CHUNK, OffsetMap, display_text

MIXED = "Café 👩‍👩‍👧 said «نعم» and שָׁלוֹם 🇺🇦 e\u0301 😀!"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_bmp_text_is_identity() -> None:
    m = OffsetMap("plain Arabic مرحبا and Hebrew שלום")
    assert m.is_identity
    assert m.to_qt(7) == 7 and m.to_py(7) == 7


def test_every_index_round_trips_through_utf16() -> None:
    m = OffsetMap(MIXED)
    assert not m.is_identity
    assert m.qt_length == utf16_len(MIXED)
    for i in range(len(MIXED) + 1):
        assert m.to_qt(i) == utf16_len(MIXED[:i])
        assert m.to_py(m.to_qt(i)) == i


def test_positions_inside_a_surrogate_pair_round_outward() -> None:
    text = "a😀b"
    m = OffsetMap(text)
    assert m.range_to_py(1, 2) == (1, 2)  # half of the pair selects the whole emoji
    assert m.to_py(2) == 1 and m.to_py(2, round_up=True) == 2
    assert m.range_to_qt(1, 2) == (1, 3)


def test_display_text_keeps_length() -> None:
    text = "one\r\ntwo\rthree"
    assert len(display_text(text)) == len(text)
    assert "\r" not in display_text(text)


@given(st.text(alphabet=st.sampled_from(list("ab é\u0301😀👍🏽שׁ\u200dمن\n")), max_size=40),
       st.data())
def test_ranges_round_trip(text: str, data: st.DataObject) -> None:
    m = OffsetMap(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    qs, qe = m.range_to_qt(start, end)
    assert m.range_to_py(qs, qe) == (start, end)
    assert text.encode("utf-16-le")[2 * qs:2 * qe].decode("utf-16-le") == text[start:end]


def test_long_texts_with_and_without_astral_characters() -> None:
    """A long BMP text (two bytes per character) skips the scan; one emoji at the very end of a
    long text still shifts only what follows it."""
    bmp = "Zürich — «quoted» " * 5000
    assert OffsetMap(bmp).is_identity and OffsetMap(bmp).qt_length == len(bmp)
    text = bmp + "😀" + "end"
    m = OffsetMap(text)
    assert not m.is_identity and m.qt_length == utf16_len(text)
    assert m.to_qt(len(bmp)) == len(bmp) and m.to_qt(len(bmp) + 1) == len(bmp) + 2
    assert m.to_py(len(bmp) + 1) == len(bmp)
    assert m.to_py(len(bmp) + 1, round_up=True) == len(bmp) + 1
    assert m.to_py(m.qt_length) == len(text)


def test_a_text_of_many_chunks_converts_like_its_utf16() -> None:
    """Counts per chunk and positions found chunk by chunk give the same answers as the
    UTF-16 encoding, at chunk edges too (an emoji last in a chunk, a chunk with none, a lone
    surrogate that stays one unit)."""
    rng = random.Random(5)
    pieces = ["a", "é", "😀", "👍🏽", "\n", "ש", "\ud800"]
    text = "".join(rng.choice(pieces) if rng.random() < 0.7 else "x" * 300
                   for _ in range(3 * CHUNK // 40))
    edge = CHUNK - 1
    text = text[:edge] + "😀" + text[edge + 1:] + "y" * (CHUNK + 5)
    m = OffsetMap(text)
    units = text.encode("utf-16-le", "surrogatepass")
    assert m.qt_length == len(units) // 2 and not m.is_identity
    probes = {0, edge, edge + 1, CHUNK, 2 * CHUNK + 1, len(text) - 1, len(text),
              *rng.sample(range(len(text)), 400)}
    for i in sorted(probes):
        qt = m.to_qt(i)
        assert qt == len(text[:i].encode("utf-16-le", "surrogatepass")) // 2, i
        assert m.to_py(qt) == i
        if i < len(text) and ord(text[i]) > 0xFFFF:  # the middle of its surrogate pair
            assert m.to_py(qt + 1) == i and m.to_py(qt + 1, round_up=True) == i + 1


def test_a_conversion_counts_only_the_chunks_it_reaches_in_any_order() -> None:
    """Opening a long article converts its first page: only the first chunk is counted. Every
    later conversion, in whatever order (far first, past the end, the length), still answers
    as the UTF-16 encoding does."""
    rng = random.Random(9)
    pieces = ["word ", "😀 ", "é ", "👍🏽", "\n\n"]
    text = "".join(rng.choice(pieces) for _ in range(5 * CHUNK // 3))
    units = text.encode("utf-16-le")
    m = OffsetMap(text)
    assert m.chunks_counted == 0
    assert m.to_qt(100) == len(text[:100].encode("utf-16-le")) // 2
    assert m.to_py(m.to_qt(CHUNK - 10)) == CHUNK - 10
    assert m.chunks_counted == 1
    probes = [*rng.sample(range(len(text) + 1), 300), len(text), CHUNK, 2 * CHUNK, 0]
    for i in probes:
        fresh = OffsetMap(text)
        qt = len(text[:i].encode("utf-16-le")) // 2
        assert fresh.to_py(qt) == i, i  # a map that has counted nothing yet
        assert fresh.to_qt(i) == qt and m.to_qt(i) == qt and m.to_py(qt) == i
    far = OffsetMap(text)
    assert far.to_py(len(units)) == len(text) and far.to_py(len(units) + 99) == len(text)
    assert OffsetMap(text).qt_length == len(units) // 2


def test_short_and_long_texts_tell_astral_characters_apart() -> None:
    for base in ("a", "é", "ש", "\ud800"):
        for n in (1, 40, 64, 65, 200):
            text = base * n
            assert OffsetMap(text).is_identity, (base, n)
            assert not OffsetMap(text + "😀").is_identity, (base, n)
            assert not OffsetMap("😀" + text).is_identity, (base, n)
