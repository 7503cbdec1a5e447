"""The baseline page's sentences: chart summaries (``describe_*``) and the key messages, in
plain English, from the frames of :class:`pipeline.steps.baseline.BaselineResults`."""

from __future__ import annotations

import pandas as pd

from pipeline.reporting.format import format_value_by_unit as _fmt
from pipeline.reporting.format import ordinal, percent_change_text
from pipeline.schema import require_columns as _require
from pipeline.steps.baseline_area import BaselineArea


def _unit_suffix(unit: str) -> str:
    """`` per 1,000 residents`` for rates; nothing for %, counts and scores."""
    return f" {unit}" if unit.startswith("per ") else ""


def _month_name(period: str) -> str:
    return pd.Period(period, freq="M").strftime("%B %Y")


def _lsoa_label(row: pd.Series) -> str:
    ward = row.get("ward_name")
    return f"{row['lsoa_name']} ({ward})" if isinstance(ward, str) and ward else row["lsoa_name"]


def describe_change(series: pd.DataFrame, *, title: str, unit: str, area_name: str) -> str:
    """One sentence on how one area's indicator moved from its first to its latest period,
    saying whether the 95% intervals overlap when there are intervals.

    ``series`` holds one area's rows of one indicator (``period``, ``value`` and optionally
    ``lower_ci``/``upper_ci``), in any order.
    """
    _require(series, ["period", "value"], "describe_change", "the series")
    s = series.dropna(subset=["value"]).sort_values("period")
    if len(s) < 2:
        return f"{title}: there is only one period for {area_name}, so no trend can be shown."
    first, last = s.iloc[0], s.iloc[-1]
    verb = "rose" if last["value"] > first["value"] else \
        "fell" if last["value"] < first["value"] else "did not change"
    sentence = (f"{title} in {area_name} {verb} from {_fmt(first['value'], unit)}"
                f"{_unit_suffix(unit)} in {first['period']} to {_fmt(last['value'], unit)} in "
                f"{last['period']}")
    if unit not in ("%", "proportion") and first["value"]:
        sentence += f" ({percent_change_text(first['value'], last['value'])})"
    has_ci = {"lower_ci", "upper_ci"} <= set(s.columns) and s[["lower_ci", "upper_ci"]].iloc[
        [0, -1]].notna().all().all()
    if has_ci and verb != "did not change":
        apart = last["lower_ci"] > first["upper_ci"] or last["upper_ci"] < first["lower_ci"]
        sentence += ("; the 95% confidence intervals do not overlap, so the change is unlikely "
                     "to be chance" if apart else
                     "; the 95% confidence intervals overlap, so the change may be chance")
    return sentence + "."


def describe_age_profile(profile: pd.DataFrame) -> str:
    """One sentence comparing the area's age structure with the county's (or describing the
    county's own), naming the band where the two differ most."""
    _require(profile, ["role", "area_name", "band", "share"], "describe_age_profile",
             "the age profile")
    mine = profile[profile["role"] == "area"].set_index("band")
    if mine["share"].notna().sum() == 0:
        return "The age profile could not be shown (no published counts)."
    name = mine["area_name"].iloc[0]
    other = profile[profile["role"] == "county"].set_index("band")
    largest = mine["share"].idxmax()
    if other.empty:
        return (f"The largest five-year age band in {name} is {largest} "
                f"({mine.loc[largest, 'share']:.1f}% of residents).")
    diff = (mine["share"] - other["share"].reindex(mine.index)).dropna()
    band = diff.abs().idxmax()
    more = "more" if diff[band] > 0 else "fewer"
    return (f"Compared with {other['area_name'].iloc[0]}, {name} has proportionally {more} "
            f"residents aged {band} ({mine.loc[band, 'share']:.1f}% against "
            f"{other.loc[band, 'share']:.1f}%); its largest age band is {largest} "
            f"({mine.loc[largest, 'share']:.1f}%).")


