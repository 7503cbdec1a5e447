"""The LSOA -> ward -> district -> county lookup frames, County Electoral Divisions and RUC11.

Operations only: every function takes frames (as returned by :mod:`pipeline.geography.load`)
and returns a frame. No file is read here.

Rules documented here (and in the docstrings below):

* **CED of an LSOA.** The ONS ward -> CED lookup gives a ward's divisions, but a ward can
  span several CEDs and no CED boundaries are shipped. Each LSOA gets ONE division:

  1. ``ward``: the LSOA's ward lies wholly in one CED -> that CED.
  2. ``seed``: a CED that no LSOA reached by rule 1 (all its wards are split) would otherwise
     vanish; it takes one of its candidate LSOAs - the one sharing the least boundary with
     LSOAs already placed in a competing candidate CED (ties: lowest code). CEDs are drawn
     around real electors, so every division should hold at least one LSOA.
  3. ``adjacency``: the other LSOAs of split wards are placed round by round. An open LSOA
     that borders LSOAs already placed in one of its candidate CEDs joins the candidate with
     the smallest population so far (divisions are drawn for equal electorates); each
     division takes at most one LSOA per round, the one sharing most boundary with it.
     Divisions are contiguous, so a part of a ward belongs with a division it borders.
  4. ``first_listed``: anything still open takes the first candidate (lowest CED code).

  ``ced_codes_all`` keeps every candidate and ``ced_rule`` says which rule decided.
* **RUC11 of an LSOA.** OAs carry the 2011 Rural-Urban Classification (A1..F2). An LSOA's
  ``ruc11_code`` is the class holding most of its residents (Census 2011 usual residents per
  OA; ties go to the lower, more urban, code). ``rural_population_share`` is the share of its
  residents in rural OAs (classes D*, E*, F*: town and fringe, village, hamlets); the LSOA is
  ``rural`` when that share is above one half, otherwise ``urban`` (classes A*, B*, C*).
* **LSOA21 hierarchy.** An LSOA21's ward, MSOA, CED, county and RUC11 are those of its
  principal LSOA11 (the one it overlaps most); the district is the boundary file's own
  ``LADCD_ACTIVE``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: First letter of RUC11 codes that are urban (A major conurbation, B minor conurbation,
#: C city and town); D (town and fringe), E (village) and F (hamlets) are rural.
URBAN_RUC_CLASSES = ("A", "B", "C")
RURAL_RUC_CLASSES = ("D", "E", "F")

#: Columns of the LSOA11 lookup frame, in order.
LSOA11_LOOKUP_COLUMNS = [
    "lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name",
    "msoa_code", "msoa_name", "msoa_hcl_name", "ced_code", "ced_name", "ced_codes_all",
    "ced_rule", "county_code", "county_name", "region_code", "region_name",
    "ruc11_code", "ruc11_name", "urban_rural", "is_rural", "rural_population_share",
    "population_2011",
]

#: Columns of the LSOA21 lookup frame, in order (hierarchy taken from the principal LSOA11).
LSOA21_LOOKUP_COLUMNS = [
    "lsoa_code", "lsoa_name", "lad_code", "lad_name", "lsoa11_parent",
    "ward_code", "ward_name", "msoa_code", "msoa_name", "msoa_hcl_name", "ced_code",
    "ced_name", "ced_codes_all", "ced_rule", "county_code", "county_name", "region_code",
    "region_name", "ruc11_code", "ruc11_name", "urban_rural", "is_rural",
]

#: Projected CRS (British National Grid, metres) for areas and lengths.
BNG = 27700


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def to_bng(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in British National Grid (EPSG:27700) so areas/lengths are in metres."""
    if gdf.crs is None:
        raise ValueError("boundaries have no CRS (expected one, e.g. EPSG:4326 or EPSG:27700)")
    return gdf if gdf.crs.to_epsg() == BNG else gdf.to_crs(BNG)


# --------------------------------------------------------------------------- RUC11

