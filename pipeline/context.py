"""The prepared data a district's notebooks work from, built once after the ingest.

:func:`prepare_localities` derives the localities and their indicator rows from the store and
writes them to ``data/processed/``; :func:`load_area_data` reads everything back for notebooks.
Reading and writing happen here and in :mod:`pipeline.store` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pipeline import datasets, geography
from pipeline.aggregate import aggregate
from pipeline.config import AreaConfig, load_area_config
from pipeline.errors import InputError
from pipeline.indicators import load_catalogue
from pipeline.localities import (
    build_localities,
    load_locality_settings,
    locality_shapes,
    lsoa_attributes,
    summarise_localities,
)
from pipeline.paths import CONFIG_DIR, PROCESSED_DIR
from pipeline.store import load_store

#: Group ids for the gap analysis: all priority neighbourhoods of a district, and the rest of it.
PN_ALL, REST = "pn-all-", "rest-"


def locality_settings(config: AreaConfig):
    """The locality settings named in area.yaml (default ``config/localities.yaml``)."""
    return load_locality_settings(config.config_file("localities") or CONFIG_DIR / "localities.yaml")


def comparison_groups(membership: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """For each district: its priority neighbourhoods together (``pn-all-<lad>``) and the rest
    of the district (``rest-<lad>``), as membership rows (``area_code``, ``lsoa_code``)."""
    pn = membership.loc[membership["type"] == "priority_neighbourhood", "lsoa_code"]
    is_pn = lookup["lsoa_code"].isin(pn)
    return pd.concat([
        pd.DataFrame({"area_code": PN_ALL + lookup.loc[is_pn, "lad_code"],
                      "lsoa_code": lookup.loc[is_pn, "lsoa_code"]}),
        pd.DataFrame({"area_code": REST + lookup.loc[~is_pn, "lad_code"],
                      "lsoa_code": lookup.loc[~is_pn, "lsoa_code"]}),
    ], ignore_index=True)


def prepare_localities(config: AreaConfig, out_dir: Path = PROCESSED_DIR) -> pd.DataFrame:
    """Derive every locality from the store and write membership, summary, shapes and indicator
    rows to ``out_dir``. Returns the locality summary (one row per locality)."""
    settings = locality_settings(config)  # checked before any data is read
    lookup = geography.lsoa_lookup(config)
    # localities are made of the county's LSOAs of the working vintage: only their rows are read
    store = load_store(out_dir, filters=area_store_filter(
        config.working_vintage, lookup["lsoa_code"], aggregates=False))
    catalogue = load_catalogue(config.indicators_path)
    boundaries = geography.lsoa_boundaries(config)
    lsoas = lsoa_attributes(lookup, store, settings.editions, config.working_vintage)
    districts = pd.Series({d.code: d.name for d in config.districts})
    membership = build_localities(lsoas, boundaries, settings, districts)
    population = lsoas.set_index("lsoa_code")["population"]
    summary = summarise_localities(membership, population)
    shapes = locality_shapes(membership, boundaries)
    groups = pd.concat([membership[["locality_id", "lsoa_code"]]
                        .rename(columns={"locality_id": "area_code"}),
                        comparison_groups(membership, lookup)], ignore_index=True)
    working = store[store["area_type"] == config.working_vintage]
    rows = aggregate(working, groups, catalogue, geography.lsoa_population(config),
                     area_type="LOCALITY")
    datasets.save_together({**dict(zip(datasets.PREPARED, (membership, summary, lsoas, rows))),
                            "locality_shapes": shapes}, out_dir)
    return summary


#: Area types kept in the area's part of the store beside its own LSOAs: every district, region,
#: the county and England (comparators, similar districts and national rankings of districts);
#: the other LSOAs of England are not read.
AGGREGATE_TYPES = ("LAD", "CTY", "RGN", "ENG")


def area_store_filter(working_vintage: str, lsoa_codes: Iterable[str], *,
                      aggregates: bool = True) -> list[list[tuple]]:
    """The pyarrow filter of the area's part of the indicator store: the working-vintage rows
    of the area's LSOAs and, with ``aggregates``, every district, region, county and
    England row.

    >>> area_store_filter("LSOA11", ["E01000002", "E01000001"], aggregates=False)
    [[('area_type', '==', 'LSOA11'), ('area_code', 'in', ['E01000001', 'E01000002'])]]
    """
    lsoas = [("area_type", "==", working_vintage), ("area_code", "in", sorted(set(lsoa_codes)))]
    return [[("area_type", "in", list(AGGREGATE_TYPES))], lsoas] if aggregates else [lsoas]


@dataclass
class AreaData:
    """Everything a district's notebooks need, read from ``data/processed/``.

    ``store`` is the area's part of the indicator store (:func:`area_store_filter`): a county's
    LSOAs are a few per cent of the national rows the ingest keeps. Rows of every LSOA in England
    are read on demand with :meth:`national_rows`.
    """

    config: AreaConfig
    store: pd.DataFrame
    catalogue: pd.DataFrame
    lsoas: pd.DataFrame
    boundaries: gpd.GeoDataFrame
    membership: pd.DataFrame
    localities: pd.DataFrame
    locality_rows: pd.DataFrame
    processed_dir: Path | None = None
    similar: pd.DataFrame | None = None  # each district's similar districts (pipeline.similar)

    def national_rows(self, indicator_ids: Sequence[str], period: str) -> pd.DataFrame:
        """Working-vintage rows of every LSOA for some indicators in one period (such as the
        IoD domains, for national thresholds), read from the store file."""
        return datasets.load("indicators", self.processed_dir, filters=[
            ("area_type", "==", self.config.working_vintage),
            ("indicator_id", "in", sorted(set(indicator_ids))), ("period", "==", str(period))])

    def district_localities(self, district_code: str) -> pd.DataFrame:
        """The district's localities (summary rows), priority neighbourhoods first."""
        return self.localities[self.localities["lad_code"] == district_code].reset_index(drop=True)


