"""Show, export and replace the project's annotation scheme without orphaning labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stancedesk.domain import LayerKind, Scheme, SchemeError
from stancedesk.formats.text import storable_json
from stancedesk.services.atomic import text_replaced_on_success
from stancedesk.services.changes import Changes
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database


def get_scheme(database: Database) -> Scheme:
    with database.read() as session:
        scheme = repo.load_scheme(session)
    if scheme is None:
        raise SchemeError(["the database has no scheme"])
    return scheme


def scheme_to_json(scheme: Scheme) -> str:
    return json.dumps(scheme.to_dict(), indent=2, ensure_ascii=False) + "\n"


def export_scheme(database: Database, path: Path | str) -> Scheme:
    """Write the scheme file whole or not at all (``-``: standard output)."""
    scheme = get_scheme(database)
    with text_replaced_on_success(Path(path)) as out:
        out.write(scheme_to_json(scheme))
    return scheme


def read_scheme_file(path: Path | str) -> Scheme:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SchemeError([f"cannot read the file: {exc.strerror}"], str(path)) from None
    except UnicodeDecodeError:
        raise SchemeError(["the file is not UTF-8 text"], str(path)) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SchemeError([f"line {exc.lineno}: malformed JSON: {exc.msg}"], str(path)) from None
    except RecursionError:
        raise SchemeError(["the JSON is nested too deeply to read"], str(path)) from None
    # a NUL or a lone surrogate (a "\ud800" escape) in a name could never be stored
    return Scheme.from_dict(storable_json(data, str(path)), source=str(path))


@dataclass(frozen=True, slots=True)
class SchemeImport:
    scheme: Scheme
    changes: Changes


def replace_scheme(database: Database, scheme: Scheme, source: str = "") -> Changes:
    """Refuse a scheme that drops a layer or a label which stored spans still use."""
    with database.session() as session:
        problems: list[str] = []
        for (layer_key, value), count in sorted(repo.label_usage(session).items()):
            if not scheme.has_layer(layer_key):
                problems.append(f"layer {layer_key!r} is missing but {count} span(s) use it")
                continue
            layer = scheme.layer(layer_key)
            if layer.kind is LayerKind.CLOSED and value not in layer.label_keys:
                problems.append(f"label {layer_key}/{value} is missing but {count} span(s) use "
                                "it; relabel or delete those spans first")
        if problems:
            raise SchemeError(problems, source)
        repo.save_scheme(session, scheme)
    return Changes(scheme_changed=True)


def import_scheme_file(database: Database, path: Path | str) -> SchemeImport:
    scheme = read_scheme_file(path)
    return SchemeImport(scheme, replace_scheme(database, scheme, str(path)))


def describe_scheme(scheme: Scheme) -> str:
    """A readable listing for the terminal."""
    lines = [scheme.name, ""]
    for layer in scheme.layers:
        kind = "free text" if layer.kind is LayerKind.FREE else \
            "one of, ordered" if layer.ordered else "one of"
        key = f"  [{layer.shortcut}]" if layer.shortcut else ""
        lines.append(f"{layer.key} - {layer.name} ({kind}){key}")
        if layer.description:
            lines.append(f"    {layer.description}")
        for label in layer.labels:
            shortcut = f"[{label.shortcut}]" if label.shortcut else ""
            grade = "  (no grade)" if label.no_grade else ""
            lines.append(f"    {shortcut:<10}{label.key:<12}{label.name}{grade}")
        lines.append("")
    if scheme.targets:
        lines.append("targets")
        lines.extend(f"    {t.key:<22}{t.name}" for t in scheme.targets)
    return "\n".join(lines).rstrip() + "\n"
