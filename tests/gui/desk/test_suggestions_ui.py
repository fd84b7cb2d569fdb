"""Suggested attributions on the real desk, driven by their keys: Alt+] / Alt+[ step through
them, Alt+Return accepts the outlined one (spans, roles, links, sourcing), Alt+Del rejects it
for this annotator only, Ctrl+Z / Ctrl+Shift+Z undo and redo each; View › Suggested
attributions turns them off (remembered), and a long article is searched in the background.
What reached the database is read back through a separate connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from stancedesk.gui.desk import suggestions as desk_suggestions
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.gui.shell.settings import DeskSettings
from stancedesk.services import attribution as attr_service
from stancedesk.services import lexicons as lexicon_service
from stancedesk.services import spans as span_service
from stancedesk.services import suggestions as service
from stancedesk.services.project import open_database

TEXT = ("The ceasefire will hold, the defence ministry said on Sunday. "
        "The daily Kessa Post, citing two unnamed officials, reported that the cabinet would "
        "resign.")
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def desk_window(qtbot, db_path: Path, make_window, add_text_document) -> Iterator[MainWindow]:
    add_text_document(TEXT)
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    # a short article is searched in the GUI thread right after the window's first paint
    qtbot.waitUntil(lambda: window.desk.document_id in window.desk.suggestions.found)
    window.reader.setFocus()
    yield window


def stored(db_path: Path, who: str = "alice") -> tuple[dict[str, tuple[str, dict[str, str]]],
                                                       set[tuple[str, str, str]], set[str]]:
    """(span text -> (role, labels), links as texts, rejected keys) as stored for ``who``."""
    database = open_database(str(db_path), seed_sample=False)
    try:
        spans = span_service.list_spans(database, annotators=[who])
        doc = span_service.list_spans(database)[0].document_id if spans else None
        texts = {s.id: s.text for s in spans}
        links = set() if doc is None else {
            (texts[x.from_span], str(x.kind), texts[x.to_span])
            for x in attr_service.links_of(database, doc, who)}
        from stancedesk.services import corpus
        doc_id = corpus.list_documents(database)[0].id
        return ({s.text: (s.role or "", dict(s.labels)) for s in spans}, links,
                service.rejected(database, doc_id, who))
    finally:
        database.dispose()


def key(qtbot, window: MainWindow, k: Qt.Key, mods: Qt.KeyboardModifier = ALT,
        signal: str = "saved") -> None:
    source = window.desk if signal == "saved" else window.desk.suggestions
    with qtbot.waitSignal(getattr(source, signal), timeout=3000):
        qtbot.keyClick(window.reader, k, mods)


def current_claim(window: MainWindow) -> str | None:
    s = window.desk.suggestions.current_suggestion()
    return s.claim.text if s is not None else None


def live_claims(window: MainWindow) -> list[str]:
    return [s.claim.text for s in window.desk.suggestions.live]


def test_outlines_are_painted_and_keys_step_through_them(qtbot, desk_window) -> None:
    w = desk_window
    assert live_claims(w) == ["The ceasefire will hold", "the cabinet would resign"]
    w.reader.viewport().repaint()
    assert w.reader.suggestions_drawn == 7  # (source, cue, claim) + the same with a via
    key(qtbot, w, Qt.Key.Key_BracketRight, signal="changed")
    assert current_claim(w) == "The ceasefire will hold"
    key(qtbot, w, Qt.Key.Key_BracketRight, signal="changed")
    assert current_claim(w) == "the cabinet would resign"
    key(qtbot, w, Qt.Key.Key_BracketLeft, signal="changed")
    assert current_claim(w) == "The ceasefire will hold"
    assert sum(m.current for m in w.reader.suggestion_marks) == 3
    assert span_service.list_spans(w.database) == []  # moving stores nothing


def test_accept_by_key_stores_spans_links_and_sourcing_then_undo_and_redo(
        qtbot, desk_window, db_path) -> None:
    w = desk_window
    key(qtbot, w, Qt.Key.Key_BracketRight, signal="changed")
    key(qtbot, w, Qt.Key.Key_Return)
    spans, links, _ = stored(db_path)
    assert spans == {"The ceasefire will hold": ("claim", {}),
                     "the defence ministry": ("source", {"sourcing": "official"}),
                     "said": ("cue", {})}
    assert links == {("The ceasefire will hold", "attributed_to", "the defence ministry"),
                     ("The ceasefire will hold", "cue", "said")}
    # the accepted suggestion is now spans in the desk (its claim current), no longer outlined
    assert {s.text for s in w.desk.store.spans()} == set(spans)
    assert w.desk.current_span().text == "The ceasefire will hold"
    assert live_claims(w) == ["the cabinet would resign"]
    assert current_claim(w) == "the cabinet would resign"  # on to the next one
    ids = {s.text: s.id for s in w.desk.store.spans()}

    # accepted spans are ordinary spans: a label key edits the claim
    key(qtbot, w, Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier)
    assert stored(db_path)[0]["The ceasefire will hold"] == ("claim", {"stance": "favor"})

    key(qtbot, w, Qt.Key.Key_Z, CTRL)  # the label
    key(qtbot, w, Qt.Key.Key_Z, CTRL)  # the accept
    assert stored(db_path)[:2] == ({}, set())
    assert len(w.desk.store) == 0 and live_claims(w) == ["The ceasefire will hold",
                                                          "the cabinet would resign"]
    assert current_claim(w) == "The ceasefire will hold"

    key(qtbot, w, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)  # redo the accept
    assert stored(db_path)[:2] == (spans, links)
    assert {s.text: s.id for s in w.desk.store.spans()} == ids  # the same spans came back
    key(qtbot, w, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)  # redo the label
    assert stored(db_path)[0]["The ceasefire will hold"] == ("claim", {"stance": "favor"})


def test_accept_with_an_intermediary(qtbot, desk_window, db_path) -> None:
    w = desk_window
    key(qtbot, w, Qt.Key.Key_BracketLeft, signal="changed")  # from the top: the last one
    assert current_claim(w) == "the cabinet would resign"
    key(qtbot, w, Qt.Key.Key_Return)
    spans, links, _ = stored(db_path)
    assert spans["two unnamed officials"] == ("source", {"sourcing": "anonymous"})
    assert spans["The daily Kessa Post"] == ("source", {"sourcing": "media"})
    assert ("two unnamed officials", "via", "The daily Kessa Post") in links


def test_reject_by_key_hides_it_for_this_annotator_only_and_undo_brings_it_back(
        qtbot, desk_window, db_path) -> None:
    w = desk_window
    key(qtbot, w, Qt.Key.Key_BracketRight, signal="changed")
    key(qtbot, w, Qt.Key.Key_Delete)
    first = service.suggestion_key(service.find_in_document(w.database,
                                                            w.desk.document_id)[0])
    assert stored(db_path) == ({}, set(), {first})
    assert live_claims(w) == ["the cabinet would resign"]
    assert all(m.start >= TEXT.index("The daily") for m in w.reader.suggestion_marks)
    # still there for another annotator
    w.set_annotator("bob")
    assert live_claims(w) == ["The ceasefire will hold", "the cabinet would resign"]
    w.set_annotator("alice")
    assert live_claims(w) == ["the cabinet would resign"]

    key(qtbot, w, Qt.Key.Key_Z, CTRL)
    assert stored(db_path)[2] == set()
    assert live_claims(w)[0] == "The ceasefire will hold"
    assert current_claim(w) == "The ceasefire will hold"
    key(qtbot, w, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert stored(db_path)[2] == {first}
    assert live_claims(w) == ["the cabinet would resign"]


def test_accept_without_a_current_suggestion_only_outlines_the_next(qtbot,
                                                                    desk_window) -> None:
    w = desk_window
    with qtbot.waitSignal(w.desk.suggestions.changed, timeout=3000):
        qtbot.keyClick(w.reader, Qt.Key.Key_Return, ALT)
    assert current_claim(w) == "The ceasefire will hold"
    assert span_service.list_spans(w.database) == []


def test_setting_off_hides_them_at_once_and_is_remembered(qtbot, desk_window, db_path,
                                                          make_window) -> None:
    w = desk_window
    key(qtbot, w, Qt.Key.Key_BracketRight, signal="changed")
    w.suggestions_action.trigger()  # View › Suggested attributions: off
    assert not w.suggestions_action.isChecked()
    assert w.desk.suggestions.live == [] and w.reader.suggestion_marks == []
    w.reader.viewport().repaint()
    assert w.reader.suggestions_drawn == 0
    qtbot.keyClick(w.reader, Qt.Key.Key_BracketRight, ALT)
    qtbot.keyClick(w.reader, Qt.Key.Key_Return, ALT)
    assert current_claim(w) is None and span_service.list_spans(w.database) == []
    assert DeskSettings(w.database.url).suggestions is False
    w.close()

    again = make_window(db_path)
    qtbot.waitUntil(lambda: again.desk.document is not None)
    assert not again.suggestions_action.isChecked()
    assert again.desk.suggestions.found == {}  # the finder never ran
    assert again.reader.suggestion_marks == []
    again.suggestions_action.trigger()
    qtbot.waitUntil(lambda: live_claims(again) == ["The ceasefire will hold",
                                                   "the cabinet would resign"])


def test_a_long_article_is_searched_in_the_background(qtbot, db_path, make_window,
                                                      add_text_document, monkeypatch) -> None:
    monkeypatch.setattr(desk_suggestions, "BACKGROUND_CHARS", 1000)
    long_text = "\n\n".join([TEXT] * 20)
    add_text_document(long_text)
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    found = window.desk.suggestions
    if window.desk.document_id not in found.found:
        with qtbot.waitSignal(found.computed, timeout=10_000):
            pass
    qtbot.waitUntil(lambda: len(found.live) == 40)
    assert found.runner is window.jobs
    qtbot.waitUntil(lambda: not window.jobs.busy
                    and QThreadPool.globalInstance().activeThreadCount() == 0)


def test_a_claim_marked_by_hand_retires_its_suggestion(qtbot, desk_window) -> None:
    w = desk_window
    start = TEXT.index("The ceasefire")
    w.reader.select_range(start, start + len("The ceasefire will hold"), exact=True)
    key(qtbot, w, Qt.Key.Key_C)  # Alt+C: mark as claim
    assert live_claims(w) == ["the cabinet would resign"]
    key(qtbot, w, Qt.Key.Key_Z, CTRL)
    assert live_claims(w) == ["The ceasefire will hold", "the cabinet would resign"]


def test_click_makes_a_suggestion_current_and_hover_explains_it(qtbot, desk_window) -> None:
    w = desk_window
    cursor = w.reader.textCursor()
    cursor.setPosition(w.reader.offsets.to_qt(TEXT.index("cabinet would") + 2))
    rect = w.reader.cursorRect(cursor)
    pos = QPoint(rect.left() + 1, rect.center().y())
    with qtbot.waitSignal(w.desk.suggestions.changed, timeout=3000):
        qtbot.mouseClick(w.reader.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert current_claim(w) == "the cabinet would resign"
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, w.reader.viewport().mapToGlobal(pos))
    QApplication.sendEvent(w.reader.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.isVisible())
    assert "Suggested" in QToolTip.text() and "two unnamed officials" in QToolTip.text()
    assert "Alt+Return accepts" in QToolTip.text()


def test_an_article_over_the_cap_is_left_to_the_cli(qtbot, db_path, make_window,
                                                   add_text_document, monkeypatch) -> None:
    monkeypatch.setattr(desk_suggestions, "MAX_CHARS", 1000)
    add_text_document("\n\n".join([TEXT] * 20))
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    assert window.desk.suggestions.live == [] and not window.jobs.busy
    assert window.desk.suggestions.found == {}
    with qtbot.waitSignal(window.desk.message, timeout=3000) as said:
        qtbot.keyClick(window.reader, Qt.Key.Key_BracketRight, ALT)
    assert "over 1,000 characters" in said.args[0]


def test_the_desk_uses_the_projects_own_lexicons(qtbot, db_path, tmp_path, make_window,
                                                 add_text_document) -> None:
    text = "The ceasefire would hold, the envoy opined on Sunday."
    add_text_document(text)
    folder = tmp_path / "lexicons"
    folder.mkdir()
    (folder / "speech_verbs.txt").write_text("opined *\n", encoding="utf-8")
    database = open_database(str(db_path), seed_sample=False)
    try:
        lexicon_service.import_lexicons(database, folder)  # as `stancedesk lexicons import`
    finally:
        database.dispose()
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    qtbot.waitUntil(lambda: live_claims(window) == ["The ceasefire would hold"])
    assert window.desk.suggestions.live[0].cue.text == "opined"


def test_an_article_over_the_cap_says_so_once(qtbot, db_path, make_window, add_text_document,
                                              monkeypatch) -> None:
    """The cap is reported when the article opens, not again on every label key."""
    monkeypatch.setattr(desk_suggestions, "MAX_CHARS", 1000)
    add_text_document("\n\n".join([TEXT] * 20))
    window = make_window(db_path)
    qtbot.waitUntil(lambda: window.desk.document is not None)
    said: list[str] = []
    window.desk.message.connect(said.append)
    window.reader.select_range(0, 10)
    window.desk.label("stance", "favor")
    assert len(window.desk.store) == 1
    assert not [m for m in said if "No suggestions in the desk" in m], said


def test_a_label_on_no_claim_leaves_the_suggestions_alone(qtbot, desk_window,
                                                          monkeypatch) -> None:
    """What is left to review depends on the annotator's claims: a label key on a passage
    that is no claim does not scan the spans again; a claim marked by hand does."""
    w = desk_window
    scans: list[int] = []
    real = desk_suggestions.service.filter_live
    monkeypatch.setattr(desk_suggestions.service, "filter_live",
                        lambda *a, **k: scans.append(1) or real(*a, **k))
    start = TEXT.index("defence")
    w.reader.select_range(start, start + len("defence"), exact=True)
    key(qtbot, w, Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier)
    assert w.desk.current_span() is not None and w.desk.current_span().text == "defence"
    assert scans == []
    assert live_claims(w) == ["The ceasefire will hold", "the cabinet would resign"]
    start = TEXT.index("The ceasefire")
    w.reader.select_range(start, start + len("The ceasefire will hold"), exact=True)
    key(qtbot, w, Qt.Key.Key_C)  # Alt+C: mark as claim
    assert scans and live_claims(w) == ["the cabinet would resign"]


def test_a_short_articles_search_waits_for_the_first_paint(qtbot, db_path,
                                                           add_text_document) -> None:
    """The first window is painted before the finder (and its import) runs; the outlines
    follow at once, and from then on a short article is searched as it opens."""
    from stancedesk.gui.shell.main_window import build_main_window

    add_text_document(TEXT)
    window = build_main_window(str(db_path), "alice")
    qtbot.addWidget(window)
    found = window.desk.suggestions.found
    assert window.desk.document is not None and found == {}, "nothing before the paint"
    with qtbot.waitSignal(window.desk.suggestions.computed, timeout=3000):
        window.show()
    assert live_claims(window) == ["The ceasefire will hold", "the cabinet would resign"]
    other = add_text_document("Officials said the border would reopen on Monday.", "b.txt")
    window.desk.reload_documents()
    window.desk.open_document(other)
    assert other in found, "searched as it opened"