def load_area_data(config_path: str | Path | None = None,
                   processed_dir: str | Path | None = None) -> AreaData:
    """Read the store, catalogue, localities and boundaries prepared by the ingest.

    Raises :class:`InputError` telling the user which command to run when something is missing.
    """
    config = load_area_config(config_path)
    out_dir = Path(processed_dir) if processed_dir else PROCESSED_DIR
    for name in datasets.PREPARED:
        if not datasets.exists(name, out_dir):
            raise InputError(datasets.path(name, out_dir), "localities have not been prepared yet "
                                                          "(run `python -m pipeline localities` first)")
    lsoas = datasets.load("lsoas", out_dir)
    return AreaData(
        config=config,
        store=load_store(out_dir, filters=area_store_filter(config.working_vintage,
                                                            lsoas["lsoa_code"])),
        catalogue=load_catalogue(config.indicators_path),
        lsoas=lsoas,
        boundaries=geography.lsoa_boundaries(config),
        membership=datasets.load("locality_membership", out_dir),
        localities=datasets.load("localities", out_dir),
        locality_rows=datasets.load("locality_indicators", out_dir),
        processed_dir=out_dir,
        similar=datasets.load("similar_districts", out_dir)
        if datasets.exists("similar_districts", out_dir) else None,
    )


def localities_for(district_code: str, processed_dir: str | Path = PROCESSED_DIR
                   ) -> list[tuple[str, str]]:
    """The localities profiled in a district's pack, as ``(locality_id, name)`` in page order
    (priority neighbourhoods, forum areas, rural areas, towns). The county overview has none:
    its localities are profiled in their districts' packs."""
    path = datasets.path("localities", processed_dir)
    if not path.exists():
        raise InputError(path, "localities have not been prepared yet "
                               "(run `python -m pipeline localities --district all` first)")
    summary = pd.read_parquet(path)
    rows = summary[summary["lad_code"] == district_code]
    return [(str(i), str(n)) for i, n in zip(rows["locality_id"], rows["name"])]


def work_folder(output_dir: str | Path | None, processed_dir: str | Path | None,
                area_name: str) -> Path:
    """Where a notebook writes its staged tables: ``output_dir`` when the batch runner gives one,
    otherwise the same folder the runner would use (``<processed>/runs/<area-slug>``), so a
    notebook opened by hand behaves like a batch run."""
    from pipeline.localities import slug

    if output_dir and str(output_dir).strip():
        return Path(output_dir)
    return datasets.path("page_work", processed_dir, area=slug(area_name))
