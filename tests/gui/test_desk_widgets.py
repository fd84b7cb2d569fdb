"""The desk's small widgets on their own: inspector, find count, target editor, column chooser,
paragraph spacing and the hover tooltip."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QCompleter, QTableView

from stancedesk.domain import Span
from stancedesk.domain.span_store import SpanStore
from stancedesk.domain.span_summary import summary_html
from stancedesk.gui.desk.editors import ValueEditor
from stancedesk.gui.desk.find_bar import FindBar
from stancedesk.gui.desk.inspector import SpanInspector
from stancedesk.gui.desk.painting import SpanStyler
from stancedesk.gui.desk.reader import DocumentView, needs_paragraph_gap
from stancedesk.gui.desk.span_table import ColumnChooser, SpanTableModel
from stancedesk.services.project import default_scheme

TEXT = "Officials said the talks 🎉 would resume. Officials declined to comment.\n"
WHEN = datetime(2026, 1, 14, 9, 30, tzinfo=UTC)


def _span(**labels: str) -> Span:
    return Span(id="s1", document_id="d", annotator="ana", start=0, end=14,
                text="Officials said", labels=labels, note="check the wire copy",
                created_at=WHEN, updated_at=WHEN)


def test_inspector_shows_every_layer_and_edits_through_signals(qtbot) -> None:
    scheme = default_scheme()
    inspector = SpanInspector(scheme)
    qtbot.addWidget(inspector)
    span = _span(stance="favor", sourcing="official", reliability="B", credibility="2",
                 target="the talks")
    inspector.show_span(span)
    assert inspector.fields["stance"].currentText().startswith("Favor")
    assert inspector.value_shown("sourcing") == "official"
    assert inspector.value_shown("reliability") == "B"
    assert inspector.value_shown("credibility") == "2"
    assert inspector.value_shown("target") == "the talks"
    assert inspector.note.toPlainText() == "check the wire copy"
    assert inspector.author.text() == "ana" and inspector.created.text().startswith("2026-01-")
    assert not inspector.role.isVisible()

    combo = inspector.fields["credibility"]
    with qtbot.waitSignal(inspector.labelChosen) as blocker:
        combo.setCurrentIndex(combo.findData("4"))
        combo.activated.emit(combo.currentIndex())
    assert blocker.args == ["credibility", "4"]
    with qtbot.waitSignal(inspector.labelChosen) as blocker:
        combo.setCurrentIndex(0)  # "—": clear the layer
        combo.activated.emit(0)
    assert blocker.args == ["credibility", ""]

    inspector.note.setPlainText("corroborated")
    assert inspector.save_note.isEnabled()
    with qtbot.waitSignal(inspector.noteChosen) as blocker:
        qtbot.mouseClick(inspector.save_note, Qt.MouseButton.LeftButton)
    assert blocker.args == ["s1", "corroborated"]

    inspector.show_span(span, editable=False, hint="ben's span")
    assert not inspector.fields["stance"].isEnabled() and inspector.note.isReadOnly()
    inspector.show_span(None)
    assert "No span selected" in inspector.quote.text()


def test_tooltip_summary_names_labels_note_and_author() -> None:
    html = summary_html(_span(stance="against", credibility="6"), default_scheme())
    assert "Against" in html and "6 - Truth cannot be judged" in html
    assert "check the wire copy" in html and "ana" in html and "Officials said" in html


def test_reader_hover_tooltip_and_paragraph_gap(qtbot) -> None:
    styler = SpanStyler(default_scheme(), "stance")
    reader = DocumentView(styler)
    qtbot.addWidget(reader)
    reader.resize(700, 400)
    reader.show()
    text = "First paragraph of the wire.\nSecond paragraph.\nThird.\n"
    assert needs_paragraph_gap(text) and not needs_paragraph_gap("One.\n\nTwo.\n")
    assert not needs_paragraph_gap("Just one line.\n")
    span = Span("s1", "d", "ana", 0, 5, "First", {"stance": "favor"}, created_at=WHEN)
    reader.set_document(text, SpanStore([span]))
    assert reader.toPlainText() == text, "the shown text is the stored text"
    first = reader.document().firstBlock()
    gap = reader.blockBoundingGeometry(first.next()).top() - \
        reader.blockBoundingGeometry(first).top()
    assert gap > reader.fontMetrics().lineSpacing() * 1.5, "space under each paragraph"
    cursor = QTextCursor(reader.document())
    cursor.setPosition(2)
    point = reader.cursorRect(cursor).center()
    assert reader.span_under(point) == span
    assert "Favor" in reader.span_tooltip(span)
    # a click on the second paragraph still lands there: hit tests follow the gaps
    cursor.setPosition(text.index("Second") + 2)
    hit = reader.cursorForPosition(reader.cursorRect(cursor).center())
    assert hit.blockNumber() == 1

    reader.set_document("One.\n\nTwo.\n", SpanStore())
    first = reader.document().firstBlock()
    assert reader.blockBoundingGeometry(first.next()).top() - \
        reader.blockBoundingGeometry(first).top() < reader.fontMetrics().lineSpacing() * 1.5


def test_find_bar_counts_matches(qtbot) -> None:
    reader = DocumentView(SpanStyler(default_scheme(), "stance"))
    qtbot.addWidget(reader)
    reader.set_document(TEXT, SpanStore())
    bar = FindBar(reader)
    qtbot.addWidget(bar)
    bar.open_bar()
    bar.edit.setText("officials")
    assert bar.find_match()
    assert bar.status.text() == "1 of 2"
    assert bar.find_match()
    assert bar.status.text() == "2 of 2"
    assert bar.find_match()  # wraps
    assert bar.status.text() == "1 of 2"
    bar.edit.setText("resume")  # after the emoji: Qt and Python positions differ by one
    assert bar.find_match() and bar.status.text() == "1 of 1"
    bar.edit.setText("nowhere")
    assert not bar.find_match() and bar.status.text() == "Not found"


def test_one_enter_picks_a_suggested_target(qtbot) -> None:
    editor = ValueEditor("target", "Target", [("talks", "the rapprochement talks"),
                                              ("sanctions", "Sanctions relief")], "", None)
    qtbot.addWidget(editor)
    editor.open()
    qtbot.waitExposed(editor)
    chosen: list[tuple[str, str]] = []
    editor.valueChosen.connect(lambda k, v: chosen.append((k, v)))
    qtbot.keyClicks(editor.edit, "rappro")
    completer = editor.edit.completer()
    assert isinstance(completer, QCompleter)
    popup = completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert chosen == [("target", "talks")], "one Enter: picked and stored as the key"


def test_column_chooser_hides_and_reports(qtbot) -> None:
    model = SpanTableModel(default_scheme())
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    titles = [str(model.headerData(i, Qt.Orientation.Horizontal)) for i in
              range(model.columnCount())]
    remembered: list[list[str]] = []
    chooser = ColumnChooser(view, model.column_keys, titles, ["start", "end"],
                            remembered.append)
    assert view.isColumnHidden(model.column_keys.index("start"))
    assert not view.isColumnHidden(model.column_keys.index("credibility"))
    menu = chooser.build_menu()
    by_key = {a.data(): a for a in menu.actions()}
    by_key["note"].setChecked(False)
    assert view.isColumnHidden(model.column_keys.index("note"))
    assert remembered[-1] == ["note", "start", "end"]
    by_key["start"].setChecked(True)
    assert remembered[-1] == ["note", "end"]
    chooser.set_hidden(model.column_keys)  # never every column
    assert not view.isColumnHidden(0)


def test_palette_marks_the_current_spans_values(qtbot) -> None:
    from stancedesk.gui.desk.palette import LabelPalette

    palette = LabelPalette(default_scheme())
    qtbot.addWidget(palette)
    palette.show_current({"stance": "favor", "credibility": "2", "target": "talks"})
    assert sorted(palette.current_rows()) == [("credibility", "2"), ("stance", "favor"),
                                              ("target", "")]
    palette.show_current(None)
    assert palette.current_rows() == []
