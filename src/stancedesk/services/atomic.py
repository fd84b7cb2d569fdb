"""Outputs appear whole or not at all: write beside the target, rename only on success.

Renaming is for regular files (and new names) only. ``-`` means standard output, and a special
file that already exists (``/dev/null``, a FIFO another program reads, a terminal) is written
directly: a rename would replace the device node or pipe with a regular file, and whoever reads
the pipe would get nothing. Every failure to write (a full disk, a folder where a file should
go, a missing folder, no permission) is a ``FormatError`` naming the output.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from stancedesk.formats.errors import FormatError

STDOUT = "-"


def is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def is_special(path: Path) -> bool:
    """True for an existing file that is neither regular nor a folder (device, FIFO, socket)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _cannot_write(path: Path | str, exc: OSError) -> FormatError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, IsADirectoryError):
        reason = "it is a folder; give a file name"
    return FormatError(str(path), f"cannot write the output: {reason}")


def _check_file_target(path: Path) -> None:
    if path.is_dir():
        raise FormatError(str(path), "cannot write the output: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise FormatError(str(path), f"cannot write the output: the folder {path.parent} does "
                          "not exist")


@contextmanager
def _scratch_file() -> Iterator[Path]:
    """A private temporary file for output that is copied elsewhere when complete."""
    fd, name = tempfile.mkstemp(prefix="stancedesk-", suffix=".part")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


@contextmanager
def replaced_on_success(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed over it when the block succeeds.

    For ``-`` and special files the temporary file is private and its bytes are copied to
    standard output or into the special file once complete (a binary writer needs a real file).
    """
    if is_stdout(path) or is_special(path):
        with _scratch_file() as tmp:
            try:
                yield tmp
            except OSError as exc:
                raise _cannot_write(path, exc) from None
            if is_stdout(path):
                sys.stdout.flush()
                with tmp.open("rb") as src:
                    shutil.copyfileobj(src, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return
            try:
                with tmp.open("rb") as src, path.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            except OSError as exc:
                raise _cannot_write(path, exc) from None
        return
    _check_file_target(path)
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
        tmp.replace(path)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def text_replaced_on_success(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text stream (newlines untranslated, as csv wants) over ``replaced_on_success``;
    standard output for ``-``, the file itself for a special file."""
    if is_stdout(path):
        yield sys.stdout
        return
    if is_special(path):
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                yield out
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        return
    with replaced_on_success(path) as tmp:
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                yield out
        except OSError as exc:
            raise _cannot_write(path, exc) from None


@contextmanager
def folder_on_success(path: Path) -> Iterator[Path]:
    """A temporary folder that becomes ``path`` (new or empty) when the block succeeds."""
    if is_stdout(path):
        raise FormatError(STDOUT, "this format writes a folder, not a stream; give -o FOLDER")
    if path.exists() and not path.is_dir():
        raise FormatError(str(path), "the output must be a folder, and this is a file")
    if path.exists() and any(path.iterdir()):
        raise FormatError(str(path), "the output folder exists and is not empty; choose a new "
                          "or empty folder (an export never mixes with older files)")
    tmp = path.with_name(path.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        yield tmp
        if path.exists():
            path.rmdir()
        tmp.replace(path)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
