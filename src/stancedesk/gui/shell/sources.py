"""Forget the source text that PySide6 made Python keep.

PySide6 looks for ``from __feature__ import ...`` in every module imported after it by
reading the module's source (``inspect.getsource``), and Python's ``linecache`` then keeps
every line of it for good: some 11 MB of text for the desk's 650 modules (SQLAlchemy, Alembic
on a first start, the desk itself). Nothing needs it; a traceback reads its lines again.
"""

from __future__ import annotations

import linecache


def forget_module_sources() -> None:
    """Drop the cached source lines, so the memory they held serves what comes next."""
    linecache.clearcache()
