"""Every reader fed malformed, truncated, deeply nested, huge, binary and adversarial input.

The property, for corpus formats (txt, md, html, jsonl, csv, docx, pdf, and sidecar metadata),
annotation formats (csv, xlsx, jsonl, parquet, brat, webanno, labelstudio, doccano), annotator
bundles, scheme, mapping and reliability files: a reader
either refuses the file with a ``UserError`` that names it, or returns data that can be stored
as it is (non-empty texts, spans with 0 <= start < end and a named annotator, no NUL and no
lone surrogate anywhere). Through the services, an import either stores it or leaves the
database exactly as it was. Inputs start from valid files of each format, mutated (cut, bytes
flipped or inserted, a JSON value swapped for an adversarial one), or are generated outright.
"""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stancedesk.domain.attribution import LinkKind
from stancedesk.domain.errors import UserError
from stancedesk.formats import (
    annotations_csv,
    annotations_jsonl,
    annotations_parquet,
    annotations_xlsx,
    brat,
    bundle,
    corpus,
    corpus_docx,
    corpus_pdf,
    doccano,
    labelstudio,
    reliability_csv,
    sidecar,
    webanno,
)
from stancedesk.formats.labelmap import ForeignBundle, load_mapping
from stancedesk.formats.records import AnnotationRecord, DocumentDraft
from stancedesk.services import attribution, bundle_export, bundle_merge, formats_registry, schemes
from stancedesk.services import corpus as corpus_service
from stancedesk.services import spans as span_service
from stancedesk.services.project import default_scheme
from stancedesk.storage.engine import Database
from tests.formats.fmt_helpers import fresh_db, write_corpus
from tests.formats.test_corpus_docx_pdf import make_docx, make_pdf

SCHEME = default_scheme()
# Sized for the suite (derandomised, so every run tries the same cases); for a longer hunt, set
# STANCEDESK_FUZZ_EXAMPLES=2000 (cases per reader), which also draws new cases each run.
_HUNT = int(os.environ.get("STANCEDESK_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_HUNT or 40, deadline=None, derandomize=not _HUNT, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SLOW_FUZZ = settings(FUZZ, max_examples=_HUNT or 15)

# Bytes and escapes that have broken readers before: NUL (raw and escaped), lone surrogates,
# stray quotes and line ends, invalid UTF-8, numbers too big for an int64, deep brackets.
NASTY = [b"\x00", b"\\u0000", b"\\ud800", b'"', b"\r", b"\n", b"\r\n", b"\xff\xfe", b"\xc3",
         b"-1", b"99999999999999999999999", b"\t", b"[" * 3000, b"{" * 50, b"<div>" * 2000,
         b"\xef\xbb\xbf", b"=HYPERLINK(", b"0 0", b";", b"|", b"\\", b"*[1]"]
NASTY_VALUES: list[Any] = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", -1, -(2**70),
                           2**70, 0, 1.5, True, None, [], {}, "favor", ["favor"], [[0, 0, "x"]],
                           {"a": {"b": {"c": []}}}, "\n", "🎉" * 3]


def storable(value: str) -> bool:
    return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def json_depth(value: Any) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict | list):
            depth = max(depth, d)
            stack.extend((v, d + 1) for v in (item.values() if isinstance(item, dict) else item))
    return depth


# --- what a reader may return -------------------------------------------------------------

def check_drafts(drafts: list[DocumentDraft]) -> None:
    assert drafts
    for draft in drafts:
        assert draft.text.strip() and storable(draft.text)
        for value in (draft.title, draft.outlet, draft.published, draft.url):
            assert isinstance(value, str) and storable(value)
        assert json_depth(draft.metadata) < 150
        draft.to_document()  # an id and a hash follow from the text


def check_records(records: list[AnnotationRecord]) -> None:
    for rec in records:
        assert rec.annotator.strip() and storable(rec.annotator)
        assert 0 <= rec.start < rec.end
        for value in (rec.text, rec.note, *rec.labels, *rec.labels.values()):
            assert storable(value)


def check_bundle(bundle: ForeignBundle) -> None:
    if bundle.documents:
        check_drafts(bundle.documents)
    for span in bundle.spans:
        assert span.annotator.strip() and storable(span.annotator)
        assert 0 <= span.start < span.end
        text = bundle.documents[span.document].text
        assert span.end <= len(text) or span.text != text[span.start:span.end]
        for value in (span.text, span.note, *span.labels):
            assert isinstance(value, str) and storable(value)


