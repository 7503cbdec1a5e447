"""Localities: priority neighbourhoods, community forum areas, rural areas and towns.

A locality is a named set of LSOAs (working vintage) with a type. Every function here takes
plain frames (an LSOA attribute table and LSOA boundaries) and returns a *membership* frame with
one row per locality x LSOA: ``locality_id, name, type, lad_code, lsoa_code``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from pipeline.config import check_keys, load_yaml
from pipeline.errors import InputError
from pipeline.ingest.common import find_column, read_csv, read_excel
from pipeline.paths import PROJECT_ROOT, resolve

MEMBERSHIP_COLUMNS = ["locality_id", "name", "type", "lad_code", "lsoa_code"]
TYPE_LABELS = {
    "priority_neighbourhood": "Priority neighbourhood",
    "forum_area": "Community forum area",
    "rural": "Rural area",
    "town": "Town",
}
RULES = {
    "national_imd_decile": {"edition", "max_decile"},
    "county_most_deprived": {"edition", "percent"},
    "district_most_deprived": {"edition", "percent"},
}
#: Distance (metres) within which two generalised LSOA polygons count as touching.
TOUCH_TOLERANCE_M = 5.0
BRITISH_NATIONAL_GRID = "EPSG:27700"
_COMPASS = {"north", "south", "east", "west", "central", "upper", "lower", "mid"}


@dataclass(frozen=True)
class LocalitySettings:
    """The user's locality settings (``config/localities.yaml``)."""

    path: Path
    rules: tuple[dict, ...]
    include_lsoas: tuple[str, ...] = ()
    exclude_lsoas: tuple[str, ...] = ()
    naming: str = "msoa"
    forum_file: Path | None = None
    forum_stand_in: str = ""
    min_town_lsoas: int = 4
    editions: tuple[int, ...] = field(default=())


def load_locality_settings(path: str | Path) -> LocalitySettings:
    """Read and check ``config/localities.yaml``; errors name the file and the entry."""
    path = resolve(path)
    raw = load_yaml(path) or {}
    check_keys(raw, {"priority_neighbourhoods", "forum_areas", "rural_and_towns"}, path,
               "localities")
    pn = raw.get("priority_neighbourhoods") or {}
    check_keys(pn, {"rules", "include_lsoas", "exclude_lsoas", "naming"}, path,
               "priority_neighbourhoods")
    rules = []
    for i, rule in enumerate(pn.get("rules") or []):
        where = f"priority_neighbourhoods.rules[{i}]"
        if not isinstance(rule, dict) or rule.get("rule") not in RULES:
            raise InputError(path, f"{where}: 'rule' must be one of {', '.join(sorted(RULES))}")
        check_keys(rule, {"rule", *RULES[rule["rule"]]}, path, where,
                   required=RULES[rule["rule"]])
        if "percent" in rule and not 0 < float(rule["percent"]) <= 100:
            raise InputError(path, f"{where}: percent must be between 0 and 100")
        if "max_decile" in rule and int(rule["max_decile"]) not in range(1, 11):
            raise InputError(path, f"{where}: max_decile must be a whole number from 1 to 10")
        rules.append(dict(rule))
    naming = pn.get("naming", "msoa")
    if naming not in ("msoa", "ward"):
        raise InputError(path, f"priority_neighbourhoods.naming: '{naming}' is not 'msoa' or 'ward'")
    forum = raw.get("forum_areas") or {}
    check_keys(forum, {"file", "stand_in"}, path, "forum_areas")
    towns = raw.get("rural_and_towns") or {}
    check_keys(towns, {"min_town_lsoas"}, path, "rural_and_towns")
    return LocalitySettings(
        path=path,
        rules=tuple(rules),
        include_lsoas=tuple(str(c) for c in pn.get("include_lsoas") or []),
        exclude_lsoas=tuple(str(c) for c in pn.get("exclude_lsoas") or []),
        naming=naming,
        forum_file=resolve(forum["file"], PROJECT_ROOT) if forum.get("file") else None,
        forum_stand_in=str(forum.get("stand_in") or ""),
        min_town_lsoas=int(towns.get("min_town_lsoas", 4)),
        editions=tuple(sorted({int(r["edition"]) for r in rules})),
    )


