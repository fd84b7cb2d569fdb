"""Storing a corpus in chunks of about a tenth of a second, hidden until one commit publishes it.

Ten thousand articles (40 MB of text) in one write transaction held SQLite's write lock for
seconds, and a desk saving a label on the same file waited all that time. A corpus import now
uses the annotation import's unit (``span_import.staged_import``): its documents go in short
write transactions, each marked with the import's id and so hidden from every reader
(``storage.visibility``) until the last small commit publishes them all; a failure, a cancel
or a killed process leaves nothing visible, and what was committed is deleted
(``storage.pending_imports``). On a server the chunks are one transaction (MVCC blocks nobody).

A chunk is measured in characters, not documents: one article may be 5 MB and the next 2 KB,
and the time a chunk holds the lock follows the text it writes. Its size follows the pace of
the last chunk, as the span chunks do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from stancedesk.domain import Document
from stancedesk.storage import repositories as repo
from stancedesk.storage.span_import import CHUNK_SECONDS, Publication

FIRST_CHARS = 500_000  # the first chunk's text (about a hundred news articles)
# bounds of a chunk's text (a chunk has one document at least, however long): above 2 MB the
# commit's own time (the WAL written) varies enough under load to hold the lock past 0.2 s
MIN_CHARS, MAX_CHARS = 20_000, 2_000_000


def store_documents(publication: Publication, docs: Sequence[Document],
                    between_chunks: Callable[[], None] | None = None) -> set[str]:
    """Store each of ``docs`` unless its text is stored already (``insert_documents_if_absent``),
    marked with the publication's import id, a chunk per step; the ids stored.
    ``between_chunks`` runs after each chunk but the last (a cancel check)."""
    stored: set[str] = set()
    budget = FIRST_CHARS if publication.chunked else None
    first = 0
    while first < len(docs):
        end, chars = first + 1, len(docs[first].text)
        while end < len(docs) and (budget is None or chars + len(docs[end].text) <= budget):
            chars += len(docs[end].text)
            end += 1
        with publication.step() as session:
            began = time.perf_counter()
            stored |= repo.insert_documents_if_absent(session, docs[first:end],
                                                      import_id=publication.import_id)
        took = time.perf_counter() - began  # the time the lock was held, commit included
        first = end
        if budget is not None:  # the next chunk sized from this one's pace, within bounds
            budget = int(min(MAX_CHARS, max(MIN_CHARS, max(chars, 1) * CHUNK_SECONDS
                                            / max(took, 1e-3))))
        if between_chunks is not None and first < len(docs):
            between_chunks()
    return stored
