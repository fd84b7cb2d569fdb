"""Two annotators' worked examples of attribution on the sample articles.

A new project should show what StanceDesk is for from the first start: claims linked to
sources, sources relayed through outlets, registry entities, and two annotators who mostly
agree. The examples live in ``resources/sample_annotations.json`` as phrases, not offsets, so
they stay readable; the loader finds each phrase in the stored text.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from stancedesk.domain import DocumentStatus
from stancedesk.domain.attribution import LinkKind, name_key
from stancedesk.services import attribution as attr
from stancedesk.services import corpus
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

SAMPLE_FILE = "sample_annotations.json"


def sample_annotations() -> dict[str, Any]:
    text = resources.files("stancedesk.resources").joinpath(SAMPLE_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _offsets(text: str, phrase: str, occurrence: int, where: str) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.find(phrase, start + 1)
        if start < 0:
            raise ValueError(f"{SAMPLE_FILE}: {where}: {phrase!r} occurs fewer than "
                             f"{occurrence} time(s)")
    return start, start + len(phrase)


def load_sample_annotations(database: Database) -> int:
    """Store the examples on the sample articles present; returns the spans added."""
    data = sample_annotations()
    known = {name_key(name) for name in attr.entity_names(database).values()}
    for entity in data["entities"]:
        if name_key(entity["name"]) not in known:
            attr.create_entity(database, entity["name"], entity["sourcing"], entity["aliases"])
    by_file = {d.source_file.rsplit("/", 1)[-1]: d.id for d in corpus.list_documents(database)}
    added = 0
    for doc in data["documents"]:
        doc_id = by_file.get(doc["file"])
        if doc_id is None:
            continue
        text = corpus.get_document(database, doc_id).text
        for annotator, work in doc["annotators"].items():
            ids: dict[str, str] = {}
            for item in work["spans"]:
                start, end = _offsets(text, item["text"], item.get("occurrence", 1),
                                      f"{doc['file']}/{annotator}/{item['id']}")
                span = span_service.create_span(database, doc_id, annotator, start, end,
                                                item.get("labels", {}), role=item["role"])
                ids[item["id"]] = span.id
                if item.get("entity"):
                    attr.name_source(database, span.id, item["entity"])
                added += 1
            for start_id, kind, end_id in work["links"]:
                attr.link(database, ids[start_id], LinkKind(kind), ids[end_id])
            span_service.set_document_status(database, doc_id, annotator, DocumentStatus.DONE)
    return added
