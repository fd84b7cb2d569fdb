"""Drive the Sources panel on the sample project's attribution: list the registry, select a
source and open one of its claims in the reader, rename, edit aliases, merge; and name a source
by keyboard from the entities matching its text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import attribution as attr_service
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from stancedesk.services.samples import load_sample_annotations


@pytest.fixture
def attributed_path(sample_path: Path) -> Path:
    database = open_database(str(sample_path), seed_sample=False)
    try:
        load_sample_annotations(database)
    finally:
        database.dispose()
    return sample_path


def registry(db_path: Path) -> dict[str, attr_service.RegistryEntry]:
    database = open_database(str(db_path), seed_sample=False)
    try:
        return {e.entity.name: e for e in attr_service.registry(database)}
    finally:
        database.dispose()


def show_panel(qtbot, window: MainWindow):  # type: ignore[no-untyped-def]
    window.findChild(type(window.attribution_actions["name"]), "sourcesPanelAction").trigger()
    qtbot.waitUntil(lambda: window.sources_dock.isVisible()
                    and window.sources_panel.table.rowCount() > 0)
    return window.sources_panel


def test_the_panel_is_made_when_the_dock_is_first_shown(qtbot, attributed_path,
                                                        make_window) -> None:
    """Hidden at launch, the dock holds no panel yet (making it cost a fiftieth of the launch);
    showing it makes the panel once, filled, and it stays."""
    from stancedesk.gui.desk.sources_panel import SourcesPanel

    w = make_window(attributed_path, "sample-ana")
    assert not w.sources_dock.isVisible() and w.findChildren(SourcesPanel) == []
    panel = show_panel(qtbot, w)
    assert w.sources_dock.widget() is panel and w.findChildren(SourcesPanel) == [panel]
    w.sources_dock.hide()
    w.findChild(type(w.attribution_actions["name"]), "sourcesPanelAction").trigger()
    qtbot.waitUntil(w.sources_dock.isVisible)
    assert w.sources_panel is panel and w.findChildren(SourcesPanel) == [panel]


def test_select_a_source_and_open_its_claim(qtbot, attributed_path, make_window) -> None:
    w = make_window(attributed_path, "sample-ana")
    panel = show_panel(qtbot, w)
    names = [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())]
    assert "Halmora News Agency" in names
    stored = registry(attributed_path)["Halmora News Agency"]
    row = names.index("Halmora News Agency")
    assert panel.table.item(row, 3).text() == str(stored.mentions)
    assert panel.table.item(row, 4).text() == str(stored.claims)
    panel.table.selectRow(row)
    claims = attr_service.claims_of(w.database, "Halmora News Agency")
    assert claims and panel.claims.count() == len(claims)
    # a claim of another annotator: the desk turns on reviewer mode to show it
    index = next(i for i, c in enumerate(claims) if c.annotator == "sample-ben")
    item = panel.claims.item(index)
    with qtbot.waitSignal(w.desk.currentSpanChanged, timeout=3000,
                          check_params_cb=lambda sid: sid == claims[index].id):
        panel.claims.itemActivated.emit(item)
    assert w.desk.document_id == claims[index].document_id
    assert w.desk.current_span().id == claims[index].id
    assert w.desk.reviewer
    # the reader draws the claim's link (its source is on screen or marked in the margin)
    w.reader.viewport().repaint()
    assert w.reader.links_drawn >= 1


def test_rename_aliases_and_merge(qtbot, attributed_path, make_window) -> None:
    w = make_window(attributed_path, "sample-ana")
    panel = show_panel(qtbot, w)
    before = registry(attributed_path)
    post = before["Kessa Evening Post"].entity.id
    panel.rename(post, "Kessa Post")
    after = registry(attributed_path)
    assert "Kessa Post" in after and "Kessa Evening Post" in after["Kessa Post"].entity.aliases
    assert panel.table.item(panel.row_of(post), 0).text() == "Kessa Post"

    # aliases are edited in place, separated by ';'
    item = panel.table.item(panel.row_of(post), 1)
    item.setText("the Post; KEP")
    assert set(registry(attributed_path)["Kessa Post"].entity.aliases) == {"the Post", "KEP"}

    # merge the Post into the news agency: its mentions move there
    hna = before["Halmora News Agency"]
    panel.select_entity(post)
    panel.merge_target.setCurrentIndex(panel.merge_target.findData(hna.entity.id))
    with qtbot.waitSignal(panel.registryChanged):
        qtbot.mouseClick(panel.merge_button, Qt.MouseButton.LeftButton)
    merged = registry(attributed_path)
    assert "Kessa Post" not in merged
    assert merged["Halmora News Agency"].mentions == \
        hna.mentions + before["Kessa Evening Post"].mentions
    assert "Kessa Post" in merged["Halmora News Agency"].entity.aliases
    assert panel.selected_entity().id == hna.entity.id
    assert panel.table.rowCount() == len(before) - 1


def test_name_a_source_by_keyboard(qtbot, attributed_path, make_window) -> None:
    w = make_window(attributed_path, "alice")
    text = w.desk.document.text
    word = next(t for t in ("agency", "ministry", "Post") if t in text)
    start = text.index(word)
    w.reader.select_range(start, start + len(word), exact=True)
    w.reader.setFocus()
    with qtbot.waitSignal(w.desk.saved):
        qtbot.keyClick(w.reader, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    span = w.desk.current_span()
    qtbot.keyClick(w.reader, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: getattr(w, "name_popup", None) is not None
                    and w.name_popup.isVisible())
    popup = w.name_popup
    popup.edit.clear()
    qtbot.keyClicks(popup.edit, "HNA")
    assert popup.matches()[0].startswith("Halmora News Agency")
    assert popup.matches()[-1] == "New source “HNA”"
    with qtbot.waitSignal(w.desk.saved):
        qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    hna = registry(attributed_path)["Halmora News Agency"].entity.id
    assert span_service.get_span(w.database, span.id).entity_id == hna
    with qtbot.waitSignal(w.desk.saved):
        w.desk.undo_stack().undo()
    assert span_service.get_span(w.database, span.id).entity_id is None
    with qtbot.waitSignal(w.desk.saved):
        w.desk.undo_stack().redo()
    assert span_service.get_span(w.database, span.id).entity_id == hna

    # Down then Enter picks the next row: here, a new registry entity
    qtbot.keyClick(w.reader, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: w.name_popup is not popup and w.name_popup.isVisible())
    popup = w.name_popup
    popup.edit.clear()
    qtbot.keyClicks(popup.edit, "Ostrelian Desk")
    while popup.list.currentRow() < popup.matches().index("New source “Ostrelian Desk”"):
        qtbot.keyClick(popup.edit, Qt.Key.Key_Down)
    with qtbot.waitSignal(w.desk.saved):
        qtbot.keyClick(popup.edit, Qt.Key.Key_Return)
    created = registry(attributed_path)["Ostrelian Desk"].entity.id
    assert span_service.get_span(w.database, span.id).entity_id == created


def _state(db_path: Path) -> tuple:
    """The registry and which span names which source (with the span's time): what an undo
    must give back exactly."""
    database = open_database(str(db_path), seed_sample=False)
    try:
        entities = sorted((e.entity.id, e.entity, e.mentions, e.claims, e.current_grade)
                          for e in attr_service.registry(database))
        named = sorted((s.id, s.entity_id, s.updated_at)
                       for s in span_service.list_spans(database) if s.entity_id)
        return entities, named
    finally:
        database.dispose()


def test_rename_alias_and_merge_are_undone_and_redone(qtbot, attributed_path,
                                                      make_window) -> None:
    w = make_window(attributed_path, "sample-ana")
    panel = show_panel(qtbot, w)
    start = _state(attributed_path)
    names = registry(attributed_path)
    post, hna = names["Kessa Evening Post"].entity.id, names["Halmora News Agency"].entity.id
    # the desk shows a document where a source names the Post
    mention = next(s for s in span_service.list_spans(w.database) if s.entity_id == post)
    w.set_reviewer(True)
    w.open_document(mention.document_id)
    qtbot.waitUntil(lambda: w.desk.document_id == mention.document_id)
    stack = w.desk.undo_stack()
    assert stack is not None

    # rename, then undo with the desk's Ctrl+Z: the old name comes back and is no alias
    with qtbot.waitSignal(panel.registryEdited):
        panel.rename(post, "Kessa Post")
    assert stack.undoText() == "Rename source 'Kessa Evening Post' to 'Kessa Post'"
    w.reader.setFocus()
    qtbot.keyClick(w.reader, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.table.item(panel.row_of(post), 0).text()
                    == "Kessa Evening Post")
    assert _state(attributed_path) == start
    stack.redo()
    assert "Kessa Post" in registry(attributed_path)
    stack.undo()

    # aliases edited in place: undo gives back the exact list
    item = panel.table.item(panel.row_of(post), 1)
    with qtbot.waitSignal(panel.registryEdited):
        item.setText("the Post; KEP")
    stack.undo()
    assert _state(attributed_path) == start
    assert panel.table.item(panel.row_of(post), 1).text() == \
        "; ".join(names["Kessa Evening Post"].entity.aliases)

    # merge: undo splits the two again, each span naming the source it named before
    panel.select_entity(post)
    panel.merge_target.setCurrentIndex(panel.merge_target.findData(hna))
    with qtbot.waitSignal(panel.registryEdited):
        qtbot.mouseClick(panel.merge_button, Qt.MouseButton.LeftButton)
    merged = _state(attributed_path)
    assert post not in {e[0] for e in merged[0]}
    assert stack.undoText() == "Merge source 'Kessa Evening Post' into 'Halmora News Agency'"
    with qtbot.waitSignal(w.desk.attribution.entitiesChanged):
        stack.undo()
    assert _state(attributed_path) == start
    qtbot.waitUntil(lambda: panel.row_of(post) >= 0)
    assert panel.table.rowCount() == len(names)
    with qtbot.waitSignal(w.desk.attribution.entitiesChanged):
        stack.redo()
    assert {e[0] for e in _state(attributed_path)[0]} == {e[0] for e in merged[0]}
    stack.undo()
    assert _state(attributed_path) == start
    # the open document's spans were reloaded after each step: no stale copy of a source
    # whose registry name moved (a later edit of it would be refused as stale)
    for span in w.desk.store.spans():
        assert span == span_service.get_span(w.database, span.id)
    assert any(s.id == mention.id for s in w.desk.store.spans())