def describe_editions(summary: pd.DataFrame) -> str:
    """One sentence on the share of the area's LSOAs in England's most deprived 20% in the
    first and latest IoD editions (from :func:`imd_editions_summary`)."""
    _require(summary, ["role", "area_name", "edition", "lsoas", "most_deprived_20_lsoas",
                       "most_deprived_20_pct"], "describe_editions", "the editions summary")
    mine = summary[summary["role"] == "area"].sort_values("edition")
    if mine.empty:
        return "No IMD deciles are available for this area."
    first, last = mine.iloc[0], mine.iloc[-1]
    sentence = (f"In the IoD {last['edition']}, {int(last['most_deprived_20_lsoas'])} of "
                f"{last['area_name']}'s {int(last['lsoas'])} neighbourhoods (LSOAs), "
                f"{last['most_deprived_20_pct']:.1f}%, were among the most deprived 20% in "
                f"England, against {first['most_deprived_20_pct']:.1f}% in the IoD "
                f"{first['edition']}")
    county = summary[(summary["role"] == "county") & (summary["edition"] == last["edition"])]
    if not county.empty:
        sentence += (f" ({county['area_name'].iloc[0]}: "
                     f"{county['most_deprived_20_pct'].iloc[0]:.1f}% in {last['edition']})")
    return sentence + "."


def describe_monthly(series: pd.DataFrame, *, what: str) -> str:
    """One sentence on the latest 12 months of a monthly count against the 12 months before,
    for the area and (if present) the county; ``what`` names the things counted
    (``"crimes"``)."""
    _require(series, ["role", "area_name", "period", "value"], "describe_monthly",
             "the monthly series")
    parts = []
    for role in ("area", "county"):  # two areas at most
        s = series[series["role"] == role].sort_values("period")
        if len(s) < 24 or s["value"].iloc[-24:].isna().any():
            continue
        last12, prior12 = s["value"].iloc[-12:].sum(), s["value"].iloc[-24:-12].sum()
        parts.append((s["area_name"].iloc[0], last12, prior12, s["period"].iloc[-1]))
    mine = series[series["role"] == "area"]
    if not parts or parts[0][0] != mine["area_name"].iloc[0]:
        return (f"There are {len(mine)} months of {what} for {mine['area_name'].iloc[0]}, too "
                "few to compare one year with the year before.")
    name, last12, prior12, end = parts[0]
    sentence = (f"In the 12 months to {_month_name(end)}, {name} recorded {last12:,.0f} {what}, "
                f"{percent_change_text(prior12, last12)} on the 12 months before")
    if len(parts) > 1:
        sentence += f" ({parts[1][0]}: {percent_change_text(parts[1][2], parts[1][1])})"
    return sentence + "."


def describe_census_change(change: pd.DataFrame) -> str:
    """One sentence on the area's significant Census 2011 -> 2021 changes."""
    _require(change, ["role", "area_name", "measure", "change", "assessment"],
             "describe_census_change", "the census change table")
    mine = change[change["role"] == "area"]
    if mine.empty:
        return "No indicator was measured the same way in both the 2011 and 2021 Censuses."
    moved = mine[mine["assessment"].isin(["increased", "decreased"])]
    name = mine["area_name"].iloc[0]
    if moved.empty:
        return f"None of the {len(mine)} census measures changed significantly in {name}."
    biggest = moved.loc[moved["change"].abs().idxmax()]
    return (f"{len(moved)} of {len(mine)} census measures changed significantly in {name} "
            f"between 2011 and 2021; the largest change was in the share “"
            f"{biggest['measure']}” ({'+' if biggest['change'] > 0 else '−'}"
            f"{abs(biggest['change']):.1f} percentage points).")


