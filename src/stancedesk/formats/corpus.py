"""Corpus readers: bytes of one file -> article drafts. One function per file type."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from stancedesk.formats.errors import FormatError
from stancedesk.formats.frontmatter import split_front_matter
from stancedesk.formats.grouping import json_lines
from stancedesk.formats.records import DocumentDraft, first_line_title
from stancedesk.formats.text import csv_problem, decode_utf8, normalise_newlines, require_text

CorpusReader = Callable[[bytes, str], list[DocumentDraft]]
METADATA_FIELDS = ("title", "outlet", "date", "url")
MAX_HTML_TAGS = 200_000


def _from_front_matter(text: str, file: str) -> DocumentDraft:
    fields, body = split_front_matter(text, file)
    require_text(body, file)
    extra = {k: v for k, v in fields.items() if k not in METADATA_FIELDS}
    return DocumentDraft(
        text=body, title=fields.get("title") or first_line_title(body),
        outlet=fields.get("outlet", ""), published=fields.get("date", ""),
        url=fields.get("url", ""), metadata=extra, origin=file)


def read_plain(data: bytes, file: str) -> list[DocumentDraft]:
    return [_from_front_matter(decode_utf8(data, file), file)]


def read_markdown(data: bytes, file: str) -> list[DocumentDraft]:
    return [_from_front_matter(decode_utf8(data, file), file)]


def read_html(data: bytes, file: str) -> list[DocumentDraft]:
    from stancedesk.formats.html import html_to_article  # BeautifulSoup: loaded when needed

    html = decode_utf8(data, file)
    tags = html.count("<")  # an upper bound; parsing costs about 50 µs a tag
    if tags > MAX_HTML_TAGS:
        raise FormatError(file, f"the page has over {MAX_HTML_TAGS:,} tags ({tags:,} '<'); "
                          "save the article alone (a news page has a few thousand)")
    article = html_to_article(html)
    require_text(article.text, file, what="HTML page's article")
    return [DocumentDraft(text=article.text, title=article.title or
                          first_line_title(article.text), outlet=article.outlet,
                          published=article.published, url=article.url, origin=file)]


def _draft_from_mapping(record: dict[str, Any], file: str, line: int) -> DocumentDraft:
    text = record.get("text")
    if not isinstance(text, str):
        raise FormatError(file, "the record has no 'text' string", line)
    text = normalise_newlines(text)
    require_text(text, file, line, what="record's 'text'")
    fields: dict[str, str] = {}
    for key in (*METADATA_FIELDS, "id"):
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise FormatError(file, f"{key!r} must be a string", line)
        fields[key] = str(value).strip()
    extra = {k: v for k, v in record.items() if k not in (*METADATA_FIELDS, "id", "text")
             and v not in (None, "")}
    if fields.get("id"):
        extra["external_id"] = fields["id"]
    return DocumentDraft(text=text, title=fields.get("title") or first_line_title(text),
                         outlet=fields.get("outlet", ""), published=fields.get("date", ""),
                         url=fields.get("url", ""), metadata=extra, origin=f"{file}, line {line}")


def read_jsonl(data: bytes, file: str) -> list[DocumentDraft]:
    drafts = [_draft_from_mapping(record, file, n) for n, record in
              json_lines(data, file, "a JSON object with a 'text' field")]
    if not drafts:
        raise FormatError(file, "the file has no articles")
    return drafts


def read_csv_corpus(data: bytes, file: str) -> list[DocumentDraft]:
    text = decode_utf8(data, file)
    # strict: a quoted field still open at the end of the file (a truncated file) is an error,
    # not an article silently cut short
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        if reader.fieldnames is None:
            raise FormatError(file, "the file is empty")
    except csv.Error as exc:
        raise FormatError(file, csv_problem(exc), reader.line_num) from None
    names = [n.strip() for n in reader.fieldnames]
    if "text" not in names:
        raise FormatError(file, f"no 'text' column (columns: {', '.join(names)})", 1)
    reader.fieldnames = names
    drafts: list[DocumentDraft] = []
    try:
        for row in reader:
            if None in row:
                raise FormatError(file, "the row has more cells than the header", reader.line_num)
            drafts.append(_draft_from_mapping(dict(row), file, reader.line_num))
    except csv.Error as exc:
        raise FormatError(file, csv_problem(exc), reader.line_num) from None
    if not drafts:
        raise FormatError(file, "the file has a header but no articles")
    return drafts
