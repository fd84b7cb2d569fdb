"""Drive the sourcing profile view on the sample project's attribution: its bars, heat map and
table show the numbers of ``stancedesk profile --json`` for every grouping and annotator
choice, and a click on a bar segment or a heat-map cell lists those claims, each opening in
the reader."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from stancedesk.cli import main
from stancedesk.gui.agreement.profile_view import ProfileView
from stancedesk.gui.shell.main_window import MainWindow
from stancedesk.services import attribution as attr_service
from stancedesk.services.changes import Changes
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


def cli_profile(capsys, path: Path, by: str, annotators: list[str] | None = None) -> list:
    args = ["--db", str(path), "profile", "--by", by, "--json"]
    if annotators:
        args += ["--annotators", ",".join(annotators)]
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)["groups"]


def open_view(qtbot, window: MainWindow) -> ProfileView:
    with qtbot.waitSignal(window.desk.changed, timeout=200, raising=False):
        pass
    window.profile_view_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "profile_view", None) is not None)
    view = window.profile_view
    qtbot.waitUntil(lambda: view.result is not None and view.job is None, timeout=5000)
    return view


def recompute(qtbot, view: ProfileView, change) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.computed, timeout=5000):
        change()
    qtbot.waitUntil(lambda: view.job is None)


def assert_shows(view: ProfileView, expected: list) -> None:
    """The view's numbers are the CLI's: the profile itself, each bar, the table, the heat map."""
    assert view.result is not None
    assert json.loads(json.dumps(view.result.groups)) == expected
    assert [(r.group, r.total, dict(r.counts)) for r in view.bars.rows] == \
        [(g["group"], g["claims"], {k: v["count"] for k, v in g["by_sourcing"].items()})
         for g in expected]
    assert [view.table.item(r, 1).text() for r in range(view.table.rowCount())] == \
        [str(g["claims"]) for g in expected]
    assert [view.table.item(r, 2).text() for r in range(view.table.rowCount())] == \
        [f"{g['anonymous']['count']} ({g['anonymous']['share']:.0%})" for g in expected]
    view.heat_group.setCurrentIndex(0)  # every group
    cells: Counter[tuple[str, str]] = Counter()
    for g in expected:
        for sourcing, stances in g["stance_by_sourcing"].items():
            for stance, n in stances.items():
                cells[(stance, sourcing)] += n
    assert view.heat.counts == dict(cells)
    assert view.heat.total == sum(g["claims"] for g in expected)


def test_numbers_equal_the_cli_for_every_grouping_and_annotator_choice(
        qtbot, capsys, attributed_path, make_window) -> None:
    w = make_window(attributed_path, "sample-ana")
    view = open_view(qtbot, w)
    assert view.by == "document"
    expected = cli_profile(capsys, attributed_path, "document")
    assert expected and sum(g["claims"] for g in expected) > 5
    assert_shows(view, expected)
    # a document's bar is labelled with its title
    assert view.bars.rows[0].label == expected[0]["title"]

    for by in ("outlet", "annotator"):
        recompute(qtbot, view, lambda by=by: view.group_by.setCurrentIndex(
            view.group_by.findData(by)))
        assert_shows(view, cli_profile(capsys, attributed_path, by))

    # only one annotator's claims, as --annotators
    item = view.annotator_list.item(1)
    kept = [view.annotator_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(view.annotator_list.count()) if i != 1]
    recompute(qtbot, view, lambda: item.setCheckState(Qt.CheckState.Unchecked))
    assert_shows(view, cli_profile(capsys, attributed_path, "annotator", kept))

    # one group's heat map is that group's stance × sourcing
    group = view.result.groups[0]
    view.heat_group.setCurrentIndex(1)
    assert view.heat.total == group["claims"]
    assert view.heat.counts == {(stance, sourcing): n for sourcing, stances in
                                group["stance_by_sourcing"].items()
                                for stance, n in stances.items()}


def test_a_click_lists_the_claims_and_opens_one_in_the_reader(
        qtbot, attributed_path, make_window) -> None:
    w = make_window(attributed_path, "sample-ana")
    view = open_view(qtbot, w)
    recompute(qtbot, view, lambda: view.group_by.setCurrentIndex(
        view.group_by.findData("outlet")))
    bars = view.bars
    row = max(range(len(bars.rows)), key=lambda i: bars.rows[i].total)
    key, n = max(bars.rows[row].counts.items(), key=lambda kv: kv[1])
    rect = bars.segment_rect(row, key)
    assert rect is not None
    assert bars.segment_at(rect.center()) == (row, key)
    total = bars.rows[row].total
    assert f"{n} claim{'s' * (n != 1)} of {total} ({n / total:.0%})" in \
        bars.segment_text(row, key)
    qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert view.claims.count() == n
    assert view.claims_title.text().startswith(f"{n} claim")
    claims = view.result.claims(bars.rows[row].group, sourcing=key)
    assert all(c.sourcing == key and (c.outlet or "(no outlet)") == bars.rows[row].group
               for c in claims)

    # the heat map: every group, the busiest cell
    view.heat_group.setCurrentIndex(0)
    heat = view.heat
    cell = max(((r, c) for r in range(len(heat.stances)) for c in range(len(heat.sourcings))),
               key=lambda rc: heat.count(*rc))
    qtbot.mouseClick(heat, Qt.MouseButton.LeftButton,
                     pos=heat.cell_rect(*cell).center().toPoint())
    assert view.claims.count() == heat.count(*cell)
    stance, sourcing = heat.stances[cell[0]].key, heat.sourcings[cell[1]].key
    assert "claims resting on" in heat.cell_text(*cell)

    # a listed claim opens in the reader (another annotator's in reviewer mode)
    listed = view.result.claims(None, sourcing=sourcing, stance=stance)
    item = view.claims.item(0)
    with qtbot.waitSignal(w.desk.currentSpanChanged, timeout=3000,
                          check_params_cb=lambda sid: sid == listed[0].claim_id):
        view.claims.itemActivated.emit(item)
    assert w.desk.document_id == listed[0].document_id
    assert w.desk.current_span().id == listed[0].claim_id


def test_a_change_in_the_desk_is_counted_again(qtbot, attributed_path, make_window) -> None:
    """Any write the desk publishes (here: another tool deleting a claim) is counted again."""
    w = make_window(attributed_path, "sample-ana")
    view = open_view(qtbot, w)
    before = sum(g["claims"] for g in view.result.groups)
    claim = view.result.records[0]
    removal = attr_service.delete_spans(w.database, [claim.claim_id])
    with qtbot.waitSignal(view.computed, timeout=5000):
        w.desk.publish(Changes.of_span(removal.spans[0], None))
    qtbot.waitUntil(lambda: view.job is None)
    assert sum(g["claims"] for g in view.result.groups) == before - 1
