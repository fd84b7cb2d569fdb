"""Guards the PySide6 pin: 6.12.0 on CPython 3.11 crashes ("none_dealloc") after a few thousand
assignments to ExtraSelection / FormatRange fields. If this test crashes the interpreter, the
installed PySide6 is a bad one; see the dependency comment in pyproject.toml."""

from __future__ import annotations

from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument, QTextLayout
from PySide6.QtWidgets import QTextEdit


def test_many_selection_and_format_range_assignments(qapp) -> None:
    document = QTextDocument("x" * 100)
    fmt = QTextCharFormat()
    for i in range(30_000):
        selection = QTextEdit.ExtraSelection()
        selection.cursor = QTextCursor(document)
        selection.format = fmt
        rng = QTextLayout.FormatRange()
        rng.start = i % 100
        rng.length = 1
        rng.format = fmt
    assert rng.start == 29_999 % 100
