"""The annotated corpus fixture (helpers live in fmt_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database
from tests.formats.fmt_helpers import TEXTS, Corpus, _find, write_corpus


@pytest.fixture
def annotated(tmp_path: Path, db: Database) -> Iterator[Corpus]:
    folder = write_corpus(tmp_path / "corpus")
    report = corpus.import_paths(db, [folder])
    ids = {d.source_file: d.id for d in report.added}
    add = span_service.create_span
    e, m, r = (TEXTS[n] for n in ("emoji.txt", "marks.txt", "rtl.txt"))
    de, dm, dr = ids["emoji.txt"], ids["marks.txt"], ids["rtl.txt"]
    add(db, de, "alice", *_find(e, "Talks resume 🎉"), {"stance": "favor", "target": "mediation"})
    add(db, de, "alice", *_find(e, "👍 “a breakthrough”"),
        {"stance": "favor", "sourcing": "official", "reliability": "B", "credibility": "2",
         "target": "the rapprochement talks"}, note="quoted; see\nline two")
    add(db, de, "bob", *_find(e, "👍 “a breakthrough”"), {"stance": "neutral"})
    add(db, de, "bob", *_find(e, "sources told Reuters 🇺🇳"),
        {"sourcing": "anonymous", "credibility": "3"}, note="=1+2 looks like a formula")
    add(db, de, "bob", *_find(e, "Geneva.\n\nThe minister"), {"target": "-border reopening"})
    add(db, dm, "alice", *_find(m, "« C’est une trahison »"), {"stance": "against"})
    add(db, dm, "alice", *_find(m, "Cafe\u0301 talks"), {"sourcing": "media"})
    add(db, dm, "bob", *_find(m, "sources anonymes"), {"sourcing": "anonymous"})
    add(db, dr, "alice", *_find(r, "المحادثات مثمرة 😀"),
        {"stance": "favor", "sourcing": "official"})
    add(db, dr, "carol ü", *_find(r, "Experts doubt it"), {"stance": "against",
                                                         "sourcing": "expert"})
    add(db, dr, "carol ü", *_find(r, "welcomed"), {}, note="unlabelled on purpose")
    yield Corpus(db, folder, ids)

