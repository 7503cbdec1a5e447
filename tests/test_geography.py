"""Tests for pipeline.geography: real shipped files (published counts) plus tiny inline fixtures."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from pipeline import geography as geo
from pipeline.config import load_geography_paths
from pipeline.errors import InputError
from pipeline.geography import load as gload
from pipeline.ingest.common import observations
from pipeline.paths import CONFIG_DIR, RAW_DIR

COUNTY = "E10000018"
BLABY, CHARNWOOD = "E07000129", "E07000130"


# --------------------------------------------------------------------------- shared fixtures

@pytest.fixture(scope="module")
def paths():
    return load_geography_paths(CONFIG_DIR / "datasets.yaml")


@pytest.fixture(scope="module")
def b11(paths):
    return geo.load_lsoa_boundaries(paths["lsoa11_boundaries"], "LSOA11")


@pytest.fixture(scope="module")
def b21(paths):
    return geo.load_lsoa_boundaries(paths["lsoa21_boundaries"], "LSOA21")


@pytest.fixture(scope="module")
def lookup11(paths):
    return geo.lsoa_lookup_from_files(paths, COUNTY, "LSOA11")


@pytest.fixture(scope="module")
def pairs(b11, b21):
    return geo.overlay_pairs(b11, b21)


@pytest.fixture(scope="module")
def pop11(paths):
    return gload.load_lsoa11_population(paths["lsoa11_population"])


@pytest.fixture(scope="module")
def pop21(paths):
    return gload.load_lsoa21_population(paths["lsoa21_population"])


@pytest.fixture(scope="module")
def cw21_11(pairs, pop11, pop21):
    return geo.build_crosswalk(geo.reverse_pairs(pairs), from_type="LSOA21", to_type="LSOA11",
                               from_population=pop21, to_population=pop11)


@pytest.fixture(scope="module")
def cw11_21(pairs, pop11, pop21):
    return geo.build_crosswalk(pairs, from_type="LSOA11", to_type="LSOA21",
                               from_population=pop11, to_population=pop21)


@pytest.fixture(scope="module")
def cw01_11(paths, pop11):
    lookup = geo.load_lsoa01_lsoa11_lookup(paths["lsoa01_lsoa11"])
    return geo.build_crosswalk(geo.lsoa01_lsoa11_pairs(lookup), from_type="LSOA01",
                               to_type="LSOA11", to_population=pop11)


def obs(codes, values, *, area_type, variable="x", flags=None, source="test.csv"):
    """Observation-layout frame for tests."""
    df = pd.DataFrame({"area_code": list(codes), "variable": variable, "period": "2020",
                       "value": list(values)})
    if flags is not None:
        df["flag"] = list(flags)
    return observations(df, area_type=area_type, source=source)


def write_geojson(path, geoms, props, crs="EPSG:4326"):
    gpd.GeoDataFrame(props, geometry=geoms, crs=crs).to_file(path, driver="GeoJSON")
    return path


# --------------------------------------------------------------------------- catalogue

def test_every_named_geography_file_exists(paths):
    assert set(geo.GEOGRAPHY_FILES) <= set(paths)
    assert all(p.exists() and p.is_relative_to(RAW_DIR) for p in paths.values())


def test_missing_catalogue_name_is_an_input_error(paths):
    partial = {k: v for k, v in paths.items() if k != "ward19_ced19"}
    with pytest.raises(InputError, match="ward19_ced19"):
        geo.lsoa_lookup_from_files(partial, COUNTY)


# --------------------------------------------------------------------------- boundaries

def test_lsoa_boundaries_real(b11, b21):
    assert len(b11) == 396 and len(b21) == 408
    for gdf in (b11, b21):
        assert gdf.crs.to_epsg() == 4326
        assert list(gdf.columns) == ["lsoa_code", "lsoa_name", "lad_code", "geometry"]
        assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
        assert gdf["lsoa_code"].is_unique
    assert (b11["lad_code"] == BLABY).sum() == 60
    assert (b11["lad_code"] == CHARNWOOD).sum() == 99
    assert (b21["lad_code"] == CHARNWOOD).sum() == 102


def test_msoa_ward_and_county_boundaries_real(paths):
    assert len(geo.load_msoa_boundaries(paths["msoa11_boundaries"], "MSOA11")) == 83
    assert len(geo.load_msoa_boundaries(paths["msoa21_boundaries"], "MSOA21")) == 84
    wards = geo.load_ward_boundaries(paths["ward19_boundaries"], "WD19")
    assert len(wards) == 145
    assert wards["lad_code"].isin([f"E07000{n}" for n in range(129, 136)]).all()
    assert len(geo.load_ward_boundaries(paths["ward25_boundaries"], "WD25")) == 140
    county = geo.load_county_boundaries(paths["county_boundaries"])
    assert county.crs.to_epsg() == 27700
    assert list(county["county_code"]) == ["E06000016", "E10000018"]
    assert county.set_index("county_code").loc[COUNTY, "county_name"] == "Leicestershire"


def test_boundaries_accept_multipolygons(tmp_path):
    shapes = [MultiPolygon([box(0, 0, 0.01, 0.01), box(0.02, 0, 0.03, 0.01)]),
              box(0.05, 0, 0.06, 0.01)]
    path = write_geojson(tmp_path / "l.geojson", shapes,
                         {"LSOA11CD": ["E01000002", "E01000001"], "LSOA11NM": ["b", "a"]})
    gdf = geo.load_lsoa_boundaries(path, "LSOA11")
    assert list(gdf["lsoa_code"]) == ["E01000001", "E01000002"]
    assert list(gdf.geom_type) == ["Polygon", "MultiPolygon"]
    assert (gdf["lad_code"] == "").all()


def test_boundaries_bad_input(tmp_path, paths):
    with pytest.raises(InputError, match="file not found"):
        geo.load_lsoa_boundaries(tmp_path / "none.geojson", "LSOA11")
    with pytest.raises(ValueError, match="LSOA vintage"):
        geo.load_lsoa_boundaries(paths["lsoa11_boundaries"], "LSOA01")
    with pytest.raises(InputError, match="LSOA21CD"):
        geo.load_lsoa_boundaries(paths["lsoa11_boundaries"], "LSOA21")
    points = write_geojson(tmp_path / "p.geojson", [Point(0, 0)],
                           {"LSOA11CD": ["E01000001"], "LSOA11NM": ["a"]})
    with pytest.raises(InputError, match="Point geometries"):
        geo.load_lsoa_boundaries(points, "LSOA11")
    bad_code = write_geojson(tmp_path / "c.geojson", [box(0, 0, 1, 1)],
                             {"LSOA11CD": ["E02000001"], "LSOA11NM": ["a"]})
    with pytest.raises(InputError, match="not a valid LSOA11"):
        geo.load_lsoa_boundaries(bad_code, "LSOA11")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(InputError, match="could not be read as a vector boundary file"):
        geo.load_lsoa_boundaries(broken, "LSOA11")
    empty_zip = tmp_path / "x.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "no shapefile")
    with pytest.raises(InputError, match="no .shp"):
        geo.load_county_boundaries(empty_zip)


# --------------------------------------------------------------------------- lookups (real)

def test_lsoa11_lookup_real_counts(lookup11):
    assert list(lookup11.columns) == geo.LSOA11_LOOKUP_COLUMNS
    assert len(lookup11) == 396 and lookup11["lsoa_code"].is_unique
    assert (lookup11["lad_code"] == BLABY).sum() == 60
    assert (lookup11["lad_code"] == CHARNWOOD).sum() == 99
    assert lookup11.notna().all().all()
    assert (lookup11["county_code"] == COUNTY).all()
    assert (lookup11["county_name"] == "Leicestershire").all()
    assert (lookup11["region_name"] == "East Midlands").all()
    assert lookup11["ward_code"].nunique() == 144
    assert lookup11["msoa_code"].nunique() == 83
    # Census 2011 usual residents of Leicestershire (sum of the 2,085 OAs): 650,489
    assert lookup11["population_2011"].sum() == 650489
    row = lookup11.set_index("lsoa_code").loc["E01025610"]
    assert (row["ward_name"], row["msoa_hcl_name"], row["ced_name"]) == \
        ("Blaby South", "Blaby Village", "Blaby & Glen Parva ED")


def test_lsoa11_lookup_agrees_with_shipped_index(lookup11, paths):
    index = geo.load_geography_index(paths["geography_index"]).set_index("lsoa_code")
    mine = lookup11.set_index("lsoa_code").loc[index.index]
    for col in ("lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name", "msoa_code",
                "msoa_name", "msoa_hcl_name", "ced_codes_all", "county_code", "county_name"):
        assert (mine[col] == index[col]).all(), col
    listed = index["ced_codes_all"].str.split(";")
    assert all(c in options for c, options in zip(mine["ced_code"], listed))


def test_ced_rule_real(lookup11, paths):
    """Every one of the county's 53 divisions gets LSOAs; split wards resolved by the rules."""
    ward_ced = geo.load_ward_ced_lookup(paths["ward19_ced19"])
    county_ceds = set(ward_ced.loc[ward_ced["county_code"] == COUNTY, "ced_code"])
    assert len(county_ceds) == 53
    assert set(lookup11["ced_code"]) == county_ceds
    assert lookup11["ced_rule"].value_counts().to_dict() == \
        {"ward": 285, "adjacency": 106, "seed": 5}
    single = ~lookup11["ced_codes_all"].str.contains(";")
    assert (lookup11.loc[single, "ced_code"] == lookup11.loc[single, "ced_codes_all"]).all()
    names = lookup11.drop_duplicates("ced_code").set_index("ced_code")["ced_name"]
    assert names.str.endswith(" ED").all()


