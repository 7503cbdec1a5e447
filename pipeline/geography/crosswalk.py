"""Crosswalks between LSOA vintages (2001 -> 2011 <-> 2021) and applying them to observations.

A crosswalk is a frame with one row per (from area, to area) pair:

``from_type, to_type, from_code, to_code, relation, weight, mean_weight, changed``

* ``weight`` - share of the from area's COUNT that goes to the to area; the weights of each
  ``from_code`` sum to 1, so totals are preserved exactly.
* ``mean_weight`` - weight of the from area in the to area's population-weighted MEAN (scores,
  rates, shares); the weights of each ``to_code`` sum to 1.
* ``relation`` - ``unchanged`` (1:1, same code), ``recoded`` (1:1, new code: boundary changed),
  ``split`` (one from area, several to areas), ``merge`` (several from areas, one to area)
  or ``complex`` (both).
* ``changed`` - True unless ``unchanged``; values moved along changed pairs are flagged ``[e]``.

Both weights come from one estimate: the population living in the pair's overlap,

* the whole from area when it maps to one to area (merge, 1:1): from population;
* the whole to area when it is the only part of its from area's territory (split): to
  population;
* otherwise (complex) the from population times the pair's share of the from area's area
  (``from_share``; an equal split when the pairs carry no areas).

A group whose populations are missing or zero falls back to area shares (counts) or equal
weights (means): the ONS LSOA01 -> LSOA11 lookup has no LSOA 2001 population, so a merge of
LSOA01s takes their plain mean.

Populations used by the catalogue wiring (:mod:`pipeline.geography.files`): LSOA11 =
IoD2019 File 6 mid-2015 total population (all of England); LSOA21 = Census 2021 usual
residents (TS021 ``total_residents``).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.geography.lookup import to_bng
from pipeline.ingest.common import OBSERVATION_COLUMNS

CROSSWALK_COLUMNS = [
    "from_type", "to_type", "from_code", "to_code", "relation", "weight", "mean_weight",
    "changed",
]
KINDS = ("count", "mean")


# --------------------------------------------------------------------------- pairs

def lsoa01_lsoa11_pairs(lookup: pd.DataFrame) -> pd.DataFrame:
    """Pairs of the ONS LSOA01 -> LSOA11 lookup: ``from_code, to_code, chgind``.

    The ONS change indicator is kept for reference; split/merge structure is re-derived from
    the pairs themselves (an ``X`` complex change that is 1:1 in the lookup is ``recoded``).
    """
    if not {"lsoa01_code", "lsoa11_code", "chgind"} <= set(lookup.columns):
        raise ValueError("lsoa01_lsoa11_pairs: expected columns lsoa01_code, lsoa11_code, chgind")
    pairs = lookup.rename(columns={"lsoa01_code": "from_code", "lsoa11_code": "to_code"})
    return pairs[["from_code", "to_code", "chgind"]].drop_duplicates(
        ["from_code", "to_code"]).reset_index(drop=True)


def overlay_pairs(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    source_code: str = "lsoa_code",
    target_code: str = "lsoa_code",
    min_share: float = 0.05,
    min_coverage: float = 0.9,
) -> pd.DataFrame:
    """Pairs of areas of two boundary sets that materially overlap.

    Both layers are projected to British National Grid and intersected. Generalised
    boundaries of different vintages leave slivers along shared edges, so a pair is kept only
    when its overlap is at least ``min_share`` of the SMALLER polygon's area (a split child is
    wholly inside its parent; a sliver is a tiny part of both).

    Returns
    -------
    DataFrame
        ``from_code, to_code, overlap_area`` (m2), ``from_share`` (of the from area),
        ``to_share`` (of the to area), sorted by codes.

    Raises
    ------
    ValueError
        If an area of either layer keeps no pair, or its kept pairs cover less than
        ``min_coverage`` of its area (the layers do not describe the same territory).
    """
    a = to_bng(source)[[source_code, "geometry"]].rename(columns={source_code: "from_code"})
    b = to_bng(target)[[target_code, "geometry"]].rename(columns={target_code: "to_code"})
    a = a.assign(from_area=a.area)
    b = b.assign(to_area=b.area)
    both = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    both["overlap_area"] = both.area
    smaller = np.minimum(both["from_area"], both["to_area"])
    kept = pd.DataFrame(both[both["overlap_area"] >= min_share * smaller].drop(columns="geometry"))
    kept["from_share"] = kept["overlap_area"] / kept["from_area"]
    kept["to_share"] = kept["overlap_area"] / kept["to_area"]
    for side, layer in (("from", a), ("to", b)):
        cover = kept.groupby(f"{side}_code")[f"{side}_share"].sum()
        cover = cover.reindex(layer[f"{side}_code"]).fillna(0.0)
        poor = cover[cover < min_coverage]
        if not poor.empty:
            raise ValueError(
                f"{len(poor)} {'source' if side == 'from' else 'target'} areas are not covered "
                f"by the other layer (first: {poor.index[0]}, {poor.iloc[0]:.0%} covered; "
                f"expected at least {min_coverage:.0%})")
    return kept[["from_code", "to_code", "overlap_area", "from_share", "to_share"]]\
        .sort_values(["from_code", "to_code"]).reset_index(drop=True)


def reverse_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The same pairs in the other direction (codes and shares swapped)."""
    out = pairs.rename(columns={"from_code": "to_code", "to_code": "from_code",
                                "from_share": "to_share", "to_share": "from_share"})
    cols = ["from_code", "to_code"] + [c for c in out.columns if c not in ("from_code",
                                                                            "to_code")]
    return out[cols].sort_values(["from_code", "to_code"]).reset_index(drop=True)


