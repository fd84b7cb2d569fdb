"""File and folder names for formats that write one file per document and annotator."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from stancedesk.domain import Document

_UNSAFE = re.compile(r"[^\w.-]+")
_NOT_IN_FOLDER_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|%]|^\.')


def annotator_folder(name: str) -> str:
    """A reversible folder name: percent-encoding of what a file system may not hold."""
    return _NOT_IN_FOLDER_NAMES.sub(lambda m: "".join(f"%{b:02X}" for b in
                                                     m.group().encode("utf-8")), name)


def annotator_from_folder(folder: str) -> str:
    return unquote(folder)


def document_stem(doc: Document) -> str:
    """Readable and unique: the file name (or title) plus the start of the document id."""
    base = Path(doc.source_file).stem if doc.source_file else doc.title
    base = _UNSAFE.sub("_", base).strip("._")[:40] or "document"
    return f"{base}-{doc.id[:8]}"


def annotator_of(file: Path, root: Path, default: str) -> str:
    """Files in a subfolder of the imported folder belong to the annotator it is named after."""
    try:
        parts = file.relative_to(root).parts
    except ValueError:
        return default
    return annotator_from_folder(parts[0]) if len(parts) > 1 else default
