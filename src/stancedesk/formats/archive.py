"""Zip containers (.docx, .xlsx) opened with limits, so a small hostile file cannot exhaust memory.

A zip states each member's uncompressed size in its central directory; a "zip bomb" packs
gigabytes of repeated XML into a megabyte. Before any parser sees the file, the directory is
checked (member count, total and per-member size, compression ratio of large members), and then
every member is actually inflated in bounded chunks, because the stated sizes may lie.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from stancedesk.formats.errors import FormatError


@dataclass(frozen=True, slots=True)
class ZipLimits:
    members: int = 2_000
    total: int = 256 * 1024 * 1024  # bytes, all members inflated
    member: int = 128 * 1024 * 1024  # bytes, one member inflated
    xml_member: int = 128 * 1024 * 1024  # bytes, one .xml or .rels member inflated
    # A ratio above this, for a member over ``ratio_floor`` bytes, is a bomb, not a document:
    # Word and Excel XML compresses about 5-20 times.
    ratio: int = 200
    ratio_floor: int = 4 * 1024 * 1024


LIMITS = ZipLimits()
_CHUNK = 1024 * 1024


def check_zip(data: bytes, file: str, what: str, limits: ZipLimits = LIMITS) -> dict[str, int]:
    """Refuse (FormatError) a container that is not a zip or that breaks ``limits``; return
    each member's inflated size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise FormatError(file, f"not a readable {what} (not a zip container: {exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise FormatError(file, f"the {what} holds {len(infos)} parts (at most "
                              f"{limits.members} are read); it is not a document")
        declared = 0
        for info in infos:
            declared += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            limit = limits.xml_member if info.filename.lower().endswith((".xml", ".rels")) \
                else limits.member
            if info.file_size > limit or declared > limits.total or \
                    (info.file_size > limits.ratio_floor and ratio > limits.ratio):
                raise FormatError(file, f"the {what} inflates to more than StanceDesk reads "
                                  f"(part {info.filename!r}: {info.file_size:,} bytes from "
                                  f"{info.compress_size:,}); it looks like a zip bomb")
        inflated = 0
        sizes: dict[str, int] = {}
        for info in infos:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    got = 0
                    while chunk := member.read(_CHUNK):
                        got += len(chunk)
                        inflated += len(chunk)
                        if got > info.file_size or inflated > limits.total:
                            raise FormatError(file, f"part {info.filename!r} of the {what} "
                                              "inflates to more than it declares")
                    sizes[info.filename] = got
            except FormatError:
                raise
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError,
                    OSError, EOFError, zlib.error) as exc:
                raise FormatError(file, f"not a readable {what}: part {info.filename!r}: "
                                  f"{exc}") from None
    return sizes
