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
    (16, 33, "cross-border plan,"),  # user-chosen punctuation kept
    (34, 41, "officials"),
])
def test_snap_extends_to_word_edges(start: int, end: int, expected: str) -> None:
    assert cut(TEXT, snap_to_words(TEXT, start, end)) == expected


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