def test_ruc_real(lookup11, paths):
    oas = geo.load_oa_lookup(paths["oa11_lsoa11"])
    assert len(oas) == 2085 and oas["oa_code"].is_unique
    assert lookup11["ruc11_code"].value_counts().to_dict() == \
        {"C1": 278, "D1": 71, "E1": 44, "F1": 3}
    assert lookup11["urban_rural"].value_counts().to_dict() == {"urban": 277, "rural": 119}
    assert (lookup11["is_rural"] == (lookup11["urban_rural"] == "rural")).all()
    assert lookup11.groupby("lad_code")["is_rural"].sum().to_dict() == {
        "E07000129": 13, "E07000130": 15, "E07000131": 30, "E07000132": 21,
        "E07000133": 14, "E07000134": 26, "E07000135": 0}
    # one LSOA whose most common class is urban though most residents live in rural OAs
    odd = lookup11[lookup11["ruc11_code"].str[0].isin(["A", "B", "C"]) & lookup11["is_rural"]]
    assert list(odd["lsoa_code"]) == ["E01025769"]


def test_lsoa21_lookup_real(paths, lookup11):
    l21 = geo.lsoa_lookup_from_files(paths, COUNTY, "LSOA21")
    assert list(l21.columns) == geo.LSOA21_LOOKUP_COLUMNS
    assert len(l21) == 408 and l21.notna().all().all()
    iod = pd.read_csv(RAW_DIR / "leicestershire/iod/iod2025/"
                      "imd2025_england_lsoa21_humaniverse__leicestershire.csv",
                      usecols=["lsoa21_code"])
    assert set(l21["lsoa_code"]) == set(iod["lsoa21_code"])
    assert l21.groupby("lad_name").size()["Charnwood"] == 102
    kids = l21[l21["lsoa11_parent"] == "E01025925"]
    assert sorted(kids["lsoa_code"]) == ["E01035098", "E01035099"]
    parent = lookup11.set_index("lsoa_code").loc["E01025925"]
    assert (kids["ward_code"] == parent["ward_code"]).all()


