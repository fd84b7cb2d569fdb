"""Turn file bytes into the exact text that offsets will index.

Only two things change: a leading UTF-8 BOM is dropped, and CRLF/CR become LF. Everything else,
including leading and trailing white space, stays, so offsets computed elsewhere stay valid.
"""

from __future__ import annotations

from stancedesk.formats.errors import FormatError

_BINARY_SNIFF = 8192


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_utf8(data: bytes, file: str) -> str:
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise FormatError(file, "this looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(
            file, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at byte offset {exc.start}); "
            "save the file as UTF-8 and import it again", line) from None
    return normalise_newlines(text)


def require_text(text: str, file: str, line: int | None = None, what: str = "file") -> str:
    if not text.strip():
        raise FormatError(file, f"the {what} has no text", line)
    return text
