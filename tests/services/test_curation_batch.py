"""Auto-curation decides every document in memory and writes in batches: on a randomized
project (roles, claim→source and via links, earlier accepts and rejections) it must take exactly
what accepting passage after passage through ``accept_span`` takes, leave the same passages,
and undo as one action."""

from __future__ import annotations

import random

import pytest

from stancedesk.domain import Document, Span, document_id_for_text, new_span_id, sha256_text
from stancedesk.domain.attribution import Link, LinkKind
from stancedesk.domain.curation import AutoPick, Passage, Version, auto_pick
from stancedesk.domain.errors import StaleEditError
from stancedesk.services import curation
from stancedesk.services import spans as span_service
from stancedesk.services.curation import CurationError, CurationResult
from stancedesk.storage import attribution as arepo
from stancedesk.storage import curation as crepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

WHO = ("ana", "ben", "cy")
STANCES = ("favor", "against", "neutral")


def random_project(db: Database, seed: int, documents: int = 3, places: int = 14) -> list[str]:
    """Documents where three annotators mark the same places, each sometimes with other
    boundaries, another label or role, or not at all; claims link to a source before them
    and sources (via) to an earlier source, always the annotator's own, so links never
    circle."""
    rng = random.Random(seed)
    ids = []
    with db.write() as session:
        for d in range(documents):
            words = [f"w{seed}d{d}x{i}" for i in range(places * 5)]
            text = " ".join(words)
            doc = Document(document_id_for_text(text), f"doc {d}", text, sha256_text(text))
            repo.add_document(session, doc)
            ids.append(doc.id)
            starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
            mine: dict[str, list[Span]] = {w: [] for w in WHO}
            links: list[Link] = []
            for p in range(places):
                first, last = p * 5, p * 5 + rng.randint(1, 3)
                role = rng.choice((None, "claim", "source", "source"))
                stance = rng.choice(STANCES)
                for who in WHO:
                    if rng.random() < 0.12:
                        continue  # missed
                    a, b = first, last
                    if rng.random() < 0.2:
                        b = max(a, b - 1)  # other boundaries
                    value = rng.choice(STANCES) if rng.random() < 0.2 else stance
                    mine_role = role if rng.random() < 0.9 else None
                    start, end = starts[a], starts[b] + len(words[b])
                    labels = {"stance": value} if mine_role != "source" else {}
                    span = Span(new_span_id(), doc.id, who, start, end, text[start:end], labels,
                                role=mine_role)
                    repo.add_span(session, span)
                    sources = [s for s in mine[who] if s.role == "source"]
                    if sources and mine_role == "claim" and rng.random() < 0.8:
                        links.append(Link(span.id, LinkKind.ATTRIBUTED_TO,
                                          rng.choice(sources).id))
                    elif sources and mine_role == "source" and rng.random() < 0.4:
                        links.append(Link(span.id, LinkKind.VIA, rng.choice(sources).id))
                    mine[who].append(span)
            session.flush()
            for link in links:
                arepo.put_link(session, link)
    return ids


def decide_some_first(db: Database, ids: list[str], seed: int) -> None:
    """Earlier curation the run must keep: a few accepts and rejections."""
    rng = random.Random(seed + 1)
    for doc in ids:
        for passage in curation.document_curation(db, doc).passages:
            if passage.decided or not passage.versions or rng.random() > 0.15:
                continue
            try:
                if rng.random() < 0.5:
                    curation.reject_passage(db, doc, passage.start, passage.end, curator="lead",
                                            from_span_ids=list(passage.span_ids))
                else:
                    curation.accept_span(db, rng.choice(passage.versions).span.id,
                                         curator="lead")
            except CurationError:
                pass  # a linked source was rejected already: leave it


def one_by_one(db: Database, ids: list[str], k: int) -> list[CurationResult]:
    """What the run must take, decided through ``accept_span`` one passage at a time: each
    passage at least K annotators agree on (picked from the state before the run), the
    sources its links point to first, as the run's pick of their passage (else the linked
    version). A passage whose chain is refused anywhere is left with nothing written."""
    done: list[CurationResult] = []
    for doc in ids:
        before = curation.document_curation(db, doc).passages
        picks = {p.id: auto_pick(p, k) for p in before}

        def now(passage_id: str, doc: str = doc) -> Passage:
            return next(p for p in curation.document_curation(db, doc).passages
                        if p.id == passage_id)

        def take(passage: Passage, version: Version, seen: frozenset[str], made: list,
                 picks: dict[str, AutoPick] = picks, now=now) -> None:
            if passage.id in seen:
                raise CurationError("a circle")
            for _kind, target_passage_id in sorted(version.links.items()):
                target = now(target_passage_id)
                if target.gold is not None:
                    continue
                if target.decided:
                    raise CurationError("a rejected target")
                linked = next(v for v in target.versions if v.annotator == version.annotator)
                chosen = picks[target.id].take or linked
                take(target, chosen, seen | {passage.id}, made)
            made.append(curation.accept_span(db, version.span.id, curator="lead"))

        for passage in before:
            pick = picks[passage.id]
            if pick.take is None or now(passage.id).decided:
                continue
            made: list[CurationResult] = []
            try:
                take(passage, pick.take, frozenset(), made)
            except CurationError:
                for result in reversed(made):
                    curation.undo(db, result)
                continue
            done += made
    return done


