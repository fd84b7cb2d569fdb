"""Agreement results as tidy CSV (one number per row), the shape R and pandas pivot easily.

Annotator and label names are whatever people typed or imported, so a name such as
``=HYPERLINK(...)`` is written with a leading ``'`` (as ``--spreadsheet-safe`` does for the
annotation CSV): these tables are made to be opened, and a spreadsheet would run it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import IO, Any

from stancedesk.formats.annotations_csv import spreadsheet_safe

TABLE_COLUMNS = ("layer", "table", "a", "b", "label", "metric", "value", "ci_low", "ci_high",
                 "n", "n_of", "n_coders", "n_documents", "reason", "ci_method", "resampled",
                 "ci_note", "scope")
_NO_N = (None, None, None, None)


def _n(n: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if not n:
        return _NO_N
    return n.get("units"), n.get("unit"), n.get("coders"), n.get("documents")


def _scope(layer: Mapping[str, Any]) -> str:
    scope = layer.get("scope") or {}
    rule = scope.get("rule") or ""
    if scope.get("fallback"):
        return f"{rule} (fallback from {scope.get('requested')})"
    return rule


def agreement_rows(result: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Every number with its n, the reason when it is n/a, and the scope of its layer."""
    for key, layer in (result.get("layers") or {}).items():
        scope = _scope(layer)
        yield (key, "scope", "", "", "", "n_documents", (layer.get("scope") or {}).get(
            "n_documents", layer.get("n_documents")), None, None, *_NO_N, None, None, None,
            None, scope)
        for metric, entry in (layer.get("coefficients") or {}).items():
            ci = entry.get("ci") or {}
            bounds = ci.get("bounds") or (None, None)
            yield (key, "coefficients", "", "", "", metric, entry.get("value"), *bounds,
                   *_n(entry.get("n")), entry.get("reason"), ci.get("method"),
                   ci.get("resampled"), ci.get("reason") or ci.get("note"), scope)
        for metric, value in (layer.get("gamma") or {}).items():
            if metric != "gamma":
                yield (key, "gamma", "", "", "", metric, value, None, None, *_NO_N, None,
                       None, None, None, scope)
        aligned = layer.get("aligned") or {}
        for metric in ("n_units", "n_pairable_units"):
            if metric in aligned:
                yield (key, "aligned", "", "", "", metric, aligned[metric], None, None,
                       *_NO_N, None, None, None, None, scope)
        for pair in layer.get("pairwise") or []:
            reasons = pair.get("reasons") or {}
            n = _n(pair.get("n"))
            for metric, value in pair.items():
                if metric not in ("a", "b", "n", "reasons"):
                    yield (key, "pairwise", pair["a"], pair["b"], "", metric, value, None, None,
                           *(n if metric in reasons else _NO_N), reasons.get(metric), None,
                           None, None, scope)
        for label, metrics in (layer.get("labels") or {}).items():
            reasons = metrics.get("reasons") or {}
            n = _n(metrics.get("n"))
            for metric, value in metrics.items():
                if metric not in ("reasons", "n"):
                    yield (key, "labels", "", "", label, metric, value, None, None,
                           *(n if metric in reasons else _NO_N), reasons.get(metric), None,
                           None, None, scope)
        for pair, data in (layer.get("confusion") or {}).items():
            a, _, b = pair.partition("|")
            labels = data["labels"]
            for row_label, row in zip(labels, data["matrix"], strict=True):
                for col_label, count in zip(labels, row, strict=True):
                    yield (key, "confusion", a, b, f"{row_label}|{col_label}", "count", count,
                           None, None, *_NO_N, None, None, None, None, scope)


GOLD_SCOPE = "documents gold has spans in"
_GOLD_RATIOS = tuple(f"{m}_{k}" for k in ("exact", "overlap") for m in ("precision", "recall",
                                                                          "f1"))


def gold_rows(section: Mapping[str, Any] | None) -> Iterator[tuple[Any, ...]]:
    """The against-gold table: per annotator (column ``a``; ``b`` is gold) and layer (table
    ``gold``) or role (table ``gold_role``, the role in ``label``), the span and match counts
    and each ratio with its n (both sides' spans) or the service's reason; when there is no
    gold, one row saying so."""
    if not section:
        return
    gold = section.get("annotator") or "gold"
    n_docs = section.get("n_documents")
    yield ("", "gold", "", gold, "", "n_documents", n_docs, None, None, *_NO_N,
           None if section.get("available") else section.get("reason"), None, None, None,
           GOLD_SCOPE)
    for who, parts in (section.get("annotators") or {}).items():
        for kind, table in (("layers", "gold"), ("roles", "gold_role")):
            for key, s in (parts.get(kind) or {}).items():
                layer, label = (key, "") if kind == "layers" else ("", key)
                reasons = s.get("reasons") or {}
                n = (s.get("n_annotator", 0) + s.get("n_gold", 0),
                     "spans (annotator and gold)", 2, n_docs)
                for metric in ("n_annotator", "n_gold", "exact_matches", "overlap_matches"):
                    yield (layer, table, who, gold, label, metric, s.get(metric), None, None,
                           *_NO_N, None, None, None, None, GOLD_SCOPE)
                for metric in _GOLD_RATIOS:
                    value = s.get(metric)
                    reason = reasons.get(metric, s.get("reason") if value is None else None)
                    yield (layer, table, who, gold, label, metric, value, None, None, *n,
                           reason, None, None, None, GOLD_SCOPE)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def write_agreement_tables_csv(out: IO[str], result: Mapping[str, Any]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    n = 0
    for row in chain(agreement_rows(result), gold_rows(result.get("gold"))):
        assert len(row) == len(TABLE_COLUMNS), row
        writer.writerow([_cell(v) for v in row])
        n += 1
    return n


def write_alignment_csv(out: IO[str], layers: Mapping[str, Sequence[Mapping[str, Any]]],
                        annotators: Sequence[str]) -> int:
    """One row per aligned unit: which span of each annotator it groups (blank: none)."""
    writer = csv.writer(out, lineterminator="\n")
    header = ["layer", "unit", "document_id"]
    for name in annotators:
        header += [f"{name}:span_id", f"{name}:start", f"{name}:end", f"{name}:value"]
    writer.writerow([_cell(h) for h in header])
    n = 0
    for layer, rows in layers.items():
        for row in rows:
            cells: list[Any] = [layer, row["unit"], row["document_id"]]
            for name in annotators:
                span = row["spans"].get(name)
                cells += ["", "", "", ""] if span is None else [
                    span["span_id"], span["start"], span["end"], span["value"]]
            writer.writerow([_cell(c) for c in cells])
            n += 1
    return n
