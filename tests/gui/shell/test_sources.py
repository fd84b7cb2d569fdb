"""The desk keeps no copy of its modules' source text (PySide6 reads every module's source on
import, and linecache would keep it: ~11 MB of an idle desk's memory)."""

from __future__ import annotations

import linecache
from pathlib import Path

import sqlalchemy.orm.session

from stancedesk.gui.shell.sources import forget_module_sources


def test_a_built_desk_holds_no_module_sources(make_window, sample_path: Path) -> None:
    linecache.getlines(sqlalchemy.orm.session.__file__)  # what PySide6's import hook does
    assert sqlalchemy.orm.session.__file__ in linecache.cache
    window = make_window(sample_path)
    assert window.desk.document is not None
    assert sqlalchemy.orm.session.__file__ not in linecache.cache
    cached = sum(len(entry[2]) for entry in linecache.cache.values() if len(entry) > 2)
    assert cached < 20_000, f"{cached} source lines kept after building the desk"


def test_forgetting_sources_leaves_tracebacks_readable() -> None:
    forget_module_sources()
    assert linecache.getline(__file__, 1).startswith('"""The desk keeps')