# --------------------------------------------------------------------------- crosswalk

def build_crosswalk(
    pairs: pd.DataFrame,
    *,
    from_type: str,
    to_type: str,
    from_population: pd.Series | None = None,
    to_population: pd.Series | None = None,
) -> pd.DataFrame:
    """Turn area pairs into a crosswalk with count and mean weights (see the module docstring).

    Parameters
    ----------
    pairs
        ``from_code, to_code`` and optionally ``from_share`` (share of the from area's area
        in the pair, from :func:`overlay_pairs`).
    from_type, to_type
        Area types of the two sides, e.g. ``LSOA21`` and ``LSOA11``.
    from_population, to_population
        Population by area code (any recent year); missing ones fall back as documented.

    Returns
    -------
    DataFrame
        :data:`CROSSWALK_COLUMNS`, sorted by ``from_code, to_code``.
    """
    if not {"from_code", "to_code"} <= set(pairs.columns):
        raise ValueError("build_crosswalk: pairs need columns from_code and to_code")
    if pairs.empty:
        raise ValueError("build_crosswalk: no pairs")
    cw = pairs.drop_duplicates(["from_code", "to_code"]).reset_index(drop=True)
    n_to = cw.groupby("from_code")["to_code"].transform("size").to_numpy()
    n_from = cw.groupby("to_code")["from_code"].transform("size").to_numpy()
    share = (cw["from_share"].to_numpy(dtype=float) if "from_share" in cw
             else 1.0 / n_to)
    # normalise area shares within each from area (slivers were dropped)
    share = share / pd.Series(share).groupby(cw["from_code"]).transform("sum").to_numpy()
    fp = _population(cw["from_code"], from_population)
    tp = _population(cw["to_code"], to_population)
    pair_pop = np.where(n_to == 1, fp, np.where(n_from == 1, tp, fp * share))
    cw["weight"] = _normalise(pair_pop, cw["from_code"], fallback=share)
    cw["mean_weight"] = _normalise(pair_pop, cw["to_code"], fallback=np.ones(len(cw)))
    same = cw["from_code"].to_numpy() == cw["to_code"].to_numpy()
    cw["relation"] = np.select(
        [(n_to == 1) & (n_from == 1) & same, (n_to == 1) & (n_from == 1),
         (n_to > 1) & (n_from == 1), (n_to == 1) & (n_from > 1)],
        ["unchanged", "recoded", "split", "merge"], default="complex")
    cw["changed"] = cw["relation"] != "unchanged"
    cw["from_type"] = from_type
    cw["to_type"] = to_type
    return cw[CROSSWALK_COLUMNS].sort_values(["from_code", "to_code"]).reset_index(drop=True)


def _population(codes: pd.Series, population: pd.Series | None) -> np.ndarray:
    if population is None:
        return np.full(len(codes), np.nan)
    return codes.map(population).to_numpy(dtype=float)


