"""Localities: priority neighbourhoods, community forum areas, rural areas and towns.

A locality is a named set of LSOAs (working vintage) with a type. Every function here takes
plain frames (an LSOA attribute table and LSOA boundaries) and returns a *membership* frame with
one row per locality x LSOA: ``locality_id, name, type, lad_code, lsoa_code``.
"""

from __future__ import annotations

import logging
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
from pipeline.ingest.common import read_csv, read_excel
from pipeline.ingest.headers import canonical_columns
from pipeline.paths import PROJECT_ROOT, resolve, resolve_inside

log = logging.getLogger(__name__)

MEMBERSHIP_COLUMNS = ["locality_id", "name", "type", "lad_code", "lsoa_code"]
TYPE_LABELS = {
    "priority_neighbourhood": "Priority neighbourhood",
    "forum_area": "Community forum area",
    "rural": "Rural area",
    "town": "Town",
}
#: Locality ids start with a prefix naming their type (see the ``*_membership`` builders).
ID_PREFIXES = {"pn-": "priority_neighbourhood", "forum-": "forum_area", "rural-": "rural",
               "town-": "town"}


def locality_type(locality_id: str) -> str:
    """The type of a locality from its id (``pn-...`` -> ``priority_neighbourhood``)."""
    return next((kind for prefix, kind in ID_PREFIXES.items()
                 if str(locality_id).startswith(prefix)), "")


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
        forum_file=resolve_inside(forum["file"], PROJECT_ROOT, (PROJECT_ROOT, path.parent),
                                  file=path, where="forum_areas.file",
                                  expected=f"a file inside the project or beside {path.name}")
        if forum.get("file") else None,
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
    """'A', 'A and B', 'A, B and C', 'A, B and nearby areas'; a place word that starts every
    name is said once ('Loughborough Storer' + 'Loughborough Garendon' -> 'Loughborough Storer
    and Garendon')."""
    first = _ward_words(names[0])[:1]
    if len(names) > 1 and first and all(_ward_words(n)[:1] == first for n in names):
        rest = [re.sub(rf"^{re.escape(first[0])}\s*-?\s*", "", n) for n in names[1:]]
        names = [names[0], *rest]
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


def _unique_ids(prefix: str, names: pd.Series, max_length: int = 48) -> pd.Series:
    """One distinct id per name, in the order given (callers give names in a stable order).

    Names that slug alike ('Anstey North', 'Anstey (North)') keep the plain id for the first
    and get the next free number for the others ('-2', '-3' ...), never an id another name
    has of its own ('Anstey North 2' keeps ``anstey-north-2``).
    """
    ids = prefix + names.map(slug).str.slice(0, max_length).str.rstrip("-")
    repeated = ids.duplicated(keep=False)
    taken = set(ids[~repeated])  # an id only one name gives is that name's
    out = []
    for base, shared in zip(ids, repeated, strict=True):
        candidate, n = base, 1
        while shared and candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        out.append(candidate)
    return pd.Series(out, index=names.index)


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
    found = {canonical: header for header, canonical in
             canonical_columns(df.columns, ("forum", "lsoa_code", "ward_code"), path).items()}
    if "forum" not in found:
        raise InputError(path, "missing required column: forum (the forum area's name; "
                               f"columns found: {', '.join(map(str, df.columns))})", row=1)
    kind = "lsoa_code" if "lsoa_code" in found else "ward_code"
    if kind not in found:
        raise InputError(path, "missing required column: lsoa_code or ward_code (also read as "
                               "LSOA11CD, LSOA21CD, LSOA code, WD19CD, Ward code ...; columns "
                               f"found: {', '.join(map(str, df.columns))})", row=1)
    return pd.DataFrame({"forum": df[found["forum"]].astype(str).str.strip(),
                         kind: df[found[kind]].astype(str).str.strip(),
                         "_row": np.arange(len(df)) + 2})


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


def _ward_words(ward_name: str) -> tuple[str, ...]:
    """A ward name's words before any ' - ' / '-' suffix, leading compass words removed."""
    head = re.split(r"\s*-\s*", str(ward_name).strip())[0]
    words = [w for w in head.split() if w]
    while len(words) > 1 and words[0].lower() in _COMPASS:
        words = words[1:]
    return tuple(words)


def town_names(ward_names: pd.Series) -> pd.Series:
    """The town each ward belongs to: the longest leading words it shares with another ward of
    the same list ('Loughborough Hastings' and 'Loughborough Storer' -> 'Loughborough';
    'Market Harborough-Logan' -> 'Market Harborough'); NaN for a ward that shares none."""
    words = {w: _ward_words(w) for w in ward_names.unique()}
    towns = {}
    for ward, own in words.items():
        best = ()
        for other, theirs in words.items():
            if other == ward:
                continue
            n = 0
            while n < min(len(own), len(theirs)) and own[n] == theirs[n]:
                n += 1
            best = max(best, own[:n], key=len)
        towns[ward] = " ".join(best) if best else np.nan
    return ward_names.map(towns)