# --------------------------------------------------------------------------- lookups (inline)

def test_classify_lsoa_ruc_fixture():
    oas = pd.DataFrame({
        "oa_code": ["o1", "o2", "o3", "o4", "o5", "o6"],
        "lsoa_code": ["L1", "L1", "L1", "L2", "L2", "L3"],
        "ruc11_code": ["C1", "D1", "E1", "C1", "E1", "F1"],
        "ruc11_name": ["city", "fringe", "village", "city", "village", "hamlet"],
        "population": [400.0, 300.0, 300.0, 250.0, 250.0, 100.0],
    })
    out = geo.classify_lsoa_ruc(oas).set_index("lsoa_code")
    # L1: C1 holds most residents (400) but 60% live in rural OAs -> rural
    assert out.loc["L1", "ruc11_code"] == "C1"
    assert out.loc["L1", "rural_population_share"] == pytest.approx(0.6)
    assert out.loc["L1", "urban_rural"] == "rural"
    # L2: a tie goes to the more urban class; exactly half rural -> urban
    assert (out.loc["L2", "ruc11_code"], out.loc["L2", "urban_rural"]) == ("C1", "urban")
    assert (out.loc["L3", "ruc11_name"], bool(out.loc["L3", "is_rural"])) == ("hamlet", True)
    assert out["population_2011"].to_dict() == {"L1": 1000.0, "L2": 500.0, "L3": 100.0}


def test_classify_lsoa_ruc_bad_input():
    oas = pd.DataFrame({"oa_code": ["o1"], "lsoa_code": ["L1"], "ruc11_code": ["Z9"],
                        "ruc11_name": ["?"], "population": [1.0]})
    with pytest.raises(ValueError, match="not A1..F2"):
        geo.classify_lsoa_ruc(oas)
    with pytest.raises(ValueError, match="missing column"):
        geo.classify_lsoa_ruc(oas.drop(columns="population"))


def test_join_oa_tables_requires_every_oa():
    lookup = pd.DataFrame({"oa_code": ["o1", "o2"], "lsoa_code": ["L1", "L1"]})
    ruc = pd.DataFrame({"oa_code": ["o1"], "ruc11_code": ["C1"], "ruc11_name": ["city"]})
    popn = pd.DataFrame({"oa_code": ["o1", "o2"], "population": [1.0, 2.0]})
    with pytest.raises(ValueError, match="1 OAs have no RUC11 class"):
        geo.join_oa_tables(lookup, ruc, popn)


def _strip(codes, cands, pops=None):
    """A row of 100 m squares in BNG, one per LSOA."""
    geoms = [box(i * 100, 0, (i + 1) * 100, 100) for i in range(len(codes))]
    data = {"lsoa_code": codes, "ced_codes_all": cands}
    if pops is not None:
        data["population"] = pops
    return gpd.GeoDataFrame(data, geometry=geoms, crs=27700)


