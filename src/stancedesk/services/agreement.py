"""Agreement use cases: generic reliability data from a CSV, and span agreement from the database.

The statistics live in ``stancedesk.agreement`` (numpy/scipy, imported on first use so that the
CLI and the desk start fast); this module chooses the documents in scope (by an explicit rule,
reported in every output), records the settings used (for a methods section) and hands results
to the CLI, the GUI dashboard and the HTML report in one JSON-ready shape.

Scope rules (docs/agreement.md): "done" (the default) takes the documents every compared
annotator marked done; when there are none it falls back to "annotated", the documents where
every compared annotator has a span in the layer, and says so; "all" takes every document where
a compared annotator has any span. ``documents`` names the candidates the rule chooses from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancedesk import __version__
from stancedesk.domain import Span
from stancedesk.domain.curation import GOLD
from stancedesk.formats.errors import FormatError
from stancedesk.formats.reliability_csv import numeric_matrix, read_reliability_csv
from stancedesk.services import corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.atomic import replaced_on_success, text_replaced_on_success
from stancedesk.services.study import Viewer, require_overview
from stancedesk.storage.engine import Database

if TYPE_CHECKING:
    from stancedesk.agreement.spanprep import SpanColumns

Progress = Callable[[int, int, str], None]

SCOPES = ("done", "annotated", "all")
CI_METHODS = ("percentile", "bca")
# the same defaults as stancedesk.agreement.verdict (not imported here: numpy loads on first use)
DEFAULT_MIN_UNITS = 30
DEFAULT_MIN_DOCUMENTS = 10
_IDS_PER_QUERY = 10_000


@dataclass(frozen=True, slots=True)
class AgreementSettings:
    layers: Sequence[str] | None = None
    annotators: Sequence[str] | None = None
    documents: Sequence[str] | None = None
    bootstrap: int = 1000
    seed: int = 20261123
    confidence: float = 0.95
    gamma: bool = False  # Mathet's gamma: samples chance continua, so it is asked for
    scope: str | None = None  # None: "done", or "all" of the named documents
    min_units: int = DEFAULT_MIN_UNITS
    min_documents: int = DEFAULT_MIN_DOCUMENTS
    ci_method: str = "percentile"
    count_no_grade: bool = False
    # spans stored from the finder's suggestions and unchanged since: reported, or left out
    exclude_unedited_suggestions: bool = False

    @property
    def scope_rule(self) -> str:
        return self.scope or ("all" if self.documents else "done")


@dataclass(frozen=True, slots=True)
class Scope:
    """The documents of one layer and how they were chosen, for every output."""

    requested: str
    rule: str
    documents: list[str]
    description: str
    notice: str | None = None

    @property
    def fallback(self) -> bool:
        return self.rule != self.requested

    def as_json(self) -> dict[str, Any]:
        return {"requested": self.requested, "rule": self.rule, "fallback": self.fallback,
                "description": self.description, "notice": self.notice,
                "n_documents": len(self.documents), "documents": list(self.documents)}


def fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def reliability_from_csv(path: Path, level: str = "nominal") -> dict[str, Any]:
    from stancedesk.agreement import reliability_summary  # numpy/scipy: loaded when needed

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    table = read_reliability_csv(data, str(path))
    matrix: Any = table.values
    if level in ("interval", "ratio"):
        matrix = numeric_matrix(table, str(path))
    elif level == "ordinal":
        try:
            matrix = numeric_matrix(table, str(path))
        except FormatError:
            matrix = table.values  # labels: ordered by their sorted order, reported below
    result = dict(reliability_summary(matrix, level=level))
    result["units"] = len(table.units)
    result["coders"] = len(table.coders)  # counts, like "units"; the names follow
    result["coder_names"] = list(table.coders)
    result["level"] = level
    return result


def check_settings(settings: AgreementSettings) -> None:
    if settings.scope is not None and settings.scope not in SCOPES:
        raise FormatError("--scope", f"unknown scope {settings.scope!r}; choose one of "
                          f"{', '.join(SCOPES)}")
    if settings.ci_method not in CI_METHODS:
        raise FormatError("--ci", f"unknown interval method {settings.ci_method!r}; choose "
                          f"one of {', '.join(CI_METHODS)}")
    if settings.min_units < 0:
        raise FormatError("--min-units", "the minimum number of units cannot be negative")
    if settings.min_documents < 2:
        raise FormatError("--min-documents", "resampling documents needs at least 2")


def _layer_plan(database: Database, layers: Sequence[str] | None) -> dict[str, list[str] | None]:
    """Layer key -> its labels in scheme order (None for free-text layers)."""
    scheme = schemes.get_scheme(database)
    keys = list(layers) if layers else list(scheme.layer_keys)
    plan: dict[str, list[str] | None] = {}
    for key in keys:
        layer = scheme.layer(key) if scheme.has_layer(key) else None
        if layer is None:
            raise FormatError("--layer", f"unknown layer {key!r}; the scheme has "
                              f"{', '.join(scheme.layer_keys)}")
        plan[key] = list(layer.label_keys) if layer.labels else None
    return plan


def _scope(database: Database, settings: AgreementSettings, layers: Sequence[str]
           ) -> tuple[SpanColumns, dict[str, str], list[str]]:
    """The spans and texts in scope and the annotators compared (default: all with spans).

    Spans are read as columns of the layers measured (see ``SpanColumns``): no ``Span`` object
    per span, unless unedited suggestions are to be left out (that needs each span)."""
    from stancedesk.agreement.spanprep import SpanColumns

    if settings.exclude_unedited_suggestions:
        listed = span_service.list_spans(database, settings.documents, settings.annotators)
        unedited = suggested_unedited(database, listed)
        spans = SpanColumns.from_spans([s for s in listed if s.id not in unedited], layers)
    else:
        spans = span_service.span_columns(database, layers, settings.documents,
                                          settings.annotators, SpanColumns.from_batches)
    texts = corpus.get_texts(database, sorted(set(settings.documents or []) |
                                              set(spans.document_ids)))
    missing = [d for d in settings.documents or [] if d not in texts]
    if missing:
        raise FormatError("--documents", f"unknown document id(s): {', '.join(missing)}")
    # gold (the curated standard) is not an annotator to compare; it gets its own section
    chosen = list(settings.annotators) if settings.annotators else \
        sorted(a for a in spans.annotators if a != GOLD)
    return spans, texts, chosen


def suggested_unedited(database: Database, spans: Sequence[Span]) -> set[str]:
    """Ids among ``spans`` stored from a suggestion and not changed since."""
    from stancedesk.storage import attribution as arepo

    with database.read() as session:
        return arepo.unedited_suggestions(session, [s.id for s in spans])


def _suggestion_counts(database: Database, settings: AgreementSettings,
                       annotators: Sequence[str], documents: Sequence[str]) -> dict[str, Any]:
    """How many compared spans came from suggestions unchanged: a methods section says so.
    Only those spans are read (reading every span in scope took longer than the measures)."""
    from stancedesk.storage import attribution as arepo

    with database.read() as session:
        owners = arepo.unedited_suggestion_owners(session)
    docs = set(documents)
    by_annotator = dict.fromkeys(annotators, 0)
    for document, who in owners:
        if document in docs and who in by_annotator:
            by_annotator[who] += 1
    return {"unedited": by_annotator, "excluded": settings.exclude_unedited_suggestions}


def _done_by_all(database: Database, annotators: Sequence[str]) -> set[str]:
    done: set[str] | None = None
    for name in annotators:
        mine = {d for d, status in span_service.document_statuses(database, name).items()
                if status == "done"}
        done = mine if done is None else done & mine
    return done or set()


def scopes(database: Database, settings: AgreementSettings, spans: SpanColumns,
           chosen: Sequence[str], layers: Sequence[str]) -> dict[str, Scope]:
    """The documents in scope per layer, by the settings' rule (see the module docstring)."""
    requested = settings.scope_rule
    named = list(dict.fromkeys(settings.documents)) if settings.documents else None
    among = f" among the {len(named)} named" if named else ""
    who = ", ".join(chosen) or "(none)"

    def keep(docs: set[str]) -> list[str]:
        return [d for d in named if d in docs] if named is not None else sorted(docs)

    done = keep(_done_by_all(database, chosen)) if requested == "done" and chosen else []
    out: dict[str, Scope] = {}
    for layer in layers:
        if requested == "all":
            docs = named if named is not None else sorted(spans.documents_of(chosen))
            text = ("the named documents" if named is not None else
                    "every document where a compared annotator has a span (in any layer)")
            out[layer] = Scope(requested, "all", docs, text)
        elif requested == "done" and done:
            out[layer] = Scope(requested, "done", done,
                               f"documents{among} every compared annotator ({who}) marked done")
        else:
            docs = keep(spans.annotated_by_all(layer, chosen))
            text = (f"documents{among} where every compared annotator ({who}) has a span in "
                    "this layer")
            notice = None
            if requested == "done":
                notice = (f"No document{among} is marked done by every compared annotator "
                          f"({who}); falling back to the documents where each of them has a "
                          "span in the layer.")
            out[layer] = Scope(requested, "annotated", docs, text, notice)
    return out


