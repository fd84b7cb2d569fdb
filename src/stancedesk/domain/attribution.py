"""The structure of attribution: span roles, links between spans, and registry entities.

A claim is attributed to one source; a source may reach the article via another source (an
intermediary), forming a chain; a claim may point to its cue (the attribution verb or phrase).
The rules live here, as pure functions over plain values, so that the desk, every import and
every bundle check links the same way and refuse the same mistakes with the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class SpanRole(StrEnum):
    SOURCE = "source"
    CLAIM = "claim"
    CUE = "cue"


class LinkKind(StrEnum):
    ATTRIBUTED_TO = "attributed_to"  # claim -> source
    VIA = "via"  # source -> intermediary source
    CUE = "cue"  # claim -> cue


# (role of the span the link starts from, role of the span it points to)
LINK_ROLES: Mapping[LinkKind, tuple[SpanRole, SpanRole]] = {
    LinkKind.ATTRIBUTED_TO: (SpanRole.CLAIM, SpanRole.SOURCE),
    LinkKind.VIA: (SpanRole.SOURCE, SpanRole.SOURCE),
    LinkKind.CUE: (SpanRole.CLAIM, SpanRole.CUE),
}


@dataclass(frozen=True, slots=True)
class Link:
    """``from_span`` --kind--> ``to_span``; each span has at most one link of each kind."""

    from_span: str
    kind: LinkKind
    to_span: str


@dataclass(frozen=True, slots=True)
class LinkEnd:
    """What the rules need to know about a linked span."""

    document_id: str
    annotator: str
    role: SpanRole | None


@dataclass(frozen=True, slots=True)
class SourceEntity:
    """A recurring source across articles: "Reuters", "the Reuters news agency", "the agency"."""

    id: str
    name: str
    sourcing: str = ""
    aliases: tuple[str, ...] = ()
    notes: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(slots=True)
class LinkProblems:
    """Every reason a set of links is refused, each naming the link."""

    problems: list[str] = field(default_factory=list)
    name: Callable[[str], str] = str

    def add(self, link: Link, problem: str) -> None:
        self.problems.append(f"{link.kind} link {self.name(link.from_span)} -> "
                             f"{self.name(link.to_span)}: {problem}")

    def __bool__(self) -> bool:
        return bool(self.problems)


def check_links(spans: Mapping[str, LinkEnd], links: Iterable[Link], *,
                name: Callable[[str], str] = str) -> list[str]:
    """Why ``links`` cannot stand among ``spans`` (empty when they can).

    A link must join two existing spans of the same annotator in the same document, with the
    roles its kind requires; a span has at most one link of each kind; via links form no cycle.
    ``name`` says a span id as the person knows it: an import names the ids of its file, not
    the ids the database gave the spans it staged.
    """
    found = LinkProblems(name=name)
    seen: dict[tuple[str, LinkKind], Link] = {}
    via: dict[str, str] = {}
    for link in links:
        start, end = spans.get(link.from_span), spans.get(link.to_span)
        if start is None or end is None:
            missing = link.from_span if start is None else link.to_span
            found.add(link, f"no span {name(missing)}")
            continue
        if link.from_span == link.to_span:
            found.add(link, "a span cannot be linked to itself")
            continue
        if start.document_id != end.document_id:
            found.add(link, "the two spans are in different documents")
        if start.annotator != end.annotator:
            found.add(link, f"the two spans belong to different annotators "
                            f"({start.annotator}, {end.annotator})")
        want_from, want_to = LINK_ROLES[link.kind]
        if start.role is not want_from:
            found.add(link, f"it must start at a {want_from} span, not a "
                            f"{start.role or 'span without a role'}")
        if end.role is not want_to:
            found.add(link, f"it must point to a {want_to} span, not a "
                            f"{end.role or 'span without a role'}")
        key = (link.from_span, link.kind)
        if key in seen and seen[key].to_span != link.to_span:
            found.add(link, f"span {name(link.from_span)} already has a {link.kind} link "
                            f"(to {name(seen[key].to_span)})")
        seen[key] = link
        if link.kind is LinkKind.VIA:
            via[link.from_span] = link.to_span
    for cycle in via_cycles(via):
        found.problems.append("via links form a cycle: " + " -> ".join(map(name, cycle)))
    return found.problems


def via_cycles(via: Mapping[str, str]) -> list[list[str]]:
    """Each cycle in a source -> intermediary map, once, starting at its smallest id."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    for begin in sorted(via):
        path: list[str] = []
        node: str | None = begin
        on_path: set[str] = set()
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = via.get(node)
        if node is not None and node in on_path:
            cycle = path[path.index(node):]
            turn = cycle.index(min(cycle))
            cycles.append([*cycle[turn:], *cycle[:turn], min(cycle)])
        done.update(path)
    return cycles


def chain(source: str, via: Mapping[str, str]) -> list[str]:
    """The source, then each intermediary it reaches the article through, in order."""
    out = [source]
    while out[-1] in via and via[out[-1]] not in out:
        out.append(via[out[-1]])
    return out


def name_key(name: str) -> str:
    """How names and aliases are compared: case, accents, punctuation and a leading article
    do not matter ("the Reuters news agency" ~ "Reuters News Agency")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    words = text.split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def matching_entities(selected: str, entities: Iterable[SourceEntity]) -> list[SourceEntity]:
    """Entities whose name or alias matches the selected text, best first: an exact name or
    alias, then names that contain the selection or are contained in it."""
    key = name_key(selected)
    if not key:
        return []
    exact: list[SourceEntity] = []
    partial: list[tuple[int, SourceEntity]] = []
    for entity in entities:
        keys = [name_key(n) for n in entity.names()]
        if key in keys:
            exact.append(entity)
        elif any(k and (re.search(rf"\b{re.escape(k)}\b", key) or
                        re.search(rf"\b{re.escape(key)}\b", k)) for k in keys):
            partial.append((min(abs(len(k) - len(key)) for k in keys), entity))
    partial.sort(key=lambda item: (item[0], item[1].name.casefold()))
    return exact + [entity for _, entity in partial]
