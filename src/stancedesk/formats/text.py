"""Turn file bytes into the exact text that offsets will index.

Only two things change: a leading UTF-8 BOM is dropped, and CRLF/CR become LF. Everything else,
including leading and trailing white space, stays, so offsets computed elsewhere stay valid.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from types import TracebackType

from stancedesk.formats.errors import FormatError

_BINARY_SNIFF = 8192


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _binary_error(file: str) -> FormatError:
    return FormatError(file, "this looks like a binary file (it contains NUL bytes), not text")


def _utf8_error(file: str, byte: int, offset: int, line: int) -> FormatError:
    return FormatError(file, f"not valid UTF-8 (byte 0x{byte:02x} at byte offset {offset}); "
                       "save the file as UTF-8 and import it again", line)


def decode_utf8(data: bytes, file: str) -> str:
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise _binary_error(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _utf8_error(file, data[exc.start], exc.start,
                          data.count(b"\n", 0, exc.start) + 1) from None
    return normalise_newlines(text)


class Utf8Lines:
    """The lines of a UTF-8 text file, decoded as they are read, exactly as ``decode_utf8``
    would give them (BOM dropped, CRLF and CR read as LF), so a file of any size is read in a
    bounded memory; invalid UTF-8 ends the iteration with the same message, line and offset."""

    def __init__(self, path: Path, raw: io.BufferedReader) -> None:
        self.path, self._raw = path, raw
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline=None)

    def __iter__(self) -> Utf8Lines:
        return self

    def __next__(self) -> str:
        try:
            return next(self._text)
        except UnicodeDecodeError:
            raise self._locate_error() from None

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


def require_text(text: str, file: str, line: int | None = None, what: str = "file") -> str:
    if not text.strip():
        raise FormatError(file, f"the {what} has no text", line)
    return text