def gold_state(db: Database, ids: list[str]) -> set[tuple[object, ...]]:
    """Gold spans with their links (to the target's extent and role) and decisions, without
    ids or times."""
    out: set[tuple[object, ...]] = set()
    decisions = {d.span_id: d for d in curation.list_decisions(db, ids)}
    for doc in ids:
        spans = {s.id: s for s in span_service.spans_for_document(db, doc, ["gold"])}
        links = {(x.from_span, str(x.kind)): spans[x.to_span] for x in
                 arepo_links(db, doc)}
        for s in spans.values():
            d = decisions.get(s.id)
            out.add((doc, s.start, s.end, tuple(sorted(s.labels.items())), s.role,
                     tuple(sorted((kind, t.start, t.end, t.role) for (f, kind), t in
                                  links.items() if f == s.id)),
                     d.decision if d else None, d.curated_from if d else None,
                     tuple(sorted(d.from_span_ids)) if d else None))
    for d in curation.list_decisions(db, ids):
        if d.span_id is None:
            out.add((d.document_id, d.start, d.end, "rejected", d.curated_from))
    return out


def arepo_links(db: Database, doc: str) -> list[Link]:
    with db.read() as session:
        return arepo.links_of(session, doc, "gold")


@pytest.mark.parametrize(("seed", "k"), [(1, 2), (2, 2), (3, 1), (4, 3)])
def test_the_batched_run_takes_what_accepting_one_by_one_takes(db: Database, seed: int,
                                                               k: int) -> None:
    ids = random_project(db, seed)
    decide_some_first(db, ids, seed)
    start = gold_state(db, ids)
    preview = curation.preview_auto(db, k)
    assert gold_state(db, ids) == start  # a dry run stores nothing

    reference = one_by_one(db, ids, k)
    expected = gold_state(db, ids)
    assert len(reference) > 0
    for result in reversed(reference):
        curation.undo(db, result)
    assert gold_state(db, ids) == start

    report = curation.auto_curate(db, k, curator="lead")
    assert gold_state(db, ids) == expected
    taken = sum(len(r.decisions) for r in reference)
    assert len(report.decisions) == len(report.taken) == taken
    assert [(x.document_id, x.passage_id, x.decision) for x in preview.taken] == \
        [(x.document_id, x.passage_id, x.decision) for x in report.taken]
    assert [(x.passage_id, x.reason) for x in preview.left] == \
        [(x.passage_id, x.reason) for x in report.left]
    assert len({d.curated_at for d in report.decisions}) == 1  # one action

    again = curation.auto_curate(db, k, curator="lead")
    assert again.taken == () and gold_state(db, ids) == expected  # re-running keeps all

    undone = curation.undo_last(db)
    assert len(undone.decisions) == taken
    assert gold_state(db, ids) == start


def test_runs_larger_than_a_chunk_write_and_undo_whole(db: Database,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """More documents, gold spans, links and decisions than one statement takes (a chunk
    made small here): every row is written, and undone, in its batch."""
    monkeypatch.setattr(crepo, "_CHUNK", 7)
    ids = random_project(db, 9, documents=9, places=12)
    preview = curation.preview_auto(db, 2)
    report = curation.auto_curate(db, 2, curator="lead")
    assert len(report.decisions) == len(preview.taken) > 3 * 7
    assert any(d.decision == "majority" for d in report.decisions)
    assert len(curation.list_decisions(db, ids)) == len(report.decisions)
    gold = sum(len(span_service.spans_for_document(db, d, ["gold"])) for d in ids)
    assert gold == len(report.decisions)
    assert sum(len(arepo_links(db, d)) for d in ids) > 7
    assert {x.document_id for x in report.taken} == set(ids)
    assert len(curation.undo_last(db).decisions) == len(report.decisions)
    assert curation.list_decisions(db, ids) == []
    assert sum(len(span_service.spans_for_document(db, d, ["gold"])) for d in ids) == 0


@pytest.mark.parametrize("seed", [5, 6])
def test_each_decision_returns_its_documents_passages_after_it(db: Database, seed: int) -> None:
    """Accept, reject, merge and undo read only the stretches they touch; the passages they
    return, put in place of the ones they replace, are the document's passages read afresh."""
    ids = random_project(db, seed, documents=1, places=24)
    (doc,) = ids
    rng = random.Random(seed)
    shown = list(curation.document_curation(db, doc).passages)
    done: list[CurationResult] = []
    for step in range(30):
        open_ = [p for p in shown if p.versions and not p.decided]
        kind = rng.random()
        try:
            if done and (kind < 0.2 or not open_):
                change = curation.undo(db, done.pop(rng.randrange(len(done))))
            elif kind < 0.55:
                change = curation.accept_span(db, rng.choice(rng.choice(open_).versions).span.id,
                                              curator="lead")
            elif kind < 0.75:
                p = rng.choice(open_)
                change = curation.reject_passage(db, doc, p.start, p.end, curator="lead",
                                                 from_span_ids=list(p.span_ids))
            else:
                i = rng.randrange(len(open_))  # a passage, with the next open one
                p, q = open_[i], open_[min(i + 1, len(open_) - 1)]
                change = curation.merge_spans(db, doc, p.start, q.end,
                                              labels={"stance": "favor"}, curator="lead",
                                              from_span_ids=[*p.span_ids, *q.span_ids])
        except (CurationError, StaleEditError):
            continue  # refused (a rejected source, a gold span still linked to): nothing changed
        if isinstance(change, CurationResult):
            done.append(change)
        (update,) = change.updates
        shown = update.apply(shown)
        assert shown == list(curation.document_curation(db, doc).passages), step
