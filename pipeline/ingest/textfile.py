"""What a text table's bytes say about it: its encoding, its delimiter and its decimal mark.

Used only by :func:`pipeline.ingest.common.read_csv`, the one function every CSV reader opens
files with. Nothing is guessed by trial and error: the encoding comes from a byte-order mark,
the pattern of NUL bytes (UTF-16 without a mark) or a strict decode; the delimiter from how
evenly each candidate splits the first lines; decimal commas from the cells of those lines.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError

#: Byte-order marks, longest first (the UTF-32 LE mark starts like the UTF-16 LE one).
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Delimiters a table may use; on a tie the first wins.
DELIMITERS = ",\t;|"
#: Names of the delimiters, for messages.
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}
#: How much of the start of a file the delimiter and decimal mark are judged from.
SAMPLE_CHARS = 64 * 1024

_UTF8_MULTIBYTE = rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
_DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+"
_DECIMAL_POINT = r"[+-]?\d*\.\d+"
_DOTTED_THOUSANDS = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"


@dataclass(frozen=True)
class TextFormat:
    """How a text table is written: ``encoding`` (a Python codec name), ``delimiter`` and
    ``decimal`` (``'.'`` or ``','``)."""

    encoding: str
    delimiter: str = ","
    decimal: str = "."


def file_bytes(path: Path) -> bytes:
    """The bytes of ``path``, decompressed when its name ends in ``.gz``."""
    data = path.read_bytes()
    if not path.name.lower().endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(path, f"is not a readable gzip file ({str(exc)[:80]}); expected a "
                               "complete .gz file or the plain .csv") from None


def detect_encoding(data: bytes, file: str | Path) -> str:
    """The encoding ``data`` is written in, read from its bytes.

    A byte-order mark names it; without one, NUL bytes in every other position mean UTF-16
    (little- or big-endian by their side); otherwise UTF-8 if the bytes are valid UTF-8, else
    Windows-1252 (files saved from Excel) if they are valid there.

    Raises
    ------
    InputError
        The bytes are none of these (a NUL byte in an 8-bit file, or a byte neither UTF-8 nor
        Windows-1252 allows), naming the byte, its offset and its line.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _checked(data, encoding, file)
    head = data[:4096]
    if head.count(0):
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return _checked(data, "utf-16-le", file)
        if even > len(head) // 4 and odd == 0:
            return _checked(data, "utf-16-be", file)
        offset = data.index(0)
        raise InputError(file, f"is not a text file: a NUL byte at offset {offset} (expected a "
                               "CSV saved as UTF-8, UTF-16 or Windows-1252; an Excel workbook "
                               "must be named .xlsx)", line=data.count(b"\n", 0, offset) + 1)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        # UTF-8 letters beside bytes UTF-8 does not allow: a damaged UTF-8 file, not Excel's
        # Windows-1252 (whose accented letters almost never form UTF-8 sequences)
        if re.search(_UTF8_MULTIBYTE, data):
            return _checked(data, "utf-8", file)
        return _checked(data, "cp1252", file)


def _checked(data: bytes, encoding: str, file: str | Path) -> str:
    """``encoding`` if ``data`` decodes with it, else an error naming the first bad byte."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = {"cp1252": "UTF-8 or Windows-1252", "utf-8": "UTF-8", "utf-8-sig": "UTF-8",
                 "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16",
                 "utf-32": "UTF-32"}[encoding]
        line = data[:exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputError(file, f"cannot be decoded: byte 0x{data[exc.start]:02x} at offset "
                               f"{exc.start} is not valid {shown} (expected a CSV saved as "
                               "UTF-8, UTF-16 or Windows-1252)", line=line) from None
    return encoding


def detect_delimiter(sample: str) -> str:
    """The delimiter of a table from its first lines (comma when nothing else is clear).

    Each candidate splits the lines (quotes respected, as :mod:`csv` reads them); the one
    that gives the most lines the same number of fields (more than one) wins, commas on a
    tie. Title lines above a table and decimal commas in a semicolon file do not mislead it,
    as they do :class:`csv.Sniffer`.
    """
    lines = sample.splitlines()[:100]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end inside a line
    lines = [line for line in lines if line.strip()]

    def agreement(delimiter: str) -> tuple[int, int]:
        try:
            widths = pd.Series([len(row) for row in csv.reader(lines, delimiter=delimiter)])
        except csv.Error:
            return (0, 0)
        widths = widths[widths > 1]
        if widths.empty:
            return (0, 0)
        common = widths.value_counts()
        return int(common.iloc[0]), int(common.index[0])

    scores = {d: agreement(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])  # max keeps the first of equals
    return best if scores[best] > (0, 0) else ","


def detect_decimal(sample: str, delimiter: str) -> str:
    """``','`` when the numbers in the first lines are written with decimal commas ("12,4"),
    which only a table not delimited by commas can hold unquoted; otherwise ``'.'``."""
    if delimiter == ",":
        return "."
    cells = pd.Series([c.strip() for row in csv.reader(sample.splitlines()[:200],
                                                        delimiter=delimiter) for c in row],
                      dtype=object)
    commas = cells.str.fullmatch(_DECIMAL_COMMA).sum()
    points = cells.str.fullmatch(_DECIMAL_POINT).sum()
    return "," if commas > points else "."


def text_format(path: Path, data: bytes) -> tuple[TextFormat, str]:
    """The :class:`TextFormat` of a file's (decompressed) bytes, and the decoded text."""
    encoding = detect_encoding(data, path)
    text = data.decode(encoding)
    if encoding.startswith(("utf-16", "utf-32")):
        text = text.lstrip("\ufeff")
    delimiter = detect_delimiter(text[:SAMPLE_CHARS])
    return TextFormat(encoding, delimiter, detect_decimal(text[:SAMPLE_CHARS], delimiter)), text


def decimal_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers written with decimal commas (and dots between thousands, "1.234,5") rewritten
    with decimal points ("1234.5"), so they read as every other number does; other cells are
    left as they are."""
    def fix(column: pd.Series) -> pd.Series:
        text = column.astype("string")
        comma = text.str.strip().str.fullmatch(f"{_DECIMAL_COMMA}|{_DOTTED_THOUSANDS}")
        if not comma.fillna(False).any():
            return column
        fixed = text.str.strip().str.replace(".", "", regex=False).str.replace(",", ".",
                                                                                regex=False)
        return column.where(~comma.fillna(False).to_numpy(), fixed.astype(object))
    return frame.apply(fix) if len(frame.columns) else frame


def describe(fmt: TextFormat) -> str:
    """'semicolon-delimited, decimal commas, UTF-16' and the like, for messages."""
    parts = [f"{DELIMITER_NAMES.get(fmt.delimiter, repr(fmt.delimiter))}-delimited"]
    if fmt.decimal == ",":
        parts.append("decimal commas")
    parts.append(re.sub(r"-sig$", "", fmt.encoding).upper().replace("CP1252", "Windows-1252"))
    return ", ".join(parts)
