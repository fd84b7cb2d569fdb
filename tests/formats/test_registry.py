"""One description per exchange format: the registry is the only list, and everything else
(CLI choices, detection, the import file filter, previews, export and import) follows it."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import IO

import pytest

import stancedesk.formats
from stancedesk.formats import previews, registry
from stancedesk.formats.errors import FormatError
from stancedesk.formats.exchange_format import ExchangeFormat, ExportSource
from stancedesk.services import corpus, formats_registry, preview
from stancedesk.services import spans as span_service
from stancedesk.storage.engine import Database

NAMES = ["csv", "xlsx", "jsonl", "parquet", "brat", "webanno", "labelstudio", "doccano"]


def test_every_format_module_is_registered_once() -> None:
    described = []
    for info in pkgutil.iter_modules(stancedesk.formats.__path__):
        module = importlib.import_module(f"stancedesk.formats.{info.name}")
        if isinstance(getattr(module, "FORMAT", None), ExchangeFormat):
            described.append(module.FORMAT)
    assert sorted(f.name for f in described) == sorted(NAMES)
    assert [f.name for f in registry.ANNOTATION_FORMATS] == NAMES  # menu order
    assert set(map(id, described)) == set(map(id, registry.ANNOTATION_FORMATS))
    assert formats_registry.export_formats() == formats_registry.import_formats() == NAMES


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.csv", "", "csv"), ("a.XLSX", "", "xlsx"), ("a.parquet", "", "parquet"),
    ("a.json", "[]", "labelstudio"), ("a.ann", "", "brat"), ("a.tsv", "", "webanno"),
    ("a.jsonl", '{"text": "x", "spans": []}\n', "jsonl"),
    ("a.jsonl", '{"text": "x", "label": []}\n', "doccano"), ("a.txt", "", None),
])
def test_detection_from_the_name_and_a_look_inside(tmp_path: Path, name: str, content: str,
                                                   expected: str | None) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert formats_registry.detect_format(path) == expected


def test_folders_are_detected_by_their_files(tmp_path: Path) -> None:
    (tmp_path / "b" / "ana").mkdir(parents=True)
    (tmp_path / "b" / "ana" / "x.ann").write_text("", encoding="utf-8")
    (tmp_path / "b" / "ana" / "y.tsv").write_text("", encoding="utf-8")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "y.tsv").write_text("", encoding="utf-8")
    (tmp_path / "csvs").mkdir()
    (tmp_path / "csvs" / "a.csv").write_text("", encoding="utf-8")
    assert [formats_registry.detect_format(tmp_path / n) for n in ("b", "w", "csvs")] == [
        "brat", "webanno", None]


def test_the_import_file_filter_names_every_suffix_the_formats_read() -> None:
    text = formats_registry.import_file_filter()
    assert text.startswith("Annotations (") and text.endswith(")")
    patterns = text.removeprefix("Annotations (").removesuffix(")").split()
    assert patterns == ["*.csv", "*.xlsx", "*.jsonl", "*.parquet", "*.ann", "*.tsv", "*.json"]
    note = formats_registry.detection_note()
    assert ".jsonl JSON Lines or doccano" in note and "a folder brat standoff or WebAnno" in note


def test_unknown_names_and_one_writer_only() -> None:
    with pytest.raises(FormatError, match=r"unknown annotation format 'tei' \(known: csv, xlsx"):
        formats_registry.annotation_format("tei")
    with pytest.raises(ValueError, match="one writer"):
        ExchangeFormat(name="x", title="X", description="", suffixes=(".x",),
                       preview=previews.text_head, write_text=lambda o, s: 0,
                       write_path=lambda p, s: 0)


def _tsv(out: IO[str], source: ExportSource) -> int:
    spans = list(source.spans())
    out.writelines(f"{s.annotator}\t{s.start}\t{s.end}\t{s.text}\n" for s in spans)
    return len(spans)


PLAIN = ExchangeFormat(name="plaintsv", title="Plain TSV", suffixes=(".tab",),
                       description="File · annotator, start, end, text.", write_text=_tsv,
                       preview=previews.text_head)


def test_a_new_format_is_one_description(db: Database, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Added to the list, it is exported, previewed and refused on import with no other
    change anywhere."""
    monkeypatch.setattr(registry, "ANNOTATION_FORMATS", (*registry.ANNOTATION_FORMATS, PLAIN))
    (tmp_path / "a.txt").write_text("Officials said so.\n", encoding="utf-8")
    doc = corpus.import_paths(db, [tmp_path / "a.txt"]).added[0].id
    span_service.create_span(db, doc, "ana", 0, 9, {"sourcing": "official"})
    assert "plaintsv" in formats_registry.export_formats()
    assert "plaintsv" not in formats_registry.import_formats()
    out = tmp_path / "spans.tab"
    assert formats_registry.export_annotations(db, "plaintsv", out) == 1
    assert out.read_text(encoding="utf-8") == "ana\t0\t9\tOfficials\n"
    shown = preview.export_preview(db, "plaintsv", annotators=None, documents=None,
                                   spreadsheet_safe=False)
    assert shown.text == "ana\t0\t9\tOfficials" and shown.summary.startswith("1 span")
    assert formats_registry.detect_format(out) == "plaintsv"
    with pytest.raises(FormatError, match="cannot be imported"):
        formats_registry.import_annotations(db, out)
