"""Which kind of source a phrase names: the default scheme's sourcing labels.

The scheme defines an unnamed official as anonymous ("an official who declined to be named")
but an envoy as a diplomat "named or not", so the rule is: the kind of noun decides, except
that an unnamed person in an official role, introduced as one of many ("a senior official",
"two officials", "officials"), is anonymous.
"""

from __future__ import annotations

import itertools

from stancedesk.attribution.lexicon import Lexicon
from stancedesk.attribution.tokens import Token, word_set

INSTITUTIONS = word_set(
    "ministry government police army military presidency parliament council office cabinet "
    "authorities embassy administration agency court commission customs")
QUALIFIERS = word_set(
    "in at of from with for on who which that familiar based close involved")
INDEFINITE = word_set("a an one two three four five several some many other senior")
PERSON_ROLES = word_set(
    "official officials minister ministers negotiator "
    "negotiators lawmaker lawmakers commander prosecutor prosecutors deputy")


def has_proper_name(words: list[Token], lexicon: Lexicon) -> bool:
    """Two capitalised words in a row ("Ilse Kovar"), or a capitalised last word ("Kovar")."""
    caps = [w.is_word and w.capitalised and w.lower not in ("the", "a", "an") for w in words]
    if any(a and b for a, b in itertools.pairwise(caps)):
        return True
    if words and caps[-1] and len(words) > 1:
        return lexicon.sourcing_of([words[-1].text]) is None
    return bool(words) and caps[0] and len(words) == 1 and \
        lexicon.sourcing_of([words[0].text]) is None


def classify(words: list[Token], context: list[Token], lexicon: Lexicon) -> str:
    """Sourcing type of the phrase ``words``; ``context`` adds an apposition or relative clause."""
    texts = [w.text for w in words]
    if lexicon.names_media(texts):
        return "media"
    core = core_words(words)
    kind = lexicon.sourcing_of([w.text for w in core])
    if kind is None and _anonymity_in(words + context, lexicon):
        return "anonymous"
    kind = kind or lexicon.sourcing_of(texts) or lexicon.sourcing_of([w.text for w in context])
    if kind == "anonymous":
        return "anonymous"
    if kind == "official":
        named = has_proper_name(core, lexicon)
        head = head_word(words)
        unnamed_person = not named and head is not None and head.lower in PERSON_ROLES
        first = words[0].lower if words else ""
        if unnamed_person and (first in INDEFINITE or (head is not None and
                               head.lower.endswith("s") and first not in ("the", "its"))):
            return "anonymous"
        if _anonymity_in(context, lexicon) and not named:
            return "anonymous"
        return "official"
    if kind is not None:
        return kind
    return "other"


def core_words(words: list[Token]) -> list[Token]:
    """The phrase without its qualifiers, keeping a name in apposition:
    'Teke's lawyer, Amira Saul' stays whole; 'a local official in the town of Dreva' loses
    'in the town of Dreva', whose name says nothing about the source."""
    core: list[Token] = []
    for w in words:
        if w.lower in QUALIFIERS:
            break
        core.append(w)
    return core


def head_word(words: list[Token]) -> Token | None:
    """The last word before a qualifier: 'a local official [in the town of Dreva]'."""
    head = None
    for w in words:
        if w.text == "," or w.lower in QUALIFIERS:
            break
        if w.is_word:
            head = w
    return head


def _anonymity_in(context: list[Token], lexicon: Lexicon) -> bool:
    return any(_contains([t.lower for t in context], entry)
               for entry in lexicon.nouns.get("anonymous", ())
               if len(entry) > 1 or entry[0] in ("unnamed", "anonymous", "anonymity"))


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    lowered = tuple(p.lower() for p in phrase)
    return any(tuple(words[i:i + n]) == lowered for i in range(len(words) - n + 1))


def is_person(words: list[Token], kind: str, lexicon: Lexicon) -> bool:
    """A named individual, the antecedent that "he" or "she" can point back to."""
    if kind in ("media", "document"):
        return False
    # the head of a phrase naming a person is the name itself: "spokeswoman Ilse Kovar",
    # "Kazimir Dunaj, the party's leader"; "the Ostrelian foreign ministry" has no such head
    core = core_words(words)
    if not has_proper_name(core, lexicon):
        return False
    caps = [w.is_word and w.capitalised and w.lower not in ("the", "a", "an") for w in core]
    if any(a and b for a, b in itertools.pairwise(caps)) and \
            not {w.lower for w in core} & INSTITUTIONS:
        return True  # "Teke's lawyer, Amira Saul"
    head = head_word(words)
    return head is not None and head.capitalised and head.lower not in INSTITUTIONS
