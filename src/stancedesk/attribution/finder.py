"""The attribution finder: rules over tokens, sentences and quotations.

Each rule names itself in the suggestion's ``rule`` so that an analyst can see why a passage was
proposed, and a wrong suggestion points at the rule to fix. The rules, in the order they are
tried within a sentence:

* ``according to X``: X is the source; the rest of the sentence is the claim;
* ``X cited/quoted Y as saying``: Y is the source, X the intermediary;
* a reporting verb with its subject before it (``X said``) or, after a quotation, after it
  (``," said X``); ``who said`` takes the phrase before ``who``; ``he``/``she`` take the nearest
  named person before them; ``, citing Y,`` next to the verb makes Y the source and the subject
  the intermediary; ``cited by``/``quoted by`` after a source names its intermediary;
* the claim is the quotation just before the attribution, else what follows the verb (after
  ``that``, a colon or a quotation), else the clause before the source;
* a quotation later in the same paragraph with no attribution of its own continues the last
  speaker's quotation.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass

from stancedesk.attribution import phrases as ph
from stancedesk.attribution.lexicon import Lexicon, load_lexicon
from stancedesk.attribution.model import Piece, Suggestion
from stancedesk.attribution.sourcing import classify, is_person
from stancedesk.attribution.tokens import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    STRAIGHT_QUOTE,
    Quote,
    QuoteIndex,
    Token,
    paragraphs,
    quotes,
    sentences,
    tokenize,
    word_set,
)
from stancedesk.domain.errors import Cancelled

_SKIP_PARAGRAPH = re.compile(
    r"^\s*(\(?(Reporting|Writing|Editing|Additional reporting) by"
    r"|By [A-Z][\w’'\-]+( [A-Z][\w’'\-]+)*\s*$"
    r"|(FILE )?PHOTO\b|Photo\b|Picture\b|Image\b|Caption\b|Pictured\b)")
_DATELINE = re.compile(r"[A-Z][A-Z .’'\-]+,\s+\w+\.?\s+\d{1,2}\s*(\([^)]*\))?\s*[-–—]\s*")
_NOT_ATTRIBUTING_BEFORE = word_set(
    "to would will could can might may should must not n't did do does never")
_ADVERBIAL_STARTS = word_set(
    "on in at during late last this earlier yesterday today tonight overnight later "
    "recently again also")
_CLAIM_OPENERS = frozenset({"that", ":"})
_DISCOURSE = word_set("however but and meanwhile still yet instead separately so")
_MIN_CLAIM_WORDS = 3
_INTRODUCTORY = word_set(
    "in on at during asked speaking writing after before when addressing responding")


@dataclass(slots=True)
class _Source:
    piece: Piece
    sourcing: str
    person: bool


class _History:
    """The sources named so far, indexed so that looking back costs the same on page 500 as on
    page 1: pronouns need only the latest source (or person), and a bare surname can only match
    a person whose phrase ends with the same word, so each surname looks only at those."""

    def __init__(self) -> None:
        self._latest: _Source | None = None
        self._latest_person: _Source | None = None
        self._persons_by_last_word: dict[str, list[_Source]] = {}

    def append(self, source: _Source) -> None:
        self._latest = source
        if source.person:
            self._latest_person = source
            last_word = _LAST_WORD.search(source.piece.text)
            if last_word is not None:
                self._persons_by_last_word.setdefault(last_word.group(), []).append(source)

    def latest(self, person: bool) -> _Source | None:
        return self._latest_person if person else self._latest

    def persons_ending_with(self, word: str) -> list[_Source]:
        """Persons whose phrase ends with ``word``, oldest first. A name that matches at a word
        boundary at the end of a phrase ends with the phrase's last run of word characters,
        so no other person could match."""
        return self._persons_by_last_word.get(word, [])


_LAST_WORD = re.compile(r"\w+$")


@dataclass(slots=True)
class _Sentence:
    text: str
    start: int
    end: int
    tokens: list[Token]
    quoted: list[bool]  # per token: inside a quotation
    quotes: list[Quote]


def find_attributions(text: str, lexicon: Lexicon | None = None,
                      cancelled: Callable[[], bool] | None = None) -> list[Suggestion]:
    """Every attribution the rules find in ``text``, in text order. ``cancelled`` is asked
    before each paragraph and each sentence (a long article takes seconds, and a long text may
    have no paragraph breaks); when it says so, ``Cancelled`` is raised."""
    lex = lexicon or load_lexicon()
    history = _History()
    found: list[Suggestion] = []
    for p_start, p_end in paragraphs(text):
        if cancelled is not None and cancelled():
            raise Cancelled("cancelled; no suggestions were kept")
        if _skip_paragraph(text[p_start:p_end]):
            continue
        para_quotes = quotes(text, p_start, p_end)
        quote_index = QuoteIndex(para_quotes, p_end)
        in_paragraph: list[Suggestion] = []
        claimed = _Claims()
        for s_start, s_end in sentences(text, p_start, p_end, para_quotes):
            if cancelled is not None and cancelled():
                raise Cancelled("cancelled; no suggestions were kept")
            sentence = _sentence(text, s_start, s_end, quote_index, p_start)
            for suggestion in _analyse(sentence, lex, history):
                if not claimed.overlaps(suggestion.claim):
                    in_paragraph.append(suggestion)
                    claimed.add(suggestion.claim)
        in_paragraph.extend(_continued_quotes(text, para_quotes, in_paragraph, claimed, p_start,
                                              p_end))
        found.extend(sorted(in_paragraph, key=lambda s: s.claim.start))
    return found


def _skip_paragraph(paragraph: str) -> bool:
    """Bylines, credits, photo captions and headlines hold no attributions to annotate."""
    stripped = paragraph.strip()
    while stripped and unicodedata.category(stripped[-1])[0] in "SZC":
        stripped = stripped[:-1].rstrip()  # a trailing emoji or symbol
    if _SKIP_PARAGRAPH.match(stripped):
        return True
    return not re.search(r"[.?!…][”\"»’)]*$|[”\"»]$", stripped)  # a headline ends bare


def _sentence(text: str, start: int, end: int, quote_index: QuoteIndex,
              p_start: int) -> _Sentence:
    if start == p_start:
        dateline = _DATELINE.match(text, start, end)
        if dateline:
            start = dateline.end()
    tokens = tokenize(text, start, end)
    quoted = [quote_index.covers(t.start) for t in tokens]
    return _Sentence(text, start, end, tokens, quoted, quote_index.opening_in(start, end))


def _piece(text: str, start: int, end: int) -> Piece:
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:.—–-"):
        end -= 1
    return Piece(start, end, text[start:end])


def _tokens_piece(s: _Sentence, first: int, last: int) -> Piece:
    return _piece(s.text, s.tokens[first].start, s.tokens[last].end)


def _overlaps(a: Piece, b: Piece) -> bool:
    return a.start < b.end and b.start < a.end


class _Claims:
    """The claims kept so far in a paragraph, none overlapping another, so that "does this
    claim overlap one already kept?" is a binary search rather than a scan (a paragraph can
    hold thousands of attributions when a long text has no paragraph breaks).

    Kept claims overlap none of each other, so in start order a non-empty claim that ends
    before the new one begins has only claims ending even earlier before it; empty claims
    (which ``_overlaps`` lets sit at a neighbour's start) are looked at one by one.
    """

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, claim: Piece) -> bool:
        k = bisect_left(self._spans, (claim.end, -1)) - 1
        while k >= 0:
            start, end = self._spans[k]
            if claim.start < end and start < claim.end:
                return True
            if start < end and end <= claim.start:
                return False
            k -= 1
        return False

    def add(self, claim: Piece) -> None:
        insort(self._spans, (claim.start, claim.end))


def _analyse(s: _Sentence, lex: Lexicon, history: _History) -> list[Suggestion]:
    _remember_subject(s, lex, history)
    results: list[Suggestion] = []
    for i, token in enumerate(s.tokens):
        if s.quoted[i]:
            continue
        suggestion = None
        if token.lower == "according" and i + 1 < len(s.tokens) and s.tokens[i + 1].lower == "to":
            suggestion = _according_to(s, i, lex, history)
        elif token.lower in ("cited", "quoted") and _as_saying_at(s, i) is not None:
            suggestion = _as_saying(s, i, lex, history)
        elif token.lower in ("adding", "saying") and i and s.tokens[i - 1].text == "," \
                and results:
            suggestion = _participle(s, i, results[-1])
        elif token.lower in lex.verbs and _finite_use(s, i):
            suggestion = _reporting_verb(s, i, lex, history, results)
        if suggestion is not None:
            results.append(suggestion)
    return _split_coordinated(s, _trim_at_others(s, results))


def _remember_subject(s: _Sentence, lex: Lexicon, history: _History) -> None:
    """A named person opening a sentence ("Margit Ståhlberg, the envoy, called for calm") is
    who a following "she said" most likely means, even when this sentence quotes nobody."""
    tokens = s.tokens
    if not tokens or s.quoted[0]:
        return
    k = 0
    while k < len(tokens) and k < 8 and (tokens[k].capitalised or
                                          tokens[k].lower in ph.DETERMINERS):
        k += 1
    names = [t for t in tokens[:k] if t.capitalised and t.lower not in ph.DETERMINERS]
    if len(names) < 2 or k >= len(tokens) or tokens[k].text in ".?!":
        return
    context_end = _phrase_end_for_context(s, k - 1)
    source = _make_source(s, 0, k - 1, lex, context_end)
    if source.person:
        history.append(source)


def _participle(s: _Sentence, i: int, previous: Suggestion) -> Suggestion | None:
    """'..., the spokesman said, adding that it was under control': the same source again."""
    claim, how = _claim_after(s, i + 1)
    if claim is None:
        return None
    cue = Piece(s.tokens[i].start, s.tokens[i].end, s.tokens[i].text)
    return Suggestion(previous.source, previous.sourcing, claim, cue, previous.via,
                      f"'{s.tokens[i].text}' continues '{previous.source.text}': {how}")


def _trim_at_others(s: _Sentence, found: list[Suggestion]) -> list[Suggestion]:
    """'X said A, but Y told Meridian B': A stops where Y's attribution begins."""
    trimmed = []
    for sug in found:
        claim = sug.claim
        for other in found:
            if other is sug:
                continue
            cut = min(other.source.start, other.cue.start if other.cue else other.source.start)
            if claim.start < cut < claim.end and not (claim.start <= other.claim.start and
                                                     other.claim.end <= claim.end and
                                                     cut > other.claim.start):
                head = s.text[claim.start:cut]
                head = re.sub(r"[\s,;]*(\b(but|while|and|whereas)\b)?[\s,;]*$", "", head)
                claim = Piece(claim.start, claim.start + len(head), head)
        if claim.end > claim.start:
            trimmed.append(Suggestion(sug.source, sug.sourcing, claim, sug.cue, sug.via,
                                      sug.rule))
    return trimmed


def _split_coordinated(s: _Sentence, found: list[Suggestion]) -> list[Suggestion]:
    """'said that A and that B': two claims."""
    out: list[Suggestion] = []
    for sug in found:
        m = re.search(r",?\s+and that\s+", sug.claim.text)
        if m is None:
            out.append(sug)
            continue
        first = Piece(sug.claim.start, sug.claim.start + m.start(), sug.claim.text[:m.start()])
        second_start = sug.claim.start + m.end()
        second = Piece(second_start, sug.claim.end, s.text[second_start:sug.claim.end])
        out.append(Suggestion(sug.source, sug.sourcing, first, sug.cue, sug.via, sug.rule))
        out.append(Suggestion(sug.source, sug.sourcing, second, sug.cue, sug.via,
                              sug.rule + "; second that-clause"))
    return out


def _finite_use(s: _Sentence, i: int) -> bool:
    """'declined to say', 'would not say', 'to be reported' are not attributions."""
    previous = s.tokens[i - 1].lower if i else ""
    if previous in _NOT_ATTRIBUTING_BEFORE:
        return False
    # "the reported deal", "the stated aim": a participle used as an adjective
    return not (previous in ("the", "a", "an", "its", "their", "his", "her") and
                i + 1 < len(s.tokens) and s.tokens[i + 1].is_word)


def _remember(history: _History, source: _Source) -> None:
    history.append(source)


def _make_source(s: _Sentence, first: int, last: int, lex: Lexicon, context_end: int) -> _Source:
    words = s.tokens[first:last + 1]
    context = s.tokens[first:min(context_end, len(s.tokens))]
    kind = classify(words, context, lex)
    return _Source(_tokens_piece(s, first, last), kind, is_person(words, kind, lex))


def _resolve(s: _Sentence, first: int, last: int, lex: Lexicon,
             history: _History) -> tuple[_Source | None, str]:
    """A pronoun subject points to an earlier source; anything else is its own source."""
    if first == last and s.tokens[first].lower in lex.anaphors:
        kind = lex.anaphors[s.tokens[first].lower]
        earlier = history.latest(person=kind != "any")
        if earlier is not None:
            return earlier, f"pronoun '{s.tokens[first].text}' resolved to " \
                            f"'{earlier.piece.text}'"
        return None, ""
    return _same_name(s, first, last, history), "own"


def _same_name(s: _Sentence, first: int, last: int, history: _History) -> _Source | None:
    """'Kovar told' after 'spokeswoman Ilse Kovar said': the same person, same sourcing type.

    Only the kind is inherited; the span stays this mention, so the returned source carries
    this sentence's piece.
    """
    words = s.tokens[first:last + 1]
    if not words or not all(w.is_word and w.capitalised for w in words):
        return None
    name = " ".join(w.text for w in words)
    last_word = _LAST_WORD.search(name)
    if last_word is None:
        return None
    pattern = re.compile(rf"\b{re.escape(name)}$")
    for earlier in reversed(history.persons_ending_with(last_word.group())):
        if pattern.search(earlier.piece.text):
            return _Source(_tokens_piece(s, first, last), earlier.sourcing, True)
    return None


def _after_quote(s: _Sentence, first: int) -> Quote | None:
    """The quotation that closes just before token ``first`` (only punctuation between)."""
    boundary = s.tokens[first].start
    for q in reversed(s.quotes):
        if q.close_mark is None or q.close_mark >= boundary:
            continue
        between = s.text[q.close_mark + 1:boundary]
        if between.strip(" ,\u00a0—–-") == "":
            return q
    return None


def _quote_piece(s: _Sentence, q: Quote) -> Piece:
    return _piece(s.text, q.start, q.end)


def _skip_adverbials(s: _Sentence, k: int) -> int:
    """Skip 'on Wednesday', 'in a statement', 'late on Tuesday' when a comma, 'that', a colon
    or a quotation follows them; otherwise they may be the start of the claim."""
    if k >= len(s.tokens) or s.tokens[k].lower not in _ADVERBIAL_STARTS:
        return k
    j = k
    while j < len(s.tokens) and j - k < 7:
        t = s.tokens[j]
        if t.text == "," or t.lower in _CLAIM_OPENERS or t.text in OPEN_QUOTES + STRAIGHT_QUOTE:
            return j
        if t.text in ".?!":
            return j
        j += 1
    return k


def _claim_after(s: _Sentence, k: int) -> tuple[Piece | None, str]:
    """What follows the verb: a that-clause, a colon and quotation, or a plain clause."""
    k = _skip_adverbials(s, k)
    if k >= len(s.tokens):
        return None, ""
    t = s.tokens[k]
    if t.text == ",":
        return None, ""
    marker = ""
    if t.lower in _CLAIM_OPENERS:
        marker = t.lower
        k += 1
    if k >= len(s.tokens):
        return None, ""
    t = s.tokens[k]
    if t.text in OPEN_QUOTES + STRAIGHT_QUOTE:
        for q in s.quotes:
            if q.open_mark == t.start:
                return _quote_piece(s, q), "quotation after the cue"
    if t.text in ".?!" or (not marker and t.lower in ("for", "against", "about", "over", "with",
                                                      "by", "to", "into")):
        return None, ""
    end = s.end
    piece = _piece(s.text, t.start, end)
    piece = _strip_closing(piece, s.text)
    words = len([x for x in tokenize(piece.text) if x.is_word])
    if words < _MIN_CLAIM_WORDS:
        return None, ""
    return piece, "that-clause after the cue" if marker == "that" else "clause after the cue"


def _strip_closing(piece: Piece, text: str) -> Piece:
    """Drop a final full stop that sits outside a closing quotation mark."""
    end = piece.end
    while end > piece.start and text[end - 1] in ".?! ":
        end -= 1
    return Piece(piece.start, end, text[piece.start:end]) if end > piece.start else piece


def _claim_before(s: _Sentence, first: int) -> Piece | None:
    """'Ostrelia will host the talks, the ministry said': the clause before the comma."""
    if first == 0 or s.tokens[first - 1].text != ",":
        return None
    comma = first - 1
    if s.quoted[comma - 1] if comma else False:
        return None
    start = 0
    # drop a leading "However," or "But" that belongs to the report, not the claim
    while start < comma and s.tokens[start].lower in _DISCOURSE:
        start += 1
        if start < comma and s.tokens[start].text == ",":
            start += 1
    if start >= comma:
        return None
    words = [t for t in s.tokens[start:comma] if t.is_word]
    if len(words) < _MIN_CLAIM_WORDS:
        return None
    if words[0].lower in _INTRODUCTORY and len(words) <= 10:
        return None  # "In an interview with public television, he said": not a claim
    return _tokens_piece(s, start, comma - 1)


def _phrase_end_for_context(s: _Sentence, last: int) -> int:
    """Include an apposition or relative clause after the source phrase, for its type."""
    j = last + 1
    if j + 1 < len(s.tokens) and s.tokens[j].text == "," and \
            s.tokens[j + 1].lower in ("who", "a", "an", "the", "which"):
        j += 1
        while j < len(s.tokens) and s.tokens[j].text not in ",.;:" and j - last < 14 and \
                s.tokens[j].text not in OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT_QUOTE:
            j += 1
    return j


def _citing_near(s: _Sentence, verb: int, lex: Lexicon) -> tuple[int, int, int] | None:
    """', citing Y,' right before or after the verb: returns (cue index, first, last) of Y."""
    citing = {e[0] for e in lex.phrases.get("citing", ()) if len(e) == 1}
    candidates = []
    k = _skip_adverbials(s, verb + 1)
    if k + 1 < len(s.tokens) and s.tokens[k].text == "," and s.tokens[k + 1].lower in citing:
        candidates.append(k + 1)
    j = verb - 1
    while j >= 0 and s.tokens[j].text != "," and verb - j < 20:
        j -= 1
    if j >= 0:  # "X, citing Y, reported": find the ", citing" that opens before the verb
        k2 = j
        while k2 >= 1 and verb - k2 < 24:
            if s.tokens[k2].lower in citing and s.tokens[k2 - 1].text == ",":
                candidates.append(k2)
                break
            k2 -= 1
    for cue in candidates:
        span = ph.source_phrase_after(s.tokens, cue + 1)
        if span is not None:
            return cue, span[0], span[1]
    return None


def _relay_after(s: _Sentence, last: int, lex: Lexicon) -> tuple[int, int] | None:
    """', cited by Reuters,' after a source phrase names its intermediary."""
    relay = lex.phrases.get("relay", ())
    j = last + 1
    if j < len(s.tokens) and s.tokens[j].text == ",":
        j += 1
    for entry in relay:
        words = [t.lower for t in s.tokens[j:j + len(entry)]]
        if tuple(words) == entry:
            span = ph.right_phrase(s.tokens, j + len(entry)) or \
                ph.source_phrase_after(s.tokens, j + len(entry))
            if span is not None:
                return span
    return None


def _according_to(s: _Sentence, i: int, lex: Lexicon,
                  history: _History) -> Suggestion | None:
    span = ph.source_phrase_after(s.tokens, i + 2)
    if span is None:
        return None
    first, last = span
    source = _make_source(s, first, last, lex, _phrase_end_for_context(s, last))
    via_span = _relay_after(s, last, lex)
    via = _tokens_piece(s, *via_span) if via_span else None
    tail = (via_span[1] if via_span else last) + 1
    cue = _tokens_piece(s, i, i + 1)
    if i == 0 or all(t.lower in _DISCOURSE or t.text == "," for t in s.tokens[:i]):
        if tail < len(s.tokens) and s.tokens[tail].text == ",":
            tail += 1
        if tail >= len(s.tokens):
            return None
        claim = _strip_closing(_piece(s.text, s.tokens[tail].start, s.end), s.text)
    else:
        claim_or_none = _claim_before(s, i)
        if claim_or_none is None:
            return None
        claim = claim_or_none
    if len([t for t in tokenize(claim.text) if t.is_word]) < _MIN_CLAIM_WORDS:
        return None
    _remember(history, source)
    rule = "according to X" + (", cited by an intermediary" if via else "")
    return Suggestion(source.piece, source.sourcing, claim, cue, via, rule)


def _as_saying_at(s: _Sentence, i: int) -> int | None:
    """Index of 'saying' in 'cited Y as saying'."""
    for j in range(i + 2, min(i + 18, len(s.tokens) - 1)):
        if s.tokens[j].lower == "as" and s.tokens[j + 1].lower == "saying":
            return j + 1
        if s.tokens[j].text in ".;":
            return None
    return None


def _as_saying(s: _Sentence, i: int, lex: Lexicon, history: _History) -> Suggestion | None:
    saying = _as_saying_at(s, i)
    if saying is None:
        return None
    subject = ph.left_phrase(s.tokens, i)
    if subject is None or not ph.plausible_subject(s.tokens, *subject):
        return None
    span = (i + 1, saying - 2)
    source = _make_source(s, span[0], span[1], lex, saying - 1)
    via = _tokens_piece(s, *subject)
    claim, _ = _claim_after(s, saying + 1)
    if claim is None:
        return None
    _remember(history, source)
    cue = Piece(s.tokens[i].start, s.tokens[saying].end,
                s.text[s.tokens[i].start:s.tokens[saying].end])
    return Suggestion(source.piece, source.sourcing, claim, cue, via,
                      "X cited Y as saying: Y is the source, X the intermediary")


def _subject_of(s: _Sentence, i: int, lex: Lexicon, earlier: list[Suggestion],
                rules: list[str]) -> tuple[int, int] | _Source | None:
    """The subject phrase of the verb at ``i`` (token range), or the source it shares with an
    earlier verb of the same sentence ("denied ... and said")."""
    left = ph.left_phrase(s.tokens, i)
    before = s.tokens[i - 1].lower if i else ""
    if left is None and before in ("and", "but"):
        if earlier:
            rules.append("shares the subject of the earlier cue")
            return _Source(earlier[-1].source, earlier[-1].sourcing, False)
        subject = _sentence_subject(s, i, lex)
        if subject is not None:
            rules.append("shares the sentence's subject")
        return subject
    if left is None:
        return None
    first, last = left
    words = s.tokens[first:last + 1]
    citing = {e[0] for e in lex.phrases.get("citing", ()) if len(e) == 1}
    if words[0].lower in citing:
        return first, last
    if words[0].lower in ph.RELATIVES:
        if first == last:  # "Radek Orsin, 58, who said"
            rules.append("'who said': the phrase before 'who'")
            return ph.name_before_relative(s.tokens, first)
        # "An observer, who asked not to be named, said": skip the relative clause
        if first >= 2 and s.tokens[first - 1].text == ",":
            outer = ph.left_phrase(s.tokens, first - 1)
            if outer is not None and ph.plausible_subject(s.tokens, *outer):
                rules.append("subject before a relative clause")
                return outer
        return None
    if words[0].is_word and not words[0].capitalised and words[0].lower.endswith("ed") and \
            len(words) > 1 and words[1].lower in ph.PREPOSITIONS and first >= 2 and \
            s.tokens[first - 1].text == ",":
        # "The daily Sada al-Wadi, published in Qasr Amin, reported": skip the participle
        outer = ph.left_phrase(s.tokens, first - 1)
        if outer is not None and ph.plausible_subject(s.tokens, *outer):
            rules.append("subject before a participle clause")
            return outer
        return None
    relative = next((k for k, t in enumerate(words) if t.lower in ph.RELATIVES), None)
    if relative is not None and relative == len(words) - 1:
        return None  # "an official who confirmed ...": the verb belongs to the relative clause
    if relative is not None and relative > 0:
        # "Officials who were not authorised to speak said": the clause is part of the phrase
        if not ph.plausible_subject(s.tokens, first, first + relative - 1):
            return None
        rules.append("subject with a relative clause")
        return first, last
    if not ph.plausible_subject(s.tokens, first, last):
        return None
    return first, last


def _sentence_subject(s: _Sentence, verb: int, lex: Lexicon) -> tuple[int, int] | None:
    """The subject of a sentence whose verb is coordinated ("X denied A and said B"): an earlier
    reporting verb's subject, or an opening 'phrase, Name Name,' apposition."""
    for j in range(verb - 1, 0, -1):
        if s.tokens[j].lower in lex.verbs and not s.quoted[j]:
            left = ph.left_phrase(s.tokens, j)
            if left is not None and left[1] > left[0] and \
                    s.tokens[left[1]].lower in ph.RELATIVES:
                left = (left[0], left[1] - 1)  # "An official who confirmed ... and said"
            if left is not None and left[0] == 0 and ph.plausible_subject(s.tokens, *left):
                return left
    commas = [k for k, t in enumerate(s.tokens[:verb]) if t.text == ","]
    if len(commas) >= 2 and ph.plausible_subject(s.tokens, 0, commas[0] - 1):
        inner = s.tokens[commas[0] + 1:commas[1]]
        if inner and all(t.is_word and t.capitalised for t in inner):
            return 0, commas[1] - 1
    return None


def _reporting_verb(s: _Sentence, i: int, lex: Lexicon, history: _History,
                    earlier: list[Suggestion]) -> Suggestion | None:
    verb = s.tokens[i]
    rules: list[str] = []
    subject: tuple[int, int] | None = None
    shared: _Source | None = None
    quote_before: Quote | None = None
    inverted = False
    # '," said Dorota Welk': the speaker follows the verb after a quotation
    before = _after_quote(s, i)
    if before is not None:
        span = ph.right_phrase(s.tokens, i + 1, lex.titles())
        if span is not None:
            subject, quote_before, inverted = span, before, True
            rules.append("quotation, then cue, then speaker")
    if subject is None:
        found = _subject_of(s, i, lex, earlier, rules)
        if found is None:
            return None
        if isinstance(found, _Source):
            shared = found
            subject = (i, i - 1)  # no phrase of its own
        else:
            subject = found
            subject = (ph.extend_apposition(s.tokens, subject[0]), subject[1])
            quote_before = _after_quote(s, subject[0])
    first, last = subject
    via: Piece | None = None
    citing: tuple[int, int, int] | None = None
    citing_words = {e[0] for e in lex.phrases.get("citing", ()) if len(e) == 1}
    if shared is not None:
        source = shared
    else:
        if s.tokens[first].lower in citing_words and first > 1 and \
                s.tokens[first - 1].text == ",":
            # "The daily X, citing a government document, reported": the chunk is the citing
            outer = ph.left_phrase(s.tokens, first - 1)
            if outer is None or not ph.plausible_subject(s.tokens, *outer):
                return None
            citing = (first, first + 1, last)
            first, last = outer
        resolved, how = _resolve(s, first, last, lex, history)
        if how == "":
            return None
        if how == "own" and resolved is not None:
            how = f"'{resolved.piece.text}' named earlier"
        citing = citing or _citing_near(s, i, lex)
        if resolved is not None:
            source = resolved
            rules.append(how)
        elif citing is not None:
            _cue_at, c_first, c_last = citing
            source = _make_source(s, c_first, c_last, lex, c_last + 1)
            via = _tokens_piece(s, first, last)
            rules.append("'citing Y': Y is the source, the subject the intermediary")
        else:
            source = _make_source(s, first, last, lex, _phrase_end_for_context(s, last))
        if via is None and not inverted:
            relay = _relay_after(s, last, lex)
            if relay is not None:
                via = _tokens_piece(s, *relay)
                rules.append("'cited by': an intermediary")
    claim: Piece | None = None
    if quote_before is not None:
        claim = _quote_piece(s, quote_before)
        if not inverted:
            rules.append("quotation, then speaker and cue")
    if claim is None:
        after_start = (last if inverted else i) + 1
        if citing is not None and citing[0] > i:
            after_start = citing[2] + 1
            if after_start < len(s.tokens) and s.tokens[after_start].text == ",":
                after_start += 1
        if verb.lower in ("told", "tells") and not inverted:
            after_start = _skip_object(s, after_start)
        claim, how_after = _claim_after(s, after_start)
        if verb.lower in lex.need_that and not how_after.startswith("that"):
            return None
        apposed = _apposition_before(s, first) if shared is None and claim is not None else None
        if apposed is not None and citing is None:
            # "The Corvian ambassador in Port Vassen, Hedda Mali, said ...": one phrase
            source = _make_source(s, apposed, last, lex, _phrase_end_for_context(s, last))
            rules.append("name in apposition")
        else:
            before_claim = _claim_before(s, first) if shared is None else None
            if before_claim is not None and (claim is None or (not how_after.startswith(
                    ("that", "quotation")) and first > 0)):
                claim, how_after = before_claim, "clause before the speaker"
        if claim is None:
            return None
        if not how_after.startswith("clause before") and verb.lower not in lex.final_verbs \
                and claim.start < verb.start:
            return None
        rules.append(how_after)
    if claim.end - claim.start < 2:
        return None
    if shared is None:
        _remember(history, source)
    cue = Piece(verb.start, verb.end, verb.text)
    return Suggestion(source.piece, source.sourcing, claim, cue, via,
                      f"reporting verb '{verb.text}': " + "; ".join(rules))


def _name_end(s: _Sentence, first: int) -> int:
    k = first
    while k < len(s.tokens) and s.tokens[k].text != "," and s.tokens[k].lower not in \
            ph.ADVERBS_BEFORE_VERB and s.tokens[k].lower not in ("said", "told"):
        k += 1
    return k


def _apposition_before(s: _Sentence, first: int) -> int | None:
    """Start of 'The Corvian ambassador in Port Vassen' before ', Hedda Mali, said'."""
    if first < 2 or s.tokens[first - 1].text != ",":
        return None
    if not all(t.is_word and t.capitalised for t in s.tokens[first:_name_end(s, first)]):
        return None
    outer = ph.left_phrase(s.tokens, first - 1)
    if outer is None or outer[0] != 0 or not ph.plausible_subject(s.tokens, *outer) or \
            s.tokens[outer[0]].lower in ph.PREPOSITIONS:
        return None
    return outer[0]


_HEARERS = word_set(
    "reporters journalists parliament lawmakers legislators deputies the crowd supporters "
    "students delegates")


def _skip_object(s: _Sentence, k: int) -> int:
    """'told reporters that', 'told the Post a vote was planned', 'told a news conference:' —
    the hearer is not the claim."""
    j = k
    while j < len(s.tokens) and j - k < 8:
        t = s.tokens[j]
        if t.lower in _CLAIM_OPENERS or t.text in OPEN_QUOTES + STRAIGHT_QUOTE or t.text == ",":
            return j
        if t.text in ".?!":
            break
        j += 1
    # no "that" or quotation: skip a hearer that is a known audience or a name
    j = k + 1 if k < len(s.tokens) and s.tokens[k].lower == "the" else k
    if j < len(s.tokens) and s.tokens[j].lower in _HEARERS:
        return j + 1
    start = j
    while j < len(s.tokens) and s.tokens[j].is_word and s.tokens[j].capitalised:
        j += 1
    return j if j > start else k


def _continued_quotes(text: str, para_quotes: list[Quote], made: list[Suggestion],
                      claimed: _Claims, p_start: int, p_end: int) -> list[Suggestion]:
    """A later quotation in the paragraph, standing as its own sentence, by the last speaker
    (the last one made whose claim ends before the quotation opens).

    Quotations come in text order, so the suggestions whose claims end before each one only
    grow: they are taken in order of claim end, keeping the latest made, and each quotation
    looks only at the text next to its marks, never at the whole paragraph."""
    extra: list[Suggestion] = []
    by_end = sorted(range(len(made)), key=lambda k: made[k].claim.end)
    taken = 0
    latest = -1
    for q in para_quotes:
        piece = _piece(text, q.start, q.end)
        if piece.end <= piece.start or claimed.overlaps(piece):
            continue
        while taken < len(by_end) and made[by_end[taken]].claim.end <= q.open_mark:
            latest = max(latest, by_end[taken])
            taken += 1
        if latest < 0:
            continue
        speaker = made[latest]
        before = q.open_mark
        while before > p_start and text[before - 1].isspace():
            before -= 1
        stands_alone = before == p_start or text[before - 1] in ".?!”\"»"
        if not stands_alone:
            continue
        after = (q.close_mark or q.end) + 1
        while after < p_end and text[after].isspace():
            after += 1
        # text after the quote in the same sentence means the quote is embedded
        if after < p_end and text[after] not in "“\"«(.?!":
            continue
        extra.append(Suggestion(speaker.source, speaker.sourcing, piece, None, speaker.via,
                                f"continued quotation of '{speaker.source.text}'"))
        claimed.add(piece)
    return extra
