"""The one error type users see: a short message naming file, row/column and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

#: The most of a file's content (a cell, a header, a setting) a message quotes.
EXCERPT_CHARS = 120  # the longest published IoD header is under 100
#: The longest message printed; what the file says is never echoed beyond this.
MESSAGE_CHARS = 400


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as one short line: line breaks shown as spaces, cut to ``limit`` characters
    with an ellipsis, so no message repeats more than a short excerpt of a file."""
    text = re.sub(r"\s+", " ", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(Exception):
    """Bad input: raised at the edges, printed as one line by the CLI (no traceback).

    Parameters
    ----------
    file
        The file (or config entry source) that is wrong.
    message
        What is wrong and what was expected.
    row
        1-based row number in the file as a user sees it (header = row 1), if known.
    column
        Column name or config field, if known.
    line
        1-based line of a text file that has lines rather than rows (YAML, undecodable bytes).
    """

    def __init__(
        self,
        file: str | Path | None,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file = Path(file).name if file is not None else None
        self.path = Path(file) if file is not None else None
        self.row = row
        self.column = excerpt(column) if column is not None else None
        self.line = line
        # whatever a caller quotes from the file is cut to a short excerpt here, once
        quoted = re.sub(rf"(?<![\w'])'([^'\n]{{{EXCERPT_CHARS + 1},}})'(?!\w)",
                        lambda m: f"'{excerpt(m.group(1))}'", str(message))
        self.message = excerpt(quoted, MESSAGE_CHARS)
        super().__init__(str(self))

    def __reduce__(self) -> tuple:
        """Pickled with its parts, so a worker process can hand it back to the runner."""
        return (_input_error, (self.path, self.message, self.row, self.column, self.line))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def _input_error(file: Path | None, message: str, row: int | None, column: str | None,
                 line: int | None = None) -> InputError:
    return InputError(file, message, row=row, column=column, line=line)


class NoData(ValueError):
    """Nothing to show: a chart, map or table given no values for the area (real data has
    missing families). Pages show a plain sentence instead (``what`` names what is missing,
    e.g. the chart's title); elsewhere it is a :class:`ValueError` like any other.
    """

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what

    def __reduce__(self) -> tuple:
        return (NoData, (str(self), self.what))
