"""Roles, links and entities through every exchange format, both ways (issue 11, item 4)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from stancedesk.domain.annotation_table import annotation_columns
from stancedesk.domain.attribution import LinkKind, SpanRole, chain
from stancedesk.formats.errors import FormatError
from stancedesk.services import attribution, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database
from tests.formats.fmt_helpers import TEXTS, Corpus, _find, fresh_db

# format -> (output name, carries document text)
FORMATS = {
    "csv": ("out.csv", False),
    "xlsx": ("out.xlsx", False),
    "parquet": ("out.parquet", False),
    "jsonl": ("out.jsonl", True),
    "brat": ("brat_out", True),
    "doccano": ("out.doccano.jsonl", True),
    "labelstudio": ("out.json", True),
    "webanno": ("webanno_out", True),
}


@pytest.fixture
def attributed(annotated: Corpus) -> Corpus:
    """Bob's reading of the emoji article: a claim attributed to "sources", who reach the
    article via Reuters (a registry entity), with its cue "said"."""
    db, text, doc = annotated.db, TEXTS["emoji.txt"], annotated.ids["emoji.txt"]
    spans = {(s.annotator, s.text): s for s in span_service.list_spans(db)}
    claim = spans[("bob", "👍 “a breakthrough”")]
    sources = span_service.create_span(db, doc, "bob", *_find(text, "sources"),
                                       {"sourcing": "anonymous"}, role="source")
    reuters = span_service.create_span(db, doc, "bob", *_find(text, "Reuters"), {},
                                       role="source")
    said = span_service.create_span(db, doc, "bob", *_find(text, "said"), {}, role="cue")
    attribution.set_role(db, claim.id, SpanRole.CLAIM)
    attribution.link(db, claim.id, LinkKind.ATTRIBUTED_TO, sources.id)
    attribution.link(db, sources.id, LinkKind.VIA, reuters.id)
    attribution.link(db, claim.id, LinkKind.CUE, said.id)
    attribution.create_entity(db, "Reuters")
    attribution.name_source(db, reuters.id, "Reuters")
    return annotated


def structure(db: Database) -> dict:
    """Per span (by document, annotator, offsets): role, entity name, and where each link goes
    (by the same key), plus every source's chain: what must survive a round trip."""
    spans = {s.id: s for s in span_service.list_spans(db)}
    names = {entry.entity.id: entry.entity.name for entry in attribution.registry(db)}

    def key(sid: str) -> tuple:
        s = spans[sid]
        return (s.document_id, s.annotator, s.start, s.end)

    links = attribution.links_in(db)
    out: dict = {key(sid): (s.role, names.get(s.entity_id or ""), {}) for sid, s in spans.items()}
    for link in links:
        out[key(link.from_span)][2][str(link.kind)] = key(link.to_span)
    via = {link.from_span: link.to_span for link in links if link.kind is LinkKind.VIA}
    chains = sorted(tuple(key(i) for i in chain(sid, via)) for sid in via)
    return {"spans": out, "chains": chains}


def test_the_table_columns_hold_the_attribution(attributed: Corpus, tmp_path: Path):
    out = tmp_path / "out.csv"
    formats_registry.export_annotations(attributed.db, "csv", out)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_text = {(r["annotator"], r["text"]): r for r in rows}
    claim, sources = by_text[("bob", "👍 “a breakthrough”")], \
        by_text[("bob", "sources")]
    reuters, said = by_text[("bob", "Reuters")], by_text[("bob", "said")]
    assert (claim["role"], claim["attributed_to"], claim["cue"], claim["via"]) == \
        ("claim", sources["annotation_id"], said["annotation_id"], "")
    assert (sources["role"], sources["via"]) == ("source", reuters["annotation_id"])
    assert (reuters["role"], reuters["entity"]) == ("source", "Reuters")
    assert said["role"] == "cue"
    header = list(rows[0])
    assert header[header.index("role"):header.index("note")] == \
        ["role", "attributed_to", "via", "cue", "entity"]
    assert header[-7:] == ["note", "created_at", "updated_at", "curated_by", "curated_at",
                           "curated_from", "decision"]


def test_the_empty_export_has_the_columns(db: Database, tmp_path: Path):
    out = tmp_path / "empty.csv"
    assert formats_registry.export_annotations(db, "csv", out) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("role", "attributed_to", "via", "cue", "entity"):
        assert column in header
    assert header == annotation_columns(
        [h for h in header if h not in annotation_columns([])])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_round_trip_keeps_roles_links_chains_and_entities(fmt, attributed: Corpus,
                                                          tmp_path: Path):
    name, carries_text = FORMATS[fmt]
    out = tmp_path / name
    formats_registry.export_annotations(attributed.db, fmt, out)
    other = fresh_db(tmp_path, corpus_folder=None if carries_text else attributed.folder)
    try:
        dry = formats_registry.import_annotations(other, out, fmt=fmt, dry_run=True)
        assert dry.entities_created == ["Reuters"]
        assert attribution.registry(other) == []
        report = formats_registry.import_annotations(other, out, fmt=fmt)
        assert report.entities_created == ["Reuters"]
        assert report.links_added == 3
        assert structure(other) == structure(attributed.db)
        assert structure(other)["chains"]  # the via chain is there
        again = formats_registry.import_annotations(other, out, fmt=fmt)
        assert again.added == 0 and again.entities_created == [] and again.links_added == 0
        assert structure(other) == structure(attributed.db)
    finally:
        other.dispose()


