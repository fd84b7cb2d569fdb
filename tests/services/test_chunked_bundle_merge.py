"""A bundle merge on SQLite checks its bundles without the write lock and stores their new
spans in chunks hidden until the merge's own transaction publishes them: readers see none of
them before and all after, a desk saving meanwhile never waits long, and a refusal or a cancel
in the merge leaves nothing."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from stancedesk.domain.errors import Cancelled
from stancedesk.formats.errors import FormatError
from stancedesk.services import attribution, corpus, curation, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.attribution import AttributionError
from stancedesk.services.bundle_export import export_bundle
from stancedesk.services.bundle_merge import import_bundles
from stancedesk.services.project import open_database
from stancedesk.storage import attribution as arepo
from stancedesk.storage import bundles
from stancedesk.storage.engine import Database
from tests.services.killed_midway import kill_midway, killed_script
from tests.services.saving_desk import WORDS, SavingDesk

TEXT = "Officials said the talks went well, sources said.\n"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 50 new spans: a bundle of a thousand takes twenty commits."""
    monkeypatch.setattr(bundles, "FIRST_CHUNK", 50)
    monkeypatch.setattr(bundles, "MIN_CHUNK", 50)
    monkeypatch.setattr(bundles, "MAX_CHUNK", 50)


def _bundle(tmp_path: Path, n: int) -> Path:
    """A bundle of ``n`` spans by "ana", made on a laptop from the same article."""
    laptop = open_database(str(tmp_path / "laptop.sqlite"), seed_sample=False)
    try:
        (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
        doc = corpus.import_paths(laptop, [tmp_path / "a.txt"]).added[0].id
        path = tmp_path / "spans.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["document_id", "annotator", "start", "end", "text", "stance",
                             "note"])
            for i in range(n):
                start, end = WORDS[i % len(WORDS)]
                writer.writerow([doc, "ana", start, end, TEXT[start:end],
                                 ("favor", "against", "neutral")[i % 3], f"n{i}"])
        formats_registry.import_annotations(laptop, path, fmt="csv")
        bundle = tmp_path / "ana.stancedesk-bundle.json"
        export_bundle(laptop, "ana", bundle)
    finally:
        laptop.dispose()
    return bundle


def _team(db: Database, tmp_path: Path) -> str:
    """The team's database holds the same article (and a span of its own)."""
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "a.txt").write_text(TEXT, encoding="utf-8")
    doc = corpus.import_paths(db, [tmp_path / "team" / "a.txt"]).added[0].id
    span_service.create_span(db, doc, "lead", 0, 9, {"stance": "favor"})
    return doc


def _all_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM spans")).scalar_one())