def describe_breakdown(table: pd.DataFrame, group: str) -> str:
    """One sentence on a breakdown: the largest share and how many shares differ
    significantly from the county."""
    _require(table, ["group", "measure", "area_name", "value", "county_comparison"],
             "describe_breakdown", "the breakdown table")
    part = table[(table["group"] == group) & table["value"].notna()]
    if part.empty:
        return f"There are no {group.lower()} figures for this area."
    name = part["area_name"].iloc[0]
    top = part.loc[part["value"].idxmax()]
    differ = part[part["county_comparison"].isin(["higher", "lower", "better", "worse"])]
    sentence = (f"In {name}, the largest share shown is “{top['measure']}” "
                f"({top['value']:.1f}% of residents)")
    if part["county_comparison"].eq("not compared").all():
        return sentence + "."
    return sentence + (f"; {len(differ)} of the {len(part)} shares differ significantly from "
                       "the county.")


def describe_map(values: pd.DataFrame, *, title: str, unit: str, area_name: str) -> str:
    """One sentence for a map: the range across the area's LSOAs (naming the extremes) and
    the median in priority neighbourhoods against the rest."""
    _require(values, ["lsoa_name", "value", "priority_neighbourhood"], "describe_map",
             "the map values")
    v = values.dropna(subset=["value"])
    if v.empty:
        return f"{title}: no neighbourhood in {area_name} has a value."
    low, high = v.loc[v["value"].idxmin()], v.loc[v["value"].idxmax()]
    sentence = (f"{title} ranges across {area_name}'s {len(values)} neighbourhoods (LSOAs) "
                f"from {_fmt(low['value'], unit)} in {_lsoa_label(low)} to "
                f"{_fmt(high['value'], unit)}{_unit_suffix(unit)} in {_lsoa_label(high)}")
    pn = v[v["priority_neighbourhood"]]
    rest = v[~v["priority_neighbourhood"]]
    if not pn.empty and not rest.empty:
        sentence += (f"; the typical (median) value is {_fmt(pn['value'].median(), unit)} in "
                     f"the {len(pn)} LSOAs of priority neighbourhoods (thick outline) and "
                     f"{_fmt(rest['value'].median(), unit)} elsewhere")
    elif pn.empty:
        sentence += "; none of its neighbourhoods is a priority neighbourhood"
    return sentence + "."


def key_messages(headline: pd.DataFrame, imd: pd.DataFrame | None, editions: pd.DataFrame,
                 themes: pd.DataFrame, area: BaselineArea, *,
                 imd_scores: pd.DataFrame | None = None, max_listed: int = 3) -> list[str]:
    """The page's key messages, in plain English, most important first.

    From the headline figures (:func:`headline_summary`), the IMD 2019 district summary
    (:func:`imd_area_summary`: the district's rank, or for the county overview its most and
    least deprived districts; ``None`` to leave out), the average IMD scores of the area,
    county and England (:func:`imd_score_comparison`, optional), the IoD editions summary and
    the theme table (how many indicators are significantly worse or better than the county,
    or than England for the county overview, naming the widest gaps).
    """
    messages = [_residents_message(headline, area)]
    if imd is not None and not imd.empty:
        messages.append(_imd_rank_message(imd, area))
    if imd_scores is not None and len(imd_scores) > 1:
        named = [f"{r.value:.1f} in {r.area_name}" for r in imd_scores.itertuples()]
        messages.append(f"The population-weighted average IMD {imd_scores['period'].iloc[0]} "
                        f"score is {', '.join(named[:-1])} and {named[-1]} (higher = more "
                        "deprived).")
    if not editions.empty:
        messages.append(describe_editions(editions))
    messages.append(_themes_message(themes, area, max_listed))
    return [m for m in messages if m]


def _residents_message(headline: pd.DataFrame, area: BaselineArea) -> str:
    """Residents at the latest estimate and the change since the first ('' without data)."""
    residents = headline[headline["measure"] == "residents"]
    change = headline[headline["measure"] == "residents_change_pct"]
    if residents.empty:
        return ""
    latest = residents.iloc[0]
    text = f"{area.name} had {latest['area']:,.0f} residents in mid-{latest['period']}"
    if not change.empty and pd.notna(change["area"].iloc[0]):
        c = change.iloc[0]
        text += (f", {abs(c['area']):.1f}% {'more' if c['area'] >= 0 else 'fewer'} than in "
                 f"mid-{c['period'].split('-')[0]}")
        if pd.notna(c["county"]):
            text += f" ({area.county.name}: {'+' if c['county'] >= 0 else '−'}" \
                    f"{abs(c['county']):.1f}%)"
    return text + "."