def outcome(call: Callable[[], Any], names: str) -> Any | None:
    """The reader's result, or None when it refused with a UserError naming ``names``."""
    try:
        return call()
    except UserError as exc:
        first = str(exc).split("\n", 1)[0]
        assert names in first, first
        return None


# --- input strategies ---------------------------------------------------------------------

@st.composite
def mutated(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["cut", "insert", "flip", "delete", "repeat"]))
        pos = draw(st.integers(0, len(data)))
        if op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(NASTY) | st.binary(min_size=1, max_size=16))
        elif op == "flip" and pos < len(data):
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "repeat":
            data[pos:pos] = bytes(data[max(0, pos - 40):pos]) * draw(st.integers(1, 50))
    return bytes(data)


JSON_LEAVES = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) |
               st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) |
               st.sampled_from(NASTY_VALUES))
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)
DEEP = st.integers(2, 3000).map(lambda n: json.loads("[" * min(n, 900) + "]" * min(n, 900)))


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


@st.composite
def json_variant(draw: st.DrawFn, sample: Any) -> Any:
    """``sample`` with one value (anywhere) swapped for another, removed, or nested deep."""
    value = copy.deepcopy(sample)
    paths = list(_paths(value))
    path = draw(st.sampled_from(paths))
    new = draw(JSON_VALUES | DEEP)
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()) and len(paths) > 2:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


def dumps(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def json_bytes(sample: Any) -> st.SearchStrategy[bytes]:
    return st.builds(dumps, json_variant(sample), st.booleans())


def jsonl_bytes(samples: list[Any]) -> st.SearchStrategy[bytes]:
    line = st.sampled_from(samples).flatmap(json_variant)
    return st.builds(lambda lines, a: b"\n".join(dumps(v, a) for v in lines),
                     st.lists(line, min_size=1, max_size=3), st.booleans())


def any_input(valid: list[bytes], structured: st.SearchStrategy[bytes] | None = None
              ) -> st.SearchStrategy[bytes]:
    options = [mutated(valid), st.binary(max_size=600)]
    if structured is not None:
        options.append(structured)
    return st.one_of(options)


@contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="stancedesk-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- valid samples, made once -----------------------------------------------------------------

@dataclass
class Samples:
    root: Path
    files: dict[str, bytes]  # format -> bytes of one valid file
    folders: dict[str, Path]  # brat, webanno -> an exported folder
    json: dict[str, Any]  # format -> decoded JSON sample (one line for JSONL formats)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samples]:
    root = tmp_path_factory.mktemp("samples")
    folder = write_corpus(root / "corpus")
    db = fresh_db(root, "samples.sqlite", folder)
    docs = {d.source_file: d for d in corpus_service.list_documents(db)}
    doc = docs["emoji.txt"]
    text = corpus_service.get_document(db, doc.id).text
    span_service.create_span(db, doc.id, "alice", 0, 5, {"stance": "favor"}, note="n")
    span_service.create_span(db, doc.id, "bob", 3, 15, {"sourcing": "official",
                                                        "target": "talks"})
    span_service.create_span(db, doc.id, "alice", 20, len(text), {"stance": "against"})
    files: dict[str, bytes] = {}
    for fmt in ("csv", "jsonl", "labelstudio", "doccano", "xlsx", "parquet"):
        out = root / f"export.{fmt}"
        formats_registry.export_annotations(db, fmt, out)
        files[fmt] = out.read_bytes()
    folders = {}
    for fmt in ("brat", "webanno"):
        folders[fmt] = root / fmt
        formats_registry.export_annotations(db, fmt, folders[fmt])
    # alice's bundle also carries roles, a link and a registry entity (after the exports above,
    # which stay as they were)
    source, claim = text.index("The minister"), text.index("“a breakthrough”")
    minister = span_service.create_span(db, doc.id, "alice", source, source + 12,
                                        {"sourcing": "official"}, role="source")
    said = span_service.create_span(db, doc.id, "alice", claim, claim + 16,
                                    {"stance": "favor"}, role="claim")
    attribution.link(db, said.id, LinkKind.ATTRIBUTED_TO, minister.id)
    entity = attribution.create_entity(db, "The Minister", "official", ["the minister of state"])
    attribution.name_source(db, minister.id, entity.id)
    bundle_export.export_bundle(db, "alice", root / "alice.bundle.json")
    files["bundle"] = (root / "alice.bundle.json").read_bytes()
    db.dispose()
    files["txt"] = (folder / "emoji.txt").read_bytes()
    files["md"] = b"---\ntitle: Talks\noutlet: Wire\n---\n# Talks\n\nThey resume.\n"
    files["html"] = (b"<html><head><title>T</title><meta property='og:site_name' content='W'>"
                     b"</head><body><article><h1>Talks</h1><p>They <b>resume</b>.</p>"
                     b"</article></body></html>")
    files["corpus.jsonl"] = b'{"text": "Talks resume.", "title": "T", "id": 7}\n' \
                            b'{"text": "Second\\r\\narticle", "outlet": "W"}\n'
    files["corpus.csv"] = b'title,text,date\nT,"Talks\nresume ""now""",2026-01-02\nU,Two,\n'
    files["docx"] = make_docx(root / "a.docx", title="Talks").read_bytes()
    files["pdf"] = make_pdf(root / "a.pdf", [["Talks resume", "in Geneva"], ["Page two"]],
                            title="T").read_bytes()
    files["reliability"] = b"unit,alice,bob\nu1,favor,favor\nu2,against,\n\"u,3\",1,2\n"
    files["sidecar"] = json.dumps({"title": "Talks", "outlet": "Wire", "date": "2026-01-02",
                                   "url": "https://example.org", "tags": ["a", {"b": 1}]}
                                  ).encode()
    files["scheme"] = schemes.scheme_to_json(SCHEME).encode("utf-8")
    files["mapping"] = json.dumps({"format": "stancedesk-label-mapping", "labels": {
        "Favour": "stance:favor", "Anon": ["sourcing:anonymous", "credibility:3"],
        "Junk": None}}).encode()
    decoded = {name: json.loads(files[name].splitlines()[0])
               for name in ("jsonl", "doccano", "corpus.jsonl")}
    decoded.update({name: json.loads(files[name]) for name in ("labelstudio", "scheme",
                                                                 "mapping", "sidecar",
                                                                 "bundle")})
    yield Samples(root, files, folders, decoded)


# --- corpus readers -----------------------------------------------------------------------

CORPUS_READERS = {
    "txt": corpus.read_plain, "md": corpus.read_markdown, "html": corpus.read_html,
    "corpus.jsonl": corpus.read_jsonl, "corpus.csv": corpus.read_csv_corpus,
    "docx": corpus_docx.read_docx, "pdf": corpus_pdf.read_pdf,
}


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "corpus.csv"])
@FUZZ
@given(data=st.data())
def test_text_corpus_readers(samples, fmt, data):
    raw = data.draw(any_input([samples.files[fmt]]))
    drafts = outcome(lambda: CORPUS_READERS[fmt](raw, f"in.{fmt}"), f"in.{fmt}")
    if drafts is not None:
        check_drafts(drafts)