def _bundle_imports(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [str(state) for (state,) in conn.execute(text(
            "SELECT state FROM imports WHERE kind = 'bundle'"))]


def test_readers_see_no_span_of_the_merge_until_it_is_published(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    bundle = _bundle(tmp_path, 1000)
    _team(db, tmp_path)
    seen: list[tuple[Any, ...]] = []

    def look() -> bool:
        seen.append((len(span_service.list_spans(db)), span_service.list_annotator_names(db),
                     _all_rows(db)))
        return False

    report = import_bundles(db, [bundle], cancelled=look)
    merge = report.merges[0]
    assert len(merge.added) == 1000 and merge.annotator_created
    assert report.changes.annotators_added == frozenset({"ana"})
    assert {(shown, tuple(names)) for shown, names, _ in seen} == {(1, ("lead",))}
    stored = [rows for *_, rows in seen]
    if db.is_sqlite:  # twenty chunks committed, hidden, before the merge published them
        assert max(stored) >= 951 and stored == sorted(stored)
    assert span_service.spans_per_annotator(db) == {"ana": 1000, "lead": 1}
    again = import_bundles(db, [bundle]).merges[0]
    assert len(again.unchanged) == 1000 and again.added == []
    assert _bundle_imports(db) == (["published"] if db.is_sqlite else [])


def test_a_refusal_in_the_merge_discards_the_spans_stored_ahead(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    """The link checks run in the merge's transaction, after the new spans were stored in
    chunks: a link the rules refuse leaves nothing, chunks included."""
    bundle = _bundle(tmp_path, 600)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    first = data["spans"][0]["id"]
    data["links"] = [{"from": first, "kind": "attributed_to", "to": first}]
    bundle.write_text(json.dumps(data), encoding="utf-8")
    _team(db, tmp_path)
    with pytest.raises(FormatError, match="cannot be linked to itself"):
        import_bundles(db, [bundle])
    assert _all_rows(db) == 1 and _bundle_imports(db) == []
    assert span_service.list_annotator_names(db) == ["lead"]


def test_a_cancel_while_storing_stores_nothing(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    bundle = _bundle(tmp_path, 600)
    _team(db, tmp_path)
    steps: list[str] = []

    def cancel_at_the_third_step() -> bool:
        """SQLite: after the second chunk stored; a server: in its one transaction, merging."""
        return len(steps) >= 3

    with pytest.raises(Cancelled):
        import_bundles(db, [bundle], progress=lambda _d, _t, step: steps.append(step),
                       cancelled=cancel_at_the_third_step)
    assert steps[-1] == ("storing ana's new spans" if db.is_sqlite else "merging ana's spans")
    assert _all_rows(db) == 1 and _bundle_imports(db) == []
    assert span_service.list_annotator_names(db) == ["lead"]


def _merge_while_a_desk_saves(db: Database, db_path: Path, tmp_path: Path, *,
                              dry_run: bool, longest: float = 1.0) -> tuple[Any, SavingDesk]:
    """Merge (or preview) a bundle of 20,000 new spans while a desk saves as fast as it can;
    the report and the desk, whose waits are checked as the real merge's and the preview's
    alike: saves landed between the chunks, none waited long or failed."""
    bundle = _bundle(tmp_path, 20_000)
    doc = _team(db, tmp_path)
    desk = open_database(str(db_path), seed_sample=False)
    saved_while_storing: list[int] = []
    saving = SavingDesk(desk, doc)

    def progress(_done: int, _total: int, step: str) -> None:
        if step.startswith("storing"):
            saved_while_storing.append(len(saving.waits))

    with saving:
        report = import_bundles(db, [bundle], dry_run=dry_run, progress=progress)
    waits = saving.waits
    assert saving.failures == [] and saved_while_storing, "the new spans went in chunks"
    assert saved_while_storing[-1] > saved_while_storing[0], "saves landed between chunks"
    assert max(waits) < longest, f"a desk save waited {max(waits):.2f} s"
    return report, saving


@pytest.mark.sqlite_only
def test_a_desk_saving_during_a_merge_never_waits_long_nor_fails(
        db: Database, db_path: Path, tmp_path: Path) -> None:
    report, saving = _merge_while_a_desk_saves(db, db_path, tmp_path, dry_run=False)
    assert len(report.merges[0].added) == 20_000
    assert span_service.spans_per_annotator(db)["desk"] == len(saving.waits)


@pytest.mark.sqlite_only
def test_a_dry_run_stores_in_hidden_chunks_blocks_no_desk_and_leaves_nothing(
        db: Database, db_path: Path, tmp_path: Path) -> None:
    """The preview of a merge was one write transaction rolled back: on SQLite no desk could
    save while it ran (seconds for a bundle of 20,000 spans). The bound on a desk's wait is
    looser than the merge's: the preview also deletes what it stored, in chunks, and this
    desk is a thread of the same process, so on a loaded machine (load 5-9) the longest
    wait reached 1.0-1.6 s in a few full-suite runs; benchmarks/bundles.py gives the figure
    for a desk process (docs/performance.md)."""
    preview, saving = _merge_while_a_desk_saves(db, db_path, tmp_path, dry_run=True,
                                                longest=2.0)
    assert _all_rows(db) == 1 + len(saving.waits) and _bundle_imports(db) == [], \
        "the preview left nothing behind"
    assert span_service.list_annotator_names(db) == ["desk", "lead"]
    report = import_bundles(db, [tmp_path / "ana.stancedesk-bundle.json"])
    assert preview.dry_run and not report.dry_run
    assert (len(preview.merges[0].added), preview.merges[0].annotator_created,
            preview.changes) == (20_000, True, report.changes)
    assert len(report.merges[0].added) == 20_000


_KILLED_MERGE = killed_script(
    "from stancedesk.services.bundle_merge import import_bundles\n"
    "from stancedesk.storage import bundles\n"
    "bundles.FIRST_CHUNK = bundles.MIN_CHUNK = bundles.MAX_CHUNK = 50",
    # once reading the file; SQLite: then after each chunk (9 stored); a server: merging
    "(10 if database.is_sqlite else 2)",
    "import_bundles(database, [Path(source)], cancelled=wait_to_be_killed)")


@pytest.mark.parametrize("cleaner", ["next write-opening", "next merge", "next dry run"])
def test_a_killed_merge_shows_nothing_and_is_cleaned_up(
        db: Database, db_url: str, tmp_path: Path, cleaner: str) -> None:
    """A merge SIGKILLed while storing its new spans (on a server: in its one transaction)
    leaves an intact database showing nothing of it; whatever opens or imports next deletes
    what it stored, and the same merge then succeeds."""
    bundle = _bundle(tmp_path, 1000)
    _team(db, tmp_path)
    marker = tmp_path / "chunks-stored"

    def while_alive() -> None:  # a write-opening leaves a running merge's rows alone
        alive = open_database(db_url, seed_sample=False)
        assert _bundle_imports(alive) == (["pending"] if db.is_sqlite else [])
        alive.dispose()

    kill_midway(_KILLED_MERGE, [db_url, str(bundle), str(marker)], marker, while_alive)
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert _all_rows(db) == 1 + 450, "nine chunks were committed before the kill"
    assert _bundle_imports(db) == (["pending"] if db.is_sqlite else [])
    assert [s.annotator for s in span_service.list_spans(db)] == ["lead"]
    assert span_service.list_annotator_names(db) == ["lead"]
    if cleaner == "next write-opening":
        open_database(db_url, seed_sample=False).dispose()
        assert _all_rows(db) == 1 and _bundle_imports(db) == []
    elif cleaner == "next dry run":
        preview = import_bundles(db, [bundle], dry_run=True)
        assert len(preview.merges[0].added) == 1000 and preview.merges[0].annotator_created
        assert _all_rows(db) == 1 and _bundle_imports(db) == []
    report = import_bundles(db, [bundle])
    assert len(report.merges[0].added) == 1000 and report.merges[0].annotator_created
    assert span_service.spans_per_annotator(db) == {"ana": 1000, "lead": 1}
    assert _all_rows(db) == 1001
    assert _bundle_imports(db) == (["published"] if db.is_sqlite else [])


def _naming_a_source(bundle: Path, name: str) -> None:
    """Make the bundle's first span a source naming registry source ``name``, new here."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["entities"] = [{"id": "e-1", "name": name, "sourcing": "", "aliases": [],
                         "notes": "", "grades": []}]
    data["spans"][0].update(role="source", entity_id="e-1", labels={})
    bundle.write_text(json.dumps(data), encoding="utf-8")


def _reuters(db: Database) -> list[tuple[str, str]]:
    return [(e.entity.name, e.entity.notes) for e in attribution.registry(db)]


def test_a_desk_adding_the_source_a_merge_is_creating_is_told_it_exists(
        db: Database, db_url: str, tmp_path: Path) -> None:
    """A desk adds "Reuters" while the merge's transaction holds the "Reuters" it created:
    on a server the desk's INSERT waited for the merge and then failed on the unique name
    with a traceback (an IntegrityError); now it is refused as any name already in the
    registry is, and there is one "Reuters", the merge's."""
    bundle = _bundle(tmp_path, 1000)
    _naming_a_source(bundle, "Reuters")
    _team(db, tmp_path)
    desk = open_database(db_url, seed_sample=False)
    outcome: dict[str, Any] = {}

    def add() -> None:
        try:
            outcome["desk"] = attribution.create_entity(desk, "Reuters", notes="desk")
        except Exception as exc:  # what the desk met, a traceback or not
            outcome["desk"] = exc

    worker = threading.Thread(target=add)

    def progress(_done: int, _total: int, step: str) -> None:
        if step.startswith("merging") and not worker.is_alive() and "desk" not in outcome:
            worker.start()  # the merge's transaction holds its new "Reuters" now
            deadline = time.monotonic() + 10
            while not db.is_sqlite and time.monotonic() < deadline and not _waiting(db):
                time.sleep(0.01)

    try:
        report = import_bundles(db, [bundle], progress=progress)
        worker.join()
    finally:
        desk.dispose()
    assert report.merges[0].entities_created == ["Reuters"]
    assert isinstance(outcome["desk"], AttributionError), repr(outcome["desk"])
    assert "already in the registry" in str(outcome["desk"])
    assert _reuters(db) == [("Reuters", "")]
    (source,) = [s for s in span_service.list_spans(db) if s.entity_id]
    assert source.entity_id == attribution.registry(db)[0].entity.id


def _waiting(db: Database) -> bool:
    """Whether another connection of the server waits for a lock (the desk's INSERT)."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def test_a_source_a_desk_adds_after_the_merge_looked_is_merged_into(
        db: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk adds "Reuters" after the merge looked for it and found none, before the merge
    adds it (on a server, where nothing holds the desk back; on SQLite the merge holds the
    write lock throughout): the merge's INSERT failed on the unique name with a traceback
    and nothing was merged; now the merge takes the desk's source as found here."""
    if db.is_sqlite:
        pytest.skip("SQLite's write lock keeps the desk out between the look-up and the add")
    bundle = _bundle(tmp_path, 1000)
    _naming_a_source(bundle, "Reuters")
    _team(db, tmp_path)
    desk = open_database(db_url, seed_sample=False)
    look_up, added = arepo.find_entity_by_key, []

    def look_up_then_a_desk_adds(session: Any, key: str) -> Any:
        found = look_up(session, key)
        if found is None and key == "reuters" and not added:
            added.append(key)  # once: the desk's own unit of work looks the name up too
            attribution.create_entity(desk, "Reuters", notes="desk")
        return found

    monkeypatch.setattr(arepo, "find_entity_by_key", look_up_then_a_desk_adds)
    try:
        merge = import_bundles(db, [bundle]).merges[0]
    finally:
        desk.dispose()
    assert merge.entities_created == [] and merge.entities_unchanged == ["Reuters"]
    assert len(merge.added) == 1000 and _reuters(db) == [("Reuters", "desk")]
    (source,) = [s for s in span_service.list_spans(db) if s.entity_id]
    assert source.entity_id == attribution.registry(db)[0].entity.id


def _with_decisions(bundle: Path, rejections: int) -> None:
    """A curator's decisions in the bundle: one accepting each span, ``rejections`` of
    passages nobody marked, and one more rejection of the first such passage (skipped: the
    passage is decided already)."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    common = {"decision": "rejected", "curated_by": "lea",
              "curated_at": "2026-12-01T10:00:00Z", "curated_from": ["ana"],
              "from_span_ids": []}
    doc = data["spans"][0]["document_id"]
    passages = [(a, b) for a in range(len(TEXT)) for b in range(a + 1, len(TEXT))
                if (a, b) not in WORDS]  # the spans' passages are decided by accepting
    data["decisions"] = [
        {**common, "id": f"a-{i}", "document_id": span["document_id"], "span_id": span["id"],
         "start": span["start"], "end": span["end"], "decision": "unanimous"}
        for i, span in enumerate(data["spans"])] + [
        {**common, "id": f"r-{i}", "document_id": doc, "span_id": None, "start": a, "end": b}
        for i, (a, b) in enumerate(passages[:rejections])] + [
        {**common, "id": "r-again", "document_id": doc, "span_id": None,
         "start": passages[0][0], "end": passages[0][1]}]
    data["format_version"] = 2  # the version that carries decisions
    bundle.write_text(json.dumps(data), encoding="utf-8")


def _decision_rows(db: Database) -> int:
    """Decisions in the table, hidden ones included (what no reader may show)."""
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM curation_decisions")).scalar_one())


def test_decisions_are_stored_ahead_in_chunks_hidden_until_the_merge_publishes(
        db: Database, tmp_path: Path, small_chunks: None) -> None:
    """A gold bundle's decisions were all stored in the merge's one write transaction, so on
    SQLite a bundle with many held the lock (and every desk) for their whole length: they
    are stored ahead in hidden chunks like the new spans, and readers of decisions see none
    of them until the merge publishes; the one its rules skip is deleted again."""
    bundle = _bundle(tmp_path, 600)
    _with_decisions(bundle, 300)
    _team(db, tmp_path)
    seen: list[tuple[str, int, int]] = []

    def look(_done: int, _total: int, step: str) -> None:
        seen.append((step, len(curation.list_decisions(db)), _decision_rows(db)))

    merge = import_bundles(db, [bundle], progress=look).merges[0]
    assert len(merge.decisions_added) == 900 and list(merge.decisions_skipped) == ["r-again"]
    assert len(curation.list_decisions(db)) == 900 == _decision_rows(db)
    assert {shown for _, shown, _ in seen} == {0}, "no decision shown before the publish"
    storing = [rows for step, _, rows in seen if step == "storing ana's curation decisions"]
    if db.is_sqlite:  # chunks of 50, committed, hidden
        assert len(storing) >= 18 and storing == sorted(storing) and storing[-1] == 901
    again = import_bundles(db, [bundle]).merges[0]
    assert again.decisions_unchanged == 900 and list(again.decisions_skipped) == ["r-again"]
    assert _decision_rows(db) == 900


@pytest.mark.parametrize("how", ["cancelled", "dry run"])
def test_decisions_stored_ahead_are_discarded_by_a_cancel_or_a_preview(
        db: Database, tmp_path: Path, small_chunks: None, how: str) -> None:
    bundle = _bundle(tmp_path, 200)
    _with_decisions(bundle, 200)
    _team(db, tmp_path)

    def cancel_while_storing_decisions(_done: int, _total: int, step: str) -> None:
        if how == "cancelled" and step.endswith("curation decisions"):
            raise Cancelled("cancelled")

    if how == "cancelled" and db.is_sqlite:
        with pytest.raises(Cancelled):
            import_bundles(db, [bundle], progress=cancel_while_storing_decisions)
    else:
        preview = import_bundles(db, [bundle], dry_run=True).merges[0]
        assert len(preview.decisions_added) == 400
    assert _decision_rows(db) == 0 and _all_rows(db) == 1 and _bundle_imports(db) == []


# --- what the merge's own transaction still wrote: sources' spans, decisions on spans here ---

def _all_sources(bundle: Path, name: str = "Reuters") -> None:
    """Every span of the bundle a source naming registry source ``name`` (new here), the
    attribution-heavy gold bundle whose spans were all written in the merge's transaction."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["entities"] = [{"id": "e-1", "name": name, "sourcing": "official", "aliases": ["R."],
                         "notes": "", "grades": []}]
    for span in data["spans"]:
        span.update(role="source", entity_id="e-1", labels={})
    bundle.write_text(json.dumps(data), encoding="utf-8")


def _self_linked(bundle: Path, kind: str = "attributed_to") -> None:
    """A link from the bundle's first span to itself: the link checks in the merge's
    transaction refuse it, after everything before them was stored or staged."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    first = data["spans"][0]["id"]
    data["links"] = [{"from": first, "kind": kind, "to": first}]
    bundle.write_text(json.dumps(data), encoding="utf-8")


def _cancelling(how: str, steps: list[str], *prefixes: str
                ) -> Callable[[int, int, str], None]:
    """A ``progress`` callback noting the steps in ``steps``; with ``how == "cancelled"`` it
    cancels at the second report of a step starting with one of ``prefixes``."""
    def progress(_done: int, _total: int, step: str) -> None:
        steps.append(step)
        if how == "cancelled" and step.startswith(prefixes) and steps.count(step) == 2:
            raise Cancelled("cancelled")

    return progress


def _desk_saves_midway(desk: Database, doc: str, step: str
                       ) -> tuple[Callable[[int, int, str], None], dict[str, Any]]:
    """A ``progress`` callback for a merge: at the second report of ``step`` (a chunk was
    committed), a desk saves a span in its own thread while the merge waits for it. A merge
    holding the write lock then would block the save until it gives up (a StorageError after
    the write wait): whether the save went through, not how fast, is the test."""
    seen: dict[str, Any] = {"calls": 0}

    def save() -> None:
        try:
            span_service.create_span(desk, doc, "desk", 0, 9, {"stance": "favor"})
            seen["spans seen"] = span_service.spans_per_annotator(desk)
            seen["sources seen"] = _reuters(desk)
            seen["decisions seen"] = len(curation.list_decisions(desk))
        except Exception as exc:  # the database was busy: the merge held the lock
            seen["error"] = exc

    def progress(_done: int, _total: int, at: str) -> None:
        if at != step:
            return
        seen["calls"] += 1
        if seen["calls"] == 2:
            worker = threading.Thread(target=save)
            worker.start()
            worker.join(30.0)
            seen["in time"] = not worker.is_alive() and "error" not in seen

    return progress, seen


def _merge_a_desk_saving_at(db: Database, db_path: Path, bundle: Path, doc: str, step: str
                            ) -> tuple[Any, dict[str, Any]]:
    """Merge ``bundle`` while a desk saves at the second chunk of ``step`` (chunks of 50 of
    1,000 rows): the merge's report and what the desk saw; its save went through."""
    desk = open_database(str(db_path), seed_sample=False)
    progress, seen = _desk_saves_midway(desk, doc, step)
    try:
        merge = import_bundles(db, [bundle], progress=progress).merges[0]
    finally:
        desk.dispose()
    assert seen["calls"] >= 19, "the rows went in chunks of 50"
    assert seen["in time"], seen.get("error", "the desk's save waited for the merge")
    return merge, seen


@pytest.mark.sqlite_only
def test_spans_naming_sources_are_stored_ahead_and_a_desk_saves_between_chunks(
        db: Database, db_path: Path, tmp_path: Path, small_chunks: None) -> None:
    """A bundle whose new spans all name a registry source was merged in one write
    transaction (the merge resolves the sources): 20,000 of them held SQLite's write lock
    2 s, and every desk waited. They are stored ahead in hidden chunks like the others, the
    source set in the merge's own transaction; a desk saves between two chunks and sees
    neither the spans nor the source before the merge publishes them."""
    bundle = _bundle(tmp_path, 1000)
    _all_sources(bundle)
    doc = _team(db, tmp_path)
    merge, seen = _merge_a_desk_saving_at(db, db_path, bundle, doc, "storing ana's new spans")
    assert seen["spans seen"] == {"desk": 1, "lead": 1} and seen["sources seen"] == []
    assert len(merge.added) == 1000 and merge.entities_created == ["Reuters"]
    (source,) = attribution.registry(db)
    assert (source.entity.name, source.entity.aliases) == ("Reuters", ("R.",))
    named = [s.entity_id for s in span_service.list_spans(db) if s.annotator == "ana"]
    assert named == [source.entity.id] * 1000
    again = import_bundles(db, [bundle]).merges[0]
    assert len(again.unchanged) == 1000 and again.entities_unchanged == ["Reuters"]


def _entity_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM entities")).scalar_one())


@pytest.mark.parametrize("how", ["cancelled", "refused"])
def test_a_cancel_or_refusal_leaves_nothing_of_spans_naming_sources(
        db: Database, tmp_path: Path, small_chunks: None, how: str) -> None:
    """Cancelled while storing the source-naming spans ahead (a server: while merging, in its
    one transaction), or refused by the link checks after they were stored and named: no
    span, source or annotator of the merge is left, hidden or not."""
    bundle = _bundle(tmp_path, 600)
    _all_sources(bundle)
    if how == "refused":
        _self_linked(bundle, "via")
    _team(db, tmp_path)
    steps: list[str] = []
    with pytest.raises(Cancelled if how == "cancelled" else FormatError):
        import_bundles(db, [bundle], progress=_cancelling(how, steps, "storing", "merging"))
    if db.is_sqlite:
        assert "storing ana's new spans" in steps
    assert _all_rows(db) == 1 and _bundle_imports(db) == [] and _entity_rows(db) == 0
    assert span_service.list_annotator_names(db) == ["lead"]


@pytest.mark.sqlite_only
def test_decisions_on_spans_already_here_are_stored_ahead_and_a_desk_saves_between_chunks(
        db: Database, db_path: Path, tmp_path: Path, small_chunks: None) -> None:
    """A gold bundle deciding spans merged earlier: its decisions were written in the merge's
    transaction (20,000 held SQLite's write lock 0.75 s). They are stored ahead in hidden
    chunks; a desk saves between two chunks and sees none of them."""
    bundle = _bundle(tmp_path, 1000)
    doc = _team(db, tmp_path)
    assert len(import_bundles(db, [bundle]).merges[0].added) == 1000
    _with_decisions(bundle, 0)  # one decision per span (all here now), and one rejection
    merge, seen = _merge_a_desk_saving_at(db, db_path, bundle, doc,
                                          "storing ana's curation decisions")
    assert seen["decisions seen"] == 0
    assert len(merge.unchanged) == 1000 and len(merge.decisions_added) == 1001
    assert len(curation.list_decisions(db)) == 1001 == _decision_rows(db)
    assert _bundle_imports(db) == ["published", "published"]


@pytest.mark.parametrize("how", ["cancelled", "refused"])
def test_a_cancel_or_refusal_leaves_no_decision_on_spans_already_here(
        db: Database, tmp_path: Path, small_chunks: None, how: str) -> None:
    bundle = _bundle(tmp_path, 600)
    _team(db, tmp_path)
    import_bundles(db, [bundle])
    before = _bundle_imports(db)
    _with_decisions(bundle, 0)
    if how == "refused":
        _self_linked(bundle)
    steps: list[str] = []
    with pytest.raises(Cancelled if how == "cancelled" else FormatError):
        import_bundles(db, [bundle], progress=_cancelling(how, steps, "storing", "merging"))
    if db.is_sqlite:
        assert "storing ana's curation decisions" in steps
    assert _decision_rows(db) == 0 and _all_rows(db) == 601
    assert _bundle_imports(db) == before, "the first merge's record only"


@pytest.mark.sqlite_only
def test_a_decision_stored_ahead_whose_span_a_desk_deletes_is_stored_with_the_span_again(
        db: Database, db_path: Path, tmp_path: Path, small_chunks: None) -> None:
    """A desk deletes a span (here already) after the merge stored its decision ahead: the
    decision went with it (ON DELETE CASCADE). The merge adds the span again, as new, and
    its decision with it, as it would have had the desk deleted it before the merge."""
    bundle = _bundle(tmp_path, 200)
    _team(db, tmp_path)
    import_bundles(db, [bundle])
    _with_decisions(bundle, 0)
    victim = json.loads(bundle.read_text(encoding="utf-8"))["spans"][0]["id"]
    desk = open_database(str(db_path), seed_sample=False)
    deleted: list[str] = []

    def progress(_done: int, _total: int, step: str) -> None:
        if step == "storing ana's curation decisions" and not deleted:
            deleted.append(victim)
            span_service.delete_span(desk, victim)

    try:
        merge = import_bundles(db, [bundle], progress=progress).merges[0]
    finally:
        desk.dispose()
    assert deleted and merge.added == [victim] and len(merge.unchanged) == 199
    assert len(merge.decisions_added) == 201
    decided = {d.span_id for d in curation.list_decisions(db)}
    assert victim in decided and len(curation.list_decisions(db)) == 201 == _decision_rows(db)


def _all_changed(bundle: Path) -> None:
    """Every span edited on the laptop since the last merge: a new note, the next version."""
    data = json.loads(bundle.read_text(encoding="utf-8"))
    for span in data["spans"]:
        span.update(note=span["note"] + " (checked)", version=span["version"] + 1)
    bundle.write_text(json.dumps(data), encoding="utf-8")


def _notes(db: Database, annotator: str = "ana") -> list[str]:
    return sorted(s.note for s in span_service.list_spans(db) if s.annotator == annotator)


@pytest.mark.sqlite_only
def test_overwrites_are_staged_without_the_lock_and_a_desk_saves_meanwhile(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-merging a bundle whose every span changed overwrote them one ORM update at a time
    in the merge's transaction (20,000 held SQLite's write lock 10 s). The new content is
    staged while the merge checks, holding no lock (a desk saves then), and copied over by
    one statement in the transaction."""
    bundle = _bundle(tmp_path, 1000)
    doc = _team(db, tmp_path)
    import_bundles(db, [bundle])
    _all_changed(bundle)
    desk = open_database(str(db_path), seed_sample=False)
    staged: list[int] = []
    outcome: dict[str, Any] = {}
    stage = bundles.OverwriteStaging.stage

    def stage_then_a_desk_saves(self: bundles.OverwriteStaging, spans: Any) -> None:
        stage(self, spans)
        staged.append(len(spans))

        def save() -> None:
            try:
                outcome["span"] = span_service.create_span(desk, doc, "desk", 0, 9,
                                                           {"stance": "favor"})
                outcome["notes seen"] = _notes(desk)
            except Exception as exc:  # the database was busy: the merge held the lock
                outcome["error"] = exc

        worker = threading.Thread(target=save)
        worker.start()
        worker.join(30.0)  # a save blocked by the merge gives up (the write wait) before
        outcome["in time"] = not worker.is_alive() and "error" not in outcome

    monkeypatch.setattr(bundles.OverwriteStaging, "stage", stage_then_a_desk_saves)
    try:
        merge = import_bundles(db, [bundle]).merges[0]
    finally:
        desk.dispose()
    assert staged == [1000]
    assert outcome["in time"], outcome.get("error", "the desk's save waited for the merge")
    assert not any(n.endswith("(checked)") for n in outcome["notes seen"])
    assert len(merge.updated) == 1000 and merge.conflicts == {}
    assert all(n.endswith("(checked)") for n in _notes(db)) and len(_notes(db)) == 1000
    assert {s.version for s in span_service.list_spans(db) if s.annotator == "ana"} == {2}
    again = import_bundles(db, [bundle]).merges[0]
    assert len(again.unchanged) == 1000 and again.updated == []


@pytest.mark.sqlite_only
def test_a_span_a_desk_edits_after_the_staging_is_classified_again(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge classified and staged the spans while checking; a desk then edits one of
    them (as the bundle's annotator): the merge sees its versions changed, classifies again
    in its transaction, and leaves the edited one as a conflict, as if the edit came first."""
    bundle = _bundle(tmp_path, 300)
    _team(db, tmp_path)
    import_bundles(db, [bundle])
    _all_changed(bundle)
    victim = json.loads(bundle.read_text(encoding="utf-8"))["spans"][0]["id"]
    desk = open_database(str(db_path), seed_sample=False)
    stage = bundles.OverwriteStaging.stage

    def stage_then_a_desk_edits(self: bundles.OverwriteStaging, spans: Any) -> None:
        stage(self, spans)
        span_service.update_span(desk, victim, note="edited at the desk")

    monkeypatch.setattr(bundles.OverwriteStaging, "stage", stage_then_a_desk_edits)
    try:
        merge = import_bundles(db, [bundle]).merges[0]
    finally:
        desk.dispose()
    assert list(merge.conflicts) == [victim] and len(merge.updated) == 299
    assert "edited on both sides" in merge.conflicts[victim]
    (kept,) = [s for s in span_service.list_spans(db) if s.id == victim]
    assert kept.note == "edited at the desk"
    assert sum(n.endswith("(checked)") for n in _notes(db)) == 299


@pytest.mark.parametrize("how", ["cancelled", "refused"])
def test_a_cancel_or_refusal_overwrites_nothing(
        db: Database, tmp_path: Path, how: str) -> None:
    """Cancelled while merging (SQLite: in the transaction that applies the staged
    overwrites), or refused by the link checks after they were applied: every span keeps its
    content and version, and the same bundle then merges whole."""
    bundle = _bundle(tmp_path, 1200)
    _team(db, tmp_path)
    import_bundles(db, [bundle])
    before = _notes(db)
    _all_changed(bundle)
    good = bundle.read_text(encoding="utf-8")
    if how == "refused":
        _self_linked(bundle)
    with pytest.raises(Cancelled if how == "cancelled" else FormatError):
        import_bundles(db, [bundle], progress=_cancelling(how, [], "merging"))
    assert _notes(db) == before and _all_rows(db) == 1201
    assert {s.version for s in span_service.list_spans(db) if s.annotator == "ana"} == {1}
    bundle.write_text(good, encoding="utf-8")
    assert len(import_bundles(db, [bundle]).merges[0].updated) == 1200


def _waiting_on_a_lock(db: Database) -> bool:
    """Whether a session of the server database waits for a row lock (a desk's edit)."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one())


def test_a_desk_edit_while_the_merge_runs_is_not_overwritten_unseen(
        db: Database, db_path: Path, tmp_path: Path) -> None:
    """A desk edits a span the merge read (and would overwrite) while the merge runs. On a
    server the merge read committed rows without locking them, so the edit, committed before
    the merge's UPDATE, was overwritten and reported as an update. The desk's edit must
    either come first (and make the span a conflict) or wait and land after the merge."""
    bundle = _bundle(tmp_path, 50)
    _team(db, tmp_path)
    import_bundles(db, [bundle])
    _all_changed(bundle)
    victim = json.loads(bundle.read_text(encoding="utf-8"))["spans"][-1]["id"]
    desk = open_database(db.url, seed_sample=False)
    edited = threading.Event()
    workers: list[threading.Thread] = []

    def edit() -> None:
        span_service.update_span(desk, victim, note="edited at the desk")
        edited.set()

    def progress(_done: int, _total: int, step: str) -> None:
        if not step.startswith("merging") or workers:
            return
        workers.append(threading.Thread(target=edit))
        workers[0].start()
        if not db.is_sqlite:  # SQLite: the edit waits for the merge's write lock
            while not edited.wait(0.05) and not _waiting_on_a_lock(db):
                pass

    try:
        merge = import_bundles(db, [bundle], progress=progress).merges[0]
        workers[0].join()
    finally:
        desk.dispose()
    assert edited.is_set()
    kept = span_service.get_span(db, victim)
    assert victim in merge.conflicts or kept.note == "edited at the desk", (
        "the desk's edit was overwritten and the span reported as updated")
    assert kept.note == "edited at the desk"
