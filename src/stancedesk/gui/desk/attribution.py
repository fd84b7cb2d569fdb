"""The desk's side of attribution: marking roles, linking claims to sources and sources to the
intermediaries that relay them, naming sources, and the link index the views draw from.

Every change goes through ``services.attribution`` (each its own committed transaction, checked
against the same rules as imports) inside an undo command, so it is autosaved and undoable like
a label. The open document's links are held here as plain maps, so the reader paints them and
the span table shows a claim's source without a query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from stancedesk.domain import Span
from stancedesk.domain.attribution import Link, LinkKind, SpanRole, chain
from stancedesk.gui.desk.attribution_commands import (
    LinkCommand,
    RemovalCommand,
    SpanFieldCommand,
)
from stancedesk.gui.desk.commands import CreateSpanCommand
from stancedesk.gui.desk.registry_commands import command_for
from stancedesk.services import attribution as attr_service
from stancedesk.services import spans as span_service
from stancedesk.services.attribution import (
    ClaimsPolicy,
    EntityEdit,
    EntityMerge,
    LinkChange,
    Removal,
)
from stancedesk.services.changes import Changes

if TYPE_CHECKING:
    from stancedesk.gui.desk.controller import AnnotationDesk

ROLE_NAMES = {SpanRole.SOURCE: "source", SpanRole.CLAIM: "claim", SpanRole.CUE: "cue"}
SHORT = 48


def short(text: str, limit: int = SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class LinkIndex:
    """The open document's links, by kind: span id -> the span it points to."""

    def __init__(self, links: list[Link] | None = None) -> None:
        self.by_kind: dict[LinkKind, dict[str, str]] = {kind: {} for kind in LinkKind}
        for item in links or ():
            self.by_kind[item.kind][item.from_span] = item.to_span

    @property
    def attributed(self) -> dict[str, str]:
        return self.by_kind[LinkKind.ATTRIBUTED_TO]

    @property
    def via(self) -> dict[str, str]:
        return self.by_kind[LinkKind.VIA]

    def get(self, from_span: str, kind: LinkKind) -> str | None:
        return self.by_kind[kind].get(from_span)

    def put(self, item: Link) -> None:
        self.by_kind[item.kind][item.from_span] = item.to_span

    def drop(self, from_span: str, kind: LinkKind) -> None:
        self.by_kind[kind].pop(from_span, None)

    def drop_span(self, span_id: str) -> None:
        """Forget every link from or to a span that is gone."""
        for links in self.by_kind.values():
            links.pop(span_id, None)
            for key in [k for k, v in links.items() if v == span_id]:
                del links[key]