def classify_lsoa_ruc(oas: pd.DataFrame) -> pd.DataFrame:
    """Rural-urban class of each LSOA from its OAs, weighted by population.

    Parameters
    ----------
    oas
        One row per OA: ``oa_code, lsoa_code, ruc11_code, ruc11_name, population``.

    Returns
    -------
    DataFrame
        One row per LSOA: ``lsoa_code, ruc11_code, ruc11_name`` (the class of most residents),
        ``rural_population_share`` (0-1), ``urban_rural`` (``rural`` above one half, else
        ``urban``), ``is_rural`` and ``population_2011`` (sum of OA populations).
    """
    _require(oas, ["oa_code", "lsoa_code", "ruc11_code", "ruc11_name", "population"],
             "classify_lsoa_ruc")
    letters = oas["ruc11_code"].str[:1]
    unknown = ~letters.isin(URBAN_RUC_CLASSES + RURAL_RUC_CLASSES)
    if unknown.any():
        raise ValueError(f"OA {oas['oa_code'][unknown].iloc[0]}: RUC11 code "
                         f"'{oas['ruc11_code'][unknown].iloc[0]}' is not A1..F2")
    by_class = oas.pivot_table(index="lsoa_code", columns="ruc11_code", values="population",
                               aggfunc="sum", fill_value=0.0).sort_index(axis=1)
    total = by_class.sum(axis=1)
    rural_cols = [c for c in by_class.columns if c[:1] in RURAL_RUC_CLASSES]
    share = by_class[rural_cols].sum(axis=1) / total.where(total > 0)
    modal = by_class.idxmax(axis=1)  # first maximum of code-sorted columns: ties -> more urban
    names = oas.drop_duplicates("ruc11_code").set_index("ruc11_code")["ruc11_name"]
    share = share.fillna(modal.str[:1].isin(RURAL_RUC_CLASSES).astype(float))
    out = pd.DataFrame({
        "lsoa_code": by_class.index,
        "ruc11_code": modal.to_numpy(),
        "ruc11_name": modal.map(names).to_numpy(),
        "rural_population_share": share.to_numpy(),
        "population_2011": total.to_numpy(),
    })
    out["is_rural"] = out["rural_population_share"] > 0.5
    out["urban_rural"] = np.where(out["is_rural"], "rural", "urban")
    return out[["lsoa_code", "ruc11_code", "ruc11_name", "urban_rural", "is_rural",
                "rural_population_share", "population_2011"]].reset_index(drop=True)


def join_oa_tables(oa_lookup: pd.DataFrame, oa_ruc: pd.DataFrame,
                   oa_population: pd.DataFrame) -> pd.DataFrame:
    """Join OA -> LSOA, OA RUC11 class and OA population into one frame, checking coverage.

    Returns ``oa_code, lsoa_code, ruc11_code, ruc11_name, population`` for every OA of
    ``oa_lookup``; an OA without a class or a population raises ``ValueError``.
    """
    _require(oa_lookup, ["oa_code", "lsoa_code"], "join_oa_tables (OA lookup)")
    out = oa_lookup[["oa_code", "lsoa_code"]].merge(
        oa_ruc[["oa_code", "ruc11_code", "ruc11_name"]], on="oa_code", how="left"
    ).merge(oa_population[["oa_code", "population"]], on="oa_code", how="left")
    for col, what in (("ruc11_code", "RUC11 class"), ("population", "population")):
        gap = out[col].isna()
        if gap.any():
            raise ValueError(f"{int(gap.sum())} OAs have no {what} "
                             f"(first: {out.loc[gap, 'oa_code'].iloc[0]})")
    return out


# --------------------------------------------------------------------------- CED

