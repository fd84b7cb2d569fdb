"""Reduce an HTML page to its article text with BeautifulSoup.

Block elements become paragraphs separated by a blank line; white space inside a paragraph is
collapsed as a browser would render it. Navigation, scripts and page furniture are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

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


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta",
                                                                       attrs={"name": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def _paragraphs(root: Tag) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(current)).strip()
        if text:
            paragraphs.append(text)
        current.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
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
                block = child.name in _BLOCK
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    walk(root)
    flush()
    return paragraphs


def html_to_article(html: str) -> HtmlArticle:
    soup = BeautifulSoup(html, "html.parser")
    title = _meta(soup, "og:title")
    if not title and soup.title and soup.title.string:
        title = soup.title.string.strip()
    h1 = soup.find("h1")
    if not title and isinstance(h1, Tag):
        title = h1.get_text(" ", strip=True)
    published = _meta(soup, "article:published_time", "date", "pubdate", "dc.date")
    time_tag = soup.find("time")
    if not published and isinstance(time_tag, Tag) and time_tag.get("datetime"):
        published = str(time_tag["datetime"]).strip()
    url = _meta(soup, "og:url")
    canonical = soup.find("link", rel="canonical")
    if not url and isinstance(canonical, Tag) and canonical.get("href"):
        url = str(canonical["href"]).strip()
    outlet = _meta(soup, "og:site_name", "publisher")
    root = soup.find("article") or soup.find("main") or soup.body or soup
    assert isinstance(root, Tag)
    text = "\n\n".join(_paragraphs(root))
    return HtmlArticle(text=text + "\n" if text else "", title=title, outlet=outlet,
                       published=published[:32], url=url)
