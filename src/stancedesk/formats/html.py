"""Reduce an HTML page to its article text with BeautifulSoup.

Block elements become paragraphs separated by a blank line; white space inside a paragraph is
collapsed as a browser would render it. Navigation, scripts and page furniture are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, PageElement, ProcessingInstruction

_DROP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
         "button", "iframe", "svg", "figure", "menu", "dialog"}
_BLOCK = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
          "ul", "ol", "blockquote", "pre", "table", "tr", "dd", "dt", "dl", "address",
          "figcaption", "hr", "body"}
_WS = re.compile(r"[ \t\n\r\f\v]+")


@dataclass(frozen=True, slots=True)
class HtmlArticle:
    text: str
    title: str = ""
    outlet: str = ""
    published: str = ""
    url: str = ""


class _FirstTags:
    """The first tag of each kind the reader looks at, found in one pass over the page (a
    ``find`` per question walked a big page a dozen times)."""

    _WANTED = frozenset({"title", "h1", "time", "article", "main", "body"})

    def __init__(self, soup: BeautifulSoup) -> None:
        self.first: dict[str, Tag] = {}
        self.metas: list[Tag] = []
        self.canonical: Tag | None = None
        for tag in soup.descendants:
            if not isinstance(tag, Tag):
                continue
            if tag.name == "meta":
                self.metas.append(tag)
            elif tag.name in self._WANTED:
                self.first.setdefault(tag.name, tag)
            elif tag.name == "link" and self.canonical is None and "canonical" in \
                    _values(tag.get("rel")):
                self.canonical = tag

    def meta(self, *names: str) -> str:
        for name in names:
            tag = next((m for m in self.metas if m.get("property") == name), None) or \
                next((m for m in self.metas if m.get("name") == name), None)
            if tag is not None and tag.get("content"):
                return str(tag["content"]).strip()
        return ""


def _values(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _paragraphs(root: Tag) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(current)).strip()
        if text:
            paragraphs.append(text)
        current.clear()

    # Depth first with an explicit stack: a page nested thousands of tags deep is no reason
    # for a RecursionError.
    stack: list[tuple[Iterator[PageElement], bool]] = [(iter(root.children), False)]
    while stack:
        children, block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if block:
                flush()
            continue
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            current.append(str(child))
        elif isinstance(child, Tag):
            if child.name in _DROP:
                continue
            if child.name == "br":
                current.append("\n")
                continue
            if child.name in _BLOCK:
                flush()
            stack.append((iter(child.children), child.name in _BLOCK))
    flush()
    return paragraphs


def html_to_article(html: str) -> HtmlArticle:
    soup = BeautifulSoup(html, "html.parser")
    tags = _FirstTags(soup)
    title = tags.meta("og:title")
    head_title = tags.first.get("title")
    if not title and head_title is not None and head_title.string:
        title = head_title.string.strip()
    h1 = tags.first.get("h1")
    if not title and h1 is not None:
        title = h1.get_text(" ", strip=True)
    published = tags.meta("article:published_time", "date", "pubdate", "dc.date")
    time_tag = tags.first.get("time")
    if not published and time_tag is not None and time_tag.get("datetime"):
        published = str(time_tag["datetime"]).strip()
    url = tags.meta("og:url")
    canonical = tags.canonical
    if not url and canonical is not None and canonical.get("href"):
        url = str(canonical["href"]).strip()
    outlet = tags.meta("og:site_name", "publisher")
    root = tags.first.get("article") or tags.first.get("main") or tags.first.get("body") or soup
    text = "\n\n".join(_paragraphs(root))
    return HtmlArticle(text=text + "\n" if text else "", title=title, outlet=outlet,
                       published=published[:32], url=url)
