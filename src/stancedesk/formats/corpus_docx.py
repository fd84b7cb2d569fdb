"""Word documents (.docx) as corpus files, read with python-docx.

The text is the body's paragraphs in order, each with its runs' text as Word shows it (tabs and
line breaks inside a paragraph become ``\\t`` and ``\\n``), empty paragraphs dropped, joined with
one blank line (``\\n\\n``) and ending with ``\\n``, like HTML imports. Tables, headers, footers,
footnotes and comments are not article text and are left out. The same file always gives the
same text, so offsets stay stable. The title is the core properties' title, else the first line.
"""

from __future__ import annotations

import io
from zipfile import BadZipFile

from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import DocumentDraft, first_line_title
from stancedesk.formats.text import normalise_newlines, require_text


def docx_text(data: bytes, file: str) -> tuple[str, dict[str, str]]:
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = open_docx(io.BytesIO(data))
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise FormatError(file, f"not a readable .docx file: {exc}") from None
    paragraphs = [normalise_newlines(p.text).strip() for p in doc.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p)
    props = doc.core_properties
    # The file's creation date is not the article's publication date, so it is not used.
    meta = {"title": (props.title or "").strip(), "author": (props.author or "").strip()}
    return (text + "\n" if text else ""), meta


def read_docx(data: bytes, file: str) -> list[DocumentDraft]:
    text, meta = docx_text(data, file)
    require_text(text, file, what="Word document")
    title = meta["title"] or first_line_title(text)
    extra = {"author": meta["author"]} if meta["author"] else {}
    return [DocumentDraft(text=text, title=title, metadata=extra, origin=file)]