def _imd_rank_message(imd: pd.DataFrame, area: BaselineArea) -> str:
    """The district's IMD 2019 rank, or the county's most and least deprived districts."""
    scores = imd[imd["indicator_id"] == "imd_average_score"].dropna(subset=["rank"])
    own = scores[scores["area_code"] == area.code]
    if not own.empty:
        r = own.iloc[0]
        return (f"On the Index of Multiple Deprivation 2019, {area.name} ranks "
                f"{ordinal(int(r['rank']))} of {int(r['out_of'])} districts in England on "
                f"average score (1 = most deprived), with an average score of {r['value']:.1f}.")
    if len(scores) > 1:
        most, least = scores.loc[scores["rank"].idxmin()], scores.loc[scores["rank"].idxmax()]
        return (f"On the Index of Multiple Deprivation 2019, the most deprived district in "
                f"{area.name} is {most['area_name']} (ranked {ordinal(int(most['rank']))} of "
                f"{int(most['out_of'])} districts in England on average score, 1 = most "
                f"deprived) and the least deprived is {least['area_name']} "
                f"({ordinal(int(least['rank']))}).")
    return ""


def _themes_message(themes: pd.DataFrame, area: BaselineArea, max_listed: int) -> str:
    """How many indicators are significantly worse or better than the comparator."""
    role = area.comparator_role
    label = "England" if area.is_county else area.county.name
    compared = themes[themes[f"{role}_comparison"].isin(["better", "similar", "worse"])]
    if compared.empty:
        return ("No indicator with a confidence interval has an England figure, so none "
                "could be tested for a significant difference from England.") \
            if area.is_county else ""
    worse = compared[compared[f"{role}_comparison"] == "worse"]
    better = compared[compared[f"{role}_comparison"] == "better"]
    text = (f"Of {len(compared)} indicators with a confidence interval compared with "
            f"{label}, {area.name} is significantly worse on {len(worse)} and better on "
            f"{len(better)}")
    if not worse.empty:
        gap = (worse["value"] / worse[f"{role}_value"] - 1).abs().sort_values(ascending=False)
        names = worse.loc[gap.index[:max_listed], "title"].tolist()
        text += f"; the widest gaps where it is worse: {', '.join(names)}"
    return text + "."


def similar_method(area_name: str, count: int) -> str:
    """The method note of the similar-districts section (markdown)."""
    return (
        f"The {count} districts of England most like {area_name} were chosen on fifteen "
        "characteristics, all from the national data shipped with the pipeline: the seven "
        "domains of the Indices of Deprivation 2019 (each district's population-weighted "
        "average of its neighbourhoods' transformed domain scores), the shares of residents "
        "aged 0-15 and 65 and over and the number of residents (mid-2020, on a log scale), and "
        "from the 2021 Census the shares of households owning their home, renting socially, "
        "deprived in two or more dimensions and living in flats, and of residents not in a "
        "White ethnic group. Each characteristic is standardised over England's 317 districts "
        "(mean 0, standard deviation 1) and the similar districts are the nearest by straight-"
        "line (Euclidean) distance; population density and rural share are not used, because "
        "no national boundaries or rural-urban classification are shipped.\n\n"
        "**The similar districts are a comparison group, not a benchmark of significance.** "
        "Their combined value (numerators and denominators added) and the district's rank "
        "among the 16 show where it stands among places like it; no test of significance is "
        "made against them. Combined values exist where every similar district has data: the "
        "2021 Census, the population estimates and the deprivation scores (crime and the 2011 "
        "Census are shipped for the county only).")


#: Said on the county overview, which has no similar districts.
NO_SIMILAR = ("Similar districts are chosen for each district; see the district packs.")