@FUZZ
@given(data=st.data())
@example(data=None)
def test_corpus_jsonl(samples, data):
    if data is None:
        raw = b'{"text": "x", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    else:
        raw = data.draw(any_input([samples.files["corpus.jsonl"]],
                                  jsonl_bytes([samples.json["corpus.jsonl"]])))
    drafts = outcome(lambda: corpus.read_jsonl(raw, "in.jsonl"), "in.jsonl")
    if drafts is not None:
        check_drafts(drafts)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@SLOW_FUZZ
@given(data=st.data())
def test_binary_corpus_readers(samples, fmt, data):
    raw = data.draw(mutated([samples.files[fmt]]))
    drafts = outcome(lambda: CORPUS_READERS[fmt](raw, f"in.{fmt}"), f"in.{fmt}")
    if drafts is not None:
        check_drafts(drafts)


# --- annotation readers -------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_annotation_csv(samples, data):
    raw = data.draw(any_input([samples.files["csv"]]))
    records = outcome(lambda: list(annotations_csv.read_annotations_csv(raw, "in.csv", SCHEME)),
                      "in.csv")
    if records is not None:
        check_records(records)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
@SLOW_FUZZ
@given(data=st.data())
def test_annotation_tables(samples, fmt, data):
    raw = data.draw(mutated([samples.files[fmt]]))
    read = {"xlsx": annotations_xlsx.read_annotations_xlsx,
            "parquet": annotations_parquet.read_annotations_parquet}[fmt]
    with scratch() as folder:
        path = folder / f"in.{fmt}"
        path.write_bytes(raw)
        records = outcome(lambda: list(read(path, SCHEME)), str(path))
    if records is not None:
        check_records(records)