def _normalise(values: np.ndarray, groups: pd.Series, *, fallback: np.ndarray) -> np.ndarray:
    """values / group sum; a group with a missing or non-positive value uses ``fallback``."""
    v = pd.Series(values, dtype=float)
    bad = (~np.isfinite(v) | (v <= 0)).groupby(groups.to_numpy()).transform("any").to_numpy()
    v = v.where(~bad, pd.Series(fallback, dtype=float))
    return (v / v.groupby(groups.to_numpy()).transform("sum")).to_numpy()


def reverse_crosswalk(
    crosswalk: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    from_population: pd.Series | None = None,
    to_population: pd.Series | None = None,
) -> pd.DataFrame:
    """Build the opposite-direction crosswalk from the same pairs (populations swap roles)."""
    types = crosswalk[["from_type", "to_type"]].drop_duplicates()
    if len(types) != 1:
        raise ValueError("reverse_crosswalk: the crosswalk mixes area types")
    return build_crosswalk(reverse_pairs(pairs), from_type=types["to_type"].iloc[0],
                           to_type=types["from_type"].iloc[0],
                           from_population=from_population, to_population=to_population)


# --------------------------------------------------------------------------- applying

def apply_crosswalk(
    values: pd.DataFrame,
    crosswalk: pd.DataFrame,
    kind: str | Mapping[str, str],
    *,
    unmatched: str = "raise",
) -> pd.DataFrame:
    """Move observations onto another vintage, all variables at once.

    Parameters
    ----------
    values
        Observation-layout frame (``area_code, area_type, variable, period, category, value,
        flag, source``) of the crosswalk's ``from_type``.
    crosswalk
        From :func:`build_crosswalk`.
    kind
        ``count`` (value_to = sum of value_from x weight: totals preserved) or ``mean``
        (value_to = sum of value_from x mean_weight: population-weighted mean; a split child
        takes its parent's value), or a mapping variable -> kind.
    unmatched
        ``raise`` (default) if ``values`` hold an area code missing from the crosswalk;
        ``drop`` to leave such rows out.

    Returns
    -------
    DataFrame
        Observation layout with ``area_type`` = the crosswalk's ``to_type``. A value built
        from a changed pair is flagged ``[e]``; an unchanged row keeps its flag. A to area is
        missing (NaN) when any of its parts is missing or absent: flag ``[c]`` if a part was
        suppressed, else ``[x]``.
    """
    missing = [c for c in OBSERVATION_COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"apply_crosswalk: values lack column(s) {', '.join(missing)}")
    missing = [c for c in CROSSWALK_COLUMNS if c not in crosswalk.columns]
    if missing:
        raise ValueError(f"apply_crosswalk: crosswalk lacks column(s) {', '.join(missing)}")
    if unmatched not in ("raise", "drop"):
        raise ValueError(f"apply_crosswalk: unmatched must be 'raise' or 'drop', not {unmatched!r}")
    from_type = _single(crosswalk["from_type"], "from_type")
    to_type = _single(crosswalk["to_type"], "to_type")
    if values.empty:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS)
    wrong = values["area_type"] != from_type
    if wrong.any():
        row = values[wrong].iloc[0]
        raise InputError(row["source"], f"area code '{row['area_code']}' is {row['area_type']}, "
                                        f"but the crosswalk converts {from_type} to {to_type}")
    kinds = _kinds(values["variable"], kind)

    lost = ~values["area_code"].isin(crosswalk["from_code"])
    if lost.any():
        if unmatched == "raise":
            row = values[lost].iloc[0]
            raise InputError(row["source"], f"area code '{row['area_code']}' is not in the "
                                            f"{from_type} -> {to_type} crosswalk "
                                            f"({int(values.loc[lost, 'area_code'].nunique())} "
                                            "such codes)")
        values = values[~lost]
    merged = values.merge(
        crosswalk[["from_code", "to_code", "weight", "mean_weight", "changed"]],
        left_on="area_code", right_on="from_code", how="left", sort=False)
    counted = (kinds == "count").reindex(merged["variable"]).to_numpy()
    w = np.where(counted, merged["weight"], merged["mean_weight"])
    merged["part"] = merged["value"].to_numpy(dtype=float) * w
    merged["gap"] = merged["value"].isna()
    merged["suppressed"] = merged["flag"] == "[c]"
    keys = ["to_code", "variable", "period", "category"]
    out = merged.groupby(keys, sort=False, dropna=False).agg(
        value=("part", "sum"), gap=("gap", "any"), suppressed=("suppressed", "any"),
        parts=("part", "size"), changed=("changed", "any"), flag=("flag", "first"),
        source=("source", "first"),
    ).reset_index()
    expected = crosswalk.groupby("to_code")["from_code"].size()
    incomplete = out["parts"].to_numpy() < out["to_code"].map(expected).to_numpy()
    missing_value = out["gap"].to_numpy() | incomplete
    out["value"] = np.where(missing_value, np.nan, out["value"])
    out["flag"] = np.select(
        [missing_value & out["suppressed"], missing_value, out["changed"]],
        ["[c]", "[x]", "[e]"], default=out["flag"])
    out.rename(columns={"to_code": "area_code"}, inplace=True)
    out["area_type"] = to_type
    return out[OBSERVATION_COLUMNS].sort_values(
        ["variable", "period", "category", "area_code"], kind="stable", ignore_index=True)


