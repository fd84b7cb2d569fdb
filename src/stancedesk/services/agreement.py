"""Agreement use cases: generic reliability data from a CSV, and span agreement from the database.

The statistics live in ``stancedesk.agreement`` (numpy/scipy, imported on first use so that the
CLI and the desk start fast); this module only gathers the data in
scope, records the settings used (for a methods section) and hands results to the CLI, the GUI
dashboard and the HTML report in one JSON-ready shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stancedesk import __version__
from stancedesk.domain import Span
from stancedesk.formats.errors import FormatError
from stancedesk.formats.reliability_csv import numeric_matrix, read_reliability_csv
from stancedesk.services import corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.atomic import replaced_on_success, text_replaced_on_success
from stancedesk.storage.engine import Database

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class AgreementSettings:
    layers: Sequence[str] | None = None
    annotators: Sequence[str] | None = None
    documents: Sequence[str] | None = None
    bootstrap: int = 1000
    seed: int = 20261123
    confidence: float = 0.95
    gamma: bool = False  # Mathet's gamma: samples chance continua, so it is asked for


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


def _scope(database: Database, settings: AgreementSettings
           ) -> tuple[list[Span], dict[str, str], list[str]]:
    """The spans and texts in scope and the annotators compared (default: all with spans)."""
    spans = span_service.list_spans(database, settings.documents, settings.annotators)
    texts = corpus.get_texts(database, sorted(set(settings.documents or []) |
                                              {s.document_id for s in spans}))
    missing = [d for d in settings.documents or [] if d not in texts]
    if missing:
        raise FormatError("--documents", f"unknown document id(s): {', '.join(missing)}")
    chosen = list(settings.annotators) if settings.annotators else \
        sorted({s.annotator for s in spans})
    return spans, texts, chosen


def span_agreement(database: Database, settings: AgreementSettings,
                   progress: Progress | None = None) -> dict[str, Any]:
    """Span agreement per layer plus the settings that produced it."""
    from stancedesk.agreement import layer_agreement

    plan = _layer_plan(database, settings.layers)
    spans, texts, chosen = _scope(database, settings)
    result: dict[str, Any] = {"layers": {}}
    for i, (key, labels) in enumerate(plan.items()):
        if progress is not None:
            progress(i, len(plan), key)
        result["layers"][key] = layer_agreement(
            spans, texts, key, annotators=chosen, documents=settings.documents, labels=labels,
            bootstrap=settings.bootstrap, seed=settings.seed, confidence=settings.confidence)
        if settings.gamma:
            result["layers"][key]["gamma"] = _gamma(spans, key, chosen, settings.seed)
    if progress is not None:
        progress(len(plan), len(plan), "")
    result["settings"] = {
        **asdict(settings),
        "layers": list(plan),
        "annotators": chosen,
        "documents": list(settings.documents) if settings.documents else None,
        "n_documents_in_database": corpus.count_documents(database),
        "database": database.location.display,
        "stancedesk_version": __version__,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return result


def _gamma(spans: Sequence[Any], layer: str, annotators: list[str],
           seed: int) -> dict[str, Any] | None:
    """Mathet et al. (2015) γ of the layer over the spans in scope; None where undefined."""
    from stancedesk.agreement.gamma import gamma_for_spans

    try:
        g = gamma_for_spans(spans, layer, annotators=annotators, seed=seed)
    except ValueError:  # fewer than two annotators, or no labelled units
        return None
    return {"gamma": g.gamma, "observed_disorder": g.observed_disorder,
            "expected_disorder": g.expected_disorder, "n_samples": g.n_samples,
            "n_groups": len(g.alignment)}


def describe(result: dict[str, Any]) -> str:
    """A terminal summary: one block per layer."""
    lines: list[str] = []
    settings = result.get("settings", {})
    lines.append(f"annotators: {', '.join(settings.get('annotators') or []) or '(none)'}")
    for key, layer in result["layers"].items():
        lines.append("")
        lines.append(f"[{key}]  {layer['n_documents']} document(s), "
                     f"{layer['n_characters']} characters, spans: " +
                     ", ".join(f"{a} {n}" for a, n in layer["n_spans"].items()))
        ci = layer.get("ci") or {}
        lines.append(f"  character alpha   {fmt(layer['char_alpha'])}"
                     f"{_ci(ci.get('char_alpha'))}")
        lines.append(f"  unitized alpha    {fmt(layer['unitized_alpha'])}")
        if "gamma" in layer:
            lines.append(f"  gamma (Mathet)    {fmt((layer['gamma'] or {}).get('gamma'))}")
        aligned = layer.get("aligned") or {}
        lines.append(f"  aligned alpha     {fmt(aligned.get('alpha'))}"
                     f"{_ci(ci.get('aligned_alpha'))}   AC1 {fmt(aligned.get('gwet_ac1'))}"
                     f"   units {aligned.get('n_units', 0)}")
        for pair in layer["pairwise"]:
            lines.append(f"  {pair['a']} ~ {pair['b']}: F1 exact {fmt(pair['f1_exact'])}, "
                         f"F1 overlap {fmt(pair['f1_overlap'])}, "
                         f"kappa {fmt(pair['cohen_kappa'])}")
    return "\n".join(lines) + "\n"


def _ci(bounds: Any) -> str:
    if not bounds or any(b is None for b in bounds):
        return ""
    return f" [{bounds[0]:.3f}, {bounds[1]:.3f}]"


def write_report(database: Database, settings: AgreementSettings, path: Path) -> Path:
    from stancedesk.formats.agreement_report import render_report

    result = span_agreement(database, settings)
    scheme = schemes.get_scheme(database)
    names = {layer.key: layer.name for layer in scheme.layers}
    with replaced_on_success(path) as tmp:
        tmp.write_text(render_report(result, names), encoding="utf-8")
    return path


def alignments(database: Database, settings: AgreementSettings) -> tuple[
        dict[str, list[dict[str, Any]]], list[str]]:
    """Layer -> aligned units (rows), and the annotators in column order."""
    from stancedesk.agreement import align_layer

    plan = _layer_plan(database, settings.layers)
    spans, texts, chosen = _scope(database, settings)
    out = {key: align_layer(spans, texts, key, chosen, settings.documents, labels).rows()
           for key, labels in plan.items()}
    return out, chosen


def export_tables_csv(result: dict[str, Any], path: Path) -> int:
    from stancedesk.formats.agreement_tables import write_agreement_tables_csv

    with text_replaced_on_success(path) as out:
        return write_agreement_tables_csv(out, result)


def export_alignment_csv(database: Database, settings: AgreementSettings, path: Path) -> int:
    from stancedesk.formats.agreement_tables import write_alignment_csv

    rows, names = alignments(database, settings)
    with text_replaced_on_success(path) as out:
        return write_alignment_csv(out, rows, names)
