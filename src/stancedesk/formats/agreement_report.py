"""A self-contained HTML agreement report (inline CSS and SVG, no scripts, no network).

Written for a methods section: every number comes with the settings that produced it, the
definitions used, and the references, and the file opens the same on any machine in ten years.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

CSS = """
body{font-family:Georgia,'Noto Serif',serif;max-width:1100px;margin:2em auto;padding:0 1.5em;
color:#1f2328;line-height:1.5;background:#fdfcf9}
h1,h2,h3{font-family:'Helvetica Neue',Arial,sans-serif;font-weight:600;color:#17324d}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d8d4ca;
padding-bottom:.2em}h3{font-size:1.05em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-family:'Helvetica Neue',Arial,sans-serif;
font-size:.88em}th,td{border:1px solid #d8d4ca;padding:.3em .6em;text-align:right}
th{background:#f1eee6;text-align:center}td.l,th.l{text-align:left}
.muted{color:#6b6f76;font-size:.9em}.na{color:#9aa0a6}
.notice{background:#fff4ce;border:1px solid #e0c46c;padding:.5em .8em;border-radius:4px}
td.why{text-align:left;color:#555;font-size:.92em;max-width:32em}
.grid{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
figure{margin:0}figcaption{font-size:.85em;color:#555;font-family:Arial,sans-serif}
code{background:#f1eee6;padding:0 .25em;border-radius:3px}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<span class="na">n/a</span>'
    if isinstance(value, bool):
        return esc(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return esc(value)


def ci_text(ci: Any) -> str:
    if isinstance(ci, Sequence) and len(ci) == 2 and all(
            isinstance(x, int | float) and not math.isnan(x) for x in ci):
        return f"[{ci[0]:.3f}, {ci[1]:.3f}]"
    return '<span class="na">—</span>'


def na(value: Any, reason: str | None) -> str:
    """A number, or n/a carrying its reason (as a tooltip; the text is in the row's note)."""
    if reason:
        return f'<span class="na" title="{esc(reason)}">n/a</span>'
    return num(value)


def n_cell(n: Mapping[str, Any] | None) -> str:
    if not n:
        return ""
    return (f'{num(n.get("units"))} <span class="muted">{esc(n.get("unit", ""))}; '
            f'{num(n.get("coders"))} coders, {num(n.get("documents"))} docs</span>')


def interval_cells(ci: Mapping[str, Any] | None) -> tuple[str, str]:
    """(the interval, how it was made or why there is none)."""
    if not ci:
        return ci_text(None), ""
    if ci.get("bounds"):
        what = "aligned units" if ci.get("resampled") == "units" else ci.get("resampled")
        method = "BCa" if ci.get("method") == "bca" else "percentile"
        note = f'{method}: {num(ci.get("n_resampled"))} {esc(what)} resampled'
        if ci.get("note"):
            note += f" ({esc(ci['note'])})"
        return ci_text(ci["bounds"]), note
    return ci_text(None), esc(ci.get("reason") or "")


COEFFICIENT_LABELS = {
    "char_alpha": "Character α (nominal)",
    "unitized_alpha": "Unitized α<sub>u</sub>",
    "gamma": "Mathet's γ",
    "aligned_alpha": "Aligned α (nominal)",
    "aligned_alpha_ordinal": "Aligned α (ordinal)",
    "fleiss_kappa": "Aligned Fleiss' κ",
    "gwet_ac1": "Aligned Gwet's AC1",
    "percent_agreement": "Aligned percent agreement",
}


def _colour(value: float | None) -> str:
    """A diverging scale: red below 0.4, amber to 0.67, green above (Krippendorff's cut-offs)."""
    if value is None or math.isnan(value):
        return "#e8e6e1"
    v = max(-1.0, min(1.0, value))
    if v < 0.4:
        return "#e57373" if v < 0 else "#f4a582"
    if v < 0.667:
        return "#fddc8b"
    if v < 0.8:
        return "#a6d96a"
    return "#4dac26"


def heatmap_svg(names: Sequence[str], values: Mapping[tuple[str, str], float | None],
                title: str) -> str:
    cell, pad = 46, 78
    n = len(names)
    width, height = pad + n * cell + 10, pad + n * cell + 10
    parts = [f'<svg width="{width}" height="{height}" '
             f'role="img" aria-label="{esc(title)}" font-family="Arial" font-size="11">']
    for i, name in enumerate(names):
        x = pad + i * cell + cell / 2
        parts.append(f'<text x="{x}" y="{pad - 8}" text-anchor="start" '
                     f'transform="rotate(-45 {x} {pad - 8})">{esc(name[:16])}</text>')
        parts.append(f'<text x="{pad - 6}" y="{pad + i * cell + cell / 2 + 4}" '
                     f'text-anchor="end">{esc(name[:16])}</text>')
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            v = 1.0 if a == b else values.get((a, b), values.get((b, a)))
            x, y = pad + j * cell, pad + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{_colour(v)}"><title>{esc(a)} × {esc(b)}: '
                         f'{"n/a" if v is None else f"{v:.3f}"}</title></rect>')
            label = "" if v is None else f"{v:.2f}"
            parts.append(f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 4}" '
                         f'text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(items: Sequence[tuple[str, float | None]], title: str) -> str:
    bar_h, label_w, plot_w = 20, 130, 320
    height = 30 + len(items) * (bar_h + 6)
    zero = label_w + plot_w / 2  # the axis runs from -1 to 1
    parts = [f'<svg width="{label_w + plot_w + 60}" '
             f'height="{height}" role="img" aria-label="{esc(title)}" font-family="Arial" '
             f'font-size="11">',
             f'<line x1="{zero}" y1="10" x2="{zero}" y2="{height - 6}" stroke="#888"/>']
    for tick in (-1, -0.5, 0.5, 1):
        x = zero + tick * plot_w / 2
        parts.append(f'<line x1="{x}" y1="10" x2="{x}" y2="{height - 6}" stroke="#ddd"/>'
                     f'<text x="{x}" y="9" text-anchor="middle" fill="#888">{tick:g}</text>')
    for i, (name, value) in enumerate(items):
        y = 16 + i * (bar_h + 6)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h / 2 + 4}" '
                     f'text-anchor="end">{esc(name[:22])}</text>')
        if value is None or math.isnan(value):
            parts.append(f'<text x="{zero + 4}" y="{y + bar_h / 2 + 4}" fill="#999">n/a</text>')
            continue
        v = max(-1.0, min(1.0, value))
        x0, w = (zero, v * plot_w / 2) if v >= 0 else (zero + v * plot_w / 2, -v * plot_w / 2)
        parts.append(f'<rect x="{x0}" y="{y}" width="{max(w, 1)}" height="{bar_h}" '
                     f'fill="{_colour(value)}"><title>{esc(name)}: {value:.3f}</title></rect>'
                     f'<text x="{label_w + plot_w + 4}" y="{y + bar_h / 2 + 4}">'
                     f'{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def confusion_table(labels: Sequence[str], matrix: Sequence[Sequence[float]], a: str,
                    b: str) -> str:
    total = max(1.0, max((max(r) for r in matrix), default=1.0))
    head = "".join(f"<th>{esc(x)}</th>" for x in labels)
    rows = []
    for label, row in zip(labels, matrix, strict=False):
        cells = "".join(
            f'<td style="background:rgba(23,50,77,{0.08 + 0.6 * v / total:.2f});'
            f'color:{"#fff" if v / total > 0.6 else "#000"}">{num(v, 0) if float(v).is_integer() else num(v)}</td>'  # noqa: E501
            for v in row)
        rows.append(f'<tr><th class="l">{esc(label)}</th>{cells}</tr>')
    return (f'<table><caption class="muted">rows: {esc(a)}, columns: {esc(b)}</caption>'
            f'<thead><tr><th class="l"></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table>")


def document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


METHODS = """
<h2>Methods</h2>
<p><b>Character α</b> is Krippendorff's nominal α with the non-white-space characters of the
documents in scope as units. An annotator's value for a character is the label, in the layer, of
the shortest of their spans covering it (ties: the earliest start), or <code>none</code> when no
span of theirs covers it; so missed passages count as disagreement, and annotators who never
opened a document are not counted as agreeing, because only documents where at least one chosen
annotator has a span are in scope unless documents are named.</p>
<p><b>F1 exact</b> matches spans with equal document, start, end and label (multiset
intersection); <b>F1 overlap</b> matches spans with the same label that overlap, one to one,
maximising the total overlap. F1 = 2·matches / (|A| + |B|).</p>
<p><b>Aligned label agreement</b>: spans of different annotators are aligned by overlap with an
optimal one-to-one assignment per document; each aligned group is a unit, and an annotator with
no counterpart is a missing value. α (nominal), Fleiss' κ with Gwet's generalisation for missing
ratings, Gwet's AC1 and pairwise Cohen's κ are computed over these units.</p>
<p><b>Unitized α</b> (α<sub>u</sub>) follows Krippendorff (2004), comparing the segmentation and
labels of the continuum directly.</p>
<p><b>Ordered layers</b> (marked <code>ordered</code> in the scheme) also get ordinal α on the
aligned units and linearly and quadratically weighted Cohen's κ (Cohen 1968) per pair, with the
scheme's label order as the scale. Labels marked "no grade" (e.g. reliability F, credibility 6:
"cannot be judged") are missing values unless the report says they were counted.</p>
<p><b>When a coefficient cannot say.</b> Each coefficient is given with its n: the units it rests
on (pairable aligned units for label agreement, passages marked by anyone for the unitizing
measures, units both labelled for a pair), the coders and the documents. It is reported as n/a,
with the reason, when it is undefined or rests on fewer units than the minimum in the settings.
The default of 30 units is the smallest number Krippendorff's sample-size rule (2019, after
Bloch &amp; Kraemer 1989) allows in its most favourable case: two equally likely categories,
α<sub>min</sub> = .667, p = .05. Percent agreement, Fleiss' κ and AC1 follow the same rules as α:
with a single category in use they are 1 or undefined by construction.</p>
<p><b>Confidence intervals</b> are bootstrap intervals (percentile, or BCa: bias-corrected and
accelerated, Efron 1987) with a fixed seed, so the report is reproducible. Documents are
resampled when enough of them are in scope (the settings give the minimum); otherwise aligned
label agreement resamples aligned units, treating them as independent, and character α, whose
characters are not independent, has no interval. Each interval says what was resampled.</p>
<p><b>Mathet's γ</b>, when asked for, aligns the units of all annotators at once with the least
total disorder (positional and categorical dissimilarity) and compares that disorder with the
disorder of chance continua sampled, with the report's seed, from the observed units.</p>
<p class="muted">References: Mathet, Y., Widlöcher, A. &amp; Métivier, J.-P. (2015). The
unified and holistic method gamma (γ). <i>Computational Linguistics</i> 41, 437–479.
Krippendorff, K. (2004). Measuring the reliability of qualitative
text analysis data. <i>Quality &amp; Quantity</i> 38, 787–800. Krippendorff, K. (2011).
Computing Krippendorff's alpha-reliability. Cohen, J. (1960). <i>Educational and Psychological
Measurement</i> 20, 37–46. Fleiss, J. L. (1971). <i>Psychological Bulletin</i> 76, 378–382.
Gwet, K. L. (2008). <i>British Journal of Mathematical and Statistical Psychology</i> 61, 29–48.
Artstein, R. &amp; Poesio, M. (2008). <i>Computational Linguistics</i> 34, 555–596.
Cohen, J. (1968). Weighted kappa. <i>Psychological Bulletin</i> 70, 213–220.
Bloch, D. A. &amp; Kraemer, H. C. (1989). 2 × 2 kappa coefficients: measures of agreement or
association. <i>Biometrics</i> 45, 269–287. Krippendorff, K. (2019). <i>Content Analysis: An
Introduction to Its Methodology</i>, 4th ed. Sage. Efron, B. (1987). Better bootstrap confidence
intervals. <i>Journal of the American Statistical Association</i> 82, 171–185.</p>
"""


def _settings_section(settings: Mapping[str, Any], scope: Mapping[str, Any]) -> str:
    docs = settings.get("documents")
    method = "BCa" if settings.get("ci_method") == "bca" else "percentile"
    rows = [
        ("Annotators", esc(", ".join(settings.get("annotators") or []) or "(none)")),
        ("Layers", esc(", ".join(settings.get("layers") or []))),
        ("Scope", esc(f"{scope.get('description', '')}: {scope.get('n_documents', 0)} "
                      f"document(s) (rule {scope.get('rule')}, requested "
                      f"{scope.get('requested')})" + (f"; from {len(docs)} named documents"
                                                      if docs else ""))),
        ("Minimum n", esc(f"{settings.get('min_units')} units; documents are resampled from "
                          f"{settings.get('min_documents')} documents on")),
        ("No-grade labels", esc("counted as grades" if settings.get("count_no_grade") else
                                "treated as missing values")),
        ("Bootstrap", esc(f"{settings.get('bootstrap', 0)} resamples, seed "
                          f"{settings.get('seed')}, {settings.get('confidence', 0.95):.0%} "
                          f"{method} intervals" if settings.get("bootstrap") else "none")),
        ("Database", esc(settings.get("database", ""))),
        ("Computed", esc(f"{settings.get('computed_at', '')} with StanceDesk "
                         f"{settings.get('stancedesk_version', '')}")),
    ]
    return "<h2>Settings</h2>" + table(["Setting", "Value"], rows, left=2)


def _layer_section(key: str, name: str, layer: Mapping[str, Any]) -> str:
    scope = layer.get("scope") or {}
    out = [f'<h2 id="layer-{esc(key)}">{esc(name)} <span class="muted">({esc(key)})</span></h2>',
           f'<p class="muted">Scope: {esc(scope.get("description", ""))} '
           f'(rule {esc(scope.get("rule", ""))}); {num(layer.get("n_documents"))} '
           f'document(s), {num(layer.get("n_characters"))} characters; spans: ' +
           esc(", ".join(f"{a} {n}" for a, n in (layer.get("n_spans") or {}).items())) + "</p>"]
    if scope.get("notice"):
        out.append(f'<p class="notice">{esc(scope["notice"])}</p>')
    rows = []
    for metric, entry in (layer.get("coefficients") or {}).items():
        interval, how = interval_cells(entry.get("ci"))
        why = esc(entry["reason"]) if entry.get("reason") else how
        rows.append([COEFFICIENT_LABELS.get(metric, esc(metric)),
                     na(entry.get("value"), entry.get("reason")), n_cell(entry.get("n")),
                     interval, f'<span class="why">{why}</span>'])
    aligned = layer.get("aligned") or {}
    rows.append(["Aligned units (pairable)", f'{num(aligned.get("n_units"))} '
                 f'({num(aligned.get("n_pairable_units"))})', "", "", ""])
    confidence = (layer.get("ci") or {}).get("confidence", 0.95)
    out.append("<h3>Coefficients</h3>" + table(
        ["Coefficient", "Value", "n", f"{confidence:.0%} CI", "Note"], rows))
    pairwise = layer.get("pairwise") or []
    if pairwise:
        ordered = "cohen_kappa_linear" in pairwise[0]
        metrics = ["f1_exact", "f1_overlap", "cohen_kappa"] + (
            ["cohen_kappa_linear", "cohen_kappa_quadratic"] if ordered else [])
        prow = []
        for p in pairwise:
            reasons = p.get("reasons") or {}
            why = "; ".join(dict.fromkeys(r for r in reasons.values() if r))
            prow.append([esc(p["a"]), esc(p["b"]), num(p.get("n_a")), num(p.get("n_b")),
                         num((p.get("n") or {}).get("units")),
                         *[na(p.get(m), reasons.get(m)) for m in metrics],
                         f'<span class="why">{esc(why)}</span>'])
        out.append("<h3>Pairs of annotators</h3>" + table(
            ["A", "B", "spans A", "spans B", "units both labelled", "F1 exact", "F1 overlap",
             "Cohen's κ", *(["κ linear", "κ quadratic"] if ordered else []), "n/a because"],
            prow, left=2))
        names = list(layer.get("annotators") or [])
        f1s = {(p["a"], p["b"]): p.get("f1_overlap") for p in pairwise}
        kappas = {(p["a"], p["b"]): p.get("cohen_kappa") for p in pairwise}
        out.append('<div class="grid">'
                   f'<figure>{heatmap_svg(names, f1s, "F1 overlap")}'
                   "<figcaption>F1 overlap by pair</figcaption></figure>"
                   f'<figure>{heatmap_svg(names, kappas, "Cohen kappa")}'
                   "<figcaption>Cohen's κ on aligned spans by pair</figcaption></figure></div>")
    labels = layer.get("labels") or {}
    if labels:
        lrows = []
        for lab, v in labels.items():
            reasons = v.get("reasons") or {}
            why = "; ".join(dict.fromkeys(r for r in reasons.values() if r))
            lrows.append([esc(lab), num(v.get("n_spans"))] +
                         [na(v.get(m), reasons.get(m)) for m in
                          ("char_alpha", "f1_exact", "f1_overlap", "unitized_alpha",
                           "aligned_specific_agreement")] +
                         [f'<span class="why">{esc(why)}</span>'])
        out.append("<h3>Per label</h3>" + table(
            ["Label", "spans", "char α", "F1 exact", "F1 overlap", "α<sub>u</sub>",
             "specific agreement", "n/a because"], lrows))
        out.append("<figure>" + bars_svg([(lab, v.get("char_alpha")) for lab, v in
                                          labels.items()], "character alpha per label") +
                   "<figcaption>Character α per label (one label against all others)"
                   "</figcaption></figure>")
    confusion = layer.get("confusion") or {}
    if confusion:
        out.append("<h3>Confusion on aligned spans</h3>")
        out.append('<div class="grid">')
        for pair, data in confusion.items():
            a, _, b = pair.partition("|")
            out.append("<div>" + confusion_table(data["labels"], data["matrix"], a, b) +
                       "</div>")
        out.append("</div>")
    return "".join(out)


ATTRIBUTION_FIGURES = (
    ("link_f1", "Claim→source link F1"),
    ("sourcing_agreement", "Sourcing type: agreement"), ("sourcing_kappa", "Sourcing type: κ"),
    ("reliability_agreement", "Reliability: agreement"), ("reliability_kappa", "Reliability: κ"),
    ("entity_agreement", "Registry entity: agreement"),
)


def _figure_row(label: str, entry: Mapping[str, Any]) -> list[str]:
    n = entry.get("n") or {}
    return [label, na(entry.get("value"), entry.get("reason")),
            f'{num(n.get("units"))} <span class="muted">{esc(n.get("unit", ""))}</span>',
            f'<span class="why">{esc(entry.get("reason") or "")}</span>']


def _attribution_section(section: Mapping[str, Any] | None) -> str:
    """Claim→source links and the sources' types, grades and registry names: each figure with
    its n, or n/a with the reason, as the service gave it (the minimum n included)."""
    if not section:
        return ""
    out = ['<h2 id="attribution">Attribution</h2>',
           '<p class="muted">Claims and sources are aligned between two annotators by maximum '
           "character overlap; a claim→source link matches when both its claim and its source "
           "are aligned. The overall F1 pools every pair. Sourcing type, reliability and the "
           "registry entity are compared on aligned sources where both annotators gave one. "
           "As every coefficient here, a figure below the minimum n is n/a.</p>"]
    pooled = (section.get("coefficients") or {}).get("link_f1") or {
        "value": section.get("link_f1"), "reason": section.get("link_f1_reason")}
    out.append(table(["Figure", "Value", "n", "Note"],
                     [_figure_row("Claim→source link F1 (pooled)", pooled)]))
    pairs = section.get("pairwise") or []
    if pairs:
        rows = [[esc(p["a"]), esc(p["b"]), num(p["matches"]), num(p["links_a"]),
                 num(p["links_b"]), num(p.get("aligned_claims")),
                 num(p.get("aligned_sources"))] for p in pairs]
        out.append("<h3>Pairs of annotators</h3>" + table(
            ["A", "B", "matches", "links A", "links B", "aligned claims", "aligned sources"],
            rows, left=2))
        figures = []
        for p in pairs:
            for key, label in ATTRIBUTION_FIGURES:
                entry = (p.get("coefficients") or {}).get(key)
                if entry is not None:
                    figures.append([esc(f"{p['a']} ~ {p['b']}"),
                                    *_figure_row(esc(label), entry)])
        out.append(table(["Pair", "Figure", "Value", "n", "n/a because"], figures, left=2))
    return "".join(out)


def _gold_section(section: Mapping[str, Any] | None) -> str:
    """Each annotator against the curated gold standard, per layer and per role."""
    if not section:
        return ""
    out = ['<h2 id="gold">Against gold</h2>',
           '<p class="muted">Each annotator\'s spans against the curated gold standard, over the '
           f"{num(section.get('n_documents'))} document(s) gold has spans in: F1 of exact "
           "matches (same offsets and value) and of one-to-one overlapping matches; per role, "
           "the role is the value. A lead sees who drifts.</p>"]
    if not section.get("available"):
        out.append(f'<p>{na(None, section.get("reason"))} {esc(section.get("reason"))}</p>')
        return "".join(out)
    rows = []
    for who, parts in (section.get("annotators") or {}).items():
        for kind in ("layers", "roles"):
            for key, s in parts[kind].items():
                why = s.get("reasons") or {}  # the service's reason for each None figure
                rows.append([esc(who), esc(f"{kind[:-1]} {key}"),
                             *[na(s.get(m), why.get(m, s.get("reason")))
                               for m in ("f1_exact", "f1_overlap", "precision_exact",
                                         "recall_exact")],
                             esc(f"{s.get('n_annotator')} / {s.get('n_gold')}")])
    out.append(table(["Annotator", "layer / role", "F1 exact", "F1 overlap",
                      "precision (exact)", "recall (exact)", "spans / gold"], rows, left=2))
    return "".join(out)


def _profile_section(rows: Sequence[Mapping[str, Any]] | None) -> str:
    """The sourcing profile per outlet: what the claims rest on."""
    if not rows:
        return ""
    kinds = sorted({k for row in rows for k in row["by_sourcing"]})
    body = []
    for row in rows:
        shares = [f"{row['by_sourcing'][k]['share']:.0%}" if k in row["by_sourcing"] else ""
                  for k in kinds]
        body.append([esc(row["group"]), num(row["claims"]), *map(esc, shares),
                     esc(f"{row['anonymous']['share']:.0%}"),
                     esc(f"{row['relayed_via_media']['share']:.0%}")])
    return ('<h2 id="profile">Sourcing profile by outlet</h2>'
            '<p class="muted">Shares of each outlet\'s claims by the sourcing type of their '
            "source; \"anonymous\" counts claims whose source or any intermediary is anonymous; "
            "\"via media\" counts claims relayed through another outlet.</p>" +
            table(["Outlet", "claims", *map(esc, kinds), "anonymous", "via media"], body))


def render_report(result: Mapping[str, Any], layer_names: Mapping[str, str] | None = None,
                  title: str = "StanceDesk agreement report") -> str:
    names = layer_names or {}
    settings = result.get("settings") or {}
    body = [f"<h1>{esc(title)}</h1>",
            '<p class="muted">Inter-annotator agreement on spans, per scheme layer. '
            "Values range from −1 to 1; Krippendorff suggests α ≥ 0.8 for firm conclusions "
            "and α ≥ 0.667 for tentative ones.</p>",
            _settings_section(settings, result.get("scope") or {})]
    notice = (result.get("scope") or {}).get("notice")
    if notice:
        body.append(f'<p class="notice">{esc(notice)}</p>')
    layers = result.get("layers") or {}
    if layers:
        toc = "".join(f'<li><a href="#layer-{esc(k)}">{esc(names.get(k, k))}</a></li>'
                      for k in layers)
        body.append(f"<ul>{toc}</ul>")
    def cell(layer: Mapping[str, Any], metric: str) -> str:
        entry = (layer.get("coefficients") or {}).get(metric)
        if entry is None:
            return ""
        return f'{na(entry.get("value"), entry.get("reason"))} <span class="muted">n = ' \
               f'{num((entry.get("n") or {}).get("units"))}</span>'

    summary_rows = [[esc(names.get(k, k)), esc((v.get("scope") or {}).get("rule", "")),
                     *[cell(v, m) for m in ("char_alpha", "unitized_alpha", "aligned_alpha",
                                            "aligned_alpha_ordinal", "gwet_ac1")]]
                    for k, v in layers.items()]
    body.append("<h2>Summary</h2>" + table(
        ["Layer", "scope", "char α", "α<sub>u</sub>", "aligned α", "aligned ordinal α",
         "aligned AC1"], summary_rows))
    for key, layer in layers.items():
        body.append(_layer_section(key, names.get(key, key), layer))
    body.append(_attribution_section(result.get("attribution")))
    body.append(_gold_section(result.get("gold")))
    body.append(_profile_section(result.get("profile")))
    body.append(METHODS)
    return document(title, "".join(body))
