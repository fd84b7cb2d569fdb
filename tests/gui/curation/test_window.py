"""The curation view driven by keyboard: the queue walked with N/P across documents, a lane
picked with 1–9 and accepted with Return, a rejection, undo and redo, blind mode, filters and
"accept all agreeing" with its preview. What reached the database is read back through the
services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from stancedesk.gui.curation.window import CurationWindow
from stancedesk.services import curation
from stancedesk.services import spans as span_service

from .conftest import CLAIM, LONE, SOURCE, Study

WAIT = 20_000


@pytest.fixture
def view(qtbot, study: Study) -> Iterator[CurationWindow]:
    window = CurationWindow(study.database, "lead")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    with qtbot.waitSignal(window.documentShown, timeout=WAIT):
        window.start()
    yield window
    window.jobs.shutdown()


def press(qtbot, view: CurationWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(view.text, key, modifier)


def current_text(view: CurationWindow) -> str:
    assert view.current is not None
    return view.doc.text[view.current.start:view.current.end]


def gold(study: Study) -> list:
    return [s for s in span_service.list_spans(study.database) if s.annotator == "gold"]


def test_the_queue_opens_on_the_first_conflict_with_a_lane_per_annotator(
        qtbot, view: CurationWindow, study: Study) -> None:
    assert [lane.title for lane in view.lanes] == ["ana", "ben", "cy", "gold"]
    assert view.model.rowCount() == 3
    assert current_text(view) == CLAIM
    assert view.position.text() == "conflict 1 of 3"
    qtbot.waitUntil(lambda: view.text.gutter.bars_drawn >= 6, timeout=WAIT)
    table = view.versions
    assert [table.item(r, 1).text() for r in range(table.rowCount())] == \
        ["ana", "ben", "cy", "gold"]
    source_column = 4 + len(view.scheme.layers)
    assert table.item(0, source_column).text() == f"“{SOURCE}”", "the source each chose"


def test_n_and_p_walk_the_conflicts_across_documents(qtbot, view: CurationWindow,
                                                     study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_N)
    assert current_text(view) == LONE
    assert view.position.text() == "conflict 2 of 3"
    with qtbot.waitSignal(view.documentShown, timeout=WAIT) as shown:
        press(qtbot, view, Qt.Key.Key_J)  # J is N's vi twin
    assert shown.args == [study.docs[1]]
    assert current_text(view) == study.second
    assert view.position.text() == "conflict 3 of 3"
    press(qtbot, view, Qt.Key.Key_N)
    assert "last one" in view.status.text()
    assert current_text(view) == study.second
    with qtbot.waitSignal(view.documentShown, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_P)
    assert current_text(view) == LONE
    press(qtbot, view, Qt.Key.Key_K)
    assert current_text(view) == CLAIM


def test_a_picked_lane_goes_into_gold_and_undo_redo_follow(qtbot, view: CurationWindow,
                                                           study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_3)
    assert view.versions.currentRow() == 2
    press(qtbot, view, Qt.Key.Key_2)  # ben: favor, like ana
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Return)
    stored = {s.text: s for s in gold(study)}
    assert set(stored) == {CLAIM, SOURCE}, "the claim brings its source along"
    assert stored[CLAIM].labels == {"stance": "favor"}
    decisions = {d.span_id: d for d in curation.list_decisions(study.database)}
    claim_decision = decisions[stored[CLAIM].id]
    assert (claim_decision.decision, claim_decision.curated_by,
            sorted(claim_decision.curated_from)) == ("majority", "lead", ["ana", "ben"])
    assert view.model.rowCount() == 2
    assert current_text(view) == LONE, "the next conflict moves up"
    view.select_passage(view.doc.passage_of(stored[CLAIM].id).id)
    gold_row = view.versions.rowCount() - 1
    assert view.versions.item(gold_row, 2).text() == CLAIM
    state = view.versions.item(gold_row, view.versions.columnCount() - 1).text()
    assert state.startswith("majority · from ana, ben · by lead")

    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert gold(study) == []
    assert curation.list_decisions(study.database) == []
    assert view.model.rowCount() == 3
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.ShiftModifier)
    assert {s.text for s in gold(study)} == {CLAIM, SOURCE}
    assert view.model.rowCount() == 2


def test_r_rejects_every_version_and_ctrl_z_reopens_it(qtbot, view: CurationWindow,
                                                       study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_N)
    assert current_text(view) == LONE
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_R)
    [decision] = curation.list_decisions(study.database)
    assert (decision.decision, decision.span_id, decision.curated_from) == \
        ("rejected", None, ("ana",))
    assert gold(study) == []
    assert view.model.rowCount() == 2
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert curation.list_decisions(study.database) == []
    assert view.model.rowCount() == 3


def test_a_missing_version_cannot_be_accepted(qtbot, view: CurationWindow,
                                              study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_N)  # only ana marked it
    press(qtbot, view, Qt.Key.Key_2)
    assert "ben has no version" in view.status.text()
    press(qtbot, view, Qt.Key.Key_Return)
    assert "Pick a lane" in view.status.text()
    assert gold(study) == []


def test_blind_mode_hides_the_names_and_shuffles_the_lanes(qtbot, view: CurationWindow,
                                                           study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_B)
    assert view.blind_box.isChecked()
    titles = [lane.title for lane in view.lanes]
    assert titles == ["Annotator 1", "Annotator 2", "Annotator 3", "gold"]
    expected = curation.blind_lanes(["ana", "ben", "cy"], f"lead:{study.docs[0]}").order
    assert tuple(lane.key for lane in view.lanes[:3]) == expected, "the service's seeded order"
    table = view.versions
    shown = " ".join(table.item(r, c).text() for r in range(table.rowCount())
                     for c in range(table.columnCount()) if table.item(r, c))
    for name in ("ana", "ben", "cy"):
        assert name not in shown.split()
    assert "ana" not in view.position.text() + view.status.text() + view.title.text()
    # what a lane's key accepts is that lane's version, whoever it belongs to
    cy_lane = [lane.key for lane in view.lanes].index("cy")
    press(qtbot, view, getattr(Qt.Key, f"Key_{cy_lane + 1}"))
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Return)
    claim = next(s for s in gold(study) if s.text == CLAIM)
    assert claim.labels == {"stance": "neutral"}
    view.select_passage(view.doc.passage_of(claim.id).id)
    state = table.item(table.rowCount() - 1, table.columnCount() - 1).text()
    assert "cy" not in state.split() and "Annotator" in state, state
    press(qtbot, view, Qt.Key.Key_B)
    assert [lane.title for lane in view.lanes] == ["ana", "ben", "cy", "gold"]


def test_filters_narrow_the_queue(qtbot, view: CurationWindow, study: Study) -> None:
    with qtbot.waitSignal(view.queueShown, timeout=WAIT) as shown:
        view.filters.role.setCurrentIndex(view.filters.role.findData("claim"))
    assert shown.args == [1]
    assert current_text(view) == CLAIM
    with qtbot.waitSignal(view.queueShown, timeout=WAIT) as shown:
        view.filters.choose(label="stance:against")
    assert shown.args == [1]
    assert view.model.passages[0].document_id == study.docs[1]
    with qtbot.waitSignal(view.queueShown, timeout=WAIT) as shown:
        view.filters.choose()
    assert shown.args == [3]


def test_accept_all_agreeing_previews_then_takes_what_it_showed(
        qtbot, view: CurationWindow, study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_A)
    dialog = view.agreeing_dialog
    assert dialog is not None and dialog.k.value() == 3
    assert not dialog.accept_button.isEnabled(), "nothing is taken without a preview"
    with qtbot.waitSignal(view.previewShown, timeout=WAIT) as shown:
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert [item.text for item in shown.args[0].taken] == [SOURCE]
    assert gold(study) == [], "a preview stores nothing"
    assert dialog.table.rowCount() == 1
    dialog.k.setValue(2)
    assert not dialog.accept_button.isEnabled()
    with qtbot.waitSignal(view.previewShown, timeout=WAIT) as shown:
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    assert sorted(item.text for item in shown.args[0].taken) == sorted([SOURCE, CLAIM])
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert sorted(s.text for s in gold(study)) == sorted([SOURCE, CLAIM])
    assert view.model.rowCount() == 2
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert gold(study) == []


def test_m_merges_the_selection_with_edited_labels_into_gold(qtbot, view: CurationWindow,
                                                             study: Study) -> None:
    press(qtbot, view, Qt.Key.Key_N)
    assert current_text(view) == LONE
    start, _end = study.at(0, LONE)
    view.text.select_range(start, start + len("cautious first"))
    press(qtbot, view, Qt.Key.Key_M)
    dialog = view.merge_dialog
    assert dialog is not None
    assert (dialog.start.value(), dialog.end.value()) == (start, start + len("cautious first"))
    assert dialog.values["stance"].currentData() == "favor", "starts from the picked version"
    stance = dialog.values["stance"]
    stance.setCurrentIndex(stance.findData("against"))
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    [span] = gold(study)
    assert (span.text, dict(span.labels)) == ("cautious first", {"stance": "against"})
    [decision] = curation.list_decisions(study.database)
    assert (decision.decision, decision.curated_from) == ("curator", ("ana",))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert gold(study) == []
    assert current_text(view) == LONE, "undo shows the passage it reopened"


def test_tools_menu_opens_the_view_as_the_desks_annotator(qtbot, make_window,
                                                          study: Study) -> None:
    window = make_window(study.path, "lead")
    assert window.curation_action.shortcut().toString() == "Ctrl+Shift+C"
    assert window.curation_action in window.chrome.tools_menu.actions()
    window.curation_action.trigger()
    view = window.curation
    qtbot.waitUntil(lambda: view.current is not None, timeout=WAIT)
    assert current_text(view) == CLAIM
    assert view.curator == "lead"
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    with qtbot.waitSignal(window.desk.changed, timeout=WAIT) as told, \
            qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Return)
    assert told.args[0].spans_added == {study.docs[0]: {"gold": 2}}, "the desk hears of gold"
    claim_start = study.at(0, CLAIM)[0]
    [decision] = [d for d in curation.list_decisions(study.database) if d.start == claim_start]
    assert decision.curated_by == "lead"
    view.jobs.shutdown()
    view.close()


def test_writes_elsewhere_reload_only_the_documents_they_touched(
        qtbot, view: CurationWindow, study: Study) -> None:
    from stancedesk.services.changes import Changes

    text = study.texts[study.docs[1]]
    word = next(w for w in text.split() if len(w) > 5 and w.isalpha() and w != study.second)
    start = text.index(word)
    span = span_service.create_span(study.database, study.docs[1], "cy", start,
                                    start + len(word), {"stance": "neutral"})
    with qtbot.waitSignal(view.queueShown, timeout=WAIT) as shown:
        view.follow(Changes.of_span(None, span))
    assert shown.args == [4]
    assert current_text(view) == CLAIM, "the place is kept"
    view.hide()
    span_service.delete_span(study.database, span.id)
    view.follow(Changes.of_span(span, None))
    assert view.model.rowCount() == 4, "nothing is read while hidden"
    with qtbot.waitSignal(view.queueShown, timeout=WAIT) as shown:
        view.show()
    assert shown.args == [3]


def test_decisions_update_the_view_in_place_as_a_fresh_read_would_show_it(
        qtbot, view: CurationWindow, study: Study, monkeypatch: pytest.MonkeyPatch) -> None:
    """Return, R and Ctrl+Z change the shown document's passages, lanes and queue from what
    the decision returned: nothing is read or aligned again, and what the view shows is what
    reading the document afresh gives."""
    reads: list[str] = []
    for name in ("document_curation", "conflict_queue"):
        real = getattr(curation, name)
        monkeypatch.setattr(curation, name, lambda *a, real=real, name=name, **k:
                            reads.append(name) or real(*a, **k))
    jobs: list[str] = []
    start = view.jobs.start
    monkeypatch.setattr(view.jobs, "start", lambda work, what: jobs.append(what) or
                        start(work, what))

    def lane(key: str) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in view.text.lane_spans[key].spans()]

    def matches_a_fresh_read() -> None:
        doc = view.doc
        assert doc is not None
        fresh = curation.document_curation(study.database, doc.document_id).passages
        assert list(doc.passages) == list(fresh)
        assert view.text.passages == {p.id: p for p in fresh}
        for key in ("ana", "ben", "cy"):
            assert lane(key) == sorted((v.span.start, v.span.end) for p in fresh
                                       for v in p.versions if v.annotator == key)
        assert lane("gold") == sorted((p.gold.span.start, p.gold.span.end) for p in fresh
                                      if p.gold is not None)
        assert [p.id for p in view.model.passages] == \
            [p.id for p in curation.conflict_queue(study.database)]
        for p in fresh:
            assert view.text.passage_colour[p.id][1] == p.is_conflict
        reads.clear()

    claim = view.current
    assert claim is not None and current_text(view) == CLAIM
    press(qtbot, view, Qt.Key.Key_2)
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Return)
    assert reads == [] and jobs == [], "no read, no job"
    assert view.text.passages[claim.id].decided and not view.text.passage_colour[claim.id][1]
    assert (SOURCE in {view.doc.text[a:b] for a, b in lane("gold")}) and \
        (CLAIM in {view.doc.text[a:b] for a, b in lane("gold")})
    assert claim.id not in [p.id for p in view.model.passages]
    assert current_text(view) == LONE and view.model.rowCount() == 2
    matches_a_fresh_read()

    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert reads == [] and jobs == []
    assert view.model.rowCount() == 3 and lane("gold") == []
    assert current_text(view) == CLAIM, "back to the reopened passage"
    matches_a_fresh_read()

    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_R)  # every version of the claim rejected
    assert reads == [] and jobs == []
    assert view.model.rowCount() == 2 and current_text(view) == LONE
    assert view.text.passages[claim.id].decision is not None and lane("gold") == []
    matches_a_fresh_read()

    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.decisionMade, timeout=WAIT):  # redo the rejection
        press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.ShiftModifier)
    assert reads == [] and jobs == []
    assert view.model.rowCount() == 2
    matches_a_fresh_read()
