"""Turn file bytes into the exact text that offsets will index.

Only two things change: a leading UTF-8 BOM is dropped, and CRLF/CR become LF. Everything else,
including leading and trailing white space, stays, so offsets computed elsewhere stay valid.

Text that cannot be stored faithfully is refused here, at the file, with its line: a NUL
character (SQLite hands the text back cut at the NUL, PostgreSQL refuses it) and a lone UTF-16
surrogate (a JSON ``"\\ud800"`` escape; it has no UTF-8 form, so no database can store it).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from stancedesk.formats.errors import FormatError

_BINARY_SNIFF = 8192
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNDECODED = re.compile("[\udc80-\udcff]")
# Deeper JSON than any real export, and shallow enough that writing it back (the metadata
# column is JSON) stays far from Python's recursion limit.
MAX_JSON_DEPTH = 100


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _binary_error(file: str) -> FormatError:
    return FormatError(file, "this looks like a binary file (it contains NUL bytes), not text")


def _utf8_error(file: str, byte: int, offset: int, line: int) -> FormatError:
    return FormatError(file, f"not valid UTF-8 (byte 0x{byte:02x} at byte offset {offset}); "
                       "save the file as UTF-8 and import it again", line)


def _nul_error(file: str, line: int) -> FormatError:
    return FormatError(file, "the text contains a NUL character, which cannot be stored", line)


def decode_utf8(data: bytes, file: str) -> str:
    nul = data.find(b"\x00")
    if nul != -1:
        if nul < _BINARY_SNIFF:
            raise _binary_error(file)
        raise _nul_error(file, data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _utf8_error(file, data[exc.start], exc.start,
                          data.count(b"\n", 0, exc.start) + 1) from None
    return normalise_newlines(text)


class Utf8Lines:
    """The lines of a UTF-8 text file, decoded as they are read, exactly as ``decode_utf8``
    would give them (BOM dropped, CRLF and CR read as LF), so a file of any size is read in a
    bounded memory; invalid UTF-8 and a NUL character (anywhere, not only in the first bytes)
    end the iteration with the same message and line."""

    def __init__(self, path: Path, raw: io.BufferedReader) -> None:
        self.path, self._raw = path, raw
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline=None)
        self._line = 0

    def __iter__(self) -> Utf8Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._text)
        except UnicodeDecodeError:
            raise self._locate_error() from None
        self._line += 1
        if "\x00" in line:
            raise _nul_error(str(self.path), self._line)
        return line

    def _locate_error(self) -> FormatError:
        decoder = codecs.getincrementaldecoder("utf-8")()
        fed = newlines = 0
        with self.path.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    data = pending + chunk
                    offset = fed - len(pending) + exc.start
                    newlines += data.count(b"\n", len(pending), exc.start)
                    return _utf8_error(str(self.path), data[exc.start], offset, newlines + 1)
                fed += len(chunk)
                newlines += chunk.count(b"\n")
        return FormatError(str(self.path), "not valid UTF-8 at its end (a cut-off character)")

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> Utf8Lines:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_utf8_text(path: Path) -> Utf8Lines:
    """Open a text file to read it line by line (see ``Utf8Lines``)."""
    if path.is_dir():
        raise FormatError(str(path), "this format is a file, not a folder")
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise FormatError(str(path), f"cannot read the file: {exc.strerror}") from None
    try:
        if b"\x00" in raw.peek(_BINARY_SNIFF)[:_BINARY_SNIFF]:
            raise _binary_error(str(path))
    except BaseException:
        raw.close()
        raise
    return Utf8Lines(path, raw)


def undecodable_byte(value: str) -> int | None:
    """The first byte of ``value`` that was not UTF-8 where the operating system gave it (a
    file name, a command-line word), or None. Python hands such bytes over as lone surrogates
    U+DC80-U+DCFF (``surrogateescape``), which no database can store."""
    bad = _UNDECODED.search(value)
    return None if bad is None else ord(bad.group()) - 0xDC00


def utf8_name(value: str, file: str, what: str = "the file name") -> str:
    """``value`` itself, or a FormatError saying that it is not UTF-8 (see
    ``undecodable_byte``), before anything is read or stored."""
    byte = undecodable_byte(value)
    if byte is not None:
        raise FormatError(file, f"{what} is not valid UTF-8 (byte 0x{byte:02X}), so it cannot "
                          "be stored; rename it (or give it in UTF-8); nothing was stored")
    return value


def storable(value: str, file: str, line: int | None = None, what: str = "the text") -> str:
    """``value`` itself, or a FormatError naming the first character no database can hold."""
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        kind = "a NUL character" if bad.group() == "\x00" else \
            f"a lone surrogate (U+{ord(bad.group()):04X}), which has no UTF-8 form"
        raise FormatError(file, f"{what} contains {kind} at character {bad.start()}; it "
                          "cannot be stored", line)
    return value


def _strings(value: Any, file: str, line: int | None) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included; iterative, and refusing nesting
    deeper than ``MAX_JSON_DEPTH``."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise FormatError(file, f"the JSON is nested more than {MAX_JSON_DEPTH} levels "
                                  "deep", line)
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def storable_json(value: Any, file: str, line: int | None = None) -> Any:
    """``value`` itself, after checking its depth and every string in it (see ``storable``)."""
    for item in _strings(value, file, line):
        storable(item, file, line, what="a string")
    return value


def require_text(text: str, file: str, line: int | None = None, what: str = "file") -> str:
    if not text.strip():
        raise FormatError(file, f"the {what} has no text", line)
    return storable(text, file, line, what=f"the {what}")


def csv_problem(exc: Exception) -> str:
    """A csv.Error as advice: the common one is a file cut off inside a quoted field."""
    if "unexpected end of data" in str(exc):
        return ("the file ends inside a quoted field (a '\"' is never closed); is the file "
                "truncated?")
    return f"malformed CSV: {exc}"
