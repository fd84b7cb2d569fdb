"""Finding the noun phrase that names a source on either side of a cue, by shallow rules.

No parser: news attribution is formulaic enough that boundaries (commas, quotation marks,
conjunctions, auxiliaries) delimit the source phrase in the great majority of sentences, and a
rule that fails can say exactly why.
"""

from __future__ import annotations

from stancedesk.attribution.tokens import CLOSE_QUOTES, OPEN_QUOTES, STRAIGHT_QUOTE, Token, word_set

QUOTE_MARKS = frozenset(OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT_QUOTE)
BOUNDARY_PUNCT = frozenset(",;:()—–[]") | QUOTE_MARKS
CONJUNCTIONS = word_set(
    "and but while as because that when which whereas although though if since after before "
    "so or nor")
RELATIVES = frozenset({"who", "which"})
ADVERBS_BEFORE_VERB = word_set(
    "also later then further previously separately again earlier recently repeatedly once "
    "publicly privately reportedly first had has have")
ASIDES = word_set("however meanwhile though too also instead nonetheless")
AUXILIARIES = word_set(
    "is are was were be been being has have had will would can could should shall may might "
    "must do does did not n't")
DETERMINERS = word_set("a an the one two three four five several some many most")
PREPOSITIONS = word_set(
    "of with from at on in for by to about near inside outside within among under over")
MAX_SOURCE_WORDS = 16


def is_boundary(token: Token) -> bool:
    return token.text in BOUNDARY_PUNCT or token.lower in CONJUNCTIONS


def left_phrase(tokens: list[Token], verb: int) -> tuple[int, int] | None:
    """Token range [first, last] of the subject phrase ending just before ``verb``."""
    last = verb - 1
    while last >= 0 and tokens[last].lower in ADVERBS_BEFORE_VERB:
        last -= 1
    if last >= 1 and tokens[last].text == "," and tokens[last - 1].is_word:
        last -= 1  # "Kazimir Dunaj, the party's leader, told": the apposition's closing comma
    if last >= 2 and tokens[last].lower in ASIDES and tokens[last - 1].text == ",":
        last -= 2  # "Nera Dobi, however, claimed"
    first = last
    while first >= 0 and not is_boundary(tokens[first]) and tokens[first].text not in ".?!":
        first -= 1
    first += 1
    if first > last:
        return None
    if first > 0 and tokens[first - 1].lower in RELATIVES:
        return None
    return first, last


def plausible_subject(tokens: list[Token], first: int, last: int) -> bool:
    """Reject stretches that are clauses rather than noun phrases."""
    words = [t for t in tokens[first:last + 1] if t.is_word]
    if not words or len(words) > MAX_SOURCE_WORDS:
        return False
    if any(t.lower in AUXILIARIES for t in words):
        return False
    # "a charge the family denies": a second determiner with no preposition before it starts
    # a relative clause, so the stretch is not one phrase
    seen_prep = False
    for i, t in enumerate(words):
        if t.lower in PREPOSITIONS:
            seen_prep = True
        elif i > 0 and t.lower in ("the", "a", "an") and not seen_prep and \
                words[i - 1].lower not in ("of", "'s", "’s"):
            return False
    return True


def extend_apposition(tokens: list[Token], first: int) -> int:
    """'Kazimir Dunaj, the party's leader, told': include the name before the apposition."""
    if first < 2 or tokens[first - 1].text != "," or tokens[first].capitalised:
        return first
    k = first - 2
    while k >= 0 and tokens[k].is_word and tokens[k].capitalised and \
            tokens[k].lower not in PREPOSITIONS:
        k -= 1
    if k > first - 4:  # a name is at least two capitalised words ("However," is not one)
        return first
    if k < 0 or tokens[k].text in QUOTE_MARKS or tokens[k].text in ",.":
        return k + 1
    return first


def name_before_relative(tokens: list[Token], relative: int) -> tuple[int, int] | None:
    """'Radek Orsin, 58, who said': the phrase the relative pronoun refers to."""
    last = relative - 1
    while last >= 0 and (tokens[last].text == "," or tokens[last].text.isdigit()):
        last -= 1
    first = last
    while first >= 0 and tokens[first].is_word and tokens[first].capitalised:
        first -= 1
    if first < last:  # a name ends the stretch: "Among the marchers was Radek Orsin"
        return first + 1, last
    first = last
    while first >= 0 and not is_boundary(tokens[first]) and tokens[first].text not in ".?!" \
            and tokens[first].lower not in AUXILIARIES:
        first -= 1
    first += 1
    if first > last:
        return None
    return first, last


def right_phrase(tokens: list[Token], start: int,
                 titles: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """Token range of a phrase starting at ``start`` and running to the next boundary; it
    starts with a name, a determiner or one of ``titles`` ("said spokeswoman Ilse Kovar")."""
    if start >= len(tokens):
        return None
    first = tokens[start]
    if not first.is_word or not (first.capitalised or first.lower in DETERMINERS or
                                 first.lower in titles):
        return None
    last = start
    while last + 1 < len(tokens):
        nxt = tokens[last + 1]
        if nxt.text in BOUNDARY_PUNCT or nxt.text in ".?!" or nxt.lower in RELATIVES or \
                nxt.lower in CONJUNCTIONS or nxt.lower in AUXILIARIES:
            break
        last += 1
    if last - start + 1 > MAX_SOURCE_WORDS:
        return None
    return start, last


def source_phrase_after(tokens: list[Token], start: int) -> tuple[int, int] | None:
    """The source after 'according to' / 'citing': runs to a comma, but keeps 'with knowledge
    of the regime's thinking' and similar qualifiers that follow the head noun."""
    if start >= len(tokens) or not tokens[start].is_word:
        return None
    last = start
    while last + 1 < len(tokens):
        nxt = tokens[last + 1]
        if nxt.text in BOUNDARY_PUNCT or nxt.text in ".?!" or nxt.lower in ("that", "who"):
            break
        if nxt.lower in AUXILIARIES:
            break
        last += 1
    if last - start + 1 > MAX_SOURCE_WORDS + 6:
        return None
    return start, last
