"""Word documents (.docx) as corpus files, read with python-docx.

The text is the body's paragraphs in order, each with its runs' text as Word shows it (tabs and
line breaks inside a paragraph become ``\\t`` and ``\\n``), empty paragraphs dropped, joined with
one blank line (``\\n\\n``) and ending with ``\\n``, like HTML imports. Tables, headers, footers,
footnotes and comments are not article text and are left out. The same file always gives the
same text, so offsets stay stable. The title is the core properties' title, else the first line.
"""

from __future__ import annotations

import io
import zipfile
from zipfile import BadZipFile

from stancedesk.formats.archive import ZipLimits, check_zip
from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import DocumentDraft, first_line_title
from stancedesk.formats.text import normalise_newlines, require_text, storable

# python-docx spends about 60 µs on each paragraph and each run (an XPath query apiece) and keeps
# every element of the XML in memory, so a hostile file is bounded by counts as well as by bytes
# (a 500-page report has some 10,000 paragraphs and 50,000 runs).
_MAX_BLOCKS = 150_000  # paragraphs plus runs: about 9 s at worst
_MAX_ELEMENTS = 2_000_000
_BLOCK_TAGS = frozenset({"{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p",
                         "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r"})
DOCX_LIMITS = ZipLimits(total=256 * 1024 * 1024, member=128 * 1024 * 1024,
                        xml_member=32 * 1024 * 1024)


def _check_structure(data: bytes, sizes: dict[str, int], file: str) -> None:
    """Count the XML elements (streamed, never a whole tree) before python-docx parses them."""
    from lxml import etree

    blocks = elements = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sizes:
            if not name.lower().endswith((".xml", ".rels")):
                continue
            with archive.open(name) as member:
                try:
                    for _, element in etree.iterparse(member, events=("end",),
                                                      resolve_entities=False, no_network=True):
                        elements += 1
                        if element.tag in _BLOCK_TAGS:
                            blocks += 1
                        element.clear(keep_tail=True)
                        if elements > _MAX_ELEMENTS or blocks > _MAX_BLOCKS:
                            raise FormatError(file, "the .docx file holds more than "
                                              f"{_MAX_BLOCKS:,} paragraphs and runs or "
                                              f"{_MAX_ELEMENTS:,} XML elements; split it")
                except etree.LxmlError as exc:
                    raise FormatError(file, f"not a readable .docx file: part {name!r}: "
                                      f"{str(exc).splitlines()[0] if str(exc) else ''}") \
                        from None


def docx_text(data: bytes, file: str) -> tuple[str, dict[str, str]]:
    from docx import Document as open_docx
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    # sizes, member count and element count, before python-docx inflates and parses the parts
    _check_structure(data, check_zip(data, file, ".docx file", DOCX_LIMITS), file)
    try:
        doc = open_docx(io.BytesIO(data))
        paragraphs = [normalise_newlines(p.text).strip() for p in doc.paragraphs]
        props = doc.core_properties
        # The file's creation date is not the article's publication date, so it is not used.
        meta = {"title": (props.title or "").strip(), "author": (props.author or "").strip()}
    except (BadZipFile, OpcError, LxmlError, KeyError, ValueError, TypeError,
            AttributeError, IndexError) as exc:
        # python-docx trusts the package's structure; a damaged one fails in any of these ways
        raise FormatError(file, f"not a readable .docx file: {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    text = "\n\n".join(p for p in paragraphs if p)
    storable(meta["title"] + meta["author"], file, what="the document properties")
    return (text + "\n" if text else ""), meta


def read_docx(data: bytes, file: str) -> list[DocumentDraft]:
    text, meta = docx_text(data, file)
    require_text(text, file, what="Word document")
    title = meta["title"] or first_line_title(text)
    extra = {"author": meta["author"]} if meta["author"] else {}
    return [DocumentDraft(text=text, title=title, metadata=extra, origin=file)]