def test_shared_boundaries_fixture():
    edges = geo.shared_boundaries(_strip(["A", "B", "C"], ["c"] * 3))
    got = {(r.code, r.neighbour): r.length for r in edges.itertuples()}
    assert set(got) == {("A", "B"), ("B", "A"), ("B", "C"), ("C", "B")}
    assert got[("A", "B")] == pytest.approx(100, abs=3)


def test_resolve_ced_fixture():
    # A | B C | D | E F : wards w1={A}->c1, w2={B,C}->c1;c2, w3={D}->c2, w4={E,F}->c2;c3
    lsoas = _strip(list("ABCDEF"), ["c1", "c1;c2", "c1;c2", "c2", "c2;c3", "c2;c3"],
                   pops=[100, 100, 100, 100, 100, 100])
    out = geo.resolve_ced(lsoas).set_index("lsoa_code")
    # c3 has no whole ward: seeded with F (E borders c2's D, F borders no placed LSOA)
    assert out.loc["F", "ced_code"] == "c3" and out.loc["F", "ced_rule"] == "seed"
    assert out.loc["A", "ced_rule"] == "ward" and out.loc["D", "ced_code"] == "c2"
    assert out.loc["B", "ced_code"] == "c1" and out.loc["C", "ced_code"] == "c2"
    # E borders c2 (D, C: 300 people) and c3 (F: 100): the smaller division takes it
    assert out.loc["E", "ced_code"] == "c3"
    assert set(out["ced_rule"]) == {"ward", "seed", "adjacency"}


def test_resolve_ced_first_listed_fallback_and_errors():
    far = gpd.GeoDataFrame({"lsoa_code": ["A", "B"], "ced_codes_all": ["c2;c1", "c1;c2"]},
                           geometry=[box(0, 0, 1, 1), box(50, 50, 51, 51)], crs=27700)
    out = geo.resolve_ced(far).set_index("lsoa_code")
    # no neighbours: one seeds each division (A least attached -> c1 first), none left
    assert set(out["ced_code"]) == {"c1", "c2"}
    lone = gpd.GeoDataFrame({"lsoa_code": ["A"], "ced_codes_all": ["c9;c8"]},
                            geometry=[box(0, 0, 1, 1)], crs=27700)
    assert geo.resolve_ced(lone).iloc[0][["ced_code", "ced_rule"]].tolist() == ["c8", "seed"]
    with pytest.raises(ValueError, match="no candidate CED"):
        geo.resolve_ced(_strip(["A"], [""]))
    with pytest.raises(ValueError, match="missing column"):
        geo.resolve_ced(_strip(["A"], ["c1"]).drop(columns="ced_codes_all"))


def test_build_lsoa11_lookup_unknown_county(paths):
    ward_ced = geo.load_ward_ced_lookup(paths["ward19_ced19"])
    with pytest.raises(ValueError, match="E10099999 is not in the ward"):
        geo.build_lsoa11_lookup(
            geo.load_lsoa11_ward_lookup(paths["lsoa11_ward19"]), ward_ced,
            geo.load_ward_region_lookup(paths["ward19_region"]),
            geo.load_msoa_names(paths["msoa11_names"]), geo.load_oa_lookup(paths["oa11_lsoa11"]),
            pd.DataFrame(), gpd.GeoDataFrame(), "E10099999")


def test_build_lsoa21_lookup_needs_parents(b21, lookup11):
    with pytest.raises(ValueError, match="overlaps no LSOA11"):
        geo.build_lsoa21_lookup(b21, lookup11, pd.DataFrame(
            {"from_code": ["E01025610"], "to_code": ["E01025610"], "overlap_area": [1.0]}),
            pd.Series(dtype=str))


# --------------------------------------------------------------------------- loaders

def test_loaders_real(paths):
    assert len(geo.load_lsoa01_lsoa11_lookup(paths["lsoa01_lsoa11"])) == 34917
    best = geo.load_lsoa11_lsoa21_bestfit(paths["lsoa11_lsoa21_bestfit"])
    assert len(best) == 34753 and best["lsoa11_code"].is_unique
    p11 = gload.load_lsoa11_population(paths["lsoa11_population"])
    assert len(p11) == 32844 and p11["E01025610"] == 1563
    p21 = gload.load_lsoa21_population(paths["lsoa21_population"])
    assert len(p21) == 35672 and p21["E01025610"] == 1568  # every LSOA21 of England and Wales
    assert len(geo.load_msoa_names(paths["msoa11_names"])) == 7201


