"""Word snapping works on Python indices and never splits a character a reader sees as one."""

from __future__ import annotations

import pytest

from stancedesk.domain.snapping import keep_clusters, snap_to_words

TEXT = "The minister's cross-border plan, officials said."


def cut(text: str, rng: tuple[int, int]) -> str:
    return text[rng[0]:rng[1]]


@pytest.mark.parametrize(("start", "end", "expected"), [
    (6, 9, "minister's"),          # inside a word with an apostrophe
    (3, 12, "minister's"),         # leading space trimmed, end extended
    (18, 22, "cross-border"),      # hyphenated word
    (16, 33, "cross-border plan"),  # a trailing comma is never part of a span
    (16, 32, "cross-border plan"),  # ... whether or not the drag reached it
    (34, 41, "officials"),
])
def test_snap_extends_to_word_edges(start: int, end: int, expected: str) -> None:
    assert cut(TEXT, snap_to_words(TEXT, start, end)) == expected


PUNCT = "The U.S. said “a breakthrough”, (he said) and “no”. Is it war? J. Smith said."


@pytest.mark.parametrize(("needle", "expected"), [
    ("said “", "said"),                       # an opening quote without its partner: dropped
    ("“a breakthrough”,", "“a breakthrough”"),  # a balanced pair is kept, the comma not
    ("a breakthrough”,", "a breakthrough"),     # a closing quote without its opener: dropped
    ("(he said)", "(he said)"),
    ("he said) ", "he said"),
    ("U.S. ", "U.S."),                        # an abbreviation keeps its full stop
    ("J. Smith said.", "J. Smith said"),      # a sentence does not
    ("Is it war?", "Is it war?"),             # a question mark changes what is said
    ("“no”.", "“no”"),
])
def test_trailing_punctuation_is_decided_by_the_text(needle: str, expected: str) -> None:
    start = PUNCT.index(needle)
    assert cut(PUNCT, snap_to_words(PUNCT, start, start + len(needle))) == expected


@pytest.mark.parametrize("needle", ["plan,", "said.", "officials said."])
def test_release_before_or_after_the_punctuation_gives_the_same_span(needle: str) -> None:
    start = TEXT.index(needle)
    end = start + len(needle)
    assert snap_to_words(TEXT, start, end) == snap_to_words(TEXT, start, end - 1)


def test_whitespace_only_selection_is_empty() -> None:
    s, e = snap_to_words("a    b", 2, 4)
    assert s == e


def test_combining_marks_and_emoji_stay_whole() -> None:
    text = "cafe\u0301 👩\u200d👩\u200d👧 x"
    # the end falls between 'e' and its combining acute accent
    assert cut(text, snap_to_words(text, 0, 4)) == "cafe\u0301"
    # inside the family emoji (between the ZWJ-joined people)
    fam = text.index("👩")
    assert cut(text, snap_to_words(text, fam + 1, fam + 3)) == "👩\u200d👩\u200d👧"
    assert cut(text, keep_clusters(text, 1, 4)) == "afe\u0301"


def test_right_to_left_words() -> None:
    text = "قال المتحدث باسم الوزارة"
    s, e = snap_to_words(text, 5, 7)
    assert cut(text, (s, e)) == "المتحدث"
