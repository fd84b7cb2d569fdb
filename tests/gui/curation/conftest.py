"""A small study for the curation view: three annotators on two sample documents, with one
passage they all agree on, a claim two of them label alike (linked to the agreed source), a
passage only one marked, and a stance conflict in the second document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stancedesk.domain.attribution import LinkKind
from stancedesk.services import attribution, corpus
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database

SOURCE = "the Ostrelian foreign ministry"
CLAIM = "Ostrelia will host the first direct contacts"
LONE = "cautious first step"


@dataclass
class Study:
    path: Path
    database: Database
    docs: list[str]
    texts: dict[str, str]
    second: str  # the conflicting word in the second document

    def at(self, doc: int, needle: str) -> tuple[int, int]:
        start = self.texts[self.docs[doc]].index(needle)
        return start, start + len(needle)


def _span(database: Database, doc: str, who: str, where: tuple[int, int],
          labels: dict[str, str], role: str | None = None) -> str:
    return span_service.create_span(database, doc, who, *where, labels, role=role).id


@pytest.fixture
def study(sample_path: Path) -> Iterator[Study]:
    database = open_database(str(sample_path), seed_sample=False)
    docs = [d.id for d in corpus.list_documents(database)]
    texts = {d: corpus.get_document(database, d).text for d in docs[:2]}
    s = Study(sample_path, database, docs, texts, "")
    for who, stance in (("ana", "favor"), ("ben", "favor"), ("cy", "neutral")):
        source = _span(database, docs[0], who, s.at(0, SOURCE), {"sourcing": "official"},
                       "source")
        claim = _span(database, docs[0], who, s.at(0, CLAIM), {"stance": stance}, "claim")
        attribution.link(database, claim, LinkKind.ATTRIBUTED_TO, source)
    _span(database, docs[0], "ana", s.at(0, LONE), {"stance": "favor"})
    second = texts[docs[1]]
    word = next(w for w in second.split() if len(w) > 6 and w.isalpha())
    s.second = word
    _span(database, docs[1], "ana", s.at(1, word), {"stance": "against"})
    _span(database, docs[1], "ben", s.at(1, word), {"stance": "favor"})
    _span(database, docs[1], "cy", s.at(1, word), {"stance": "favor"})
    yield s
    database.dispose()