def test_loaders_bad_input(tmp_path):
    bad = tmp_path / "lookup.csv"
    bad.write_text("LSOA01CD,LSOA11CD,CHGIND,LAD11CD\nE01000001,E01000001,Q,E09000001\n")
    with pytest.raises(InputError, match=r"row 2, column 'CHGIND'.*expected U, S, M or X"):
        geo.load_lsoa01_lsoa11_lookup(bad)
    bad.write_text("LSOA11CD,LSOA11NM\nE01000001,a\n")
    with pytest.raises(InputError, match="missing required column: WD19CD"):
        geo.load_lsoa11_ward_lookup(bad)
    bad.write_text("lsoa21_code,total_residents\nE01000001,10\nE01000001,11\n")
    with pytest.raises(InputError, match="different total_residents"):
        gload.load_lsoa21_population(bad)
    bad.write_text("OA11CD,LSOA11CD,Total_Population\nE00000001,E01000001,ten\n")
    with pytest.raises(InputError, match="row 2, column 'Total_Population'"):
        geo.load_oa_population(bad)


# --------------------------------------------------------------------------- registry

def test_code_registry_real(paths):
    reg = geo.code_registry_from_files(paths)
    known = reg.known
    assert len(known["LSOA01"]) == 34378
    assert len(known["LSOA11"]) == 34753          # all E&W LSOA11 (32,844 E + 1,909 W)
    assert {"E01035098", "E01035099"} <= known["LSOA21"]   # split children, not in best fit
    assert known["LSOA21"] > set(pd.read_csv(paths["lsoa21_codes"],
                                             usecols=["lsoa21_code"])["lsoa21_code"])
    assert "OA11" not in known                     # no national OA lookup: pattern only
    assert {BLABY, CHARNWOOD, "E06000057", "E06000048"} <= known["LAD"]  # LAD11 and LAD19
    assert "E58000836" in known["CED"] and len(known["RGN"]) == 9
    reg.check(pd.Series(["E01025610", "E01032598"]), "LSOA11", "f.csv", column="code")
    with pytest.raises(InputError, match="it is a LSOA21 code, but the file is declared LSOA11"):
        reg.check(pd.Series(["E01025610", "E01035099"]), "LSOA11", "f.csv", column="code")
    with pytest.raises(InputError, match="row 2.*it is a LSOA11 code, but .* declared LSOA01"):
        reg.check(pd.Series(["E01032598"]), "LSOA01", "f.csv", column="code")
    with pytest.raises(InputError, match="row 3.*not a known LSOA11 code"):
        reg.check(pd.Series(["E01025610", "E01999999"]), "LSOA11", "f.csv", column="code")


def test_code_registry_with_national_oas_and_missing_file(paths, tmp_path):
    reg = geo.build_code_registry(
        lsoa01_lsoa11=paths["lsoa01_lsoa11"], lsoa11_lsoa21_bestfit=paths["lsoa11_lsoa21_bestfit"],
        lsoa21_codes=paths["lsoa21_codes"], lsoa11_ward=paths["lsoa11_ward19"],
        oa11_lookup=paths["oa11_lsoa11"], oa11_national=paths["ruc11_oa11"])
    assert len(reg.known["OA11"]) == 2085
    with pytest.raises(InputError, match="file not found"):
        geo.build_code_registry(
            lsoa01_lsoa11=tmp_path / "x.csv", lsoa11_lsoa21_bestfit=paths["lsoa11_lsoa21_bestfit"],
            lsoa21_codes=paths["lsoa21_codes"], lsoa11_ward=paths["lsoa11_ward19"])


# --------------------------------------------------------------------------- crosswalks (inline)

def _tiny():
    pairs = pd.DataFrame({"from_code": ["A", "B", "B", "C", "E"],
                          "to_code": ["A", "B1", "B2", "D", "D"]})
    pop_from = pd.Series({"A": 100, "B": 300, "C": 100, "E": 300})
    pop_to = pd.Series({"A": 100, "B1": 100, "B2": 200, "D": 400})
    return geo.build_crosswalk(pairs, from_type="LSOA01", to_type="LSOA11",
                               from_population=pop_from, to_population=pop_to)


def test_build_crosswalk_split_and_merge_fixture():
    cw = _tiny().set_index(["from_code", "to_code"])
    assert cw["relation"].to_dict() == {("A", "A"): "unchanged", ("B", "B1"): "split",
                                        ("B", "B2"): "split", ("C", "D"): "merge",
                                        ("E", "D"): "merge"}
    assert cw.loc[("B", "B1"), "weight"] == pytest.approx(1 / 3)
    assert cw.loc[("B", "B2"), "weight"] == pytest.approx(2 / 3)
    assert cw.loc[("C", "D"), "weight"] == 1 and cw.loc[("E", "D"), "weight"] == 1
    assert cw.loc[("C", "D"), "mean_weight"] == pytest.approx(0.25)
    assert cw.loc[("B", "B2"), "mean_weight"] == 1
    assert cw["changed"].sum() == 4


