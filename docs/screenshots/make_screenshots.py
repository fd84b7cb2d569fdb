"""Regenerate the README screenshots offscreen:  python docs/screenshots/make_screenshots.py"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="stancedesk-shots-"))
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from stancedesk.gui.shell.main_window import build_main_window  # noqa: E402
from stancedesk.gui.shell.settings import APPLICATION, ORGANISATION  # noqa: E402
from stancedesk.services import corpus  # noqa: E402
from stancedesk.services import spans as annotations  # noqa: E402
from stancedesk.services.project import open_database  # noqa: E402

OUT = Path(__file__).resolve().parent
SPANS = [  # (annotator, phrase, labels)
    ("alice", "Ostrelia will host the first direct contacts",
     {"stance": "favor", "sourcing": "official", "reliability": "B", "credibility": "2"}),
    ("alice", "the Ostrelian foreign ministry said on Wednesday",
     {"sourcing": "official", "reliability": "A", "credibility": "1"}),
    ("alice", "a cautious first step",
     {"stance": "favor", "sourcing": "diplomat", "target": "rapprochement"}),
    ("alice", "diplomats described", {"sourcing": "diplomat"}),
    ("alice", "Ostrelia is not proposing a solution", {"stance": "neutral",
                                                       "sourcing": "official"}),
    ("alice", "Two sources with knowledge of the preparations",
     {"sourcing": "anonymous", "reliability": "C", "credibility": "3"}),
    ("alice", "deliberately kept thin", {"stance": "against", "target": "mediation"}),
    ("bob", "a cautious first step toward easing", {"stance": "neutral",
                                                    "sourcing": "diplomat"}),
    ("bob", "Two sources with knowledge", {"sourcing": "anonymous"}),
]


def main() -> int:
    only = {"attribution": lambda app: attribution(app),  # only these shots
            "profile": lambda app: profile_view(app),
            "agreement-attribution": lambda app: agreement_attribution(app),
            "agreement-gold": lambda app: agreement_gold(app)}
    if len(sys.argv) == 2 and sys.argv[1] in only:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        only[sys.argv[1]](app)
        return 0
    if sys.argv[1:] == ["suggestions"]:  # only the suggestions shot
        app = QApplication.instance() or QApplication(sys.argv[:1])
        suggestions(app)
        return 0
    if sys.argv[1:] == ["bundles"]:  # only the bundle import dialog
        app = QApplication.instance() or QApplication(sys.argv[:1])
        bundle_import(app)
        return 0
    if sys.argv[1:] == ["curation"]:  # only the curation view
        app = QApplication.instance() or QApplication(sys.argv[:1])
        curation(app)
        return 0
    db_path = _HOME / "shots.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    doc = corpus.list_documents(database)[0]
    text = corpus.get_document(database, doc.id).text
    for who, phrase, labels in SPANS:
        start = text.index(phrase)
        annotations.create_span(database, doc.id, who, start, start + len(phrase), labels)
    database.dispose()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtCore import QSettings

    for mode in ("light", "dark"):
        QSettings(ORGANISATION, APPLICATION).setValue("view/theme", mode)
        window = build_main_window(str(db_path), "alice")
        window.resize(1440, 900)
        window.show()
        for _ in range(5):
            app.processEvents()
        span = window.desk.store.spans()[2]
        window.desk.select_span(span.id)
        app.processEvents()
        window.grab().save(str(OUT / f"desk-{mode}.png"))
        if mode == "light":
            window.set_reviewer(True)
            window.set_colour_by("sourcing")
            for _ in range(3):
                app.processEvents()
            window.grab().save(str(OUT / "desk-reviewer.png"))
            window.set_reviewer(False)
            window.set_colour_by("stance")
        window.close()
    QSettings(ORGANISATION, APPLICATION).setValue("view/theme", "light")
    inspector(app, db_path)
    blind_study(app, db_path)
    agreement_dashboard(app)
    attribution(app)
    suggestions(app)
    profile_view(app)
    agreement_attribution(app)
    agreement_gold(app)
    curation(app)
    bundle_import(app)
    return 0


def _settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def attribution(app: QApplication) -> None:
    """The sample's attribution in reviewer mode: arcs from claims to their sources (dashed to
    an intermediary), the chain in the Source column; then the Sources panel with a source's
    claims listed."""
    from stancedesk.services.samples import load_sample_annotations

    db_path = _HOME / "attribution.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    if not database_has_links(database):
        load_sample_annotations(database)
    database.dispose()
    window = build_main_window(str(db_path), "sample-ana")
    window.resize(1600, 1000)
    window.show()
    _settle(app)
    doc = next(d for d in corpus.list_documents(window.database)
               if d.source_file.endswith("01-ostrelia-hosts-exploratory-talks.md"))
    window.documents.select_row(window.desk.doc_model.row_of(doc.id))
    _settle(app)
    claims = [s for s in window.desk.store.spans()
              if s.role == "claim" and s.id in window.desk.attribution.links.attributed]
    if claims:
        window.desk.select_span(claims[0].id, show=True)
    _settle(app)
    window.grab().save(str(OUT / "attribution-links.png"))
    window.sources_dock.show()
    window.sources_dock.setFloating(True)  # the shot shows the panel at a readable size
    window.sources_dock.resize(820, 560)
    _settle(app)
    panel = window.sources_panel
    panel.reload()
    panel.select_entity(panel.entries[0].entity.id)
    _settle(app)
    window.sources_dock.grab().save(str(OUT / "sources-panel.png"))
    window.close()


def suggestions(app: QApplication) -> None:
    """The reader with suggested attributions: one accepted (now ordinary spans, linked), the
    next one current (firm outline, parts tagged), the rest dashed."""
    db_path = _HOME / "suggestions.sqlite"
    open_database(str(db_path), seed_sample=True).dispose()
    window = build_main_window(str(db_path), "maria")
    window.resize(1500, 940)
    window.show()
    _settle(app)
    doc = next(d for d in corpus.list_documents(window.database)
               if d.source_file.endswith("01-ostrelia-hosts-exploratory-talks.md"))
    window.documents.select_row(window.desk.doc_model.row_of(doc.id))
    _settle(app)
    found = window.desk.suggestions
    found.step(True)
    found.accept()
    window.desk.select_span(None)
    window.set_colour_by("sourcing")
    window.reader.verticalScrollBar().setValue(0)
    _settle(app)
    window.reader.resize(1040, 780)
    _settle(app)
    window.reader.grab().save(str(OUT / "reader-suggestions.png"))
    window.close()


def _attributed_sample() -> Path:
    from stancedesk.services.samples import load_sample_annotations

    db_path = _HOME / "attribution.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    if not database_has_links(database):
        load_sample_annotations(database)
    database.dispose()
    return db_path


def _wait(app: QApplication, done: object) -> None:
    deadline = time.monotonic() + 120
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.02)
    _settle(app)


def profile_view(app: QApplication) -> None:
    """The sourcing profile of the sample's annotated articles, per outlet, with the claims of
    one bar segment listed."""
    window = build_main_window(str(_attributed_sample()), "sample-ana")
    window.show()
    _settle(app)
    window.profile_view_action.trigger()
    view = window.profile_view
    view.resize(1360, 900)
    _wait(app, lambda: view.result is not None and view.job is None)
    view.group_by.setCurrentIndex(view.group_by.findData("outlet"))
    _wait(app, lambda: view.job is None and view.result is not None and view.result.by == "outlet")
    bars = view.bars
    if bars.rows:
        row = max(range(len(bars.rows)), key=lambda i: bars.rows[i].total)
        key = max(bars.rows[row].counts, key=lambda k: bars.rows[row].counts[k])
        view.list_segment(bars.rows[row].group, key)
    _settle(app)
    view.grab().save(str(OUT / "profile-view.png"))
    view.close()
    window.close()


def agreement_attribution(app: QApplication) -> None:
    """The agreement dashboard's attribution tab on the sample's two annotators, at the
    default minimum n."""
    from stancedesk.gui.agreement.dashboard import AgreementDashboard

    database = open_database(str(_attributed_sample()))
    dashboard = AgreementDashboard(database)
    for i in range(dashboard.layer_list.count()):
        item = dashboard.layer_list.item(i)
        keep = item.data(0x0100) in ("sourcing", "reliability")  # Qt.UserRole
        item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    dashboard.scope.setCurrentIndex(dashboard.scope.findData("all"))
    dashboard.bootstrap.setValue(0)
    # the default minimum n, as a first launch shows it: the sample is below it, so each figure
    # is n/a with the service's reason
    _dashboard_tab(app, dashboard, "Attribution", "agreement-attribution.png")
    database.dispose()


def _dashboard_tab(app: QApplication, dashboard: Any, tab: str, name: str) -> None:
    """Compute the dashboard as it is set up, show one tab, save it as ``name``, close."""
    dashboard.resize(1440, 900)
    dashboard.show()
    dashboard.compute()
    _wait(app, lambda: dashboard.result is not None and dashboard.job is None)
    for i in range(dashboard.tabs.count()):
        if dashboard.tabs.tabText(i) == tab:
            dashboard.tabs.setCurrentIndex(i)
    _settle(app)
    dashboard.grab().save(str(OUT / name))
    dashboard.close()


def agreement_gold(app: QApplication) -> None:
    """The dashboard's Against gold tab: the sample's two annotators, gold curated from the
    passages both agree on, then the lead taking sample-ana's version of most conflicts and
    sample-ben's of every third, so sample-ben drifts."""
    from stancedesk.gui.agreement.dashboard import AgreementDashboard
    from stancedesk.services import curation as curate
    from stancedesk.services.samples import load_sample_annotations

    db_path = _HOME / "gold.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    load_sample_annotations(database)
    curate.auto_curate(database, 2, curator="lead")
    for i, passage in enumerate(curate.conflict_queue(database)):
        version = passage.version_by_annotator.get("sample-ben" if i % 3 == 2 else "sample-ana")
        if version is not None and not curate.passage_of_span(database, version.span.id).decided:
            curate.accept_span(database, version.span.id, curator="lead")
    dashboard = AgreementDashboard(database)
    dashboard.scope.setCurrentIndex(dashboard.scope.findData("all"))
    dashboard.bootstrap.setValue(0)
    _dashboard_tab(app, dashboard, "Against gold", "agreement-gold.png")
    database.dispose()