JSON_READERS = {
    "jsonl": annotations_jsonl.read_annotations_jsonl,
    "labelstudio": labelstudio.read_labelstudio,
    "doccano": doccano.read_doccano,
}


@pytest.mark.parametrize("fmt", ["jsonl", "labelstudio", "doccano"])
@FUZZ
@given(data=st.data())
def test_json_annotation_readers(samples, fmt, data):
    structured = json_bytes(samples.json[fmt]) if fmt == "labelstudio" else \
        jsonl_bytes([samples.json[fmt]])
    raw = data.draw(any_input([samples.files[fmt]], structured))
    bundle = outcome(lambda: JSON_READERS[fmt](raw, f"in.{fmt}", "fuzz"), f"in.{fmt}")
    if bundle is not None:
        check_bundle(bundle)


@pytest.mark.parametrize("fmt", ["brat", "webanno"])
@FUZZ
@given(data=st.data())
def test_folder_annotation_readers(samples, fmt, data):
    source = samples.folders[fmt]
    files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    target = data.draw(st.sampled_from(files))
    raw = data.draw(any_input([(source / target).read_bytes()]))
    read = {"brat": brat.read_brat, "webanno": webanno.read_webanno}[fmt]
    with scratch() as folder:
        copy_of = folder / fmt
        shutil.copytree(source, copy_of)
        (copy_of / target).write_bytes(raw)
        bundle = outcome(lambda: read(copy_of, "fuzz"), str(copy_of))
    if bundle is not None:
        check_bundle(bundle)


# --- scheme and mapping files -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["scheme", "mapping"])
@FUZZ
@given(data=st.data())
def test_scheme_and_mapping_files(samples, kind, data):
    raw = data.draw(any_input([samples.files[kind]], json_bytes(samples.json[kind])))
    with scratch() as folder:
        path = folder / f"{kind}.json"
        path.write_bytes(raw)
        if kind == "scheme":
            scheme = outcome(lambda: schemes.read_scheme_file(path), str(path))
            if scheme is not None:
                assert storable(schemes.scheme_to_json(scheme))
        else:
            mapping = outcome(lambda: load_mapping(str(path)), str(path))
            if mapping is not None:
                for foreign, targets in mapping.rules.items():
                    assert storable(foreign)
                    assert all(storable(layer + value) for layer, value in targets)


@FUZZ
@given(data=st.data())
def test_sidecar_metadata(samples, data):
    raw = data.draw(any_input([samples.files["sidecar"]], json_bytes(samples.json["sidecar"])))
    fields = outcome(lambda: sidecar.read_sidecar(raw, "a.json"), "a.json")
    if fields is not None:
        draft = DocumentDraft(text="Talks resume.\n")
        sidecar.apply_sidecar(draft, fields)
        check_drafts([draft])


@FUZZ
@given(data=st.data())
def test_reliability_csv(samples, data):
    raw = data.draw(any_input([samples.files["reliability"]]))
    table = outcome(lambda: reliability_csv.read_reliability_csv(raw, "r.csv"), "r.csv")
    if table is not None:
        assert table.units and table.coders
        assert all(len(column) == len(table.units) for column in table.values)


# --- annotator bundles ------------------------------------------------------------------------

def check_bundle_file(found: bundle.Bundle) -> None:
    assert found.annotator.strip() and storable(found.annotator)
    ids = {s.id for s in found.spans}
    documents = {d.id for d in found.documents}
    for span in found.spans:
        assert 0 <= span.start <= span.end <= bundle.MAX_INT
        assert len(span.text) == span.end - span.start and 1 <= span.version <= bundle.MAX_INT
        assert span.document_id in documents
        for value in (span.id, span.document_id, span.text, span.note, *span.labels,
                      *span.labels.values()):
            assert isinstance(value, str) and storable(value)
    for link in found.links:
        assert link.from_span in ids and link.to_span in ids
    for entity in found.entities:
        assert entity.name.strip() and all(storable(v) for v in (entity.name, *entity.aliases))
    assert json_depth(dict(found.scheme.definition)) < 150


