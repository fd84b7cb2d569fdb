"""Exports read on two SQLite connections at once (``storage.parallel_reads``) must be the
export one connection reads: the same CSV bytes, the same Parquet table, and a CSV that imports
back. The dataset mixes what a line can hold: non-ASCII in every cell, quotes, commas, ``\\r``
and ``\\n`` in notes and labels, spans with no label, links of all three kinds, a registry
entity, a gold span with provenance, several annotators and documents (so several chunks)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stancedesk.domain.attribution import LinkKind
from stancedesk.services import attribution, corpus, curation, exchange, formats_registry
from stancedesk.services import spans as span_service
from stancedesk.services.schemes import get_scheme
from stancedesk.storage import parallel_reads
from stancedesk.storage.engine import Database
from tests.formats.fmt_helpers import content, fresh_db

TEXTS = {
    "a.txt": "Le ministre a dit : « C’est une trahison », selon Łódź 東京 sources.\n",
    "b.txt": 'He said "no", then left; Київ officials, the envoy — naïve — agreed.\n',
    "c.txt": "Talks resume 🎉 in Zürich.\r\nThe agency, citing “unnamed” diplomats, said so.\n",
    "d.txt": "قال المتحدث إن المحادثات مثمرة 😀. Experts doubt it, «quoted» twice.\n",
    "e.txt": "Reuters reported, quoting a document, that the deal holds.\n",
}
ANNOTATORS = ("ana", "Ḃen ✍️", "carol, the")
# "\x1f" is the separator of packed columns (domain.span_pack): a batch holding it is read as rows
NOTES = ("", 'said "off the record",\nconfirm', "second-hand;\r\nsee the wire", "Zitiert — dpa",
         "%s %d %n printf,", "unit\x1fseparator")
# by role, as the scheme gives the layers: a source, a claim, a cue, a span without a role
LABELS = (({"sourcing": "official", "reliability": "B"}, {"sourcing": "anonymous"}, {}),
          ({"stance": "favor", "target": 'a,"b"\r\nc', "credibility": "2"},
           {"stance": "against", "target": "Łódź «deal»"}, {}),
          ({},),
          ({"stance": "neutral", "credibility": "6", "target": "=SUM(A1)", "sourcing": "media",
            "reliability": "F"}, {}, {"target": "%s,%d"}))


@pytest.fixture
def mixed(db: Database, tmp_path: Path) -> Iterator[Database]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    corpus.import_paths(db, [folder])
    attribution.create_entity(db, 'Agence "AFP", Paris')
    n = 0
    for summary in corpus.list_documents(db):
        doc = corpus.get_document(db, summary.id)
        words = [i for i in range(1, len(doc.text) - 8) if doc.text[i - 1] == " "]
        for a, who in enumerate(ANNOTATORS):
            spans = []
            for k, start in enumerate(words[a::2][:4]):
                n += 1
                spans.append(span_service.create_span(
                    db, doc.id, who, start, start + 5 + k, LABELS[k][n % len(LABELS[k])],
                    note=NOTES[n % len(NOTES)],
                    role=("source", "claim", "cue", None)[k % 4]))
            source, claim, cue = spans[:3]
            attribution.link(db, claim.id, LinkKind.ATTRIBUTED_TO, source.id)
            attribution.link(db, claim.id, LinkKind.CUE, cue.id)
            if a == 0:
                attribution.name_source(db, source.id, 'Agence "AFP", Paris')
    gold = next(s for s in span_service.list_spans(db) if s.annotator == "ana")
    curation.accept_span(db, gold.id, curator="lead, the")
    yield db


class _Spy:
    """Counts the readers and chunks of every parallel read, calling the real one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int, int]] = []
        real = parallel_reads.ordered_chunks

        def spy(readers, chunks, produce, depth):
            self.calls.append((len(readers), len(chunks)))
            return real(readers, chunks, produce, depth)

        monkeypatch.setattr(parallel_reads, "ordered_chunks", spy)


