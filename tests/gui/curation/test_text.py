"""The curation reader: Python offsets at its edges, UTF-16 inside Qt, and lanes painted from
the visible lines only."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from stancedesk.domain import Span
from stancedesk.domain.curation import passages
from stancedesk.gui.curation.text import CurationText, Lane

TEXT = "😀 Emoji first. The minister 🇫🇷 said the talks would go ahead."


def _span(sid: str, who: str, needle: str, labels: dict[str, str]) -> Span:
    start = TEXT.index(needle)
    return Span(sid, "d", who, start, start + len(needle), needle, labels)


def test_offsets_cross_astral_characters_and_lanes_follow(qtbot) -> None:
    view = CurationText()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(TEXT)
    start = TEXT.index("said")
    view.select_range(start, start + len("said the"))
    cursor = view.textCursor()
    # three astral characters before "said" (one emoji, a flag of two): Qt counts 3 more
    assert (cursor.selectionStart(), cursor.selectionEnd()) == (start + 3, start + 11)
    assert view.label_range() == (start, start + len("said the"))
    found = passages("d", [_span("a1", "ana", "said the talks", {"stance": "favor"}),
                           _span("b1", "ben", "said the talks", {"stance": "against"}),
                           _span("a2", "ana", "The minister", {"sourcing": "official"}),
                           _span("b2", "ben", "The minister", {"sourcing": "official"})])
    lanes = [Lane("ana", "ana", "1"), Lane("ben", "ben", "2"), Lane("gold", "gold", "G")]
    view.show_passages(found, lanes)
    QApplication.processEvents()
    view.gutter.repaint()
    assert view.gutter.bars_drawn == 4
    conflict = next(p for p in found if p.is_conflict)
    view.set_current(conflict.id)
    click = view.cursorRect(view.textCursor()).center()
    assert view.passage_at(click) == conflict


def test_a_gold_bar_tells_its_provenance(qtbot) -> None:
    from datetime import UTC, datetime

    from stancedesk.domain.curation import Decision

    view = CurationText()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_document(TEXT)
    ana = _span("a1", "ana", "said the talks", {"stance": "favor"})
    ben = _span("b1", "ben", "said the talks", {"stance": "favor"})
    gold = _span("g1", "gold", "said the talks", {"stance": "favor"})
    decision = Decision("d1", "d", "g1", gold.start, gold.end, "unanimous", "lead",
                        datetime(2026, 12, 2, 2, 31, tzinfo=UTC), ("ana", "ben"), ("a1", "b1"))
    found = passages("d", [ana, ben, gold], decisions=[decision])
    view.show_passages(found, [Lane("ana", "Annotator 2", "1"), Lane("ben", "Annotator 1", "2"),
                               Lane("gold", "gold", "G")])
    view.alias = {"ana": "Annotator 2", "ben": "Annotator 1"}
    QApplication.processEvents()  # the text laid out
    view.gutter.repaint()
    rect, _title, _ = next(bar for bar in view.gutter.bars if bar[1] == "gold")
    text = view.gutter.describe(rect.center().toPoint())
    assert text == ("gold: “said the talks” · stance: favor\n"
                    "unanimous · from Annotator 2, Annotator 1 · by lead, 2026-12-02 02:31 UTC")