def database_has_links(database: object) -> bool:
    from stancedesk.services import attribution as attr_service

    return bool(attr_service.links_in(database))  # type: ignore[arg-type]


def inspector(app: QApplication, db_path: Path) -> None:
    """The span inspector at 1600 px: every layer of the current span, its note, author and
    times, editable; the palette marks the same values; the span table shows every layer."""
    window = build_main_window(str(db_path), "alice")
    window.resize(1600, 1000)
    window.show()
    _settle(app)
    span = window.desk.store.spans()[0]
    window.desk.set_note(span.id, "Ministry statement; confirmed by the briefing transcript.")
    window.desk.select_span(span.id, show=True)
    _settle(app)
    window.grab().save(str(OUT / "desk-inspector.png"))
    window.close()


def blind_study(app: QApplication, db_path: Path) -> None:
    """A blind study seen by the second annotator: reviewer mode and the dashboard greyed out,
    the refusal in the status bar, and the export dialog limited to their own spans; beside
    it, the confirmation that taking the lead role asks for."""
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QMessageBox

    from stancedesk.gui.exchange.dialogs import open_export_dialog
    from stancedesk.services import study

    database = open_database(str(db_path))
    study.set_blind(database, True, study.Viewer("alice", lead=True))
    database.dispose()
    window = build_main_window(str(db_path), "bob")
    window.resize(1440, 900)
    window.show()
    _settle(app)
    window.set_reviewer(True)  # refused: the status bar says why
    _settle(app)
    desk = window.grab()
    dialog = open_export_dialog(window)
    dialog.resize(760, 560)
    shown: list[object] = []
    dialog.previewReady.connect(shown.append)
    deadline = time.monotonic() + 30
    while not shown and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    _settle(app, 10)
    export = dialog.grab()
    dialog.close()
    box = window.study_actions.ask_lead()
    _settle(app)
    lead = box.grab()
    box.done(QMessageBox.StandardButton.Cancel)
    side = max(export.width(), lead.width())
    canvas = QPixmap(desk.width() + side + 24, max(desk.height(), export.height() +
                                                   lead.height() + 24))
    canvas.fill(window.palette().window().color())
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, desk)
    painter.drawPixmap(desk.width() + 24, 0, export)
    painter.drawPixmap(desk.width() + 24, export.height() + 24, lead)
    painter.end()
    canvas.save(str(OUT / "blind-study.png"))
    window.close()