def _exported_rows(db: Database, tmp_path: Path) -> tuple[list[str], list[dict[str, str]]]:
    out = tmp_path / "all.csv"
    formats_registry.export_annotations(db, "csv", out)
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _refused(attributed: Corpus, tmp_path: Path, edit, expected: str) -> None:
    """Edit the exported rows, import them into a fresh database: refused, nothing stored."""
    header, rows = _exported_rows(attributed.db, tmp_path)
    by_text = {(r["annotator"], r["text"]): r for r in rows}
    edit(by_text, rows)
    bad = _write(tmp_path / "bad.csv", header, rows)
    other = fresh_db(tmp_path, corpus_folder=attributed.folder)
    try:
        with pytest.raises(FormatError) as caught:
            formats_registry.import_annotations(other, bad, fmt="csv")
        message = str(caught.value)
        assert "bad.csv" in message and "line " in message and expected in message, message
        assert span_service.list_spans(other) == []
        assert attribution.registry(other) == []
    finally:
        other.dispose()


def test_a_dangling_id_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        by_text[("bob", "👍 “a breakthrough”")]["attributed_to"] = \
            "00000000-0000-0000-0000-000000000000"
    _refused(attributed, tmp_path, edit, "no span 00000000-0000-0000-0000-000000000000")


def test_a_link_across_annotators_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        alice = by_text[("alice", "👍 “a breakthrough”")]
        alice["role"] = "source"
        alice["stance"] = alice["target"] = alice["credibility"] = ""
        by_text[("bob", "👍 “a breakthrough”")]["attributed_to"] = alice["annotation_id"]
    _refused(attributed, tmp_path, edit, "different annotators")


def test_a_link_across_documents_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        other = by_text[("bob", "sources anonymes")]
        other["role"] = "source"
        by_text[("bob", "👍 “a breakthrough”")]["attributed_to"] = other["annotation_id"]
    _refused(attributed, tmp_path, edit, "different documents")


def test_a_wrong_role_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        said = by_text[("bob", "said")]
        by_text[("bob", "👍 “a breakthrough”")]["attributed_to"] = said["annotation_id"]
    _refused(attributed, tmp_path, edit, "must point to a source span, not a cue")


def test_a_via_cycle_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        by_text[("bob", "Reuters")]["via"] = \
            by_text[("bob", "sources")]["annotation_id"]
    _refused(attributed, tmp_path, edit, "via links form a cycle")


def test_an_unknown_role_is_refused(attributed: Corpus, tmp_path: Path):
    def edit(by_text, rows):
        by_text[("bob", "said")]["role"] = "speaker"
    _refused(attributed, tmp_path, edit, "role 'speaker'")


def test_a_cycle_with_stored_links_is_refused(attributed: Corpus, tmp_path: Path):
    """The file's links are checked together with what is already stored for its spans."""
    header, rows = _exported_rows(attributed.db, tmp_path)
    by_text = {(r["annotator"], r["text"]): r for r in rows}
    reuters, sources = by_text[("bob", "Reuters")], by_text[("bob", "sources")]
    reuters_only = dict(reuters, via=sources["annotation_id"], entity="Reuters")
    path = _write(tmp_path / "cycle.csv", header, [reuters_only])
    with pytest.raises(FormatError, match="cycle"):
        formats_registry.import_annotations(attributed.db, path, fmt="csv")
    assert structure(attributed.db)["chains"]


def test_the_cli_dry_run_reports_links_and_new_sources(attributed: Corpus, tmp_path: Path,
                                                       capsys):
    from stancedesk.cli import main

    out = tmp_path / "out.jsonl"
    formats_registry.export_annotations(attributed.db, "jsonl", out)
    other = fresh_db(tmp_path)
    try:
        assert main(["--db", other.url, "import", "annotations", str(out), "--dry-run"]) == 0
        printed = capsys.readouterr().out
        assert "3 attribution link(s)" in printed
        assert "new registry source(s): Reuters" in printed
        assert "dry run: nothing was stored" in printed
        assert attribution.registry(other) == [] and attribution.links_in(other) == []
    finally:
        other.dispose()


