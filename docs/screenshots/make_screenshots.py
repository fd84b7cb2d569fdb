"""Regenerate the README screenshots offscreen:  python docs/screenshots/make_screenshots.py"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = Path(tempfile.mkdtemp(prefix="stancedesk-shots-"))
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")

from PySide6.QtWidgets import QApplication  # noqa: E402

from stancedesk.gui.shell.main_window import build_main_window  # noqa: E402
from stancedesk.gui.shell.settings import APPLICATION, ORGANISATION  # noqa: E402
from stancedesk.services import annotations, corpus  # noqa: E402
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
