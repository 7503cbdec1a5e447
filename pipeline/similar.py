"""Similar districts (statistical neighbours): the districts of England most like a district,
computed once at ingest from the store (:func:`similar_districts`) and kept as the processed
dataset ``similar_districts``; :mod:`pipeline.steps.similar` compares a district with them.

Method (the page's method note says the same in words):

1. **Characteristics.** Every English district (LAD 2019, lower tier and unitary: 317) is
   described by the :data:`CHARACTERISTICS` below, all from the national files the pipeline
   ships: the seven IoD 2019 domains (population-weighted average of the LSOAs' exponentially
   transformed domain scores, which put every domain on the same 0-100 scale), the age
   structure (mid-2020 shares aged 0-15 and 65+) and size (log10 of the mid-2020 population),
   and Census 2021 tenure (owner-occupied, social rented), ethnicity (not in a White ethnic
   group), household deprivation (deprived in two or more dimensions) and housing type
   (households in flats). Population density and the rural share are not used: no national
   boundaries or rural-urban classification are shipped.
2. **Standardising.** Each characteristic is turned into a z-score over the 317 districts (mean
   0, standard deviation 1, population standard deviation), so each counts equally.
3. **Distance.** The Euclidean distance between every pair of districts
   (:func:`scipy.spatial.distance.cdist`); a district's similar districts are the
   :data:`N_SIMILAR` nearest, never itself, ties broken by district code (deterministic).

The similar districts are a comparison group, not a benchmark of significance: their combined
value (numerators and denominators added, as for any aggregate) and the district's rank among
the 16 show where it stands among places like it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from pipeline.schema import require_columns as _require

#: How many similar districts each district gets.
N_SIMILAR = 15

#: The characteristics districts are matched on: (indicator id, period) of the store.
CHARACTERISTICS: tuple[tuple[str, str], ...] = (
    ("income_transformed_score", "2019"),
    ("employment_transformed_score", "2019"),
    ("education_transformed_score", "2019"),
    ("health_transformed_score", "2019"),
    ("crime_transformed_score", "2019"),
    ("barriers_transformed_score", "2019"),
    ("living_environment_transformed_score", "2019"),
    ("population_aged_0_15_pct", "2020"),
    ("population_aged_65_plus_pct", "2020"),
    ("population_total", "2020"),
    ("c21_owner_occupied_pct", "2021"),
    ("c21_social_rented_pct", "2021"),
    ("c21_ethnic_minority_pct", "2021"),
    ("c21_deprived_2plus_dimensions_pct", "2021"),
    ("c21_flats_pct", "2021"),
)

#: Characteristics taken as log10 before standardising (sizes spread over orders of magnitude).
LOG10 = frozenset({"population_total"})

#: Columns of the similar-districts table.
SIMILAR_COLUMNS = ["district_code", "rank", "similar_code", "distance"]


def district_characteristics(store: pd.DataFrame) -> pd.DataFrame:
    """The :data:`CHARACTERISTICS` of every English district with all of them.

    Parameters
    ----------
    store
        Indicator store rows (``LAD`` rows of every English district are used).

    Returns
    -------
    pandas.DataFrame
        One row per district (index ``district_code``, sorted), one column per characteristic
        (indicator id), :data:`LOG10` ones as log10.
    """
    _require(store, ["area_code", "area_type", "indicator_id", "period", "category", "value"],
             "district_characteristics", "the store")
    wanted = pd.DataFrame(CHARACTERISTICS, columns=["indicator_id", "period"])
    rows = store[store["area_type"] == "LAD"]  # a few thousand of the store's millions first
    rows = rows[(rows["category"] == "") & rows["area_code"].str.startswith("E")]
    rows = rows.merge(wanted, on=["indicator_id", "period"])
    wide = rows.pivot_table(index="area_code", columns="indicator_id", values="value",
                            aggfunc="first").reindex(columns=wanted["indicator_id"])
    for column in LOG10:
        wide[column] = np.log10(wide[column])
    wide.index.name = "district_code"
    return wide.dropna().sort_index()


def nearest_districts(characteristics: pd.DataFrame, n: int = N_SIMILAR) -> pd.DataFrame:
    """Each district's ``n`` nearest districts by Euclidean distance of z-scores.

    Parameters
    ----------
    characteristics
        One row per district (index: code), one numeric column per characteristic, no gaps.
    n
        How many neighbours each district gets.

    Returns
    -------
    pandas.DataFrame
        :data:`SIMILAR_COLUMNS`: ``rank`` 1 (nearest) to ``n``, ``distance`` in standard
        deviations. A district is never its own neighbour; ties go to the lower code.

    Raises
    ------
    ValueError
        Missing values, or fewer than ``n + 1`` districts.
    """
    if characteristics.isna().any(axis=None):
        raise ValueError("nearest_districts: characteristics have missing values")
    if len(characteristics) <= n:
        raise ValueError(f"nearest_districts: {len(characteristics)} districts, need more than {n}")
    ordered = characteristics.sort_index()
    values = ordered.to_numpy(dtype=float)
    spread = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    distance = cdist(z, z)
    np.fill_diagonal(distance, np.inf)
    order = np.argsort(distance, axis=1, kind="stable")[:, :n]  # equal distances: lower code
    codes = ordered.index.to_numpy(dtype=object)
    return pd.DataFrame({
        "district_code": np.repeat(codes, n),
        "rank": np.tile(np.arange(1, n + 1), len(codes)),
        "similar_code": codes[order].ravel(),
        "distance": np.take_along_axis(distance, order, axis=1).ravel(),
    })


def similar_districts(store: pd.DataFrame, names: pd.Series, n: int = N_SIMILAR
                      ) -> pd.DataFrame | None:
    """:func:`nearest_districts` of :func:`district_characteristics`, with the districts' names
    (``district_name``, ``similar_name``) from ``names`` (by code); ``None`` when no more than
    ``n`` districts have every characteristic (a catalogue without the national files), so
    the pages say the comparison is not available."""
    characteristics = district_characteristics(store)
    if len(characteristics) <= n:
        return None
    out = nearest_districts(characteristics, n)
    out["district_name"] = out["district_code"].map(names).fillna(out["district_code"])
    out["similar_name"] = out["similar_code"].map(names).fillna(out["similar_code"])
    return out[["district_code", "district_name", "rank", "similar_code", "similar_name",
                "distance"]]
