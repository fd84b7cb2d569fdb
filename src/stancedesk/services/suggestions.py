"""Suggested attributions for stored documents: the finder run over the corpus.

The finder itself (``stancedesk.attribution``) knows nothing of the database; this use case
reads the texts, loads the lexicons (built-in plus a project's folder) and keeps the pairing of
each suggestion with its document.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stancedesk.attribution import Suggestion, find_attributions, load_lexicon
from stancedesk.domain.errors import NotFoundError
from stancedesk.services import corpus
from stancedesk.storage.engine import Database


def suggest(database: Database, document_ids: Sequence[str] | None = None,
            lexicon_dir: Path | None = None) -> list[tuple[str, Suggestion]]:
    """(document id, suggestion) for every attribution found, documents in stored order."""
    texts = corpus.get_texts(database, document_ids)
    if document_ids is not None:
        missing = [d for d in document_ids if d not in texts]
        if missing:
            raise NotFoundError(f"unknown document id(s): {', '.join(missing)}")
    if lexicon_dir is not None and not lexicon_dir.is_dir():
        raise NotFoundError(f"{lexicon_dir}: no such lexicon folder")
    lexicon = load_lexicon(lexicon_dir)
    return [(doc_id, suggestion) for doc_id, text in texts.items()
            for suggestion in find_attributions(text, lexicon)]
