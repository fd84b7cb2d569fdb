"""Generic reliability data: a header row, the unit id first, then one column per coder."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from stancedesk.formats.errors import FormatError
from stancedesk.formats.text import csv_problem, decode_utf8


@dataclass(frozen=True, slots=True)
class ReliabilityTable:
    units: list[str]
    coders: list[str]
    values: list[list[str | None]]  # coders x units; None where the cell is empty


def read_reliability_csv(data: bytes, file: str) -> ReliabilityTable:
    reader = csv.reader(io.StringIO(decode_utf8(data, file), newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FormatError(file, "the file is empty") from None
    except csv.Error as exc:
        raise FormatError(file, csv_problem(exc), 1) from None
    if len(header) < 2:
        raise FormatError(file, "need a unit id column and at least one coder column", 1)
    coders = header[1:]
    blank = [i + 2 for i, c in enumerate(coders) if not c]
    if blank:
        raise FormatError(file, f"coder column {blank[0]} has no name", 1)
    if len(set(coders)) != len(coders):
        raise FormatError(file, "two coder columns have the same name", 1)
    units: list[str] = []
    seen: dict[str, int] = {}
    values: list[list[str | None]] = [[] for _ in coders]
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise FormatError(file, f"the row has {len(cells)} cells, the header has "
                                  f"{len(header)}", line)
            unit = cells[0].strip()
            if not unit:
                raise FormatError(file, "the unit id is empty", line)
            if unit in seen:
                raise FormatError(file, f"unit {unit!r} repeats line {seen[unit]}", line)
            seen[unit] = line
            units.append(unit)
            for j, cell in enumerate(cells[1:]):
                values[j].append(cell.strip() or None)
    except csv.Error as exc:
        raise FormatError(file, csv_problem(exc), reader.line_num) from None
    if not units:
        raise FormatError(file, "the file has a header but no units")
    return ReliabilityTable(units, coders, values)


def numeric_matrix(table: ReliabilityTable, file: str) -> list[list[float]]:
    """Values as numbers (NaN for missing), for the interval and ratio levels."""
    out: list[list[float]] = []
    for coder, column in zip(table.coders, table.values, strict=True):
        row: list[float] = []
        for unit, value in zip(table.units, column, strict=True):
            if value is None:
                row.append(math.nan)
                continue
            try:
                row.append(float(value))
            except ValueError:
                raise FormatError(file, f"value {value!r} of coder {coder!r} for unit {unit!r} "
                                  "is not a number (needed at this level)") from None
        out.append(row)
    return out