def slug(text: str) -> str:
    """A lower-case, hyphenated id from a name (stable and safe in file names and URLs)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "area"


def priority_lsoas(
    lsoas: pd.DataFrame,
    rules: tuple[dict, ...] | list[dict],
    *,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    settings_file: str | Path = "localities.yaml",
) -> pd.Series:
    """Which LSOAs qualify as priority LSOAs under the union of ``rules``.

    Parameters
    ----------
    lsoas
        One row per county LSOA: ``lsoa_code``, ``lad_code`` and, for each edition a rule uses,
        ``imd_rank_<edition>`` and ``imd_decile_<edition>`` (national rank 1 = most deprived).
    rules
        Rule dicts as in the config: ``national_imd_decile`` (decile <= max_decile),
        ``county_most_deprived`` / ``district_most_deprived`` (the most deprived ``percent`` of
        LSOAs by national rank within the county / each district, rounded half up).
    include, exclude
        LSOA codes added or removed by hand; unknown codes are an error.

    Returns
    -------
    pandas.Series
        Boolean, indexed like ``lsoas``.
    """
    known = set(lsoas["lsoa_code"])
    for label, codes in (("include_lsoas", include), ("exclude_lsoas", exclude)):
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(settings_file, f"priority_neighbourhoods.{label}: '{unknown[0]}' is "
                                            "not an LSOA of the county (working vintage)")
    selected = pd.Series(False, index=lsoas.index)
    for rule in rules:
        rank = lsoas[f"imd_rank_{rule['edition']}"]
        if rule["rule"] == "national_imd_decile":
            hit = lsoas[f"imd_decile_{rule['edition']}"] <= int(rule["max_decile"])
        else:
            group = None if rule["rule"] == "county_most_deprived" else lsoas["lad_code"]
            order = rank.rank(method="first") if group is None else \
                rank.groupby(group).rank(method="first")
            size = pd.Series(len(lsoas), index=lsoas.index) if group is None else \
                lsoas.groupby("lad_code")["lsoa_code"].transform("size")
            cutoff = np.floor(size * float(rule["percent"]) / 100 + 0.5)
            hit = order <= cutoff
        selected |= hit.fillna(False).astype(bool)
    selected |= lsoas["lsoa_code"].isin(include)
    selected &= ~lsoas["lsoa_code"].isin(exclude)
    return selected


def contiguous_groups(
    boundaries: gpd.GeoDataFrame, codes: pd.Series, within: pd.Series,
    tolerance_m: float = TOUCH_TOLERANCE_M,
) -> pd.Series:
    """Label touching polygons as one group, never joining across ``within`` (e.g. district).

    Parameters
    ----------
    boundaries
        ``lsoa_code`` and polygon ``geometry`` with a CRS.
    codes
        The LSOA codes to group.
    within
        For each code (same index as ``codes``), a key that groups may not cross.

    Returns
    -------
    pandas.Series
        Integer group label per code (index = LSOA code); labels are numbered in order of each
        group's smallest LSOA code, so they do not depend on input order.
    """
    keyed = pd.DataFrame({"lsoa_code": codes.to_numpy(), "within": within.to_numpy()})
    keyed = keyed.sort_values("lsoa_code").reset_index(drop=True)
    if keyed.empty:
        return pd.Series(dtype=int, name="group")
    shapes = boundaries.set_index("lsoa_code").loc[keyed["lsoa_code"], ["geometry"]]
    shapes = gpd.GeoDataFrame(shapes.reset_index(), geometry="geometry", crs=boundaries.crs)
    shapes = shapes.to_crs(BRITISH_NATIONAL_GRID)
    grown = shapes.copy()
    grown["geometry"] = shapes.buffer(tolerance_m / 2)
    pairs = gpd.sjoin(grown, grown, predicate="intersects", how="inner")
    left = pairs.index.to_numpy()
    right = pairs["index_right"].to_numpy()
    same = keyed["within"].to_numpy()[left] == keyed["within"].to_numpy()[right]
    n = len(keyed)
    graph = coo_matrix((np.ones(same.sum()), (left[same], right[same])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # renumber by first appearance in sorted code order -> stable labels
    _, first = np.unique(labels, return_index=True)
    order = {lab: i for i, lab in enumerate(labels[np.sort(first)])}
    return pd.Series([order[x] for x in labels], index=keyed["lsoa_code"], name="group")


def _names_by_population(members: pd.DataFrame, column: str) -> pd.Series:
    """For each group, its distinct names in ``column`` ordered by population (largest first)."""
    weights = (members.groupby(["group", column], sort=False)["population"].sum()
               .reset_index().sort_values(["group", "population", column],
                                          ascending=[True, False, True]))
    return weights.groupby("group")[column].agg(list)


def _join_names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:2]) + " and nearby areas"


def _number_repeats(names: pd.Series, within: pd.Series | None = None) -> pd.Series:
    """Append " (2)", " (3)" ... to repeated names (within a key, e.g. a district)."""
    keys = [names] if within is None else [within, names]
    repeat = names.groupby(keys).cumcount()
    return names.where(repeat == 0, names + " (" + (repeat + 1).astype(str) + ")")


def _unique_ids(prefix: str, names: pd.Series) -> pd.Series:
    ids = prefix + names.map(slug)
    dup = ids.groupby(ids).cumcount()
    return ids.where(dup == 0, ids + "-" + (dup + 1).astype(str))


def priority_neighbourhoods(
    lsoas: pd.DataFrame, boundaries: gpd.GeoDataFrame, settings: LocalitySettings
) -> pd.DataFrame:
    """Priority neighbourhoods: qualifying LSOAs, contiguous ones merged, named recognisably.

    ``lsoas`` needs ``lsoa_code, lad_code, population, msoa_hcl_name, ward_name`` and the IMD
    columns :func:`priority_lsoas` uses. A rule set that matches nothing gives an empty frame
    (the packs then say that the district has no priority neighbourhood).
    """
    chosen = lsoas[priority_lsoas(lsoas, settings.rules, include=settings.include_lsoas,
                                  exclude=settings.exclude_lsoas, settings_file=settings.path)]
    if chosen.empty:
        return pd.DataFrame(columns=MEMBERSHIP_COLUMNS)
    groups = contiguous_groups(boundaries, chosen["lsoa_code"], chosen["lad_code"])
    members = chosen.assign(group=chosen["lsoa_code"].map(groups))
    column = "msoa_hcl_name" if settings.naming == "msoa" else "ward_name"
    names = _names_by_population(members, column).map(_join_names)
    # groups are numbered in LSOA-code order, so repeated names are numbered stably
    per_group = members.drop_duplicates("group").set_index("group").sort_index()
    group_names = pd.Series(per_group.index.map(names), index=per_group.index)
    per_group["name"] = _number_repeats(group_names, per_group["lad_code"])
    members["name"] = members["group"].map(per_group["name"])
    members["locality_id"] = members["group"].map(
        _unique_ids("pn-", per_group["name"]).set_axis(per_group.index))
    members["type"] = "priority_neighbourhood"
    return members[MEMBERSHIP_COLUMNS].sort_values(["lad_code", "locality_id", "lsoa_code"])\
        .reset_index(drop=True)


def read_forum_file(path: str | Path) -> pd.DataFrame:
    """Read a forum-area file (CSV or XLSX): columns ``forum`` and ``lsoa_code`` or ``ward_code``."""
    path = Path(path)
    df = read_excel(path) if path.suffix.lower() in (".xlsx", ".xlsm") else read_csv(path)
    forum = find_column(df.columns, r"^forum", path, what="forum (the forum area's name)")
    code = find_column(df.columns, r"^(lsoa|ward)(_| )?(code|cd)", path,
                       what="lsoa_code or ward_code")
    kind = "lsoa_code" if code.lower().startswith("lsoa") else "ward_code"
    out = pd.DataFrame({"forum": df[forum].astype(str).str.strip(),
                        kind: df[code].astype(str).str.strip(), "_row": np.arange(len(df)) + 2})
    return out


def forum_areas_from_table(
    lsoas: pd.DataFrame, table: pd.DataFrame, source: str | Path
) -> pd.DataFrame:
    """Forum-area membership from a user table listing LSOAs or wards per forum.

    Errors (naming the file, row and entry): an unknown LSOA or ward, an LSOA in two forum
    areas, a forum area with no LSOAs.
    """
    code_col = "ward_code" if "ward_code" in table else "lsoa_code"
    blank = table[code_col].isin(["", "nan"])
    listed = table.loc[~blank, "forum"].unique()
    no_areas = table.loc[blank & ~table["forum"].isin(listed) & ~table["forum"].isin(["", "nan"])]
    if not no_areas.empty:
        r = no_areas.iloc[0]
        raise InputError(source, f"forum area '{r['forum']}' has no LSOAs (its {code_col} is "
                                 "empty); expected at least one", row=int(r["_row"]),
                         column=code_col)
    table = table[~blank]
    if "ward_code" in table:
        unknown = table[~table["ward_code"].isin(lsoas["ward_code"])]
        if not unknown.empty:
            r = unknown.iloc[0]
            raise InputError(source, f"forum '{r['forum']}': ward '{r['ward_code']}' is not a ward "
                                     "of the county", row=int(r["_row"]), column="ward_code")
        long = table.merge(lsoas[["ward_code", "lsoa_code"]], on="ward_code", how="left")
    else:
        long = table
    unknown = long[~long["lsoa_code"].isin(lsoas["lsoa_code"])]
    if not unknown.empty:
        r = unknown.iloc[0]
        raise InputError(source, f"forum '{r['forum']}': LSOA '{r['lsoa_code']}' is not an LSOA of "
                                 "the county (working vintage)", row=int(r["_row"]),
                         column="lsoa_code")
    empty = table[table["forum"].isin(["", "nan"])]
    if not empty.empty:
        raise InputError(source, "a row has no forum name", row=int(empty.iloc[0]["_row"]),
                         column="forum")
    long = long.drop_duplicates(["forum", "lsoa_code"])
    twice = long[long["lsoa_code"].duplicated(keep=False)].sort_values("_row")
    if not twice.empty:
        code = twice.iloc[0]["lsoa_code"]
        forums = sorted(twice.loc[twice["lsoa_code"] == code, "forum"].unique())
        raise InputError(source, f"LSOA '{code}' is in two forum areas ({' and '.join(forums)}); "
                                 "expected each LSOA in one forum area",
                         row=int(twice.iloc[-1]["_row"]))
    return _membership(long.merge(lsoas[["lsoa_code", "lad_code"]], on="lsoa_code"),
                       "forum", "forum_area", "forum-")


def forum_areas_stand_in(lsoas: pd.DataFrame) -> pd.DataFrame:
    """Forum areas stood in for by County Electoral Divisions (``ced_name`` of each LSOA)."""
    return _membership(lsoas.rename(columns={"ced_name": "forum"}), "forum", "forum_area", "forum-")


def _membership(df: pd.DataFrame, name_col: str, kind: str, prefix: str) -> pd.DataFrame:
    names = pd.Series(sorted(df[name_col].unique()))
    ids = _unique_ids(prefix, names).set_axis(names)
    out = pd.DataFrame({
        "locality_id": df[name_col].map(ids), "name": df[name_col], "type": kind,
        "lad_code": df["lad_code"], "lsoa_code": df["lsoa_code"],
    })
    return out.sort_values(["lad_code", "locality_id", "lsoa_code"]).reset_index(drop=True)


def _town_word(ward_name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", str(ward_name)) if w]
    while len(words) > 1 and words[0].lower() in _COMPASS:
        words = words[1:]
    return words[0] if words else str(ward_name)


def rural_and_towns(
    lsoas: pd.DataFrame, boundaries: gpd.GeoDataFrame, districts: pd.Series,
    min_town_lsoas: int = 4,
) -> pd.DataFrame:
    """Rural areas (one per district) and towns (contiguous urban LSOAs named from wards).

    ``lsoas`` needs ``lsoa_code, lad_code, population, ward_name, is_rural``; ``districts`` maps
    district codes to names (for "Rural Harborough").
    """
    rural = lsoas[lsoas["is_rural"]].assign(area="Rural " + lsoas["lad_code"].map(districts))
    rural_m = _membership(rural, "area", "rural", "rural-") if not rural.empty else \
        pd.DataFrame(columns=MEMBERSHIP_COLUMNS)
    urban = lsoas[~lsoas["is_rural"]]
    if urban.empty:
        return rural_m
    groups = contiguous_groups(boundaries, urban["lsoa_code"], urban["lad_code"])
    members = urban.assign(group=urban["lsoa_code"].map(groups))
    sizes = members.groupby("group")["lsoa_code"].transform("size")
    members = members[sizes >= min_town_lsoas].copy()
    members["word"] = members["ward_name"].map(_town_word)
    ranked = _names_by_population(members, "word")
    share = members.groupby(["group", "word"])["population"].sum() / \
        members.groupby("group")["population"].sum()
    top_share = share.groupby(level="group").max()
    names = pd.Series({g: (w[0] if top_share[g] >= 0.5 or len(w) == 1 else _join_names(w[:2]))
                       for g, w in ranked.items()})
    members["town"] = members["group"].map(_number_repeats(names.sort_index()))
    town_m = _membership(members, "town", "town", "town-")
    return pd.concat([rural_m, town_m], ignore_index=True)


def summarise_localities(membership: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """One row per locality: id, name, type, district, number of LSOAs and population."""
    pop = membership["lsoa_code"].map(population)
    out = (membership.assign(population=pop)
           .groupby(["locality_id", "name", "type", "lad_code"], sort=False)
           .agg(lsoas=("lsoa_code", "size"), population=("population", "sum")).reset_index())
    out["population"] = out["population"].round().astype("Int64")
    order = {t: i for i, t in enumerate(TYPE_LABELS)}
    return out.sort_values(["lad_code", "type", "name"], key=lambda s: s.map(order)
                           if s.name == "type" else s).reset_index(drop=True)


def locality_shapes(membership: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve each locality's LSOA polygons into one (Multi)Polygon."""
    joined = boundaries[["lsoa_code", "geometry"]].merge(membership, on="lsoa_code")
    shapes = joined.dissolve(by=["locality_id", "name", "type", "lad_code"], as_index=False)
    return shapes[["locality_id", "name", "type", "lad_code", "geometry"]]
