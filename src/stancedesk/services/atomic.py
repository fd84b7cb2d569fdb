"""Outputs appear whole or not at all: write beside the target, rename only on success."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from stancedesk.formats.errors import FormatError


@contextmanager
def replaced_on_success(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block succeeds."""
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def text_replaced_on_success(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text stream (newlines untranslated, as csv wants) over ``replaced_on_success``."""
    with replaced_on_success(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as out:
        yield out


@contextmanager
def folder_on_success(path: Path) -> Iterator[Path]:
    """A temporary folder that becomes ``path`` (new or empty) when the block succeeds."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FormatError(str(path), "the output folder exists and is not empty; choose a new "
                          "or empty folder (an export never mixes with older files)")
    tmp = path.with_name(path.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if path.exists():
            path.rmdir()
        tmp.replace(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
