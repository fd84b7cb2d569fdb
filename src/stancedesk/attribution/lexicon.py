"""The finder's word lists, read from editable data files.

The built-in lists live in ``stancedesk/resources/lexicons``; a project adds words with files of
the same names (each line adds to the built-in list, so a project can never lose the defaults by
accident), kept in a folder or, imported, in the project itself. Keeping words out of the code
lets an analyst teach the finder a new outlet or a local title without a release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from stancedesk.domain.errors import UserError

LEXICON_FILES = ("speech_verbs.txt", "attribution_phrases.txt", "source_nouns.txt",
                 "media_names.txt", "anaphors.txt")
SOURCING_ORDER = ("diplomat", "media", "document", "expert", "anonymous", "official")
PHRASE_KINDS = ("according", "relay", "citing", "as_saying")
ANAPHOR_KINDS = ("person", "any")


class LexiconError(UserError):
    """A lexicon file that cannot be used; names the file and line."""


@dataclass(slots=True)
class Lexicon:
    """Word lists, lower-cased where matching ignores case."""

    verbs: set[str] = field(default_factory=set)
    final_verbs: set[str] = field(default_factory=set)  # may end a sentence
    phrases: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    nouns: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # type -> phrases
    media_names: list[tuple[str, ...]] = field(default_factory=list)
    anaphors: dict[str, str] = field(default_factory=dict)  # pronoun -> kind
    need_that: set[str] = field(default_factory=set)  # count only before "that"
    _index: dict[str, list[tuple[tuple[str, ...], int, bool]]] | None = field(
        default=None, repr=False, compare=False)
    _titles: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def sourcing_of(self, words: list[str]) -> str | None:
        """The first sourcing type, in SOURCING_ORDER, whose noun appears in ``words``."""
        index = self._noun_index()
        best: int | None = None
        for i, word in enumerate(words):
            for entry, rank, exact in index.get(_base(word).lower(), ()):
                if best is not None and rank >= best:
                    continue
                window = [_base(w) for w in words[i:i + len(entry)]]
                if not exact:
                    window = [w.lower() for w in window]
                if tuple(window) == entry:
                    best = rank
        return None if best is None else (*SOURCING_ORDER, "other")[best]

    def _noun_index(self) -> dict[str, list[tuple[tuple[str, ...], int, bool]]]:
        """First word -> (entry, rank of its type, matches case), built once per lexicon."""
        if self._index is None:
            order = (*SOURCING_ORDER, "other")
            index: dict[str, list[tuple[tuple[str, ...], int, bool]]] = {}
            for kind, entries in self.nouns.items():
                for entry in entries:
                    exact = entry != tuple(e.lower() for e in entry)
                    key = entry if exact else tuple(e.lower() for e in entry)
                    index.setdefault(entry[0].lower(), []).append(
                        (key, order.index(kind), exact))
            self._index = index
        return self._index

    def titles(self) -> frozenset[str]:
        """Single-word nouns of people and bodies: a phrase may start with one ("said
        spokeswoman Ilse Kovar") although it is not capitalised."""
        if self._titles is None:
            self._titles = frozenset(e[0].lower() for entries in self.nouns.values()
                                     for e in entries if len(e) == 1)
        return self._titles

    def names_media(self, words: list[str]) -> bool:
        return any(_contains(words, name) for name in self.media_names)


def _base(word: str) -> str:
    """'prosecutor's' -> 'prosecutor': a possessive still names the same kind of source."""
    for suffix in ("’s", "'s", "’", "'"):
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


def phrase_words(text: str) -> tuple[str, ...]:
    """Words as the tokenizer cuts them, so that lexicon phrases match token sequences."""
    return tuple(re.findall(r"\w+(?:[’'\-]\w+)*|[^\w\s]", text))


def _lines(path: str, text: str) -> Iterable[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def _read(lexicon: Lexicon, name: str, path: str, text: str) -> None:
    for number, line in _lines(path, text):
        if name == "speech_verbs.txt":
            word, _, mark = line.partition(" ")
            if mark.strip() not in ("", "*", "=that"):
                raise LexiconError(f"{path}, line {number}: expected a verb, optionally followed "
                                   "by ' *' or ' =that'")
            lexicon.verbs.add(word.lower())
            if mark.strip() == "*":
                lexicon.final_verbs.add(word.lower())
            elif mark.strip() == "=that":
                lexicon.need_that.add(word.lower())
        elif name == "media_names.txt":
            lexicon.media_names.append(phrase_words(line))
        else:
            kind, sep, words = line.partition("\t")
            valid = {"attribution_phrases.txt": PHRASE_KINDS, "anaphors.txt": ANAPHOR_KINDS,
                     "source_nouns.txt": (*SOURCING_ORDER, "other")}[name]
            if not sep or kind not in valid or not words.strip():
                raise LexiconError(f"{path}, line {number}: expected KIND<TAB>words with KIND "
                                   f"one of {', '.join(valid)}")
            if name == "attribution_phrases.txt":
                entry = tuple(w.lower() for w in phrase_words(words))
                lexicon.phrases.setdefault(kind, []).append(entry)
            elif name == "anaphors.txt":
                lexicon.anaphors[words.strip().lower()] = kind
            else:
                lexicon.nouns.setdefault(kind, []).append(phrase_words(words.strip()))


def read_folder(folder: Path) -> dict[str, str]:
    """The texts of the lexicon files in ``folder`` (name -> text), each checked line by line
    so that a bad line is reported with its file and line before anything uses it."""
    texts: dict[str, str] = {}
    for name in LEXICON_FILES:
        path = folder / name
        if path.is_file():
            try:
                text = path.read_text("utf-8-sig")  # a byte-order mark is not part of a word
            except (OSError, UnicodeDecodeError) as exc:
                raise LexiconError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
            _read(Lexicon(), name, str(path), text)
            texts[name] = text
    return texts


def count_entries(name: str, text: str) -> int:
    """How many entries a lexicon file's text holds (comments and blank lines aside)."""
    return sum(1 for _ in _lines(name, text))


def built_in_texts() -> dict[str, str]:
    folder = resources.files("stancedesk.resources").joinpath("lexicons")
    return {name: folder.joinpath(name).read_text("utf-8") for name in LEXICON_FILES}


def load_lexicon(extra: Path | None = None, extension: Mapping[str, str] | None = None,
                 extension_name: str = "project lexicons") -> Lexicon:
    """The built-in lists, extended by the files in ``extra`` (a folder) when given, and by
    ``extension`` (file name -> text, as ``read_folder`` returns and a project stores; a bad
    line is reported as ``extension_name/FILE, line N``)."""
    lexicon = Lexicon()
    for name, text in built_in_texts().items():
        _read(lexicon, name, f"lexicons/{name}", text)
    if extra is not None:
        for name, text in read_folder(extra).items():
            _read(lexicon, name, str(extra / name), text)
    for name, text in (extension or {}).items():
        if name not in LEXICON_FILES:
            raise LexiconError(f"{extension_name}/{name}: not a lexicon file (expected one of "
                               f"{', '.join(LEXICON_FILES)})")
        _read(lexicon, name, f"{extension_name}/{name}", text)
    return lexicon
