"""The one error type users see: a short message naming file, row/column and what was expected."""

from __future__ import annotations

from pathlib import Path


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
    """

    def __init__(
        self,
        file: str | Path | None,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = Path(file).name if file is not None else None
        self.path = Path(file) if file is not None else None
        self.row = row
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __reduce__(self) -> tuple:
        """Pickled with its parts, so a worker process can hand it back to the runner."""
        return (_input_error, (self.path, self.message, self.row, self.column))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def _input_error(file: Path | None, message: str, row: int | None, column: str | None
                 ) -> InputError:
    return InputError(file, message, row=row, column=column)


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
