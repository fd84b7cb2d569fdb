"""GUI test fixtures: real windows on temporary databases, clean settings, no stray threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication

from stancedesk.domain import Span
from stancedesk.gui.shell.main_window import MainWindow, build_main_window
from stancedesk.gui.shell.settings import APPLICATION, ORGANISATION
from stancedesk.services import corpus, exchange
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database


@pytest.fixture(autouse=True)
def _clean_settings() -> Iterator[None]:
    """Every test starts with no remembered annotator, document or layout."""
    QSettings(ORGANISATION, APPLICATION).clear()
    yield
    QSettings(ORGANISATION, APPLICATION).clear()


@pytest.fixture(autouse=True)
def _no_leftover_threads(qapp) -> Iterator[None]:
    """Fail a test that leaves work running in the thread pool (it would race the next one)."""
    yield
    pool = QThreadPool.globalInstance()
    if pool.activeThreadCount():
        pool.waitForDone(10_000)
        pytest.fail("the test left QThreadPool work running; wait for it before finishing")


@pytest.fixture
def sample_path(db_path: Path) -> Path:
    """A database file holding the sample corpus (closed again, so windows open it fresh)."""
    open_database(str(db_path), seed_sample=True).dispose()
    return db_path


@pytest.fixture
def make_window(qtbot) -> Callable[..., MainWindow]:
    """Build, show and register a desk; the window (and its database) closes after the test."""

    def make(db: Path | str, annotator: str | None = "alice") -> MainWindow:
        window = build_main_window(str(db), annotator)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    return make


@pytest.fixture
def add_text_document(db_path: Path, tmp_path: Path) -> Callable[..., str]:
    """Import one plain-text document through the service; returns its id."""

    def add(text: str, name: str = "doc.txt") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8", newline="")
        database = open_database(str(db_path), seed_sample=False)
        try:
            return corpus.import_paths(database, [path]).added[0].id
        finally:
            database.dispose()

    return add


@pytest.fixture
def stored_spans(db_path: Path) -> Callable[..., list[Span]]:
    """What reached the database, read through a separate connection."""

    def read(document_id: str | None = None, annotator: str | None = None) -> list[Span]:
        database = open_database(str(db_path), seed_sample=False)
        try:
            docs = [document_id] if document_id else None
            return span_service.list_spans(database, docs, [annotator] if annotator else None)
        finally:
            database.dispose()

    return read


@dataclass
class HeldExport:
    """Once ``armed``, the next export stops after its first row (``reached``) until
    ``go_on``, so a test can cancel while the output is half written, however fast the
    machine; previews before arming run freely."""

    armed: threading.Event = field(default_factory=threading.Event)
    reached: threading.Event = field(default_factory=threading.Event)
    go_on: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def held_export(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldExport]:
    held = HeldExport()
    real_rows = exchange.annotation_rows

    def held_rows(*args: object, **kwargs: object) -> Iterator[tuple[object, ...]]:
        hold = held.armed.is_set()
        for i, row in enumerate(real_rows(*args, **kwargs)):
            if hold and i == 1:
                held.reached.set()
                held.go_on.wait(10)
            yield row

    real_blocks = exchange.annotation_csv_blocks

    def held_blocks(*args: object, **kwargs: object) -> Iterator[tuple[int, bytes]] | None:
        blocks = real_blocks(*args, **kwargs)  # type: ignore[arg-type]
        return None if blocks is None else held_blocks_of(blocks)

    def held_blocks_of(blocks: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        hold = held.armed.is_set()
        for block in blocks:  # a small export is one block: hold before it is written
            if hold:
                held.reached.set()
                held.go_on.wait(10)
            yield block

    monkeypatch.setattr(exchange, "annotation_rows", held_rows)
    monkeypatch.setattr(exchange, "annotation_csv_blocks", held_blocks)  # CSV on SQLite
    yield held
    held.go_on.set()
