"""The annotation scheme: layers of labels, each a closed set or free text."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stancedesk.domain.errors import UserError

SCHEME_FORMAT = "stancedesk-scheme"
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FLOAT_WHOLE_RE = re.compile(r"([+-]?\d+)\.0*")
_RESERVED_LAYER_KEYS = frozenset({
    "annotation_id", "document_id", "document_title", "source_file", "annotator", "start", "end",
    "text", "note", "created_at", "updated_at", "role", "attributed_to", "via", "cue", "entity",
})
SPAN_ROLES = ("source", "claim", "cue")


class SchemeError(UserError, ValueError):
    """A scheme that cannot be used; ``problems`` lists every reason, not just the first."""

    def __init__(self, problems: Iterable[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "invalid annotation scheme:\n  - " + "\n  - ".join(self.problems))


class LayerKind(StrEnum):
    CLOSED = "closed"  # one label from a closed set
    FREE = "free"  # free text (suggestions may come from the project's target list)


@dataclass(frozen=True, slots=True)
class Label:
    key: str
    name: str
    description: str = ""
    shortcut: str = ""
    color: str = "#9e9e9e"
    # "cannot be judged" (Admiralty F, 6): a value, but no grade on the scale, so agreement
    # treats it as missing unless asked to count it
    no_grade: bool = False


@dataclass(frozen=True, slots=True)
class Layer:
    key: str
    name: str
    kind: LayerKind = LayerKind.CLOSED
    labels: tuple[Label, ...] = ()
    description: str = ""
    shortcut: str = ""  # for free layers: opens the value editor
    ordered: bool = False  # labels are listed in scale order (Admiralty ratings)
    color: str = "#607d8b"
    # the span roles this layer applies to; empty: any span. A span without a role takes every
    # layer, so schemes and spans from before roles keep working unchanged.
    roles: tuple[str, ...] = ()

    def applies_to(self, role: str | None) -> bool:
        return role is None or not self.roles or role in self.roles

    def label(self, key: str) -> Label | None:
        for label in self.labels:
            if label.key == key:
                return label
        return None

    @property
    def label_keys(self) -> tuple[str, ...]:
        return tuple(label.key for label in self.labels)

    @property
    def no_grade_keys(self) -> tuple[str, ...]:
        return tuple(label.key for label in self.labels if label.no_grade)

    def accepts(self, value: str) -> bool:
        return self.kind is LayerKind.FREE or value in self.label_keys


@dataclass(frozen=True, slots=True)
class StanceTarget:
    key: str
    name: str
    description: str = ""


def normalise_shortcut(shortcut: str) -> str:
    """Compare shortcuts case-insensitively and regardless of modifier order."""
    parts = [p.strip().lower() for p in shortcut.split("+") if p.strip()]
    if not parts:
        return ""
    *mods, key = parts
    return "+".join([*sorted(mods), key])


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    layers: tuple[Layer, ...]
    targets: tuple[StanceTarget, ...] = ()
    version: int = 1
    description: str = ""
    _index: dict[str, Layer] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({layer.key: layer for layer in self.layers})

    def layer(self, key: str) -> Layer:
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"unknown layer {key!r}; the scheme has {', '.join(self.layer_keys)}")\
                from None

    def has_layer(self, key: str) -> bool:
        return key in self._index

    @property
    def layer_keys(self) -> tuple[str, ...]:
        return tuple(layer.key for layer in self.layers)

    def shortcut_map(self) -> dict[str, tuple[str, str | None]]:
        """Normalised shortcut -> (layer key, label key or None for a free layer's editor)."""
        out: dict[str, tuple[str, str | None]] = {}
        for layer in self.layers:
            if layer.shortcut:
                out[normalise_shortcut(layer.shortcut)] = (layer.key, None)
            for label in layer.labels:
                if label.shortcut:
                    out[normalise_shortcut(label.shortcut)] = (layer.key, label.key)
        return out

    def coerce_value(self, layer_key: str, value: str) -> str:
        """The layer's own spelling of a value that a spreadsheet rewrote: ``3.0`` for the
        label ``3`` (pandas reads a column of digits as floats), ``TRUE``/``FALSE`` for
        ``true``/``false`` (Excel and pandas capitalise booleans). Anything that is not plainly
        the same value is returned unchanged, for ``check_value`` to refuse."""
        layer = self._index.get(layer_key)
        if layer is None or layer.kind is not LayerKind.CLOSED or value in layer.label_keys:
            return value
        whole = _FLOAT_WHOLE_RE.fullmatch(value.strip())
        if whole is not None:
            number = str(int(whole.group(1)))
            if number in layer.label_keys:
                return number
        if value.strip().lower() in ("true", "false"):
            same = [k for k in layer.label_keys if k.lower() == value.strip().lower()]
            if len(same) == 1:
                return same[0]
        return value

    def check_value(self, layer_key: str, value: str) -> str | None:
        """Return a problem description, or None when ``value`` is allowed in the layer."""
        if not self.has_layer(layer_key):
            return f"unknown layer {layer_key!r}"
        layer = self._index[layer_key]
        if layer.kind is LayerKind.CLOSED and value not in layer.label_keys:
            return (f"label {value!r} is not in layer {layer_key!r} "
                    f"(allowed: {', '.join(layer.label_keys)})")
        return None

    # --- (de)serialisation -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SCHEME_FORMAT,
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "layers": [_layer_to_dict(layer) for layer in self.layers],
            "targets": [
                {"key": t.key, "name": t.name, "description": t.description} for t in self.targets
            ],
        }

    def fingerprint(self) -> str:
        """SHA-256 of the scheme's canonical JSON: ``version`` is what a person sets when they
        mean a new scheme, the fingerprint changes with any edit (a bundle carries both, so a
        merge can tell "the same scheme" from "one that only kept its number")."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "") -> Scheme:
        """Parse and validate; every problem is collected so a user fixes the file in one go."""
        problems: list[str] = []
        if not isinstance(data, Mapping):
            raise SchemeError(["the top level must be a JSON object"], source)
        _unknown(data, {"format", "version", "name", "description", "layers", "targets"},
                 "scheme", problems)
        if data.get("format", SCHEME_FORMAT) != SCHEME_FORMAT:
            problems.append(f"'format' must be {SCHEME_FORMAT!r}")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            problems.append("'version' must be an integer")
            version = 1
        name = data.get("name", "")
        if not isinstance(name, str) or not name.strip():
            problems.append("'name' must be a non-empty string")
            name = "unnamed"
        raw_layers = data.get("layers")
        layers: list[Layer] = []
        if not isinstance(raw_layers, list) or not raw_layers:
            problems.append("'layers' must be a non-empty list")
        else:
            for i, raw in enumerate(raw_layers):
                layer = _layer_from_dict(raw, f"layers[{i}]", problems)
                if layer is not None:
                    layers.append(layer)
        targets: list[StanceTarget] = []
        raw_targets = data.get("targets", [])
        if not isinstance(raw_targets, list):
            problems.append("'targets' must be a list")
        else:
            for i, raw in enumerate(raw_targets):
                where = f"targets[{i}]"
                if not isinstance(raw, Mapping):
                    problems.append(f"{where} must be an object")
                    continue
                _unknown(raw, {"key", "name", "description"}, where, problems)
                key = raw.get("key")
                if not isinstance(key, str) or not key.strip():
                    problems.append(f"{where}: 'key' must be a non-empty string")
                    continue
                targets.append(StanceTarget(key, str(raw.get("name") or key),
                                            str(raw.get("description", ""))))
        scheme = cls(name=name, layers=tuple(layers), targets=tuple(targets), version=version,
                     description=str(data.get("description", "")))
        problems.extend(scheme.problems())
        if problems:
            raise SchemeError(problems, source)
        return scheme

    def problems(self) -> list[str]:
        """Cross-layer consistency: unique keys and shortcuts, closed layers with labels."""
        problems: list[str] = []
        seen_layers: set[str] = set()
        shortcuts: dict[str, str] = {}

        def claim(shortcut: str, owner: str) -> None:
            norm = normalise_shortcut(shortcut)
            if not norm:
                return
            if norm in shortcuts:
                problems.append(f"duplicate shortcut {shortcut!r}: used by {shortcuts[norm]} and "
                                f"{owner}")
            else:
                shortcuts[norm] = owner

        for layer in self.layers:
            if layer.key in seen_layers:
                problems.append(f"duplicate layer key {layer.key!r}")
            seen_layers.add(layer.key)
            claim(layer.shortcut, f"layer {layer.key!r}")
            if layer.kind is LayerKind.CLOSED and not layer.labels:
                problems.append(f"layer {layer.key!r} is closed but has no labels")
            if layer.kind is LayerKind.FREE and layer.labels:
                problems.append(f"layer {layer.key!r} is free text and cannot list labels")
            seen_labels: set[str] = set()
            for label in layer.labels:
                if label.key in seen_labels:
                    problems.append(f"duplicate label key {label.key!r} in layer {layer.key!r}")
                seen_labels.add(label.key)
                claim(label.shortcut, f"label {layer.key}/{label.key}")
        seen_targets: set[str] = set()
        for target in self.targets:
            if target.key in seen_targets:
                problems.append(f"duplicate target key {target.key!r}")
            seen_targets.add(target.key)
        return problems


def _unknown(raw: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]) -> None:
    for key in raw:
        if key not in allowed:
            problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")


def _str_field(raw: Mapping[str, Any], key: str, where: str, problems: list[str],
               required: bool = False) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(f"{where}: {key!r} must be a string")
        return ""
    if required and not value.strip():
        problems.append(f"{where}: {key!r} is required")
    return value


def _layer_from_dict(raw: Any, where: str, problems: list[str]) -> Layer | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be an object")
        return None
    _unknown(raw, {"key", "name", "kind", "description", "labels", "shortcut", "ordered", "color",
                   "roles"}, where, problems)
    key = _str_field(raw, "key", where, problems, required=True)
    if key and not _KEY_RE.match(key):
        problems.append(f"{where}: layer key {key!r} must be letters, digits, '_', '.' or '-'")
    if key in _RESERVED_LAYER_KEYS:
        problems.append(f"{where}: layer key {key!r} is reserved for a CSV column")
    where = f"layer {key!r}" if key else where
    kind_raw = raw.get("kind", "closed")
    try:
        kind = LayerKind(kind_raw)
    except ValueError:
        problems.append(f"{where}: 'kind' must be 'closed' or 'free', not {kind_raw!r}")
        kind = LayerKind.CLOSED
    color = _str_field(raw, "color", where, problems) or "#607d8b"
    if not _COLOR_RE.match(color):
        problems.append(f"{where}: colour {color!r} must look like #1a2b3c")
    labels: list[Label] = []
    raw_labels = raw.get("labels", [])
    if not isinstance(raw_labels, list):
        problems.append(f"{where}: 'labels' must be a list")
        raw_labels = []
    for i, raw_label in enumerate(raw_labels):
        lw = f"{where} labels[{i}]"
        if not isinstance(raw_label, Mapping):
            problems.append(f"{lw} must be an object")
            continue
        _unknown(raw_label, {"key", "name", "description", "shortcut", "color", "no_grade"}, lw,
                 problems)
        lkey = _str_field(raw_label, "key", lw, problems, required=True)
        lcolor = _str_field(raw_label, "color", lw, problems) or "#9e9e9e"
        if not _COLOR_RE.match(lcolor):
            problems.append(f"{lw}: colour {lcolor!r} must look like #1a2b3c")
        no_grade = raw_label.get("no_grade", False)
        if not isinstance(no_grade, bool):
            problems.append(f"{lw}: 'no_grade' must be true or false")
            no_grade = False
        labels.append(Label(
            key=lkey,
            name=_str_field(raw_label, "name", lw, problems) or lkey,
            description=_str_field(raw_label, "description", lw, problems),
            shortcut=_str_field(raw_label, "shortcut", lw, problems),
            color=lcolor,
            no_grade=no_grade,
        ))
    ordered = raw.get("ordered", False)
    if not isinstance(ordered, bool):
        problems.append(f"{where}: 'ordered' must be true or false")
        ordered = False
    roles = raw.get("roles", [])
    if not isinstance(roles, list) or any(r not in SPAN_ROLES for r in roles):
        problems.append(f"{where}: 'roles' must be a list of {', '.join(SPAN_ROLES)}")
        roles = []
    return Layer(
        key=key,
        name=_str_field(raw, "name", where, problems) or key,
        kind=kind,
        labels=tuple(labels),
        description=_str_field(raw, "description", where, problems),
        shortcut=_str_field(raw, "shortcut", where, problems),
        ordered=ordered,
        color=color,
        roles=tuple(dict.fromkeys(roles)),
    )


def _layer_to_dict(layer: Layer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": layer.key,
        "name": layer.name,
        "kind": layer.kind.value,
        "description": layer.description,
        "color": layer.color,
    }
    if layer.shortcut:
        out["shortcut"] = layer.shortcut
    if layer.ordered:
        out["ordered"] = True
    if layer.roles:
        out["roles"] = list(layer.roles)
    if layer.labels:
        out["labels"] = [_label_to_dict(lb) for lb in layer.labels]
    return out


def _label_to_dict(label: Label) -> dict[str, Any]:
    out: dict[str, Any] = {"key": label.key, "name": label.name,
                           "description": label.description, "shortcut": label.shortcut,
                           "color": label.color}
    if label.no_grade:
        out["no_grade"] = True
    return out
