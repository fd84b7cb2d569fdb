"""The desk on a PostgreSQL server: refused while the schema is out of date, then labelling
through the keyboard lands on the server (skipped without $STANCEDESK_TEST_PG)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from stancedesk.cli import main
from stancedesk.gui.shell.main_window import build_main_window
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.storage.errors import OutdatedDatabaseError
from tests.gui.shell.test_main_window import reader_of, select_by_keys, text_position

SAMPLE_CORPUS = Path(__file__).resolve().parents[2] / "sample_corpus"


def test_the_desk_works_on_a_server_after_db_upgrade(qtbot, empty_server, make_window) -> None:
    with pytest.raises(OutdatedDatabaseError, match="db upgrade"):
        build_main_window(empty_server, "alice")
    assert main(["--db", empty_server, "db", "upgrade"]) == 0
    assert main(["--db", empty_server, "import", str(SAMPLE_CORPUS)]) == 0
    window = make_window(empty_server)
    reader = reader_of(window)
    select_by_keys(qtbot, reader, text_position(window, "cautious first step"), 8)
    qtbot.keyClick(reader, Qt.Key.Key_F)
    qtbot.keyClick(reader, Qt.Key.Key_O)
    database = open_database(empty_server)
    try:
        [span] = span_service.list_spans(database)
    finally:
        database.dispose()
    assert (span.annotator, span.text, dict(span.labels), span.version) == \
        ("alice", "cautious", {"stance": "favor", "sourcing": "official"}, 2)
