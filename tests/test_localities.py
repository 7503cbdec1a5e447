"""Localities on tiny hand-built fixtures: rules, contiguity merging, naming, forum files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.errors import InputError
from pipeline.localities import (
    LocalitySettings,
    contiguous_groups,
    forum_areas_from_table,
    load_locality_settings,
    priority_lsoas,
    priority_neighbourhoods,
    rural_and_towns,
    summarise_localities,
    town_names,
)

# Six unit squares (1 km) in British National Grid: A-B-C touch in a row, D-E touch, F alone.
#   A B C . D E . F      (A..C and D..E in district X, F in district Y; C and D do not touch)
CELLS = {"A": 0, "B": 1, "C": 2, "D": 4, "E": 5, "F": 7}


def _boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": list(CELLS)},
        geometry=[box(x * 1000, 0, x * 1000 + 1000, 1000) for x in CELLS.values()],
        crs="EPSG:27700",
    )


def _lsoas() -> pd.DataFrame:
    return pd.DataFrame({
        "lsoa_code": list(CELLS),
        "lad_code": ["X", "X", "X", "X", "X", "Y"],
        "imd_rank_2019": [100, 200, 30000, 300, 400, 500],
        "imd_decile_2019": [1, 1, 10, 1, 1, 1],
        "population": [1500, 1600, 1400, 1500, 1500, 1000],
        "msoa_hcl_name": ["Town Centre", "Town Centre", "Outskirts", "Bell Foundry", "Bell Foundry",
                          "Elsewhere"],
        "ward_name": ["Town Castle", "Town Castle", "Town Park", "North Town Bell", "Town Bell",
                      "Village"],
        "is_rural": [False, False, False, False, False, True],
    })


def _settings(rules, **kw) -> LocalitySettings:
    return LocalitySettings(path="localities.yaml", rules=tuple(rules), **kw)


def test_contiguous_polygons_merge_and_districts_are_not_crossed():
    lsoas = _lsoas()
    groups = contiguous_groups(_boundaries(), lsoas["lsoa_code"], lsoas["lad_code"])
    assert groups["A"] == groups["B"] == groups["C"]
    assert groups["D"] == groups["E"] != groups["A"]
    assert groups["F"] not in (groups["A"], groups["D"])
    assert groups.nunique() == 3


def test_contiguity_respects_district_boundary():
    lsoas = _lsoas()
    within = pd.Series(["X", "Y", "X", "X", "X", "Y"])  # B in another district splits A from C
    groups = contiguous_groups(_boundaries(), lsoas["lsoa_code"], within)
    assert groups["A"] != groups["C"]


def test_decile_rule_and_county_percent_rule_union():
    lsoas = _lsoas()
    decile = priority_lsoas(lsoas, [{"rule": "national_imd_decile", "edition": 2019,
                                     "max_decile": 1}])
    assert list(lsoas.loc[decile, "lsoa_code"]) == ["A", "B", "D", "E", "F"]
    top = priority_lsoas(lsoas, [{"rule": "county_most_deprived", "edition": 2019,
                                  "percent": 50}])  # 3 of 6, by rank
    assert list(lsoas.loc[top, "lsoa_code"]) == ["A", "B", "D"]
    per_district = priority_lsoas(lsoas, [{"rule": "district_most_deprived", "edition": 2019,
                                           "percent": 20}])  # 1 of 5 in X, 0.2 -> 0 of 1 in Y
    assert list(lsoas.loc[per_district, "lsoa_code"]) == ["A"]


def test_explicit_include_and_exclude():
    lsoas = _lsoas()
    sel = priority_lsoas(lsoas, [], include=("C",), exclude=())
    assert list(lsoas.loc[sel, "lsoa_code"]) == ["C"]
    with pytest.raises(InputError, match="include_lsoas: 'Z'"):
        priority_lsoas(lsoas, [], include=("Z",))


def test_priority_neighbourhoods_named_from_msoa_names_with_stable_ids():
    rules = [{"rule": "national_imd_decile", "edition": 2019, "max_decile": 1}]
    pn = priority_neighbourhoods(_lsoas(), _boundaries(), _settings(rules))
    names = pn.groupby("name")["lsoa_code"].agg(list).to_dict()
    assert names == {"Town Centre": ["A", "B"], "Bell Foundry": ["D", "E"], "Elsewhere": ["F"]}
    assert set(pn["locality_id"]) == {"pn-town-centre", "pn-bell-foundry", "pn-elsewhere"}
    shuffled = priority_neighbourhoods(_lsoas().sample(frac=1, random_state=3), _boundaries(),
                                       _settings(rules))
    pd.testing.assert_frame_equal(pn, shuffled)


def test_rule_matching_nothing_gives_empty_neighbourhoods():
    rules = [{"rule": "national_imd_decile", "edition": 2019, "max_decile": 0}]
    lsoas = _lsoas().assign(imd_decile_2019=5)
    assert priority_neighbourhoods(lsoas, _boundaries(), _settings(rules)).empty


def test_rural_and_towns():
    out = rural_and_towns(_lsoas(), pd.Series({"X": "Exton", "Y": "Wyeford"}), min_town_lsoas=2)
    by_name = out.groupby("name")["lsoa_code"].agg(list).to_dict()
    # 'Town Castle', 'Town Park' -> Town; 'North Town Bell', 'Town Bell' -> Town Bell
    assert by_name == {"Rural Wyeford": ["F"], "Town": ["A", "B", "C"], "Town Bell": ["D", "E"]}
    assert set(out["locality_id"]) == {"rural-wyeford", "town-town", "town-town-bell"}


def test_town_names_from_shared_ward_prefixes():
    wards = pd.Series(["Market Harborough-Logan", "Market Harborough-Welland", "Hinckley Castle",
                       "Hinckley De Montfort", "South Wigston", "Wigston Fields", "Barwell"])
    assert list(town_names(wards).fillna("-")) == [
        "Market Harborough", "Market Harborough", "Hinckley", "Hinckley", "Wigston", "Wigston", "-"]


def test_same_town_name_in_two_districts_stays_two_towns():
    lsoas = _lsoas().assign(is_rural=False, lad_code=["X", "X", "X", "Y", "Y", "Y"],
                            ward_name=["Town A", "Town B", "Town A", "Town C", "Town D", "Town C"])
    out = rural_and_towns(lsoas, pd.Series({"X": "Exton", "Y": "Wyeford"}), min_town_lsoas=2)
    assert set(out["name"]) == {"Town (Exton)", "Town (Wyeford)"}


def test_summary_counts_lsoas_and_population():
    rules = [{"rule": "national_imd_decile", "edition": 2019, "max_decile": 1}]
    pn = priority_neighbourhoods(_lsoas(), _boundaries(), _settings(rules))
    summary = summarise_localities(pn, _lsoas().set_index("lsoa_code")["population"])
    row = summary.set_index("name").loc["Town Centre"]
    assert row["lsoas"] == 2 and row["population"] == 3100


def _forum_table(rows):
    df = pd.DataFrame(rows, columns=["forum", "lsoa_code"])
    df["_row"] = range(2, len(df) + 2)
    return df


def test_forum_table_membership():
    out = forum_areas_from_table(_lsoas().assign(ward_code="W"),
                                 _forum_table([("North", "A"), ("North", "B"), ("South", "F")]),
                                 "forums.csv")
    assert out.groupby("name")["lsoa_code"].agg(list).to_dict() == {"North": ["A", "B"],
                                                                    "South": ["F"]}


def test_forum_table_rejects_unknown_lsoa():
    with pytest.raises(InputError) as err:
        forum_areas_from_table(_lsoas().assign(ward_code="W"),
                               _forum_table([("North", "A"), ("North", "Q")]), "forums.csv")
    assert "forums.csv" in str(err.value) and "row 3" in str(err.value) and "'Q'" in str(err.value)


def test_forum_table_rejects_lsoa_in_two_forums():
    with pytest.raises(InputError, match="in two forum areas"):
        forum_areas_from_table(_lsoas().assign(ward_code="W"),
                               _forum_table([("North", "A"), ("South", "A")]), "forums.csv")


def test_forum_table_rejects_forum_without_name():
    with pytest.raises(InputError, match="no forum name"):
        forum_areas_from_table(_lsoas().assign(ward_code="W"), _forum_table([("", "A")]),
                               "forums.csv")


def test_settings_reject_unknown_key(tmp_path):
    path = tmp_path / "localities.yaml"
    path.write_text("priority_neighbourhoods:\n  rulez: []\n")
    with pytest.raises(InputError, match="unknown key 'rulez'"):
        load_locality_settings(path)


def test_settings_reject_unknown_rule(tmp_path):
    path = tmp_path / "localities.yaml"
    path.write_text("priority_neighbourhoods:\n  rules:\n    - {rule: poorest, edition: 2019}\n")
    with pytest.raises(InputError, match="rules\\[0\\]"):
        load_locality_settings(path)


def test_shipped_settings_load():
    from pipeline.paths import CONFIG_DIR

    settings = load_locality_settings(CONFIG_DIR / "localities.yaml")
    assert settings.editions == (2019,) and len(settings.rules) == 2


def test_forum_table_rejects_forum_with_no_lsoas():
    with pytest.raises(InputError, match="forum area 'East' has no LSOAs"):
        forum_areas_from_table(_lsoas().assign(ward_code="W"),
                               _forum_table([("North", "A"), ("East", "")]), "forums.csv")


def test_town_named_like_its_district_is_called_a_town():
    lsoas = _lsoas().assign(is_rural=False, ward_name=["Exton A", "Exton B", "Exton A", "Exton C",
                                                       "Exton D", "Village"])
    out = rural_and_towns(lsoas, pd.Series({"X": "Exton", "Y": "Wyeford"}), min_town_lsoas=2)
    assert set(out["name"]) == {"Exton (town)"} and set(out["locality_id"]) == {"town-exton-town"}


# --- forum files: header spellings, and names that slug alike ---------------------------------


@pytest.mark.parametrize(("forum", "code"), [
    ("forum", "lsoa_code"), ("Forum", "LSOA11CD"), ("forum_name", "lsoa11cd"),
    ("Forum area", "LSOA21CD"), ("FORUM", "LSOA code"), ("Community forum", "lsoa 2011 code"),
])
def test_forum_file_header_spellings_give_the_same_membership(tmp_path, forum, code):
    from pipeline.localities import read_forum_file

    path = tmp_path / "forums.csv"
    path.write_text(f"{forum},{code},LSOA name\nNorth,A,a\nNorth,B,b\nSouth,F,f\n")
    out = forum_areas_from_table(_lsoas().assign(ward_code="W"), read_forum_file(path), path)
    assert out.groupby("name")["lsoa_code"].agg(list).to_dict() == {"North": ["A", "B"],
                                                                    "South": ["F"]}


@pytest.mark.parametrize("code", ["WD19CD", "wd19cd", "Ward code", "ward_code"])
def test_forum_file_ward_header_spellings(tmp_path, code):
    from pipeline.localities import read_forum_file

    path = tmp_path / "forums.xlsx"
    pd.DataFrame({"Forum": ["North", "South"], code: ["W1", "W2"]}).to_excel(path, index=False)
    table = read_forum_file(path)
    assert list(table.columns) == ["forum", "ward_code", "_row"]
    lsoas = _lsoas().assign(ward_code=["W1", "W1", "W1", "W1", "W1", "W2"])
    out = forum_areas_from_table(lsoas, table, path)
    assert out.groupby("name")["lsoa_code"].agg(list).to_dict() == {
        "North": ["A", "B", "C", "D", "E"], "South": ["F"]}


def test_forum_file_without_a_code_column_names_file_and_what_is_expected(tmp_path):
    from pipeline.localities import read_forum_file

    path = tmp_path / "forums.csv"
    path.write_text("forum,postcode\nNorth,LE1 1AA\n")
    with pytest.raises(InputError, match=r"^forums\.csv, row 1: missing required column: "
                                         r"lsoa_code or ward_code \(also read as LSOA11CD"):
        read_forum_file(path)


def test_forum_names_that_slug_alike_stay_distinct_localities():
    rows = [("Anstey North", "A"), ("Anstey (North)", "B"), ("Anstey North 2", "C"),
            ("anstey-north", "D")]
    out = forum_areas_from_table(_lsoas().assign(ward_code="W"), _forum_table(rows),
                                 "forums.csv")
    ids = out.set_index("lsoa_code")["locality_id"]
    assert ids.nunique() == 4  # four forums, four localities
    assert out.groupby("locality_id")["name"].nunique().eq(1).all()  # no profile mixes two
    assert ids["C"] == "forum-anstey-north-2"  # a name's own id is never given to another
    assert ids["B"] == "forum-anstey-north"  # first of the alike names in sorted order
    # the same ids whatever order the file lists the forums in
    shuffled = forum_areas_from_table(_lsoas().assign(ward_code="W"),
                                      _forum_table(rows[::-1]), "forums.csv")
    assert shuffled.set_index("lsoa_code")["locality_id"].to_dict() == ids.to_dict()


def test_long_names_alike_in_their_first_48_characters_stay_distinct():
    stem = "Community forum of the parishes of the upper Soar valley"
    rows = [(f"{stem} east", "A"), (f"{stem} west", "B")]
    out = forum_areas_from_table(_lsoas().assign(ward_code="W"), _forum_table(rows),
                                 "forums.csv")
    assert out["locality_id"].nunique() == 2