def agreement_dashboard(app: QApplication) -> None:
    """Two annotators grade 48 passages in four articles, three of them marked done by both:
    the dashboard on the reliability layer, with each number's n, the scope and the reasons."""
    from stancedesk.gui.agreement.dashboard import AgreementDashboard

    db_path = _HOME / "agreement.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    rng = random.Random(7)
    grades = "ABCDEF"
    for d, doc in enumerate(corpus.list_documents(database)[:4]):
        text = corpus.get_document(database, doc.id).text
        starts = [i for i in range(1, len(text) - 20)
                  if text[i - 1] == " " and text[i].isalpha()][:96:8]
        for start in starts:
            end = text.index(" ", start)
            stance = rng.choice(["favor", "against", "neutral"])
            grade = rng.choice("ABBCCCDDE" + "F")
            for who in ("alice", "bob"):
                other = rng.random() < 0.25
                mine = grades[min(5, max(0, grades.index(grade) + rng.choice([-1, 1])))] \
                    if other and grade != "F" else grade
                labels = {"stance": rng.choice(["favor", "against", "neutral"]) if other
                          else stance, "reliability": mine}
                if start == starts[0] and d == 0:
                    labels["target"] = "rapprochement"
                annotations.create_span(database, doc.id, who, start, end, labels)
        if d < 3:
            for who in ("alice", "bob"):
                annotations.set_document_status(database, doc.id, who, "done")
    database.dispose()
    database = open_database(str(db_path))
    dashboard = AgreementDashboard(database)
    for i in range(dashboard.layer_list.count()):
        item = dashboard.layer_list.item(i)
        keep = item.data(0x0100) in ("stance", "target", "reliability")  # Qt.UserRole
        item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    dashboard.resize(1440, 900)
    dashboard.show()
    dashboard.compute()
    deadline = time.monotonic() + 120
    while dashboard.result is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for i in range(dashboard.tabs.count()):
        if dashboard.tabs.tabText(i) == "Source reliability":
            dashboard.tabs.setCurrentIndex(i)
    for _ in range(5):
        app.processEvents()
    dashboard.grab().save(str(OUT / "agreement-dashboard.png"))
    dashboard.close()
    database.dispose()


