"""Annotator bundles between two databases of the same corpus: a laptop (SQLite) exports, the
team's database (SQLite, and PostgreSQL when the server is there) merges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stancedesk.domain import Scheme
from stancedesk.domain.attribution import LinkKind, SpanRole
from stancedesk.domain.errors import Cancelled
from stancedesk.formats.errors import FormatError
from stancedesk.formats.labelmap import LabelMapping
from stancedesk.services import attribution as attr
from stancedesk.services import corpus, schemes
from stancedesk.services import spans as span_service
from stancedesk.services.bundle_export import export_bundle
from stancedesk.services.bundle_merge import import_bundles
from stancedesk.services.project import open_database
from stancedesk.storage import attribution as arepo
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

TITLE = "Ostrelia to host first Varnesia–Halmora contacts in four years"


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "laptop.sqlite"), seed_sample=True)
    yield database
    database.dispose()


def first_doc(db: Database) -> tuple[str, str]:
    doc = next(d for d in corpus.list_documents(db) if d.title == TITLE)
    return doc.id, corpus.get_document(db, doc.id).text


def add(db: Database, phrase: str, who: str = "ana", role: str | None = None,
        **labels: str) -> str:
    doc, text = first_doc(db)
    start = text.index(phrase)
    return span_service.create_span(db, doc, who, start, start + len(phrase), labels,
                                    role=role).id


@pytest.fixture
def work(laptop: Database) -> dict[str, str]:
    """Ana's work on the laptop: a source naming a registry entity, a claim linked to it, a
    plain span with a note, and the document marked done."""
    ids = {"source": add(laptop, "the Ostrelian foreign ministry", role="source",
                         sourcing="official", reliability="B"),
           "claim": add(laptop, "Ostrelia will host the first direct contacts", role="claim",
                        stance="favor", target="talks"),
           "plain": add(laptop, "a cautious first step", stance="neutral")}
    span_service.update_span(laptop, ids["plain"], note="hedged")
    attr.link(laptop, ids["claim"], LinkKind.ATTRIBUTED_TO, ids["source"])
    entity = attr.create_entity(laptop, "Ostrelian Foreign Ministry", "official",
                                ["MFA Ostrelia"], "the ministry")
    attr.name_source(laptop, ids["source"], entity.id)
    span_service.set_document_status(laptop, first_doc(laptop)[0], "ana", "done")
    ids["entity"] = entity.id
    return ids


def snapshot(db: Database) -> dict[str, Any]:
    with db.read() as session:
        spans = sorted((s.id, s.document_id, s.annotator, s.start, s.end, s.text,
                        tuple(sorted(s.labels.items())), s.note, s.role, s.entity_id, s.version,
                        s.created_at, s.updated_at) for s in repo.iter_spans(session))
        links = sorted((k.from_span, str(k.kind), k.to_span) for k in arepo.links_in(session))
        entities = sorted((e.id, e.name, e.sourcing, e.aliases, e.notes)
                          for e in arepo.list_entities(session))
        statuses = {name: repo.document_statuses(session, name)
                    for name in (a.name for a in repo.list_annotators(session))}
    return {"spans": spans, "links": links, "entities": entities, "statuses": statuses}


def bundle_of(db: Database, tmp_path: Path, name: str = "ana.json", who: str = "ana") -> Path:
    path = tmp_path / name
    export_bundle(db, who, path)
    return path


def edit_json(path: Path, change: Any) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_round_trip_between_two_databases(laptop: Database, sample_db: Database,
                                          work: dict[str, str], tmp_path: Path) -> None:
    path = bundle_of(laptop, tmp_path)
    report = import_bundles(sample_db, [path])
    merge = report.merges[0]
    assert (len(merge.added), merge.updated, merge.conflicts, merge.deleted) == (3, [], {}, [])
    assert merge.annotator_created and merge.entities_created == ["Ostrelian Foreign Ministry"]
    assert merge.links_set == 1 and merge.statuses_set == 1
    assert "the same as this database's" in merge.scheme
    mine, theirs = snapshot(laptop), snapshot(sample_db)
    assert theirs["spans"] == mine["spans"]  # ids, offsets, labels, notes, versions, times
    assert theirs["links"] == mine["links"]
    assert theirs["entities"] == mine["entities"]  # the entity keeps its id where it is free
    assert theirs["statuses"]["ana"] == mine["statuses"]["ana"]
    doc = first_doc(sample_db)[0]
    assert report.changes.spans_added == {doc: {"ana": 3}}
    assert report.changes.annotators_added == frozenset({"ana"})


def test_the_same_bundle_twice_changes_nothing(laptop: Database, sample_db: Database,
                                               work: dict[str, str], tmp_path: Path) -> None:
    path = bundle_of(laptop, tmp_path)
    import_bundles(sample_db, [path])
    before = snapshot(sample_db)
    again = import_bundles(sample_db, [path]).merges[0]
    assert len(again.unchanged) == 3 and not again.changed_anything
    assert again.entities_unchanged == ["Ostrelian Foreign Ministry"]
    assert snapshot(sample_db) == before


def test_a_span_edited_on_the_laptop_is_updated_by_version(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    span_service.update_labels(laptop, work["claim"], {"stance": "against"})
    edited = span_service.get_span(laptop, work["claim"])
    report = import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    merge = report.merges[0]
    assert merge.updated == [work["claim"]] and len(merge.unchanged) == 2
    stored = span_service.get_span(sample_db, work["claim"])
    assert stored.labels["stance"] == "against" and stored.version == edited.version
    assert report.changes.spans_changed == {first_doc(sample_db)[0]: {"ana": 1}}
    assert attr.links_of(sample_db, stored.document_id, "ana")  # the link stays


def test_a_newer_span_here_is_not_overwritten(laptop: Database, sample_db: Database,
                                              work: dict[str, str], tmp_path: Path) -> None:
    old = bundle_of(laptop, tmp_path, "old.json")
    import_bundles(sample_db, [old])
    span_service.update_labels(sample_db, work["claim"], {"stance": "neutral"})
    merge = import_bundles(sample_db, [old]).merges[0]
    assert "newer here" in merge.conflicts[work["claim"]]
    assert span_service.get_span(sample_db, work["claim"]).labels["stance"] == "neutral"


def test_edits_on_both_sides_are_a_conflict(laptop: Database, sample_db: Database,
                                            work: dict[str, str], tmp_path: Path) -> None:
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    span_service.update_labels(sample_db, work["claim"], {"stance": "neutral"})
    span_service.update_labels(laptop, work["claim"], {"stance": "against"})
    span_service.update_span(laptop, work["claim"], note="twice")
    merge = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    assert "edited on both sides" in merge.conflicts[work["claim"]]
    assert span_service.get_span(sample_db, work["claim"]).labels["stance"] == "neutral"


def test_deleted_on_the_laptop_is_deleted_unless_edited_here(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    span_service.delete_span(laptop, work["plain"])
    attr.delete_spans(laptop, [work["claim"]])
    span_service.update_span(sample_db, work["claim"], note="the lead's note")
    own = add(sample_db, "senior officials", stance="neutral")  # ana's, made here
    report = import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    merge = report.merges[0]
    assert merge.deleted == [work["plain"]]
    assert "edited here" in merge.kept[work["claim"]]
    assert "never came from a bundle" in merge.kept[own]
    assert report.changes.spans_removed == {first_doc(sample_db)[0]: {"ana": 1}}
    remaining = {s.id for s in span_service.list_spans(sample_db)}
    assert work["plain"] not in remaining and {work["claim"], own} <= remaining


def test_a_changed_document_is_refused_by_name(laptop: Database, sample_db: Database,
                                               work: dict[str, str], tmp_path: Path) -> None:
    doc = first_doc(laptop)[0]

    def change(data: dict[str, Any]) -> None:
        for entry in data["documents"]:
            if entry["id"] == doc:
                entry["sha256"] = "0" * 64

    path = edit_json(bundle_of(laptop, tmp_path), change)
    before = snapshot(sample_db)
    with pytest.raises(FormatError) as caught:
        import_bundles(sample_db, [path])
    message = str(caught.value)
    assert str(path) in message and "differs" in message and doc in message
    assert "01-ostrelia-hosts-exploratory-talks.md" in message and TITLE in message
    assert snapshot(sample_db) == before


def test_a_document_missing_here_is_refused_by_name(laptop: Database, db: Database,
                                                    work: dict[str, str],
                                                    tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"(?s)not in this database.*01-ostrelia-hosts"):
        import_bundles(db, [bundle_of(laptop, tmp_path)])
    assert span_service.list_spans(db) == []


def _with_sceptical(scheme: Scheme) -> Scheme:
    data = scheme.to_dict()
    stance = next(layer for layer in data["layers"] if layer["key"] == "stance")
    stance["labels"].append({"key": "sceptical", "name": "Sceptical"})
    data["version"] = 2
    return Scheme.from_dict(data)


def test_an_incompatible_scheme_is_refused_unless_mapped(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    schemes.replace_scheme(laptop, _with_sceptical(schemes.get_scheme(laptop)))
    span_service.update_labels(laptop, work["claim"], {"stance": "sceptical"})
    path = bundle_of(laptop, tmp_path)
    with pytest.raises(FormatError) as caught:
        import_bundles(sample_db, [path])
    message = str(caught.value)
    assert "'stance:sceptical': 1 span(s)" in message and "--mapping" in message
    assert "version 2" in message and span_service.list_spans(sample_db) == []
    mapping = LabelMapping({"stance:sceptical": (("stance", "against"),)})
    merge = import_bundles(sample_db, [path], mapping).merges[0]
    assert len(merge.added) == 3 and "differs" in merge.scheme
    assert span_service.get_span(sample_db, work["claim"]).labels["stance"] == "against"


def test_another_annotators_spans_are_never_touched(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    bens = add(sample_db, "a cautious first step", who="ben", stance="against")
    ben_before = span_service.get_span(sample_db, bens)
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    assert span_service.get_span(sample_db, bens) == ben_before

    def steal(data: dict[str, Any]) -> None:  # the plain span has no links
        next(s for s in data["spans"] if s["id"] == work["plain"])["id"] = bens

    path = edit_json(bundle_of(laptop, tmp_path, "steal.json"), steal)
    with pytest.raises(FormatError, match=f"span {bens} belongs to annotator 'ben'"):
        import_bundles(sample_db, [path])
    assert span_service.get_span(sample_db, bens) == ben_before


def test_entities_merge_by_name_and_collisions_are_reported(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    kept = attr.create_entity(sample_db, "the Ostrelian foreign ministry", "diplomat")
    attr.create_entity(sample_db, "Foreign Office", "official", ["MFA Ostrelia"])
    merge = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    assert merge.entities_created == []
    assert merge.entities_merged == ["the Ostrelian foreign ministry: notes"]
    assert any("sourcing 'official' in the bundle, 'diplomat' here (kept)" in c
               for c in merge.collisions)
    assert any("alias 'MFA Ostrelia'" in c and "'Foreign Office'" in c
               for c in merge.collisions)
    assert any("not renamed" in c for c in merge.collisions)
    registry = {e.entity.name: e for e in attr.registry(sample_db)}
    merged = registry["the Ostrelian foreign ministry"].entity
    assert (merged.sourcing, merged.aliases, merged.notes) == ("diplomat", (), "the ministry")
    assert span_service.get_span(sample_db, work["source"]).entity_id == kept.id
    assert set(registry) == {"the Ostrelian foreign ministry", "Foreign Office"}


def test_a_dry_run_reports_the_merge_and_stores_nothing(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    path = bundle_of(laptop, tmp_path)
    before = snapshot(sample_db)
    dry = import_bundles(sample_db, [path], dry_run=True)
    assert snapshot(sample_db) == before
    real = import_bundles(sample_db, [path])
    assert dry.as_json()["bundles"] == real.as_json()["bundles"]
    assert dry.text().endswith("dry run: nothing was stored")


def test_several_bundles_are_all_or_nothing(laptop: Database, sample_db: Database,
                                            work: dict[str, str], tmp_path: Path) -> None:
    add(laptop, "senior officials", who="ben", stance="neutral")
    good = bundle_of(laptop, tmp_path)

    def break_link(data: dict[str, Any]) -> None:  # a link the wrong way round
        data["links"] = [{"from": data["spans"][0]["id"], "kind": "attributed_to",
                          "to": data["spans"][0]["id"]}]

    bad = edit_json(bundle_of(laptop, tmp_path, "ben.json", "ben"), break_link)
    before = snapshot(sample_db)
    with pytest.raises(FormatError, match=r"(?s)ben\.json.*cannot be linked to itself"):
        import_bundles(sample_db, [good, bad])
    assert snapshot(sample_db) == before
    with pytest.raises(FormatError, match="a second bundle of annotator 'ana'"):
        import_bundles(sample_db, [good, good])


def test_links_are_checked_with_the_attribution_rules(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    def reverse(data: dict[str, Any]) -> None:
        link = data["links"][0]
        link["from"], link["to"] = link["to"], link["from"]

    path = edit_json(bundle_of(laptop, tmp_path), reverse)
    with pytest.raises(FormatError, match="must start at a claim span, not a source"):
        import_bundles(sample_db, [path])
    assert span_service.list_spans(sample_db) == []


def test_roles_travel_and_a_role_edit_updates(laptop: Database, sample_db: Database,
                                             work: dict[str, str], tmp_path: Path) -> None:
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    attr.set_role(laptop, work["plain"], SpanRole.CLAIM)
    merge = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    assert merge.updated == [work["plain"]]
    assert span_service.get_span(sample_db, work["plain"]).role == "claim"


def test_a_cancelled_merge_stores_nothing(laptop: Database, sample_db: Database,
                                          work: dict[str, str], tmp_path: Path) -> None:
    path = bundle_of(laptop, tmp_path)
    seen: list[tuple[int, int, str]] = []
    before = snapshot(sample_db)

    def cancel_while_merging() -> bool:  # after the file was read, inside the transaction
        return any("merging" in text for _, _, text in seen)

    with pytest.raises(Cancelled):
        import_bundles(sample_db, [path], progress=lambda *a: seen.append(a),
                       cancelled=cancel_while_merging)
    assert seen[-1] == (0, 3, "merging ana's spans") and snapshot(sample_db) == before
    report = import_bundles(sample_db, [path], progress=lambda *a: seen.append(a))
    assert seen[-1] == (3, 3, "checking links") and len(report.merges[0].added) == 3


def test_two_annotators_merge_in_one_import(laptop: Database, sample_db: Database,
                                            work: dict[str, str], tmp_path: Path) -> None:
    bens = add(laptop, "senior officials", who="ben", stance="neutral")
    report = import_bundles(sample_db, [bundle_of(laptop, tmp_path),
                                        bundle_of(laptop, tmp_path, "ben.json", "ben")])
    assert [(m.annotator, len(m.added)) for m in report.merges] == [("ana", 3), ("ben", 1)]
    assert "annotator ben (new in this database)" in report.text()
    assert span_service.get_span(sample_db, bens).annotator == "ben"
    assert report.changes.annotators_added == frozenset({"ana", "ben"})


def test_a_name_that_is_an_alias_here_names_that_source(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path) -> None:
    owner = attr.create_entity(sample_db, "Ministry of Foreign Affairs of Ostrelia", "official",
                               ["Ostrelian Foreign Ministry"])
    merge = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    assert merge.collisions == ["'Ostrelian Foreign Ministry' is an alias of registry source "
                                "'Ministry of Foreign Affairs of Ostrelia' here; its spans name "
                                "'Ministry of Foreign Affairs of Ostrelia'"]
    assert merge.entities_created == [] and len(attr.registry(sample_db)) == 1
    assert span_service.get_span(sample_db, work["source"]).entity_id == owner.id
    assert import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0].unchanged


@pytest.mark.parametrize("rename", [True, False])
def test_a_re_merge_moves_relabels_and_renames_in_one_go_and_keeps_a_conflict(
        laptop: Database, sample_db: Database, work: dict[str, str], tmp_path: Path,
        rename: bool) -> None:
    """A SQLite merge applies its overwrites by statements that leave a span's offsets and
    source alone where they stay (an index rewrite spared): a moved span, a source naming
    another registry entity, a relabelled span and a span not overwritten (a conflict) must
    each end as the merge's rules say, with the version recorded for the next merge. A
    source span is staged whether or not it changed: unchanged (``rename`` False), it is
    staged and not applied."""
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    extra = add(laptop, "Ostrelia", who="ana", stance="favor")
    import_bundles(sample_db, [bundle_of(laptop, tmp_path)])
    _, text = first_doc(laptop)
    claim = span_service.get_span(laptop, work["claim"])
    span_service.update_span(laptop, work["claim"], start=claim.start + 9)  # moved
    span_service.update_span(laptop, work["plain"], labels={"stance": "against"})  # in place
    if rename:
        other = attr.create_entity(laptop, "Ostrelian Interior Ministry", "official")
        attr.name_source(laptop, work["source"], other.id)  # another source, same place
    span_service.update_labels(laptop, extra, {"stance": "against"})
    span_service.update_labels(sample_db, extra, {"stance": "neutral"})  # edited on both sides
    merge = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    changed = [work["claim"], work["plain"]] + ([work["source"]] if rename else [])
    assert sorted(merge.updated) == sorted(changed)
    assert list(merge.conflicts) == [extra]
    for span_id in (work["claim"], work["plain"], work["source"]):
        mine, theirs = span_service.get_span(laptop, span_id), span_service.get_span(
            sample_db, span_id)
        assert (theirs.start, theirs.end, theirs.text, theirs.labels, theirs.note,
                theirs.role, theirs.version) == (mine.start, mine.end, mine.text, mine.labels,
                                                 mine.note, mine.role, mine.version)
    moved = span_service.get_span(sample_db, work["claim"])
    assert moved.text == text[claim.start + 9:claim.end] and moved.start == claim.start + 9
    named = span_service.get_span(sample_db, work["source"]).entity_id
    assert named is not None
    assert attr.entity_names(sample_db)[named] == ("Ostrelian Interior Ministry" if rename
                                                   else "Ostrelian Foreign Ministry")
    assert span_service.get_span(sample_db, extra).labels["stance"] == "neutral"
    again = import_bundles(sample_db, [bundle_of(laptop, tmp_path)]).merges[0]
    assert not again.updated and list(again.conflicts) == [extra]