class DeskAttribution(QObject):
    """Attribution use cases on the open document, for the desk's keys and panels."""

    linksChanged = Signal()
    entitiesChanged = Signal()

    def __init__(self, desk: AnnotationDesk) -> None:
        super().__init__(desk)
        self.desk = desk
        self.links = LinkIndex()
        # asked when a deleted source has claims: returns "keep", "delete" or None (cancel);
        # the window puts up a dialog, tests answer directly
        self.ask_claims_policy: Callable[[Span, int], ClaimsPolicy | None] = \
            lambda _span, _n: "keep"
        desk.reader.links = self.links
        desk.reader.link_text = self.chain_text
        desk.span_model.source_of = self.source_text
        self._registry_stack: QUndoStack | None = None

    # --- the link index --------------------------------------------------------------------

    def reload(self) -> None:
        doc = self.desk.document_id
        found = [] if doc is None else attr_service.links_in(
            self.desk.database, [doc], self.desk.visible_annotators())
        self.links = LinkIndex(found)
        self._links_shown()

    def _links_shown(self) -> None:
        self.desk.reader.links = self.links
        self.desk.reader.viewport().update()
        self.desk.span_model.refresh_sources()
        self.linksChanged.emit()

    def apply_link(self, before: Link | None, after: Link | None) -> None:
        """Called by link commands after each committed write."""
        if before is not None:
            self.links.drop(before.from_span, before.kind)
        if after is not None:
            self.links.put(after)
        self.desk.note_own_commit()
        self._links_shown()
        self.desk.saved.emit()

    def apply_removal(self, removal: Removal, restored: bool) -> None:
        """Called by removal commands: the spans and the links that went (or came back)."""
        for span in removal.spans:
            if restored:
                self.desk.apply_change(None, span)
            else:
                self.desk.apply_change(span, None)
                self.links.drop_span(span.id)
        if restored:
            for item in removal.links:
                self.links.put(item)
        self._links_shown()

    # --- reading ---------------------------------------------------------------------------

    def source_text(self, span: Span) -> str:
        """The span table's "Source" cell: a claim's source, with its intermediaries."""
        target = self.links.attributed.get(span.id)
        if target is None:
            return ""
        return " ← ".join(short(self._text(sid), 40) for sid in chain(target, self.links.via))

    def _text(self, span_id: str) -> str:
        span = self.desk.store.get(span_id)
        return span.text if span is not None else "?"

    def chain_text(self, span: Span) -> str:
        """The reader's hover text: "claim ← source ← intermediary ← …"."""
        if span.role == SpanRole.CLAIM:
            target = self.links.attributed.get(span.id)
            parts = [f"claim: {short(span.text)}"]
            if target is None:
                return parts[0] + " (no source linked)"
            return " ← ".join(parts + [short(self._text(s)) for s in
                                       chain(target, self.links.via)])
        if span.role == SpanRole.SOURCE:
            parts = [short(self._text(s)) for s in chain(span.id, self.links.via)]
            claims = sum(1 for v in self.links.attributed.values() if v == span.id)
            return f"source: {' ← '.join(parts)} ({claims} claim{'s' * (claims != 1)})"
        if span.role == SpanRole.CUE:
            return f"cue: {short(span.text)}"
        return ""

    # --- roles -----------------------------------------------------------------------------

    def mark(self, role: SpanRole) -> None:
        """Give the selection or the current span a role; the same role again clears it."""
        desk = self.desk
        if desk.document is None:
            return
        span, rng = desk._target()
        if rng is None:
            desk.message.emit("Select some text or click a span first.")
            return
        with desk._guarded(f"marking a {role}"):
            if span is None:
                created = span_service.create_span(desk.database, desk.document.id,
                                                   desk.annotator, rng[0], rng[1],
                                                   scheme=desk.scheme, role=str(role))
                desk._push(CreateSpanCommand(desk, created, f"Mark {role}"))
                desk.select_span(created.id)
                return
            new = None if span.role == role else role
            change = attr_service.set_role(desk.database, span.id, new,
                                           expected_version=span.version)
            desk._push(SpanFieldCommand(desk, change, f"Mark {new}" if new else "Clear role",
                                        self._write_role))
            desk.select_span(span.id)

    def _write_role(self, span: Span) -> span_service.SpanChange:
        return attr_service.set_role(self.desk.database, span.id,
                                     SpanRole(span.role) if span.role else None)

    # --- links -----------------------------------------------------------------------------

    def _own_current(self, role: SpanRole, what: str) -> Span | None:
        span = self.desk._own(self.desk.current_span())
        if span is None or span.role != role:
            self.desk.message.emit(f"Click one of your {role} spans to {what}.")
            return None
        return span

    def _paragraph(self, span: Span) -> tuple[int, int]:
        text = self.desk.reader.text
        start = text.rfind("\n", 0, span.start) + 1
        end = text.find("\n", span.end)
        return start, len(text) if end < 0 else end

    def candidates(self, span: Span, exclude: set[str] | None = None) -> list[Span]:
        """Sources a link from ``span`` may point to, in the order the key cycles: the nearest
        preceding source first, then the other sources of the paragraph in reading order."""
        skip = {span.id, *(exclude or ())}
        sources = [s for s in self.desk.store.spans()
                   if s.annotator == span.annotator and s.role == SpanRole.SOURCE
                   and s.id not in skip]
        before = [s for s in sources if s.start < span.start]
        first = max(before, key=lambda s: (s.start, s.end)) if before else None
        a, b = self._paragraph(span)
        rest = [s for s in sources if s.start < b and s.end > a and s is not first]
        return ([first] if first else []) + rest

    def _cycle(self, span: Span, kind: LinkKind, options: list[Span], what: str) -> None:
        if not options:
            self.desk.message.emit(f"No source to {what}: mark one first (Alt+S).")
            return
        current = self.links.get(span.id, kind)
        ids = [s.id for s in options]
        target = options[(ids.index(current) + 1) % len(ids)] if current in ids else options[0]
        if target.id == current:
            self.desk.message.emit("That is the only source to choose from.")
            return
        with self.desk._guarded("linking"):
            change = attr_service.link(self.desk.database, span.id, kind, target.id)
            verb = "Attribute to" if kind is LinkKind.ATTRIBUTED_TO else "Relayed via"
            self.desk._push(LinkCommand(self, change, f"{verb} {short(target.text, 30)}"))
            self.desk.message.emit(f"{verb} “{short(target.text)}”"
                                   + (f" ({ids.index(target.id) + 1} of {len(ids)})"
                                      if len(ids) > 1 else ""))

    def link_source(self) -> None:
        """Attribute the current claim to a source; pressed again, to the next source."""
        claim = self._own_current(SpanRole.CLAIM, "link it to its source")
        if claim is not None:
            self._cycle(claim, LinkKind.ATTRIBUTED_TO, self.candidates(claim), "attribute to")

    def link_via(self) -> None:
        """Mark the current source as relayed via another; pressed again, via the next one.
        Sources that already reach this one through their own chain are left out (no cycles)."""
        source = self._own_current(SpanRole.SOURCE, "mark what relays it")
        if source is None:
            return
        upstream = {sid for sid, _ in self.links.via.items()
                    if source.id in chain(sid, self.links.via)}
        self._cycle(source, LinkKind.VIA, self.candidates(source, upstream), "relay via")

    def clear_link(self) -> None:
        """Clear the current claim's source, or the current source's intermediary."""
        span = self.desk._own(self.desk.current_span())
        kind = {SpanRole.CLAIM: LinkKind.ATTRIBUTED_TO,
                SpanRole.SOURCE: LinkKind.VIA}.get(SpanRole(span.role)) \
            if span is not None and span.role else None
        if span is None or kind is None or self.links.get(span.id, kind) is None:
            self.desk.message.emit("The current span has no link to clear.")
            return
        with self.desk._guarded("clearing a link"):
            change = attr_service.link(self.desk.database, span.id, kind, None)
            self.desk._push(LinkCommand(self, change, "Clear link"))

    def restore_link(self, change: LinkChange) -> LinkChange:
        return attr_service.restore_link(self.desk.database, change)

    def relink(self, change: LinkChange) -> LinkChange:
        target = change.after or change.before
        assert target is not None
        return attr_service.link(self.desk.database, target.from_span, target.kind,
                                 change.after.to_span if change.after else None)

    # --- deleting --------------------------------------------------------------------------

    def delete(self, span: Span) -> None:
        """Delete a span with its links; a source's claims are kept or deleted as asked."""
        claims = sum(1 for v in self.links.attributed.values() if v == span.id)
        policy: ClaimsPolicy = "keep"
        if span.role == SpanRole.SOURCE and claims:
            chosen = self.ask_claims_policy(span, claims)
            if chosen is None:
                return
            policy = chosen
        with self.desk._guarded("deleting a span"):
            removal = attr_service.delete_spans(self.desk.database, [span.id], claims=policy)
            self.desk._push(RemovalCommand(self, removal))

    # --- naming sources --------------------------------------------------------------------

    def name_current(self, entity: str | None) -> None:
        """Let the current source name a registry entity (an id or a name; None: no entity)."""
        span = self._own_current(SpanRole.SOURCE, "name it")
        if span is None:
            return
        with self.desk._guarded("naming a source"):
            change = attr_service.name_source(self.desk.database, span.id, entity)
            self.desk._push(SpanFieldCommand(self.desk, change, "Name source",
                                             self._write_entity))
            self.entitiesChanged.emit()

    # --- the registry ----------------------------------------------------------------------

    def push_registry(self, record: EntityEdit | EntityMerge) -> None:
        """An edit of the registry already written (by the Sources panel), onto the desk's
        undo stack: the open document's, or, with none open, one of the desk's own."""
        stack = self.desk.undo_stack()
        if stack is None:
            stack = self._registry_stack
            if stack is None:
                stack = self._registry_stack = QUndoStack(self.desk.undo_group)
            self.desk.undo_group.setActiveStack(stack)
        stack.push(command_for(self, record))

    def registry_changed(self, changes: Changes | None = None) -> None:
        """Called by registry commands after each committed write: spans that name another
        source now are news for the desk's views (the open document reloads them)."""
        self.desk.note_own_commit()
        if changes is not None:
            self.desk.publish(changes)
        self.entitiesChanged.emit()
        self.desk.saved.emit()

    def _write_entity(self, span: Span) -> span_service.SpanChange:
        change = attr_service.name_source(self.desk.database, span.id, span.entity_id)
        self.entitiesChanged.emit()
        return change