def _lf(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {k: _lf(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_lf(v) for v in value)
    return value


def _csv(database: Database, path: Path, readers: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(exchange, "READERS", readers)
    monkeypatch.setattr(parallel_reads, "useful_readers", lambda most: most)  # whatever the load
    formats_registry.export_annotations(database, "csv", path)
    return path.read_bytes()


@pytest.mark.parametrize(("annotators", "some_documents"),
                         [(None, False), (["Ḃen ✍️", "carol, the"], False), (None, True)])
def test_csv_read_in_parallel_is_the_single_connections(
        mixed: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        annotators: list[str] | None, some_documents: bool) -> None:
    from stancedesk.formats.annotations_csv import QUOTE_TRIGGERS, csv_cells
    from stancedesk.storage import repositories as repo

    documents = [d.id for d in corpus.list_documents(mixed)][1:4] if some_documents else None
    keys = get_scheme(mixed).layer_keys
    assert QUOTE_TRIGGERS is not None
    spy = _Spy(monkeypatch)
    with mixed.read() as session:
        single = repo.annotation_csv_blocks(session, keys, csv_cells, QUOTE_TRIGGERS,
                                            annotators, documents, batch=3)
        if not mixed.is_sqlite:
            assert single is None  # other databases write the rows with csv.writer
            return
        assert single is not None
        one = list(single)
    with mixed.read() as session:
        blocks = repo.annotation_csv_blocks(session, keys, csv_cells, QUOTE_TRIGGERS,
                                            annotators, documents, batch=3, readers=2,
                                            chunk_rows=4)
        assert blocks is not None
        two = list(blocks)
        temp = session.connection().exec_driver_sql(
            "SELECT count(*) FROM sqlite_temp_master").scalar_one()
    assert spy.calls[0][0] == 1 and spy.calls[1][0] == 2 and spy.calls[1][1] >= 3
    assert b"".join(b for _, b in two) == b"".join(b for _, b in one)
    assert sum(n for n, _ in two) == sum(n for n, _ in one) > 10
    text = b"".join(b for _, b in one).decode("utf-8")
    if annotators is None and documents is None:  # the comparison covers every kind of cell
        assert '"Agence ""AFP"", Paris"' in text and '"lead, the"' in text
        assert "\r\n" in text and "Łódź" in text and '"%s %d %n printf,"' in text
    assert temp == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("stancedesk-read")]


def test_parallel_csv_export_reimports(mixed: Database, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The file written by two readers is byte for byte the one-reader file, and it imports
    into a fresh database of the same corpus with every span, id, time and link."""
    monkeypatch.setattr(parallel_reads, "CHUNK_ROWS", 5)
    spy = _Spy(monkeypatch)
    one = _csv(mixed, tmp_path / "one.csv", 1, monkeypatch)
    two = _csv(mixed, tmp_path / "two.csv", 2, monkeypatch)
    assert two == one
    if mixed.is_sqlite:
        assert spy.calls[-1][0] == 2 and spy.calls[-1][1] >= 3
    folder = tmp_path / "corpus"
    other = fresh_db(tmp_path, corpus_folder=folder)
    try:
        report = formats_registry.import_annotations(other, tmp_path / "two.csv")
        assert report.added == len(span_service.list_spans(mixed))
        assert report.links_added == 2 * len(TEXTS) * len(ANNOTATORS)
        # the CSV reader reads CRLF and CR as LF, in quoted cells too (formats.text.Utf8Lines)
        assert content(other, ids=True, times=True) == _lf(content(mixed, ids=True, times=True))
    finally:
        other.dispose()


@pytest.mark.parametrize(("annotators", "some_documents", "batch"),
                         [(None, False, 3), (["Ḃen ✍️", "carol, the"], False, 2),
                          (None, True, 1000)])
def test_parquet_read_in_parallel_is_the_single_connections(
        mixed: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        annotators: list[str] | None, some_documents: bool, batch: int) -> None:
    """Packed batches (and the batches read as rows because a cell holds the separator) from
    two readers make the table one reader makes, which is the table written from the rows."""
    import pyarrow.parquet as pq

    from stancedesk.formats.annotations_parquet import (
        write_annotation_batches_parquet,
        write_annotation_rows_parquet,
    )
    from stancedesk.storage import repositories as repo

    documents = [d.id for d in corpus.list_documents(mixed)][1:4] if some_documents else None
    scheme = get_scheme(mixed)
    spy = _Spy(monkeypatch)
    tables = []
    for readers in (1, 2):
        with mixed.read() as session:
            batches = repo.annotation_table_batches(session, scheme.layer_keys, annotators,
                                                    documents, batch=batch, readers=readers,
                                                    chunk_rows=4)
            if not mixed.is_sqlite:
                assert batches is None  # other databases write the rows
                return
            assert batches is not None
            path = tmp_path / f"{readers}.parquet"
            write_annotation_batches_parquet(path, scheme, batches)
            tables.append(pq.read_table(path))
    with mixed.read() as session:
        rows = list(repo.annotation_table_rows(session, scheme.layer_keys, annotators,
                                               documents))
    write_annotation_rows_parquet(tmp_path / "rows.parquet", scheme, rows)
    by_row = pq.read_table(tmp_path / "rows.parquet")
    assert spy.calls[0][0] == 1 and spy.calls[1][0] == 2 and spy.calls[1][1] >= 3
    assert tables[1].num_rows == len(rows) > 10
    assert tables[1].schema.equals(tables[0].schema, check_metadata=True)
    assert tables[1].equals(tables[0])
    assert tables[0].equals(by_row)
    cells = by_row.to_pydict()
    assert any("\x1f" in note for note in cells["note"])
    if annotators is None and documents is None:  # the comparison covers every kind of cell
        assert {"attributed_to", "cue", "entity", "curated_by", "curated_at"} <= \
            {c for c in cells if any(cells[c])}
        assert None in cells["stance"] and "\r\n" in "".join(cells["note"])
    assert not [t for t in threading.enumerate() if t.name.startswith("stancedesk-read")]


def test_parquet_export_cancelled_midway_leaves_no_file_and_no_reader(
        mixed: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A progress callback that raises (a cancel) stops the readers and removes the file."""
    monkeypatch.setattr(parallel_reads, "CHUNK_ROWS", 4)
    monkeypatch.setattr(exchange, "READERS", 2)
    monkeypatch.setattr(parallel_reads, "useful_readers", lambda most: most)

    def cancel(n: int) -> None:
        raise RuntimeError("cancelled")

    out = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError, match="cancelled"):
        formats_registry.export_annotations(mixed, "parquet", out, progress=cancel)
    assert not out.exists() and list(tmp_path.glob("*.parquet*")) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("stancedesk-read")]


def test_csv_reads_on_one_connection_while_another_program_writes(
        mixed: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers can only share a snapshot if no commit can fall between their starts; while an
    import holds the write lock the export reads on its own connection, and writes the same
    file."""
    if not mixed.is_sqlite:
        pytest.skip("SQLite's write lock")
    monkeypatch.setattr(parallel_reads, "CHUNK_ROWS", 5)
    before = _csv(mixed, tmp_path / "before.csv", 1, monkeypatch)
    spy = _Spy(monkeypatch)
    assert mixed.location.path is not None
    writer = sqlite3.connect(mixed.location.path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        during = _csv(mixed, tmp_path / "during.csv", 2, monkeypatch)
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert spy.calls == [(1, 1)]
    assert during == before