def shared_boundaries(gdf: gpd.GeoDataFrame, code: str = "lsoa_code",
                      tolerance: float = 1.0) -> pd.DataFrame:
    """Length of boundary (metres) each pair of neighbouring polygons shares.

    Neighbours are polygons within ``tolerance`` metres of each other; the shared length is
    the part of one boundary lying within ``tolerance`` of the other polygon, which is robust
    to the small gaps of generalised boundaries. Returns ``code, neighbour, length`` for both
    directions, pairs touching only at a point excluded.
    """
    projected = to_bng(gdf)[[code, "geometry"]].reset_index(drop=True)
    joined = gpd.sjoin(projected, projected, predicate="dwithin", distance=tolerance)
    joined = joined[joined[f"{code}_left"] != joined[f"{code}_right"]]
    left = projected.geometry.to_numpy()[joined.index.to_numpy()]
    right = projected.geometry.to_numpy()[joined["index_right"].to_numpy()]
    length = shapely.length(shapely.intersection(shapely.boundary(left),
                                                 shapely.buffer(right, tolerance)))
    out = pd.DataFrame({"code": joined[f"{code}_left"].to_numpy(),
                        "neighbour": joined[f"{code}_right"].to_numpy(), "length": length})
    return out[out["length"] > tolerance].reset_index(drop=True)