CURATION = [  # (phrase, role, {annotator: labels or None for "did not mark it"})
    ("the Ostrelian foreign ministry", "source",
     {w: {"sourcing": "official", "reliability": "A"} for w in ("ana", "ben", "cy")}),
    ("Ostrelia will host the first direct contacts", "claim",
     {"ana": {"stance": "favor", "credibility": "2"}, "ben": {"stance": "favor",
                                                             "credibility": "2"},
      "cy": {"stance": "neutral", "credibility": "2"}}),
    ("diplomats", "source", {"ana": {"sourcing": "diplomat"}, "ben": {"sourcing": "diplomat"},
                             "cy": None}),
    ("a cautious first step toward easing", "claim",
     {"ana": {"stance": "favor"}, "ben": {"stance": "favor"}, "cy": {"stance": "favor"}}),
    ("ministry spokesman Jens Ellegaard", "source",
     {w: {"sourcing": "official", "reliability": "B"} for w in ("ana", "ben", "cy")}),
    ("Ostrelia is not proposing a solution", "claim",
     {"ana": {"stance": "neutral"}, "ben": {"stance": "favor"}, "cy": {"stance": "neutral"}}),
    ("Two sources with knowledge of the preparations", "source",
     {"ana": {"sourcing": "anonymous", "reliability": "C"},
      "ben": {"sourcing": "anonymous", "reliability": "D"}, "cy": None}),
    ("deliberately kept thin", "claim",
     {"ana": {"stance": "against"}, "ben": None, "cy": {"stance": "against"}}),
    ("Varnesian Foreign Minister", "source",
     {w: {"sourcing": "official"} for w in ("ana", "ben", "cy")}),
]