def span_agreement(database: Database, settings: AgreementSettings,
                   progress: Progress | None = None, *,
                   viewer: Viewer | None = None) -> dict[str, Any]:
    """Span agreement per layer plus the settings and the scope that produced it (in a blind
    study, for the lead only)."""
    from stancedesk.agreement import layer_agreement
    from stancedesk.agreement.blas import one_blas_thread

    require_overview(database, viewer, "agreement statistics")
    check_settings(settings)
    plan = _layer_plan(database, settings.layers)
    scheme = schemes.get_scheme(database)
    spans, texts, chosen = _scope(database, settings, list(plan))
    layer_scopes = scopes(database, settings, spans, chosen, list(plan))
    result: dict[str, Any] = {"layers": {}}
    with one_blas_thread():  # small products: threads cost more than they give (see blas)
        for i, (key, labels) in enumerate(plan.items()):
            if progress is not None:
                progress(i, len(plan), key)
            layer = scheme.layer(key)
            scope = layer_scopes[key]
            report = layer_agreement(
                spans, texts, key, annotators=chosen, documents=scope.documents, labels=labels,
                bootstrap=settings.bootstrap, seed=settings.seed, confidence=settings.confidence,
                ordered=layer.ordered and labels is not None, no_grade=layer.no_grade_keys,
                count_no_grade=settings.count_no_grade, min_units=settings.min_units,
                min_documents=settings.min_documents, ci_method=settings.ci_method)
            report["scope"] = scope.as_json()
            if settings.gamma:
                in_scope = set(scope.documents)
                missing = set() if settings.count_no_grade else set(layer.no_grade_keys)
                _add_gamma(report, [s for s in spans if s.document_id in in_scope
                                    and s.labels.get(key) not in missing],
                           key, chosen, settings)
            result["layers"][key] = report
    if progress is not None:
        progress(len(plan), len(plan), "")
    result["scope"] = _overall_scope(layer_scopes, settings)
    scoped = sorted({d for s in layer_scopes.values() for d in s.documents})
    result["attribution"] = attribution_section(database, spans, chosen, scoped,
                                                min_units=settings.min_units)
    result["suggestions"] = _suggestion_counts(database, settings, chosen, scoped)
    result["gold"] = gold_section(database, settings, list(plan), chosen)
    result["settings"] = {
        **asdict(settings),
        "scope": settings.scope_rule,
        "layers": list(plan),
        "annotators": chosen,
        "documents": list(settings.documents) if settings.documents else None,
        "n_documents_in_database": corpus.count_documents(database),
        "database": database.location.display,
        "stancedesk_version": __version__,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return result


def attribution_section(database: Database, spans: Iterable[Span], annotators: Sequence[str],
                        documents: Sequence[str], *, min_units: int = 0) -> dict[str, Any]:
    """Link F1 of claim→source links and agreement on aligned sources, over the documents in
    the span agreement's scope (see ``agreement.links``), each n/a with the reason below
    ``min_units`` units, as the span measures: the JSON, the text, the report and the
    dashboard all show this one verdict.

    Span columns (what ``span_agreement`` reads) carry roles but no entities or unmeasured
    layers, so the claims and sources among them are then read whole (only those: reading
    every span in scope again took longer than the measures)."""
    from stancedesk.agreement.links import AnnotatorAttribution, RoleSpan, attribution_agreement
    from stancedesk.agreement.spanprep import SpanColumns
    from stancedesk.services import attribution as attr

    docs = set(documents)
    names = attr.entity_names(database)
    if isinstance(spans, SpanColumns):
        spans = _spans_with_ids(database, spans.with_roles(("claim", "source"), annotators,
                                                           docs))
    elif not isinstance(spans, list):
        spans = span_service.list_spans(database, sorted(docs), list(annotators)) if docs \
            else []
    roles: list[tuple[str, list[RoleSpan], list[RoleSpan]]] = []
    for who in annotators:
        mine = [s for s in spans if s.annotator == who and s.document_id in docs]

        def role_spans(role: str, mine: list[Span] = mine) -> list[RoleSpan]:
            return [RoleSpan(s.id, s.document_id, s.start, s.end, dict(s.labels),
                             names.get(s.entity_id or "")) for s in mine if s.role == role]

        roles.append((who, role_spans("claim"), role_spans("source")))
    attributed = _attributions(database, [c.id for _who, claims, _ in roles for c in claims])
    people = [AnnotatorAttribution(who, claims, sources,
                                   {c.id: attributed[c.id] for c in claims if c.id in attributed})
              for who, claims, sources in roles]
    section = attribution_agreement(people, min_units=min_units)
    section["n_documents"] = len(docs)
    return section


def _attributions(database: Database, claims: Sequence[str]) -> dict[str, str]:
    """Claim id -> the source it is attributed to, for those claims: looked up by claim
    (asking for the links of every span in scope walked all their spans, links or not)."""
    from stancedesk.storage import attribution as arepo

    if not claims:
        return {}
    with database.read() as session:
        links = arepo.links_touching(session, claims)
    wanted = set(claims)
    return {x.from_span: x.to_span for x in links
            if x.kind == "attributed_to" and x.from_span in wanted}


def _spans_with_ids(database: Database, ids: Sequence[str]) -> list[Span]:
    """Those spans whole, in export order (document, start, end, id) as ``list_spans`` gives."""
    from stancedesk.storage import attribution as arepo

    if not ids:
        return []
    with database.read() as session:
        found = arepo.spans_by_id(session, ids)
    return sorted(found, key=lambda s: (s.document_id, s.start, s.end, s.id))


def gold_section(database: Database, settings: AgreementSettings, layers: Sequence[str],
                 annotators: Sequence[str]) -> dict[str, Any]:
    """Each compared annotator against gold, per layer and per role, over the documents gold
    has spans in (among ``settings.documents`` when named): see ``agreement.gold``. The scope
    rule of the other sections does not apply: gold speaks only where it was curated."""
    from stancedesk.agreement.gold import gold_agreement

    # only the documents gold has spans in are compared, so only those are read (reading every
    # span in scope whole took as long as all the span measures together)
    curated = span_service.documents_with_spans_of(database, GOLD)
    if settings.documents is not None:
        named = set(settings.documents)
        curated = [d for d in curated if d in named]
    who = [*[a for a in annotators if a != GOLD], GOLD]
    spans = [s for i in range(0, len(curated), _IDS_PER_QUERY)  # under SQLite's 32,766 "?"
             for s in span_service.list_spans(database, curated[i:i + _IDS_PER_QUERY], who)]
    texts = corpus.get_texts(database, sorted({s.document_id for s in spans
                                               if s.annotator == GOLD}))
    return gold_agreement(spans, texts, layers, annotators, GOLD, settings.documents)


def gold_lines(section: dict[str, Any] | None) -> list[str]:
    """The against-gold block of the terminal summary: F1 exact/overlap per layer and role."""
    if not section:
        return []
    lines = ["", f"[against gold]  {section.get('n_documents', 0)} curated document(s)"]
    if not section.get("available"):
        lines.append(f"  n/a   ({section.get('reason')})")
        return lines
    for who, parts in section["annotators"].items():
        for kind in ("layers", "roles"):
            cells = []
            for key, s in parts[kind].items():
                if s["reason"]:
                    cells.append(f"{key} n/a")
                else:
                    cells.append(f"{key} {fmt(s['f1_exact'])}/{fmt(s['f1_overlap'])}")
            lines.append(f"  {who:<12} {kind:<6} F1 exact/overlap: " + ", ".join(cells))
    return lines


def _overall_scope(layer_scopes: dict[str, Scope], settings: AgreementSettings
                   ) -> dict[str, Any]:
    """One summary: the rule used (per layer when the fallback applied) and any notice."""
    rules = sorted({s.rule for s in layer_scopes.values()})
    notices = list(dict.fromkeys(s.notice for s in layer_scopes.values() if s.notice))
    documents = sorted({d for s in layer_scopes.values() for d in s.documents})
    first = next(iter(layer_scopes.values()), None)
    return {"requested": settings.scope_rule,
            "rule": rules[0] if len(rules) == 1 else "per layer",
            "fallback": any(s.fallback for s in layer_scopes.values()),
            "notice": notices[0] if notices else None,
            "description": first.description if first is not None and len(rules) == 1 else
            "per layer (see each layer)",
            "n_documents": len(documents)}


def _add_gamma(report: dict[str, Any], spans: Sequence[Span], layer: str,
               annotators: list[str], settings: AgreementSettings) -> None:
    """Mathet et al. (2015) γ of the layer over the spans in scope, with the n and the minimum
    of the other unitizing measures; None where undefined."""
    from stancedesk.agreement.gamma import gamma_for_spans
    from stancedesk.agreement.verdict import estimate

    n = dict(report["coefficients"]["unitized_alpha"]["n"])
    reason = report["coefficients"]["unitized_alpha"]["reason"]
    report["gamma"] = None
    value = float("nan")
    if reason is None:
        try:
            g = gamma_for_spans(spans, layer, annotators=annotators, seed=settings.seed)
        except ValueError as exc:  # fewer than two annotators, or no labelled units
            reason = str(exc)
        else:
            value = g.gamma
            report["gamma"] = {"gamma": g.gamma, "observed_disorder": g.observed_disorder,
                               "expected_disorder": g.expected_disorder,
                               "n_samples": g.n_samples, "n_groups": len(g.alignment)}
    report["coefficients"]["gamma"] = estimate(value, n, reason)


COEFFICIENT_NAMES = {
    "char_alpha": "character alpha",
    "unitized_alpha": "unitized alpha",
    "gamma": "gamma (Mathet)",
    "aligned_alpha": "aligned alpha",
    "aligned_alpha_ordinal": "aligned alpha (ordinal)",
    "fleiss_kappa": "aligned Fleiss kappa",
    "gwet_ac1": "aligned Gwet AC1",
    "percent_agreement": "aligned % agreement",
}


def n_text(n: dict[str, Any]) -> str:
    """'40 pairable aligned units, 2 coders, 3 documents' (an empty n gives '')."""
    if not n:
        return ""
    return (f"{n.get('units', 0):,} {n.get('unit', 'units')}, {n.get('coders', 0)} coders, "
            f"{n.get('documents', 0)} documents")


def ci_text(ci: dict[str, Any] | None) -> str:
    """'[0.612, 0.845] BCa 95%, 12 documents resampled', or why there is no interval."""
    if not ci:
        return ""
    if ci.get("bounds"):
        low, high = ci["bounds"]
        method = "BCa" if ci.get("method") == "bca" else "percentile"
        what = "aligned units" if ci.get("resampled") == "units" else ci.get("resampled")
        return (f"[{low:.3f}, {high:.3f}] {method} {ci.get('confidence', 0.95):.0%}, "
                f"{ci.get('n_resampled')} {what} resampled")
    return ci.get("reason") or ""


def resampling_text(ci: dict[str, Any]) -> str:
    """'BCa, 12 documents resampled' (plus why units were resampled instead of documents)."""
    method = "BCa" if ci.get("method") == "bca" else "percentile"
    what = "aligned units" if ci.get("resampled") == "units" else ci.get("resampled")
    text = f"{method}, {ci.get('n_resampled')} {what} resampled"
    return f"{text}: {ci['note']}" if ci.get("note") else text


def scope_lines(result: dict[str, Any]) -> list[str]:
    scope = result.get("scope") or {}
    settings = result.get("settings", {})
    lines = [f"scope: {scope.get('description', '')} ({scope.get('n_documents', 0)} documents; "
             f"rule {scope.get('rule')}, requested {scope.get('requested')})"]
    if scope.get("notice"):
        lines.append(f"notice: {scope['notice']}")
    lines.append(f"minimum n: {settings.get('min_units')} units; intervals: "
                 f"{settings.get('ci_method')}, {settings.get('bootstrap')} resamples of "
                 f"documents when at least {settings.get('min_documents')}; no-grade labels "
                 f"{'counted' if settings.get('count_no_grade') else 'treated as missing'}")
    return lines


def describe(result: dict[str, Any]) -> str:
    """A terminal summary: the scope, then one block per layer, each number with its n."""
    lines: list[str] = []
    settings = result.get("settings", {})
    lines.append(f"annotators: {', '.join(settings.get('annotators') or []) or '(none)'}")
    lines.extend(scope_lines(result))
    for key, layer in result["layers"].items():
        lines.append("")
        scope = layer.get("scope") or {}
        lines.append(f"[{key}]  {layer['n_documents']} document(s) (scope: "
                     f"{scope.get('rule', '?')}), {layer['n_characters']} characters, spans: " +
                     ", ".join(f"{a} {n}" for a, n in layer["n_spans"].items()))
        if scope.get("notice") and scope["notice"] != (result.get("scope") or {}).get("notice"):
            lines.append(f"  notice: {scope['notice']}")
        for name, entry in (layer.get("coefficients") or {}).items():
            label = COEFFICIENT_NAMES.get(name, name)
            if entry["reason"]:
                lines.append(f"  {label:<24} n/a   ({entry['reason']})")
                continue
            ci = ci_text(entry.get("ci"))
            lines.append(f"  {label:<24} {fmt(entry['value'])}   n = {n_text(entry['n'])}"
                         + (f"   {ci}" if ci else ""))
        for pair in layer["pairwise"]:
            reasons = pair.get("reasons") or {}
            kappas = [("kappa", "cohen_kappa"), ("linear", "cohen_kappa_linear"),
                      ("quadratic", "cohen_kappa_quadratic")]
            lines.append(
                f"  {pair['a']} ~ {pair['b']}: F1 exact {fmt(pair['f1_exact'])}, "
                f"F1 overlap {fmt(pair['f1_overlap'])}, " +
                ", ".join(f"{text} {fmt(pair[k])}" for text, k in kappas if k in pair) +
                f"   n = {n_text(pair.get('n') or {})}")
            why = list(dict.fromkeys(r for r in reasons.values() if r))
            if why:
                lines.append(f"    n/a: {'; '.join(why)}")
    lines.extend(attribution_lines(result.get("attribution")))
    lines.extend(gold_lines(result.get("gold")))
    suggested = result.get("suggestions") or {}
    if any((suggested.get("unedited") or {}).values()):
        counts = ", ".join(f"{a} {n}" for a, n in suggested["unedited"].items())
        verb = "left out" if suggested.get("excluded") else "included"
        lines.append(f"\nspans stored from suggestions and never edited ({verb}): {counts}")
    return "\n".join(lines) + "\n"


def attribution_lines(section: dict[str, Any] | None) -> list[str]:
    """The attribution block of the terminal summary: each figure with its n, or n/a with the
    reason (the section's ``coefficients``)."""
    if not section:
        return []
    lines = ["", f"[attribution]  {section.get('n_documents', 0)} document(s); links: " +
             (", ".join(f"{a} {n}" for a, n in section["links"].items()) or "none")]
    pooled = (section.get("coefficients") or {}).get("link_f1") or {
        "value": section["link_f1"], "n": {}, "reason": section["link_f1_reason"]}
    lines.append(f"  {'claim→source link F1':<24} {figure_text(pooled)}")
    for pair in section["pairwise"]:
        lines.append(f"  {pair['a']} ~ {pair['b']}: {pair['matches']} of "
                     f"{pair['links_a']}+{pair['links_b']} links match")
        for key, title in ATTRIBUTION_FIGURES:
            entry = (pair.get("coefficients") or {}).get(key)
            if entry is not None:
                lines.append(f"    {title:<22} {figure_text(entry)}")
    return lines


ATTRIBUTION_FIGURES = (
    ("link_f1", "link F1"),
    ("sourcing_agreement", "sourcing agreement"), ("sourcing_kappa", "sourcing κ"),
    ("reliability_agreement", "reliability agreement"), ("reliability_kappa", "reliability κ"),
    ("entity_agreement", "entity agreement"),
)


def figure_text(entry: dict[str, Any]) -> str:
    """'0.778   n = 11 links made by either annotator, ...' or 'n/a   (the reason)'."""
    if entry.get("reason"):
        return f"n/a   ({entry['reason']})"
    n = entry.get("n") or {}
    return f"{fmt(entry.get('value'))}   n = {n.get('units', 0):,} {n.get('unit', 'units')}"


def write_report(database: Database, settings: AgreementSettings, path: Path, *,
                 viewer: Viewer | None = None) -> Path:
    return save_report(database, span_agreement(database, settings, viewer=viewer), path)


def save_report(database: Database, result: dict[str, Any], path: Path) -> Path:
    """The HTML report of a result already computed (the dashboard holds one)."""
    from stancedesk.formats.agreement_report import render_report
    from stancedesk.services.profile import sourcing_profile

    result = {**result, "profile": sourcing_profile(
        database, "outlet", (result.get("settings") or {}).get("annotators"))}
    scheme = schemes.get_scheme(database)
    names = {layer.key: layer.name for layer in scheme.layers}
    with replaced_on_success(path) as tmp:
        tmp.write_text(render_report(result, names), encoding="utf-8")
    return path


def alignments(database: Database, settings: AgreementSettings, *,
               viewer: Viewer | None = None) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Layer -> aligned units (rows) of the documents in scope, and the annotators in column
    order."""
    from stancedesk.agreement import align_layer

    require_overview(database, viewer, "cross-annotator alignments")
    check_settings(settings)
    plan = _layer_plan(database, settings.layers)
    spans, texts, chosen = _scope(database, settings, list(plan))
    layer_scopes = scopes(database, settings, spans, chosen, list(plan))
    out = {key: align_layer(spans, texts, key, chosen, layer_scopes[key].documents,
                            labels).rows()
           for key, labels in plan.items()}
    return out, chosen


def export_tables_csv(result: dict[str, Any], path: Path) -> int:
    from stancedesk.formats.agreement_tables import write_agreement_tables_csv

    with text_replaced_on_success(path) as out:
        return write_agreement_tables_csv(out, result)


def export_alignment_csv(database: Database, settings: AgreementSettings, path: Path, *,
                         viewer: Viewer | None = None) -> int:
    from stancedesk.formats.agreement_tables import write_alignment_csv

    rows, names = alignments(database, settings, viewer=viewer)
    with text_replaced_on_success(path) as out:
        return write_alignment_csv(out, rows, names)


@dataclass(frozen=True, slots=True)
class CellPassage:
    """One aligned unit behind a confusion-matrix cell: where it is and what each of the two
    annotators said (``None``: that annotator has no span there)."""

    document_id: str
    title: str
    start: int
    end: int
    text: str
    row_value: str | None
    column_value: str | None
    row_span: str | None
    column_span: str | None
    # what kind of passage it is, where a list mixes kinds (against gold: "missed", ...)
    note: str = ""


def confusion_passages(database: Database, settings: AgreementSettings, layer: str,
                       row_annotator: str, column_annotator: str, row_value: str | None,
                       column_value: str | None, *,
                       viewer: Viewer | None = None) -> list[CellPassage]:
    """The passages counted in one cell of a layer's confusion matrix (``None``: the "none"
    row or column), in document and text order.

    The matrix counts the units of ``alignments`` (the same scope and the same alignment),
    so the list has exactly as many passages as the cell says; a unit where neither of the
    two has a span is in no cell."""
    if row_value is None and column_value is None:
        return []
    one = AgreementSettings(**{**asdict(settings), "layers": [layer]})
    rows, _names = alignments(database, one, viewer=viewer)
    picked: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []
    for unit in rows.get(layer, []):
        a, b = unit["spans"].get(row_annotator), unit["spans"].get(column_annotator)
        if (a["value"] if a else None) == row_value and \
                (b["value"] if b else None) == column_value:
            picked.append((unit["document_id"], a, b))
    if not picked:
        return []
    texts = corpus.get_texts(database, sorted({doc for doc, _a, _b in picked}))
    listed = corpus.list_documents(database)
    titles = {d.id: d.title or d.source_file for d in listed}
    order = {d.id: i for i, d in enumerate(listed)}
    out = []
    for doc, a, b in picked:
        present = [s for s in (a, b) if s is not None]
        start, end = min(s["start"] for s in present), max(s["end"] for s in present)
        out.append(CellPassage(doc, titles.get(doc, ""), start, end, texts[doc][start:end],
                               a["value"] if a else None, b["value"] if b else None,
                               a["span_id"] if a else None, b["span_id"] if b else None))
    out.sort(key=lambda p: (order.get(p.document_id, len(order)), p.start, p.end))
    return out


def gold_passages(database: Database, settings: AgreementSettings, annotator: str, *,
                  layer: str | None = None, role: str | None = None,
                  viewer: Viewer | None = None) -> list[CellPassage]:
    """The passages behind one row of the against-gold table: where ``annotator`` and gold
    are not an exact match in ``layer`` (or in the role ``role``), over the documents the
    ``gold`` section compares, in the corpus order (see ``agreement.gold.gold_differences``).
    The row value is the annotator's, the column value gold's; ``note`` says how they
    differ."""
    from stancedesk.agreement.gold import ROLES, gold_differences

    require_overview(database, viewer, "comparisons with gold")
    if (layer is None) == (role is None):
        raise FormatError("--gold-passages", "name one layer (--layer) or one role (--role)")
    if role is not None and role not in ROLES:
        raise FormatError("--role", f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if layer is not None:
        _layer_plan(database, [layer])  # an unknown layer is refused, naming the scheme's
    if annotator == GOLD:
        raise FormatError("--gold-passages", "gold is what the annotators are compared with; "
                          "name an annotator")
    if annotator not in span_service.list_annotator_names(database):
        raise FormatError("--gold-passages", f"unknown annotator {annotator!r}")
    # only the documents gold has spans in are compared, so only those are read, as for the
    # gold section
    curated = span_service.documents_with_spans_of(database, GOLD)
    if settings.documents is not None:
        named = set(settings.documents)
        curated = [d for d in curated if d in named]
    spans = [s for i in range(0, len(curated), _IDS_PER_QUERY)
             for s in span_service.list_spans(database, curated[i:i + _IDS_PER_QUERY],
                                              [annotator, GOLD])]
    found = gold_differences(spans, annotator, layer or role or "", role=role is not None,
                             gold=GOLD, documents=settings.documents)
    if not found:
        return []
    texts = corpus.get_texts(database, sorted({d.document_id for d in found}))
    listed = corpus.list_documents(database)
    titles = {d.id: d.title or d.source_file for d in listed}
    order = {d.id: i for i, d in enumerate(listed)}
    out = [CellPassage(d.document_id, titles.get(d.document_id, ""), d.start, d.end,
                       texts[d.document_id][d.start:d.end], d.annotator_value, d.gold_value,
                       d.annotator_span, d.gold_span, d.kind) for d in found]
    out.sort(key=lambda p: (order.get(p.document_id, len(order)), p.start, p.end))
    return out
