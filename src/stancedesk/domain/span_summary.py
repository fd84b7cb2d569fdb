"""What a span holds, in words: one summary for the reader's hover tooltip and the inspector.

Both show the same facts (every layer's value by its label name, the note, the role when spans
carry one, the author and the times), so what the tooltip promises the inspector shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from stancedesk.domain.scheme import LayerKind, Scheme
from stancedesk.domain.span import Span

QUOTE_PREVIEW = 160


@dataclass(frozen=True, slots=True)
class SpanFacts:
    quote: str
    values: list[tuple[str, str]]  # (layer name, value shown: the label's name, or "—")
    note: str
    role: str
    author: str
    created: str
    updated: str


def local_time(value: datetime | None) -> str:
    """A stored UTC time as the reader's local time, to the minute; "" when unknown."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def value_name(scheme: Scheme, layer_key: str, value: str) -> str:
    layer = scheme.layer(layer_key)
    if not value:
        return ""
    if layer.kind is LayerKind.CLOSED:
        label = layer.label(value)
        return label.name if label else value
    for target in scheme.targets:
        if target.key == value:
            return target.name
    return value


def span_facts(span: Span, scheme: Scheme) -> SpanFacts:
    quote = " ".join(span.text.split())
    if len(quote) > QUOTE_PREVIEW:
        quote = quote[:QUOTE_PREVIEW - 1] + "…"
    values = [(layer.name, value_name(scheme, layer.key, span.labels.get(layer.key, "")) or "—")
              for layer in scheme.layers]
    return SpanFacts(quote=quote, values=values, note=span.note,
                     role=str(getattr(span, "role", "") or ""), author=span.annotator,
                     created=local_time(span.created_at), updated=local_time(span.updated_at))


def summary_html(span: Span, scheme: Scheme) -> str:
    """The tooltip: quote, the layers that have a value, note, role, author and times."""
    facts = span_facts(span, scheme)
    rows = "".join(f"<tr><td>{escape(name)}&nbsp;</td><td><b>{escape(value)}</b></td></tr>"
                   for name, value in facts.values if value != "—")
    if not rows:
        rows = "<tr><td colspan=2><i>no labels</i></td></tr>"
    extra = []
    if facts.role:
        extra.append(f"role: {escape(facts.role)}")
    if facts.note:
        extra.append(f"note: {escape(facts.note)}")
    times = f"{escape(facts.author)} · created {facts.created}"
    if facts.updated and facts.updated != facts.created:
        times += f" · updated {facts.updated}"
    return (f"<p>“{escape(facts.quote)}”</p><table>{rows}</table>"
            + "".join(f"<p>{line}</p>" for line in extra)
            + f"<p><small>{times}</small></p>")