def curation(app: QApplication) -> None:
    """Three annotators on one article: the lanes beside the text (green: all agree; amber:
    the larger group of a conflict; red: alone), a claim accepted into gold with its source,
    the current conflict's versions; then the same in blind mode."""
    from stancedesk.domain.attribution import LinkKind
    from stancedesk.gui.curation.window import CurationWindow
    from stancedesk.services import attribution as links
    from stancedesk.services import curation as curate

    db_path = _HOME / "curation.sqlite"
    database = open_database(str(db_path), seed_sample=True)
    doc = corpus.list_documents(database)[0]
    text = corpus.get_document(database, doc.id).text
    made: dict[tuple[str, str], str] = {}
    for phrase, role, by in CURATION:
        start = text.index(phrase)
        for who, labels in by.items():
            if labels is not None:
                made[(who, phrase)] = annotations.create_span(
                    database, doc.id, who, start, start + len(phrase), labels, role=role).id
    for who in ("ana", "ben", "cy"):
        for claim, source in (("Ostrelia will host the first direct contacts",
                               "the Ostrelian foreign ministry"),
                              ("Ostrelia is not proposing a solution",
                               "ministry spokesman Jens Ellegaard")):
            links.link(database, made[(who, claim)], LinkKind.ATTRIBUTED_TO,
                       made[(who, source)])
    curate.accept_span(database, made[("ana", "Ostrelia will host the first direct contacts")],
                       curator="lead")
    database.dispose()
    database = open_database(str(db_path))
    view = CurationWindow(database, "lead")
    view.resize(1440, 900)
    view.show()
    view.start()

    def wait(done: object) -> None:
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.02)

    wait(lambda: view.doc is not None and view.current is not None)
    view.next_conflict()  # "Ostrelia is not proposing a solution": ben alone says favor
    _settle(app, 10)
    view.grab().save(str(OUT / "curation-view.png"))
    view.set_blind(True)
    _settle(app, 10)
    view.grab().save(str(OUT / "curation-blind.png"))
    view.jobs.shutdown()
    view.close()
    database.dispose()


def bundle_import(app: QApplication) -> None:
    """The lead's merge: two annotators' laptops and the gold curated offline, checked by a dry
    run before anything is stored (spans added, a conflict, a registry collision, decisions)."""
    from stancedesk.domain.attribution import LinkKind
    from stancedesk.gui.exchange.bundle_dialogs import BundleImportDialog
    from stancedesk.services import attribution as links
    from stancedesk.services import curation as curate
    from stancedesk.services.bundle_export import export_bundle
    from stancedesk.services.bundle_merge import import_bundles

    laptop = open_database(str(_HOME / "bundle-laptop.sqlite"), seed_sample=True)
    team = open_database(str(_HOME / "bundle-team.sqlite"), seed_sample=True)
    doc = corpus.list_documents(laptop)[0]
    text = corpus.get_document(laptop, doc.id).text

    def mark(db: object, who: str, phrase: str, role: str | None = None,
             **labels: str) -> str:
        start = text.index(phrase)
        return annotations.create_span(db, doc.id, who, start, start + len(phrase),  # type: ignore[arg-type]
                                       labels, role=role).id

    entity = links.create_entity(laptop, "Ostrelian Foreign Ministry", "official",
                                 ["MFA Ostrelia"], "press office, Halmora")
    links.create_entity(team, "Ostrelian Foreign Ministry", "official", [],
                        "the ministry's spokesman's office")
    for who in ("ana", "ben"):
        claim = mark(laptop, who, "Ostrelia will host the first direct contacts", "claim",
                     stance="favor")
        source = mark(laptop, who, "the Ostrelian foreign ministry", "source",
                      sourcing="official", reliability="B")
        links.link(laptop, claim, LinkKind.ATTRIBUTED_TO, source)
        links.name_source(laptop, source, entity.id)
    mark(laptop, "ana", "a cautious first step", stance="favor")
    mark(laptop, "ben", "a cautious first step", stance="neutral")
    curate.auto_curate(laptop, 2, curator="lead")
    files = []
    for who in ("ana", "ben", "gold"):
        files.append(_HOME / f"{who}.stancedesk-bundle.json")
        export_bundle(laptop, who, files[-1])
    import_bundles(team, files[:1])  # ana's first bundle is already merged ...
    contested = next(s for s in annotations.spans_for_document(team, doc.id, ["ana"])
                     if s.text == "a cautious first step")
    annotations.update_span(team, contested.id, note="checked by the desk editor")  # ... and edited
    dialog = BundleImportDialog(team, folder=str(_HOME))
    dialog.resize(1280, 760)
    dialog.show()
    dialog.add_paths(files)
    _wait(app, lambda: dialog.last is not None)
    dialog.grab().save(str(OUT / "bundle-import.png"))
    dialog.runner.shutdown()
    dialog.close()
    laptop.dispose()
    team.dispose()


if __name__ == "__main__":
    sys.exit(main())
