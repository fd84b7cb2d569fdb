"""Agreement results as tidy CSV (one number per row), the shape R and pandas pivot easily."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

TABLE_COLUMNS = ("layer", "table", "a", "b", "label", "metric", "value", "ci_low", "ci_high")


def _ci(ci: Mapping[str, Any], key: str) -> tuple[Any, Any]:
    bounds = ci.get(key)
    if isinstance(bounds, Sequence) and len(bounds) == 2:
        return bounds[0], bounds[1]
    return None, None


def agreement_rows(result: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    for key, layer in (result.get("layers") or {}).items():
        ci = layer.get("ci") or {}
        for metric in ("char_alpha", "unitized_alpha"):
            yield (key, "coefficients", "", "", "", metric, layer.get(metric), *_ci(ci, metric))
        for metric, value in (layer.get("gamma") or {}).items():
            yield (key, "gamma", "", "", "", metric, value, None, None)
        for metric, value in (layer.get("aligned") or {}).items():
            bounds = _ci(ci, "aligned_alpha") if metric == "alpha" else (None, None)
            yield (key, "aligned", "", "", "", metric, value, *bounds)
        for pair in layer.get("pairwise") or []:
            for metric, value in pair.items():
                if metric not in ("a", "b"):
                    yield (key, "pairwise", pair["a"], pair["b"], "", metric, value, None, None)
        for label, metrics in (layer.get("labels") or {}).items():
            for metric, value in metrics.items():
                yield (key, "labels", "", "", label, metric, value, None, None)
        for pair, data in (layer.get("confusion") or {}).items():
            a, _, b = pair.partition("|")
            labels = data["labels"]
            for row_label, row in zip(labels, data["matrix"], strict=True):
                for col_label, count in zip(labels, row, strict=True):
                    yield (key, "confusion", a, b, f"{row_label}|{col_label}", "count", count,
                           None, None)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_agreement_tables_csv(out: IO[str], result: Mapping[str, Any]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    n = 0
    for row in agreement_rows(result):
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
    writer.writerow(header)
    n = 0
    for layer, rows in layers.items():
        for row in rows:
            cells: list[Any] = [layer, row["unit"], row["document_id"]]
            for name in annotators:
                span = row["spans"].get(name)
                cells += ["", "", "", ""] if span is None else [
                    span["span_id"], span["start"], span["end"], span["value"]]
            writer.writerow(cells)
            n += 1
    return n