def test_apply_crosswalk_split_and_merge_fixture():
    cw = _tiny()
    values = obs("ABCE", [10.0, 30.0, 5.0, 7.0], area_type="LSOA01", flags=["[u]", "", "", ""])
    counts = geo.apply_crosswalk(values, cw, "count").set_index("area_code")
    assert counts["value"].to_dict() == pytest.approx({"A": 10, "B1": 10, "B2": 20, "D": 12})
    assert counts["flag"].to_dict() == {"A": "[u]", "B1": "[e]", "B2": "[e]", "D": "[e]"}
    assert (counts["area_type"] == "LSOA11").all()
    means = geo.apply_crosswalk(values, cw, "mean").set_index("area_code")
    # split children copy the parent; the merge is (5 x 100 + 7 x 300) / 400
    assert means["value"].to_dict() == pytest.approx({"A": 10, "B1": 30, "B2": 30, "D": 6.5})
    both = pd.concat([values, values.assign(variable="score")])
    mixed = geo.apply_crosswalk(both, cw, {"x": "count", "score": "mean"})
    assert mixed.set_index(["variable", "area_code"]).loc[("score", "D"), "value"] == 6.5
    assert list(mixed.columns) == list(values.columns)


def test_apply_crosswalk_missing_parts_and_suppression():
    cw = _tiny()
    values = obs("ABC", [10.0, np.nan, 5.0], area_type="LSOA01", flags=["", "[c]", ""])
    out = geo.apply_crosswalk(values, cw, "count").set_index("area_code")
    assert np.isnan(out.loc["B1", "value"]) and out.loc["B1", "flag"] == "[c]"
    # D needs C and E; E is absent -> missing, not a partial sum
    assert np.isnan(out.loc["D", "value"]) and out.loc["D", "flag"] == "[x]"


def test_apply_crosswalk_bad_input():
    cw = _tiny()
    with pytest.raises(InputError, match="'Z' is not in the LSOA01 -> LSOA11 crosswalk"):
        geo.apply_crosswalk(obs("AZ", [1.0, 2.0], area_type="LSOA01"), cw, "count")
    kept = geo.apply_crosswalk(obs("AZ", [1.0, 2.0], area_type="LSOA01"), cw, "count",
                               unmatched="drop")
    assert list(kept["area_code"]) == ["A"]
    with pytest.raises(InputError, match="is LSOA11, but the crosswalk converts LSOA01"):
        geo.apply_crosswalk(obs("A", [1.0], area_type="LSOA11"), cw, "count")
    with pytest.raises(ValueError, match="not one of count, mean"):
        geo.apply_crosswalk(obs("A", [1.0], area_type="LSOA01"), cw, "sum")
    with pytest.raises(ValueError, match="no kind given for variable 'x'"):
        geo.apply_crosswalk(obs("A", [1.0], area_type="LSOA01"), cw, {"y": "count"})
    with pytest.raises(ValueError, match="values lack column"):
        geo.apply_crosswalk(obs("A", [1.0], area_type="LSOA01").drop(columns="flag"), cw,
                            "count")


def test_build_crosswalk_fallbacks_and_errors():
    pairs = pd.DataFrame({"from_code": ["B", "B", "C", "E"], "to_code": ["B1", "B2", "D", "D"]})
    cw = geo.build_crosswalk(pairs, from_type="LSOA01", to_type="LSOA11").set_index("to_code")
    assert cw.loc[["B1", "B2"], "weight"].tolist() == [0.5, 0.5]     # no populations: equal
    assert cw.loc["D", "mean_weight"].tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="from_code and to_code"):
        geo.build_crosswalk(pairs.rename(columns={"to_code": "x"}), from_type="a", to_type="b")


def test_overlay_pairs_fixture_and_coverage_error():
    parent = gpd.GeoDataFrame({"lsoa_code": ["P"]}, geometry=[box(0, 0, 100, 100)], crs=27700)
    kids = gpd.GeoDataFrame({"lsoa_code": ["K1", "K2"]},
                            geometry=[box(0, 0, 60, 100.5), box(60, 0, 100, 100)], crs=27700)
    got = geo.overlay_pairs(parent, kids)
    assert list(got["to_code"]) == ["K1", "K2"]
    assert got["from_share"].tolist() == pytest.approx([0.6, 0.4])
    elsewhere = gpd.GeoDataFrame({"lsoa_code": ["Q"]}, geometry=[box(500, 0, 600, 100)],
                                 crs=27700)
    with pytest.raises(ValueError, match="not covered"):
        geo.overlay_pairs(parent, pd.concat([kids, elsewhere]))


def test_compose_crosswalks_fixture_and_error():
    first = _tiny()
    second = geo.build_crosswalk(
        pd.DataFrame({"from_code": ["A", "B1", "B2", "D"], "to_code": ["A", "B1", "B2", "D"]}),
        from_type="LSOA11", to_type="LSOA21")
    chain = geo.compose_crosswalks(first, second).set_index(["from_code", "to_code"])
    assert chain["weight"].groupby(level=0).sum().tolist() == pytest.approx([1, 1, 1, 1])
    assert chain.loc[("A", "A"), "relation"] == "unchanged"
    assert bool(chain.loc[("C", "D"), "changed"])
    with pytest.raises(ValueError, match="first ends at LSOA11, second starts at LSOA11|starts"):
        geo.compose_crosswalks(first, first)