def resolve_ced(lsoas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Give each LSOA one County Electoral Division (rules ward / seed / adjacency /
    first_listed, see the module docstring).

    Parameters
    ----------
    lsoas
        ``lsoa_code``, ``ced_codes_all`` (';'-joined candidate CED codes of the LSOA's ward),
        polygon ``geometry`` with a CRS and optionally ``population`` (the balance used by
        the adjacency rule; without it every LSOA counts as 1).

    Returns
    -------
    DataFrame
        ``lsoa_code, ced_code, ced_rule`` in the order of ``lsoas``.
    """
    _require(lsoas, ["lsoa_code", "ced_codes_all", "geometry"], "resolve_ced")
    candidates = lsoas["ced_codes_all"].fillna("").str.split(";").map(
        lambda xs: sorted(x.strip() for x in xs if x.strip()))
    empty = candidates.str.len() == 0
    if empty.any():
        raise ValueError(f"LSOA {lsoas.loc[empty, 'lsoa_code'].iloc[0]} has no candidate CED")
    codes = lsoas["lsoa_code"].to_numpy()
    weight = pd.Series(lsoas["population"].to_numpy(dtype=float) if "population" in lsoas
                       else np.ones(len(lsoas)), index=codes)
    ced = pd.Series(np.where(candidates.str.len() == 1, candidates.str[0], None),
                    index=codes, dtype=object)
    rule = pd.Series(np.where(ced.notna(), "ward", ""), index=codes, dtype=object)
    options = pd.DataFrame({"lsoa_code": codes, "ced": candidates.to_numpy()}).explode("ced")
    if ced.isna().any():
        edges = shared_boundaries(lsoas)

        def pull() -> pd.DataFrame:
            """Shared boundary of each open LSOA with LSOAs already placed in each candidate."""
            open_opts = options[options["lsoa_code"].map(ced).isna()]
            j = open_opts.merge(edges, left_on="lsoa_code", right_on="code")
            j = j[j["neighbour"].map(ced) == j["ced"]]
            score = j.groupby(["lsoa_code", "ced"])["length"].sum()
            return open_opts.set_index(["lsoa_code", "ced"]).assign(
                length=score).fillna({"length": 0.0}).reset_index()

        placed = set(ced.dropna())
        coreless = sorted(set(options.loc[options["lsoa_code"].map(ced).isna(), "ced"])
                          - placed)
        for division in coreless:  # a handful of divisions, not a loop over LSOAs
            scores = pull()
            rival = scores[scores["ced"] != division].groupby("lsoa_code")["length"].sum()
            pick = scores.loc[scores["ced"] == division, ["lsoa_code"]]
            pick = pick.assign(rival=pick["lsoa_code"].map(rival).fillna(0.0))
            if pick.empty:
                continue
            chosen = pick.sort_values(["rival", "lsoa_code"]).iloc[0]["lsoa_code"]
            ced[chosen] = division
            rule[chosen] = "seed"
        while ced.isna().any():
            scores = pull()
            scores = scores[scores["length"] > 0]
            if scores.empty:
                break
            size = weight.groupby(ced.to_numpy()).sum()
            scores["size"] = scores["ced"].map(size).fillna(0.0)
            # each round: every open LSOA goes to its smallest bordering candidate, and every
            # division takes at most one LSOA (its longest shared boundary), then sizes update
            best = scores.sort_values(["size", "length", "lsoa_code", "ced"],
                                      ascending=[True, False, True, True])
            best = best.drop_duplicates("lsoa_code").drop_duplicates("ced")
            ced[best["lsoa_code"].to_numpy()] = best["ced"].to_numpy()
            rule[best["lsoa_code"].to_numpy()] = "adjacency"
        rest = ced.isna().to_numpy()
        ced[rest] = candidates[rest].str[0].to_numpy()
        rule[rest] = "first_listed"
    return pd.DataFrame({"lsoa_code": codes, "ced_code": ced.to_numpy(),
                         "ced_rule": rule.to_numpy()})


# --------------------------------------------------------------------------- lookup frames

def county_lad_codes(ward_ced: pd.DataFrame, county_code: str) -> list[str]:
    """District codes of a county, from the ward -> CED lookup."""
    _require(ward_ced, ["lad_code", "county_code"], "county_lad_codes")
    lads = sorted(ward_ced.loc[ward_ced["county_code"] == county_code, "lad_code"].unique())
    if not lads:
        raise ValueError(f"county {county_code} is not in the ward -> CED lookup")
    return lads


def ward_ced_candidates(ward_ced: pd.DataFrame) -> pd.DataFrame:
    """One row per ward: ``ward_code, ced_codes_all`` (';'-joined, sorted), ``county_code,
    county_name``."""
    _require(ward_ced, ["ward_code", "ced_code", "county_code", "county_name"],
             "ward_ced_candidates")
    ordered = ward_ced.sort_values(["ward_code", "ced_code"])
    return ordered.groupby("ward_code", sort=True).agg(
        ced_codes_all=("ced_code", lambda s: ";".join(dict.fromkeys(s))),
        county_code=("county_code", "first"), county_name=("county_name", "first"),
    ).reset_index()


def build_lsoa11_lookup(
    lsoa_ward: pd.DataFrame,
    ward_ced: pd.DataFrame,
    ward_region: pd.DataFrame,
    msoa_names: pd.DataFrame,
    oa_lookup: pd.DataFrame,
    lsoa_ruc: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    county_code: str,
) -> pd.DataFrame:
    """The LSOA11 -> ward -> district -> county lookup of one county, with MSOA, CED and RUC11.

    Parameters
    ----------
    lsoa_ward
        ONS LSOA11 -> WD19 -> LAD19 (:func:`~pipeline.geography.load.load_lsoa11_ward_lookup`).
    ward_ced
        ONS WD19 -> LAD19 -> CTY19 -> CED19 (one row per ward x CED).
    ward_region
        ONS WD19 -> region (``ward_code, region_code, region_name``).
    msoa_names
        House of Commons Library MSOA names (``msoa_code, msoa_name, msoa_hcl_name``).
    oa_lookup
        ONS OA11 -> LSOA11 -> MSOA11 (gives each LSOA its MSOA).
    lsoa_ruc
        :func:`classify_lsoa_ruc` output.
    boundaries
        LSOA11 polygons (``lsoa_code, geometry``) for the CED rule.
    county_code
        E.g. ``E10000018``; its districts come from ``ward_ced``.

    Returns
    -------
    DataFrame
        :data:`LSOA11_LOOKUP_COLUMNS`, one row per LSOA of the county, sorted by code.
    """
    _require(lsoa_ward, ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code",
                         "lad_name"], "build_lsoa11_lookup (LSOA -> ward lookup)")
    lads = county_lad_codes(ward_ced, county_code)
    frame = lsoa_ward[lsoa_ward["lad_code"].isin(lads)].copy()
    wards = ward_ced_candidates(ward_ced[ward_ced["county_code"] == county_code])
    frame = frame.merge(wards, on="ward_code", how="left")
    gap = frame["ced_codes_all"].isna()
    if gap.any():
        raise ValueError(f"ward {frame.loc[gap, 'ward_code'].iloc[0]} of LSOA "
                         f"{frame.loc[gap, 'lsoa_code'].iloc[0]} is not in the ward -> CED lookup")
    msoa = oa_lookup[["lsoa_code", "msoa_code"]].drop_duplicates()
    if msoa["lsoa_code"].duplicated().any():
        raise ValueError(f"LSOA {msoa.loc[msoa['lsoa_code'].duplicated(), 'lsoa_code'].iloc[0]}"
                         " lies in more than one MSOA in the OA lookup")
    frame = frame.merge(msoa, on="lsoa_code", how="left").merge(
        msoa_names[["msoa_code", "msoa_name", "msoa_hcl_name"]], on="msoa_code", how="left")
    frame = frame.merge(ward_region[["ward_code", "region_code", "region_name"]]
                        .drop_duplicates("ward_code"), on="ward_code", how="left")
    shapes = boundaries[["lsoa_code", "geometry"]].merge(
        frame[["lsoa_code", "ced_codes_all"]], on="lsoa_code").merge(
        lsoa_ruc[["lsoa_code", "population_2011"]].rename(
            columns={"population_2011": "population"}), on="lsoa_code", how="left")
    missing = sorted(set(frame["lsoa_code"]) - set(shapes["lsoa_code"]))
    if missing:
        raise ValueError(f"{len(missing)} LSOAs have no boundary (first: {missing[0]})")
    ced = resolve_ced(gpd.GeoDataFrame(shapes, geometry="geometry", crs=boundaries.crs))
    ced_names = ward_ced.drop_duplicates("ced_code").set_index("ced_code")["ced_name"]
    frame = frame.merge(ced, on="lsoa_code", how="left")
    frame["ced_name"] = frame["ced_code"].map(ced_names)
    frame = frame.merge(lsoa_ruc, on="lsoa_code", how="left")
    return frame[LSOA11_LOOKUP_COLUMNS].sort_values("lsoa_code").reset_index(drop=True)


def build_lsoa21_lookup(
    boundaries21: gpd.GeoDataFrame,
    lsoa11_lookup: pd.DataFrame,
    pairs: pd.DataFrame,
    lad_names: pd.Series,
) -> pd.DataFrame:
    """The LSOA21 lookup: codes, names and district from the LSOA21 boundary file, the rest of
    the hierarchy from each LSOA21's principal LSOA11.

    Parameters
    ----------
    boundaries21
        LSOA21 polygons (``lsoa_code, lsoa_name, lad_code``; ``lad_code`` = LADCD_ACTIVE).
    lsoa11_lookup
        :func:`build_lsoa11_lookup` output.
    pairs
        LSOA11 -> LSOA21 overlay pairs (``from_code`` = LSOA11, ``to_code`` = LSOA21,
        ``overlap_area``) from :func:`pipeline.geography.crosswalk.overlay_pairs`.
    lad_names
        District name by district code (e.g. LAD22NM from the best-fit lookup).

    Returns
    -------
    DataFrame
        :data:`LSOA21_LOOKUP_COLUMNS`, one row per LSOA21 of the boundary file.
    """
    _require(boundaries21, ["lsoa_code", "lsoa_name", "lad_code"], "build_lsoa21_lookup")
    _require(pairs, ["from_code", "to_code", "overlap_area"], "build_lsoa21_lookup (pairs)")
    principal = pairs.sort_values(["to_code", "overlap_area", "from_code"],
                                  ascending=[True, False, True]).drop_duplicates("to_code")
    frame = pd.DataFrame(boundaries21[["lsoa_code", "lsoa_name", "lad_code"]])
    frame["lsoa11_parent"] = frame["lsoa_code"].map(principal.set_index("to_code")["from_code"])
    gap = frame["lsoa11_parent"].isna() | ~frame["lsoa11_parent"].isin(lsoa11_lookup["lsoa_code"])
    if gap.any():
        raise ValueError(f"LSOA21 {frame.loc[gap, 'lsoa_code'].iloc[0]} overlaps no LSOA11 of "
                         "the lookup")
    frame["lad_name"] = frame["lad_code"].map(lad_names)
    inherited = [c for c in LSOA21_LOOKUP_COLUMNS if c not in frame.columns]
    parent = lsoa11_lookup.set_index("lsoa_code")[inherited]
    frame = frame.join(parent, on="lsoa11_parent")
    return frame[LSOA21_LOOKUP_COLUMNS].sort_values("lsoa_code").reset_index(drop=True)
