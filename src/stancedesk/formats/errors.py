"""One error type for every bad input, always naming file, line (when known) and problem."""

from __future__ import annotations

from stancedesk.domain.errors import UserError


class FormatError(UserError, ValueError):
    def __init__(self, file: str, problem: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {problem}")
