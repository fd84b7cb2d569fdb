"""What an export preview shows: the head of what an exporter really wrote, read back.

Each exchange format names one of these readers in its description (``ExchangeFormat.preview``),
so a new format brings its preview with it and no list of formats has to learn about it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_MAX_CELL = 160  # characters of a long string (a document's text) shown in a preview
_MAX_LINE = 240
_MAX_LINES = 60


@dataclass(slots=True)
class Preview:
    """Text (``text``) or a table (``headers`` and ``rows``), with a line that sums it up."""

    summary: str = ""
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    caption: str = ""


def shorten(value: Any) -> Any:
    """JSON with long strings cut, so a document's text does not bury its spans."""
    if isinstance(value, str) and len(value) > _MAX_CELL:
        return f"{value[:_MAX_CELL - 40]}… ({len(value):,} characters)"
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


def _cut(line: str) -> str:
    return line if len(line) <= _MAX_LINE else f"{line[:_MAX_LINE]}…"


def head(text: str, lines: int = _MAX_LINES) -> str:
    all_lines = text.splitlines()
    shown = [_cut(line) for line in all_lines[:lines]]
    if len(all_lines) > lines:
        shown.append(f"… {len(all_lines) - lines:,} more lines")
    return "\n".join(shown)


def text_head(out: Path) -> Preview:
    return Preview(text=head(out.read_text(encoding="utf-8")))


def json_lines(out: Path) -> Preview:
    """Each line pretty-printed, long strings cut."""
    return Preview(text="\n\n".join(
        json.dumps(shorten(json.loads(line)), indent=2, ensure_ascii=False)
        for line in out.read_text(encoding="utf-8").splitlines() if line.strip()))


def json_document(out: Path) -> Preview:
    data = json.loads(out.read_text(encoding="utf-8"))
    return Preview(text=json.dumps(shorten(data), indent=2, ensure_ascii=False))


def folder_listing(suffix: str) -> Any:
    """A preview of a folder export: every file, then the head of the first few ``suffix``
    files."""
    def preview(folder: Path) -> Preview:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        parts = ["Files (for the first spans):"]
        parts += [f"  {p.relative_to(folder).as_posix()}" for p in files]
        for p in [p for p in files if p.suffix == suffix][:3]:
            parts += ["", f"── {p.relative_to(folder).as_posix()}",
                      head(p.read_text(encoding="utf-8"), 30)]
        return Preview(text="\n".join(parts))

    return preview


def table(headers: list[str], rows: list[Sequence[Any]], caption: str) -> Preview:
    def cell(v: Any) -> str:
        text = "" if v is None else str(v)
        return str(shorten(text)).replace("\n", "⏎")

    return Preview(headers=headers, rows=[[cell(v) for v in row] for row in rows],
                   caption=caption)