def test_foreign_relations_to_unknown_spans_are_refused_naming_the_line(tmp_path: Path):
    from stancedesk.formats.brat import read_ann
    from stancedesk.formats.doccano import read_doccano
    from stancedesk.formats.labelstudio import read_labelstudio

    text = "Officials said it.\n"
    ann = "T1\tunlabelled 0 9\tOfficials\nR1\tAttributed_to Arg1:T1 Arg2:T9\n"
    with pytest.raises(FormatError, match=r"a\.ann.*line 2.*T9"):
        read_ann(ann, "a.ann", text, 0, "alice")
    line = ('{"text": "Officials said it.", "entities": [{"id": 1, "label": "role:source", '
            '"start_offset": 0, "end_offset": 9}], "relations": [{"id": 1, "from_id": 7, '
            '"to_id": 1, "type": "attributed_to"}]}\n')
    with pytest.raises(FormatError, match=r"d\.jsonl.*line 1"):
        read_doccano(line.encode(), "d.jsonl", "alice")
    task = ('[{"data": {"text": "Officials said it."}, "annotations": [{"result": ['
            '{"id": "a", "from_name": "role", "to_name": "text", "type": "labels", "value": '
            '{"start": 0, "end": 9, "text": "Officials", "labels": ["source"]}}, '
            '{"type": "relation", "from_id": "a", "to_id": "zz", "labels": ["via"]}]}]}]')
    with pytest.raises(FormatError, match=r"ls\.json.*zz"):
        read_labelstudio(task.encode(), "ls.json", "alice")


def test_a_brat_link_with_a_wrong_role_stores_nothing(attributed: Corpus, tmp_path: Path):
    out = tmp_path / "brat_out"
    formats_registry.export_annotations(attributed.db, "brat", out)
    ann = next(p for p in (out / "bob").glob("*.ann") if "Attributed_to" in p.read_text("utf-8"))
    lines = ann.read_text("utf-8").splitlines()
    # the claim now points at its cue as if it were its source
    cue = next(x for x in lines if x.startswith("R") and "\tCue " in x).split("Arg2:")[1]
    lines = [x.split("Arg2:")[0] + "Arg2:" + cue if "\tAttributed_to " in x else x
             for x in lines]
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    other = fresh_db(tmp_path)
    try:
        with pytest.raises(FormatError, match="must point to a source span, not a cue"):
            formats_registry.import_annotations(other, out, fmt="brat")
        assert span_service.list_spans(other) == [] and attribution.registry(other) == []
    finally:
        other.dispose()


# --- a refused link names the spans as the file does (its annotation_ids, brat's T ids, or the
# text of a row without an id), never the ids an import makes up for the spans it stages

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _message(db, path: Path, fmt: str, corpus_folder: Path | None, tmp_path: Path) -> str:
    other = fresh_db(tmp_path, corpus_folder=corpus_folder)
    try:
        with pytest.raises(FormatError) as caught:
            formats_registry.import_annotations(other, path, fmt=fmt)
        return str(caught.value)
    finally:
        other.dispose()


def _first_line_of_row(path: Path, index: int) -> int:
    """The physical line a data row starts on (notes may span lines)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for i, _row in enumerate(reader):
            if i == index:
                break
            start = reader.line_num + 1
        return start if index else 2


def test_a_row_without_id_linking_across_documents_names_the_row_and_the_file_id(
        attributed: Corpus, tmp_path: Path):
    header, rows = _exported_rows(attributed.db, tmp_path)
    by_text = {(r["annotator"], r["text"]): r for r in rows}
    foreign = by_text[("bob", "sources anonymes")]
    foreign["role"] = "source"
    claim = by_text[("bob", "👍 “a breakthrough”")]
    claim["attributed_to"] = foreign["annotation_id"]
    claim["annotation_id"] = ""  # the import gives this span an id of its own
    bad = _write(tmp_path / "bad.csv", header, rows)
    line = _first_line_of_row(bad, rows.index(claim))
    message = _message(attributed.db, bad, "csv", attributed.folder, tmp_path)
    problem = next(x for x in message.splitlines() if "different documents" in x)
    assert "bad.csv" in message
    assert problem.strip().startswith(f"line {line}: attributed_to link ")
    assert "'👍 “a breakthrough”' without annotation_id" in problem
    assert f"-> {foreign['annotation_id']}:" in problem
    assert UUID.findall(problem) == [foreign["annotation_id"]], problem


def test_a_brat_link_is_refused_naming_its_t_ids(attributed: Corpus, tmp_path: Path):
    out = tmp_path / "brat_out"
    formats_registry.export_annotations(attributed.db, "brat", out)
    ann = next(p for p in (out / "bob").glob("*.ann") if "Attributed_to" in p.read_text("utf-8"))
    lines = ann.read_text("utf-8").splitlines()
    relation = next(x for x in lines if "\tAttributed_to " in x)
    claim_t = relation.split("Arg1:")[1].split()[0]
    cue_t = next(x for x in lines if "\tCue " in x).split("Arg2:")[1].strip()
    lines = [x.split("Arg2:")[0] + "Arg2:" + cue_t if x == relation else x for x in lines]
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _message(attributed.db, out, "brat", None, tmp_path)
    problem = next(x for x in message.splitlines() if "must point to a source span" in x)
    assert f"#{claim_t} -> " in problem and problem.rstrip().endswith(
        "not a cue") and f"#{cue_t}:" in problem, problem
    assert ann.name in problem
    assert not UUID.search(problem), problem