# --------------------------------------------------------------------------- crosswalks (real)

def test_geometric_overlay_finds_the_12_changed_lsoa11(pairs, paths):
    assert pairs["from_code"].nunique() == 396 and pairs["to_code"].nunique() == 408
    split = pairs.groupby("from_code").size()
    split = set(split[split > 1].index)
    assert len(split) == 12
    assert pairs.groupby("to_code").size().max() == 1   # no merges in the county in 2021
    best = geo.load_lsoa11_lsoa21_bestfit(paths["lsoa11_lsoa21_bestfit"])
    county_best = best[best["lsoa11_code"].isin(pairs["from_code"])]
    assert len(county_best) == 396
    assert split == set(county_best.loc[county_best["lsoa11_code"] != county_best["lsoa21_code"],
                                        "lsoa11_code"])
    # the threshold sits in a wide gap: kept pairs cover >= 99% of the smaller polygon
    smaller = np.maximum(pairs["from_share"], pairs["to_share"])
    assert smaller.min() > 0.99


def test_every_county_lsoa_maps_both_ways(cw11_21, cw21_11, b11, b21):
    assert set(cw11_21["from_code"]) == set(b11["lsoa_code"])
    assert set(cw11_21["to_code"]) == set(b21["lsoa_code"])
    assert set(cw21_11["from_code"]) == set(b21["lsoa_code"])
    assert set(cw21_11["to_code"]) == set(b11["lsoa_code"])
    for cw in (cw11_21, cw21_11):
        assert np.allclose(cw.groupby("from_code")["weight"].sum(), 1)
        assert np.allclose(cw.groupby("to_code")["mean_weight"].sum(), 1)
    assert cw11_21["relation"].value_counts().to_dict() == {"unchanged": 384, "split": 24}


def test_census2021_total_residents_preserved_21_to_11(pop21, cw21_11):
    county = pop21[pop21.index.isin(cw21_11["from_code"])]  # the county's LSOA21s
    values = obs(county.index, county.to_numpy(), area_type="LSOA21", variable="population")
    moved = geo.apply_crosswalk(values, cw21_11, "count")
    assert len(moved) == 396 and (moved["area_type"] == "LSOA11").all()
    assert values["value"].sum() == 712346
    assert moved["value"].sum() == pytest.approx(712346, abs=1e-6)
    assert (moved["flag"] == "[e]").sum() == 12


def test_sape2017_round_trip_11_to_21_and_back(cw11_21, cw21_11):
    sape = pd.read_csv(RAW_DIR / "national/population/"
                       "ons_sape_mid2017_lsoa11_syoa_persons_demographr__ew.csv.gz",
                       usecols=["lsoa11_code", "total_population"])
    county = pd.read_csv(RAW_DIR / "leicestershire/geography/"
                         "leicestershire_lsoa11_geography_index.csv", usecols=["LSOA11CD"])
    sape = sape[sape["lsoa11_code"].isin(county["LSOA11CD"])]
    values = obs(sape["lsoa11_code"], sape["total_population"], area_type="LSOA11",
                 variable="population")
    to21 = geo.apply_crosswalk(values, cw11_21, "count")
    assert len(to21) == 408 and to21["value"].sum() == pytest.approx(690212)
    kids = to21.set_index("area_code").loc[["E01035098", "E01035099"], "value"]
    parent = sape.set_index("lsoa11_code").loc["E01025925", "total_population"]
    assert kids.sum() == pytest.approx(parent) and (kids > 0).all()
    back = geo.apply_crosswalk(to21, cw21_11, "count").set_index("area_code")["value"]
    assert back.to_dict() == pytest.approx(sape.set_index("lsoa11_code")["total_population"]
                                           .astype(float).to_dict())


def test_lsoa01_count_preserved_through_2011_to_2021(cw01_11, cw11_21, paths):
    county01 = geo.load_lsoa01_lsoa11_lookup(
        RAW_DIR / "leicestershire/geography/ons_lsoa01_lsoa11_lad11_leicestershire.csv")
    codes01 = county01["lsoa01_code"].unique()
    assert len(codes01) == 396
    ones = obs(codes01, np.ones(len(codes01)), area_type="LSOA01", variable="n")
    to11 = geo.apply_crosswalk(ones, cw01_11, "count")
    assert len(to11) == 396 and to11["value"].sum() == pytest.approx(396)
    to21 = geo.apply_crosswalk(to11, cw11_21, "count")
    assert len(to21) == 408 and to21["value"].sum() == pytest.approx(396)
    chained = geo.crosswalk_from_files(paths, "LSOA01", "LSOA21")
    direct = geo.apply_crosswalk(ones, chained, "count")
    assert direct.set_index("area_code")["value"].to_dict() == \
        pytest.approx(to21.set_index("area_code")["value"].to_dict())


