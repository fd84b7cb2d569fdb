"""A minimal ``---`` front-matter block (key: value lines), as in Jekyll or Hugo posts."""

from __future__ import annotations

from stancedesk.formats.errors import FormatError

KNOWN_KEYS = {"title", "outlet", "date", "url", "author", "id"}


def split_front_matter(text: str, file: str) -> tuple[dict[str, str], str]:
    """Return (fields, body). Without a leading ``---`` line the text is all body."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise FormatError(file, "front matter opened with '---' is never closed", 1)
    fields: dict[str, str] = {}
    for n, raw in enumerate(text[4:end].split("\n"), start=2):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, sep, value = raw.partition(":")
        if not sep or not key.strip():
            raise FormatError(file, f"front matter line is not 'key: value': {raw!r}", n)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        fields[key.strip().lower()] = value
    body = text[end + 5:]
    return fields, body