def _single(column: pd.Series, what: str) -> str:
    found = column.dropna().unique()
    if len(found) != 1:
        raise ValueError(f"crosswalk must have exactly one {what} (found {list(found)})")
    return str(found[0])


def _kinds(variables: pd.Series, kind: str | Mapping[str, str]) -> pd.Series:
    names = pd.Index(variables.unique())
    if isinstance(kind, str):
        per = pd.Series(kind, index=names)
    else:
        per = pd.Series({v: kind.get(v) for v in names}, dtype=object)
        absent = per[per.isna()]
        if not absent.empty:
            raise ValueError(f"apply_crosswalk: no kind given for variable '{absent.index[0]}'")
    bad = per[~per.isin(KINDS)]
    if not bad.empty:
        raise ValueError(f"apply_crosswalk: kind {bad.iloc[0]!r} for '{bad.index[0]}' is not "
                         f"one of {', '.join(KINDS)}")
    return per


def compose_crosswalks(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Chain two crosswalks (e.g. LSOA01 -> LSOA11 then LSOA11 -> LSOA21) into one.

    Weights multiply along each path and add over the intermediate areas; a path is changed
    if either step is. Only from areas whose every intermediate area is in ``second`` are kept
    (so a national first step chained with a county second step gives a county crosswalk).
    """
    for cw in (first, second):
        missing = [c for c in CROSSWALK_COLUMNS if c not in cw.columns]
        if missing:
            raise ValueError(f"compose_crosswalks: crosswalk lacks column(s) {', '.join(missing)}")
    middle_1 = _single(first["to_type"], "to_type")
    middle_2 = _single(second["from_type"], "from_type")
    if middle_1 != middle_2:
        raise ValueError(f"compose_crosswalks: first ends at {middle_1}, second starts at "
                         f"{middle_2}")
    covered = first["to_code"].isin(second["from_code"]).groupby(first["from_code"]).all()
    first = first[first["from_code"].map(covered)]
    if first.empty:
        raise ValueError("compose_crosswalks: no area of the first crosswalk reaches the second")
    path = first.merge(second, left_on="to_code", right_on="from_code", suffixes=("_1", "_2"))
    path = path.assign(
        weight=path["weight_1"] * path["weight_2"],
        mean_weight=path["mean_weight_1"] * path["mean_weight_2"],
        changed=path["changed_1"] | path["changed_2"],
    )
    out = path.groupby(["from_code_1", "to_code_2"], sort=True).agg(
        weight=("weight", "sum"), mean_weight=("mean_weight", "sum"), changed=("changed", "any"),
    ).reset_index().rename(columns={"from_code_1": "from_code", "to_code_2": "to_code"})
    out["mean_weight"] = out["mean_weight"] / out.groupby("to_code")["mean_weight"].transform("sum")
    n_to = out.groupby("from_code")["to_code"].transform("size").to_numpy()
    n_from = out.groupby("to_code")["from_code"].transform("size").to_numpy()
    one_to_one = (n_to == 1) & (n_from == 1)
    out["relation"] = np.select(
        [one_to_one & ~out["changed"], one_to_one, (n_to > 1) & (n_from == 1),
         (n_to == 1) & (n_from > 1)],
        ["unchanged", "recoded", "split", "merge"], default="complex")
    out["changed"] = out["changed"] | (out["relation"] != "unchanged")
    out["from_type"] = _single(first["from_type"], "from_type")
    out["to_type"] = _single(second["to_type"], "to_type")
    return out[CROSSWALK_COLUMNS].reset_index(drop=True)