@FUZZ
@given(data=st.data())
def test_bundle_reader(samples, data):
    raw = data.draw(any_input([samples.files["bundle"]], json_bytes(samples.json["bundle"])))
    found = outcome(lambda: bundle.read_bundle_bytes(raw, "in.json"), "in.json")
    if found is not None:
        check_bundle_file(found)


# --- through the services: stored whole, or not at all --------------------------------------

def snapshot(db: Database) -> tuple:
    return (sorted(d.id for d in corpus_service.list_documents(db)),
            sorted((s.id, s.start, s.end, s.annotator, tuple(sorted(s.labels.items())), s.note)
                   for s in span_service.list_spans(db)))


@pytest.fixture(scope="module")
def import_db(samples, tmp_path_factory) -> Iterator[Database]:
    root = tmp_path_factory.mktemp("imports")
    db = fresh_db(root, "imports.sqlite", write_corpus(root / "corpus"))
    yield db
    db.dispose()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "labelstudio", "doccano", "xlsx"])
@SLOW_FUZZ
@given(data=st.data())
def test_annotation_imports_are_whole_or_absent(samples, import_db, fmt, data):
    if fmt in ("jsonl", "doccano"):
        structured = jsonl_bytes([samples.json[fmt]])
    elif fmt == "labelstudio":
        structured = json_bytes(samples.json[fmt])
    else:
        structured = None
    raw = data.draw(mutated([samples.files[fmt]]) if structured is None else
                    st.one_of(mutated([samples.files[fmt]]), structured))
    before = snapshot(import_db)
    with scratch() as folder:
        path = folder / f"in.{'json' if fmt == 'labelstudio' else fmt}"
        path.write_bytes(raw)
        report = outcome(lambda: formats_registry.import_annotations(import_db, path, fmt=fmt),
                         str(path))
    if report is None:
        assert snapshot(import_db) == before
    else:
        for span in span_service.list_spans(import_db):
            doc = corpus_service.get_document(import_db, span.document_id)
            assert doc.text[span.start:span.end] == span.text and span.start < span.end


@SLOW_FUZZ
@given(data=st.data())
def test_bundle_imports_are_whole_or_absent(samples, import_db, data):
    raw = data.draw(st.one_of(mutated([samples.files["bundle"]]),
                              json_bytes(samples.json["bundle"])))
    before = snapshot(import_db)
    with scratch() as folder:
        path = folder / "in.stancedesk-bundle.json"
        path.write_bytes(raw)
        report = outcome(lambda: bundle_merge.import_bundles(import_db, [path]), str(path))
    if report is None:
        assert snapshot(import_db) == before
    else:
        for span in span_service.list_spans(import_db):
            doc = corpus_service.get_document(import_db, span.document_id)
            assert doc.text[span.start:span.end] == span.text


@pytest.mark.parametrize("fmt", ["corpus.csv", "corpus.jsonl", "html"])
@SLOW_FUZZ
@given(data=st.data())
def test_corpus_imports_are_whole_or_absent(samples, import_db, fmt, data):
    raw = data.draw(any_input([samples.files[fmt]]))
    before = snapshot(import_db)
    with scratch() as folder:
        path = folder / ("in." + fmt.rpartition(".")[2])
        path.write_bytes(raw)
        report = outcome(lambda: corpus_service.import_paths(import_db, [path]), str(path))
    if report is None:
        assert snapshot(import_db) == before
    else:
        for doc in report.added:
            stored = corpus_service.get_document(import_db, doc.id)
            assert stored.text == doc.text and stored.text.strip()


def test_huge_inputs_stay_bounded(samples):
    """Large but plain inputs: read in one pass, no quadratic step (well under a second each)."""
    big = ("Talks resume in Geneva. " * 200_000).encode()  # 4.8 MB
    assert len(corpus.read_plain(big, "big.txt")[0].text) == len(big)
    rows = b"title,text\n" + b"T,Talks resume\n" * 100_000
    assert len(corpus.read_csv_corpus(rows, "big.csv")) == 100_000
    html = b"<p>" + b"word " * 500_000 + b"</p>"
    assert corpus.read_html(html, "big.html")[0].text.count("word") == 500_000
    one_line = b'{"text": "' + b"x" * 3_000_000 + b'"}\n'
    assert len(corpus.read_jsonl(one_line, "big.jsonl")[0].text) == 3_000_000
    zipped = io.BytesIO(samples.files["docx"])
    assert corpus_docx.read_docx(zipped.getvalue(), "a.docx")[0].text