def rural_and_towns(
    lsoas: pd.DataFrame, districts: pd.Series, min_town_lsoas: int = 4,
) -> pd.DataFrame:
    """Rural areas (one per district) and towns (urban LSOAs whose wards share a town name).

    ``lsoas`` needs ``lsoa_code, lad_code, ward_name, is_rural``; ``districts`` maps district
    codes to names (for "Rural Harborough"). A town is named from the leading words its wards
    share (several wards called 'Hinckley ...' make the town Hinckley); urban LSOAs whose ward
    names no town, and towns of fewer than ``min_town_lsoas`` LSOAs, are not profiled as towns.
    """
    rural = lsoas[lsoas["is_rural"]].copy()
    rural["area"] = "Rural " + rural["lad_code"].map(districts)
    parts = [_membership(rural, "area", "rural", "")] if not rural.empty else []
    urban = lsoas[~lsoas["is_rural"]].copy()
    urban["town"] = urban.groupby("lad_code")["ward_name"].transform(town_names)
    urban = urban.dropna(subset=["town"])
    urban = urban[urban.groupby(["lad_code", "town"])["lsoa_code"].transform("size")
                  >= min_town_lsoas]
    if not urban.empty:
        # the same town name in two districts: name each after its district; a town named
        # like its own district ('Melton' in Melton) is called '(town)' so readers tell them apart
        shared = urban.groupby("town")["lad_code"].transform("nunique") > 1
        urban.loc[shared, "town"] += " (" + urban.loc[shared, "lad_code"].map(districts) + ")"
        like_district = urban["town"] == urban["lad_code"].map(districts)
        urban.loc[like_district, "town"] += " (town)"
        parts.append(_membership(urban, "town", "town", "town-"))
    if not parts:
        return pd.DataFrame(columns=MEMBERSHIP_COLUMNS)
    return pd.concat(parts, ignore_index=True)


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


def lsoa_attributes(
    lookup: pd.DataFrame, store: pd.DataFrame, editions: tuple[int, ...], vintage: str
) -> pd.DataFrame:
    """The county LSOA table the locality rules need: lookup columns, latest population and
    ``imd_rank_<edition>`` / ``imd_decile_<edition>`` for each edition a rule uses."""
    lsoa = store[(store["area_type"] == vintage) & store["area_code"].isin(lookup["lsoa_code"])]
    pop = lsoa[(lsoa["indicator_id"] == "population_total") & (lsoa["category"] == "")]
    latest = pop.sort_values("period").groupby("area_code")["value"].last()
    out = lookup.assign(population=lookup["lsoa_code"].map(latest))
    for edition in editions:
        for measure in ("rank", "decile"):
            values = lsoa[(lsoa["indicator_id"] == f"imd_{measure}")
                          & (lsoa["period"] == str(edition))].set_index("area_code")["value"]
            if values.empty:
                raise InputError("localities.yaml", f"a priority-neighbourhood rule uses IMD "
                                                    f"{edition}, but the store has no imd_{measure} "
                                                    f"for {edition}")
            out[f"imd_{measure}_{edition}"] = out["lsoa_code"].map(values)
    return out


def build_localities(
    lsoas: pd.DataFrame, boundaries: gpd.GeoDataFrame, settings: LocalitySettings,
    districts: pd.Series,
) -> pd.DataFrame:
    """Every locality of the county: priority neighbourhoods, forum areas, rural areas, towns.

    Returns the membership frame (one row per locality x LSOA). A rule set that matches no
    LSOA in the county is logged as a warning; the packs then say so.
    """
    # rules rank LSOAs across the whole county; localities are made for the configured districts
    pn = priority_neighbourhoods(lsoas, boundaries, settings)
    pn = pn[pn["lad_code"].isin(districts.index)]
    lsoas = lsoas[lsoas["lad_code"].isin(districts.index)]
    if pn.empty:
        log.warning("%s: the priority-neighbourhood rules match no LSOA in the county; "
                    "packs will have no priority-neighbourhood sections", settings.path.name)
    if settings.forum_file is not None:
        forums = forum_areas_from_table(lsoas, read_forum_file(settings.forum_file),
                                        settings.forum_file)
    else:
        forums = forum_areas_stand_in(lsoas)
    places = rural_and_towns(lsoas, districts, settings.min_town_lsoas)
    return pd.concat([pn, forums, places], ignore_index=True)
