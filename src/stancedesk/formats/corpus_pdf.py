"""PDF files as corpus files, read with pypdf (pure Python).

The text is each page's extracted text (pypdf's plain layout) with its lines stripped of
trailing white space and empty lines dropped, lines joined with ``\\n``; pages are joined with a
blank line (``\\n\\n``) and the text ends with ``\\n``. Extraction is deterministic, so the same
file gives the same text and offsets on every run. A scanned PDF without a text layer is
refused (it needs OCR first). The title is the document information's title, else the first line.
"""

from __future__ import annotations

import io

from stancedesk.formats.errors import FormatError
from stancedesk.formats.records import DocumentDraft, first_line_title
from stancedesk.formats.text import normalise_newlines, storable


def pdf_text(data: bytes, file: str) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FormatError(file, "the PDF is encrypted; save an unprotected copy first")
        pages = []
        for page in reader.pages:
            lines = [ln.rstrip() for ln in normalise_newlines(page.extract_text() or "")
                     .split("\n")]
            body = "\n".join(ln for ln in lines if ln.strip())
            if body:
                pages.append(body)
        title = ""
        info = reader.metadata
        if info is not None and info.title:
            title = str(info.title).strip()
    except FormatError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FormatError(file, f"not a readable PDF: {exc}") from None
    except (MemoryError, RecursionError, ArithmeticError, LookupError, AttributeError,
            AssertionError, NotImplementedError) as exc:
        # pypdf trusts the file's object graph; a damaged or hostile one fails in these ways
        raise FormatError(file, f"not a readable PDF: {type(exc).__name__}") from None
    text = "\n\n".join(pages)
    return (text + "\n" if text else ""), title


def read_pdf(data: bytes, file: str) -> list[DocumentDraft]:
    text, title = pdf_text(data, file)
    if not text.strip():
        raise FormatError(file, "the PDF has no text layer (a scan?); run OCR first")
    storable(text + title, file, what="the PDF's text")
    return [DocumentDraft(text=text, title=title or first_line_title(text),
                          origin=file)]