def test_lsoa01_lsoa11_crosswalk_real(cw01_11):
    county = cw01_11[cw01_11["to_code"].str[:6].isin(["E01025", "E01032"])]
    assert np.allclose(cw01_11.groupby("from_code")["weight"].sum(), 1)
    assert np.allclose(cw01_11.groupby("to_code")["mean_weight"].sum(), 1)
    split = cw01_11[cw01_11["from_code"] == "E01025922"].set_index("to_code")
    assert len(split) == 2 and split["relation"].eq("split").all()
    # split weights are the children's mid-2015 population shares (IoD2019 File 6)
    assert split["weight"].sum() == pytest.approx(1) and split["weight"].nunique() == 2
    merge = cw01_11[cw01_11["from_code"].isin(["E01025691", "E01025694"])]
    assert merge["to_code"].nunique() == 1 and merge["relation"].eq("merge").all()
    assert merge["mean_weight"].tolist() == [0.5, 0.5]  # no LSOA01 population: plain mean
    assert len(county) > 0


def test_scores_flagged_only_where_not_one_to_one(cw21_11, cw01_11, pop21):
    iod25 = pd.read_csv(RAW_DIR / "leicestershire/iod/iod2025/"
                        "imd2025_england_lsoa21_humaniverse__leicestershire.csv",
                        usecols=["lsoa21_code", "IMD_score"])
    values = obs(iod25["lsoa21_code"], iod25["IMD_score"], area_type="LSOA21",
                 variable="imd_score")
    out = geo.apply_crosswalk(values, cw21_11, "mean").set_index("area_code")
    changed = set(cw21_11.loc[cw21_11["changed"], "to_code"])
    assert len(changed) == 12
    assert set(out.index[out["flag"] == "[e]"]) == changed
    assert (out.loc[~out.index.isin(changed), "flag"] == "").all()
    same = iod25.set_index("lsoa21_code")["IMD_score"]
    keep = out.index[~out.index.isin(changed)]
    assert (out.loc[keep, "value"] == same.loc[keep]).all()
    kids = same.loc[["E01035098", "E01035099"]]
    w = pop21.loc[kids.index]
    assert out.loc["E01025925", "value"] == pytest.approx((kids * w).sum() / w.sum())

    iod10 = pd.read_csv(RAW_DIR / "leicestershire/iod/iod2010/"
                        "imd2010_england_lsoa01_humaniverse__leicestershire.csv",
                        usecols=["lsoa01_code", "IMD_score"])
    v10 = obs(iod10["lsoa01_code"], iod10["IMD_score"], area_type="LSOA01", variable="imd")
    out10 = geo.apply_crosswalk(v10, cw01_11, "mean")
    assert len(out10) == 396
    # 2 children of the split, 1 merge and 4 complex (recoded) LSOA11s
    assert (out10["flag"] == "[e]").sum() == 7


# ------------------------------------------------------------- national membership (fixtures)

def test_national_membership_rules_on_a_small_fixture():
    from pipeline.geography.national import national_membership

    lsoa_ward = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3", "E4", "W1"],
                              "lad_code": ["EC1", "EC1", "ED1", "ED2", "W09"]})
    ward_region = pd.DataFrame({"lad_code": ["EC1", "ED1", "ED2", "W09"],
                                "region_code": ["R1", "R1", "R2", "WALES"]})
    # E3 split in 2021 into EN1 (its best fit) and EN2 (in no lookup); E4 kept its code
    bestfit = pd.DataFrame({"lsoa11_code": ["E1", "E2", "E3", "E4", "W1"],
                            "lsoa21_code": ["E1", "E2", "EN1", "E4", "W1"]})
    county21 = pd.DataFrame({"lsoa_code": ["E1", "E2"], "lad_code": ["EC1", "EC1"]})
    england21 = pd.Series(["E1", "E2", "EN1", "EN2", "E4"])
    out = national_membership(lsoa_ward, ward_region, bestfit, county21, england21,
                              district_codes=["EC1"], county_code="CTY", england_code="ENG")
    by = out.groupby(["vintage", "area_type", "area_code"])["lsoa_code"].apply(sorted).to_dict()
    assert by[("LSOA11", "LAD", "ED1")] == ["E3"] and ("LSOA11", "LAD", "W09") not in by
    assert by[("LSOA11", "RGN", "R1")] == ["E1", "E2", "E3"]
    assert by[("LSOA11", "CTY", "CTY")] == ["E1", "E2"]
    assert by[("LSOA11", "ENG", "ENG")] == ["E1", "E2", "E3", "E4"]
    assert by[("LSOA21", "LAD", "ED1")] == ["EN1"]  # EN2 is in no lookup: not placed
    assert by[("LSOA21", "ENG", "ENG")] == ["E1", "E2", "E4", "EN1", "EN2"]  # England: all
    estimated = out[out["estimated"]].groupby(["vintage", "area_code"]).size()
    assert set(estimated.index) == {("LSOA21", "ED1"), ("LSOA21", "R1")}
