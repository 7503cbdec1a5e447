"""The header spellings users' tables come with, read as the column names the readers use.

One table, :data:`HEADER_ALIASES`, for every reader of tables users make or download
themselves (forum-area tables, partner tables): ONS-style ``LSOA11CD`` / ``lsoa21cd`` /
``WD19CD``, spelled-out ``LSOA code`` / ``Ward name`` and the documented ``lsoa_code``. Headers
are compared case-insensitively, with spaces, hyphens and underscores alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import InputError

_LSOA_CODE = r"lsoa(?:\d{2}|_\d{4})?_?(?:cd|code)|lsoa|lower_layer_super_output_areas?(?:_\d{4})?_code"
_LSOA_NAME = r"lsoa(?:\d{2}|_\d{4})?_?(?:nm|name)|lower_layer_super_output_areas?(?:_\d{4})?_name"
_WARD_CODE = r"(?:ward|wd)(?:\d{2}|_\d{4})?_?(?:cd|code)|electoral_ward_code"
_WARD_NAME = r"(?:ward|wd)(?:\d{2}|_\d{4})?_?(?:nm|name)|ward|electoral_ward_name"
_OTHER_CODE = r"(?:msoa|oa|lad|ltla)(?:\d{2}|_\d{4})?_?(?:cd|code)"

#: Canonical column -> the header spellings read as it (a regular expression matched against
#: the whole normalised header: lower case, runs of spaces / hyphens / underscores as one ``_``).
HEADER_ALIASES: dict[str, str] = {
    "lsoa_code": _LSOA_CODE,
    "lsoa_name": _LSOA_NAME,
    "ward_code": _WARD_CODE,
    "ward_name": _WARD_NAME,
    "forum": r"(?:community_)?forum(?:_area)?(?:_name)?",
    # partner tables: the area code may be given in any of the code spellings above
    "area_code": rf"area_?(?:cd|code)|geography_code|{_LSOA_CODE}|{_WARD_CODE}|{_OTHER_CODE}",
    "area_name": rf"area_?(?:nm|name)|geography(?:_name)?|{_LSOA_NAME}|{_WARD_NAME}",
}


def normalise_header(header: object) -> str:
    """``'LSOA 2011 Code '`` -> ``'lsoa_2011_code'``: lower case, separators as one ``_``."""
    return re.sub(r"[\s_\-]+", "_", str(header).strip().lower()).strip("_")


def canonical_columns(
    columns: Iterable[object], wanted: Iterable[str], file: str | Path
) -> dict[str, str]:
    """Which header of ``columns`` gives each canonical column of ``wanted``.

    Parameters
    ----------
    columns
        The headers as read.
    wanted
        Canonical names (keys of :data:`HEADER_ALIASES`), in order of preference: a header
        is given to the first of them it matches.
    file
        File named in the error.

    Returns
    -------
    dict
        Header as read -> canonical name, for the headers that match one (a canonical column
        that no header spells is absent).

    Raises
    ------
    InputError
        Two headers spell the same canonical column (``LSOA11CD`` and ``lsoa_code``).
    """
    wanted = list(wanted)
    found: dict[str, str] = {}
    for column in columns:
        name = normalise_header(column)
        for canonical in wanted:
            if re.fullmatch(HEADER_ALIASES[canonical], name):
                if canonical in found.values():
                    other = next(k for k, v in found.items() if v == canonical)
                    raise InputError(file, f"columns '{other}' and '{column}' are both read as "
                                           f"{canonical} (expected one of them)", row=1,
                                     column=str(column))
                found[str(column)] = canonical
                break
    return found
