"""Long documents: what the finder finds in a text does not depend on what else surrounds it.

The finder works paragraph by paragraph; the only thing carried from one paragraph to the next
is the list of sources named so far (for "he said" and for a surname used again). So a long
document made of parts separated by paragraph breaks yields exactly the parts' own suggestions,
shifted by where each part starts, except where a rule looks back on purpose: a pronoun, or a
surname, whose antecedent may lie in an earlier part.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from stancedesk.attribution import Piece, Suggestion, find_attributions, load_lexicon
from stancedesk.domain.errors import Cancelled

EVAL_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "suggest_eval"
_MARKUP = re.compile(r"\[\[(?:S\d+:\w+(?:>S\d+)?|C>S\d+)\||\]\]")


def _articles() -> list[str]:
    paths = sorted(EVAL_DIR.glob("*.txt")) + sorted((EVAL_DIR / "heldout").glob("*.txt"))
    return [_MARKUP.sub("", p.read_text(encoding="utf-8")) for p in paths]


def _moved(value: Any, by: int) -> Any:
    return Piece(value.start + by, value.end + by, value.text) if isinstance(value, Piece) \
        else value


def _looks_back(s: Suggestion) -> bool:
    return "named earlier" in s.rule or "pronoun '" in s.rule


def test_parts_separated_by_paragraph_breaks_keep_their_own_suggestions() -> None:
    lexicon = load_lexicon()
    parts = _articles() * 2  # the second round runs with a long history behind it
    assert len(parts) >= 30
    separator = "\n\n"
    expected: list[Suggestion] = []
    offset = 0
    for part in parts:
        own = find_attributions(part, lexicon)
        assert own, "each evaluation article has attributions"
        expected += [Suggestion(*(_moved(x, offset) for x in (s.source, s.sourcing, s.claim,
                                                            s.cue, s.via, s.rule)))
                     for s in own]
        offset += len(part) + len(separator)
    whole = separator.join(parts)
    found = find_attributions(whole, lexicon)
    # a claim whose source was resolved by looking back may differ in source or type, or
    # (a pronoun with nothing before it in its own part) exist only in the whole
    looked_back = {(s.claim.start, s.claim.end) for s in found + expected if _looks_back(s)}
    kept = [s for s in found if (s.claim.start, s.claim.end) not in looked_back]
    assert kept == [s for s in expected if (s.claim.start, s.claim.end) not in looked_back]
    assert len(kept) > len(expected) // 2  # most suggestions need no look back
    assert [(s.claim.start, s.claim.end, s.cue) for s in expected] == \
        [(s.claim.start, s.claim.end, s.cue) for s in found
         if any(e.claim == s.claim for e in expected)]
    for s in found:
        assert whole[s.claim.start:s.claim.end] == s.claim.text


def test_a_part_opening_with_a_pronoun_looks_back_across_the_break() -> None:
    first = "Union leader Marta Kolin said the strike would go on until the talks resumed."
    second = "“We cannot pay money we do not have,” he said."
    assert find_attributions(second) == []  # no one for "he" to be
    found = find_attributions(first + "\n\n" + second)
    assert found[-1].source.text == "Union leader Marta Kolin"
    assert "pronoun 'he'" in found[-1].rule


def test_a_surname_takes_the_type_of_the_latest_person_with_that_name() -> None:
    text = ("Government spokeswoman Ilse Kovar said the talks were over for now. "
            "Economist Anna Kovar said the currency would fall further. "
            "Union leader Marta Kolin said the strike would go on.\n\n"
            + "Farmers said the harvest had been poor in the north this year. " * 200
            + "\n\nKovar told reporters that the vote would be held in May.")
    last = find_attributions(text)[-1]
    assert last.source.text == "Kovar" and last.sourcing == "expert"
    assert "'Kovar' named earlier" in last.rule


def test_many_quotations_in_one_paragraph_keep_their_speakers() -> None:
    names = [f"Radek Orsin{k}" for k in range(60)]
    text = " ".join(f"“We are not against peace number {k},” said {name}, a farmer. "
                    f"“We are against forgetting number {k}.”" for k, name in enumerate(names))
    found = find_attributions(text)
    assert len(found) == 2 * len(names)
    for k, name in enumerate(names):
        said, continued = found[2 * k], found[2 * k + 1]
        assert said.source.text == continued.source.text == name
        assert continued.claim.text == f"We are against forgetting number {k}"
        assert continued.cue is None and "continued quotation" in continued.rule


def test_a_long_paragraph_is_cancelled_between_sentences() -> None:
    text = "The strike will go on, the union said. " * 50  # one paragraph, fifty sentences
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Cancelled):
        find_attributions(text, cancelled=cancelled)
    assert len(asked) == 4  # it stopped at the fourth question, not at the paragraph's end
    assert len(find_attributions(text, cancelled=lambda: False)) == 50
