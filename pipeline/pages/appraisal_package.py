"""The option appraisal's package (step 4) as a reader sees it: what it holds, what it costs in
each year of the plan against the budget, and what the equivalent annual cost beside it is for.

The costs by year are the appraisal's :attr:`DistrictAppraisal.yearly_costs`
(:func:`pipeline.steps.appraisal_scoring.yearly_costs`): the ones the package was checked
against the budget with, and the ones the action plan's resources table shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.registers import BAU_ID
from pipeline.reporting.format import pounds
from pipeline.steps.appraisal_district import DistrictAppraisal


def package_cost(appraisal: DistrictAppraisal) -> tuple[list[str], pd.Series]:
    """The package's options (business as usual left out) and its set-up and running costs in
    each year of the plan, in today's prices: the costs checked against the budget, which the
    action plan's resources table shows too."""
    chosen = [o for o in appraisal.package if o != BAU_ID]
    return chosen, appraisal.yearly_costs.reindex(chosen).sum(axis=0)


def costliest_year_text(appraisal: DistrictAppraisal) -> str:
    """``"£730,000 in 2025, its costliest year"`` (or that it costs nothing)."""
    _, by_year = package_cost(appraisal)
    if by_year.empty or not by_year.max() > 0:
        return "nothing in any year"
    year = by_year.idxmax()
    return f"{pounds(by_year[year])} in {year}, its costliest year"


def package_table(appraisal: DistrictAppraisal) -> pd.DataFrame:
    """The chosen package: option, lead partner, agreed, its costs in each year of the plan
    (one column per year, as in the action plan's resources table), equivalent annual cost,
    discounted cost, weighted total, and a final total row."""
    chosen, by_year = package_cost(appraisal)
    o = appraisal.options.loc[chosen]
    years = appraisal.yearly_costs.reindex(chosen).rename(columns=str)
    table = pd.DataFrame({
        "option": o["title"].to_numpy(), "lead_partner": o["lead_partner"].to_numpy(),
        "agreed": ["Yes" if a else "No" for a in o["agreed"].astype(bool)],
        **{year: years[year].to_numpy(float) for year in years.columns},
        "equivalent_annual_cost": o["equivalent_annual_cost"].astype(float).to_numpy(),
        "discounted_cost": o["discounted_cost"].astype(float).to_numpy(),
        "total": o["total"].astype(float).to_numpy(),
    })
    total = pd.DataFrame([{"option": "Total", "lead_partner": "", "agreed": "",
                           **{str(y): float(v) for y, v in by_year.items()},
                           "equivalent_annual_cost": table["equivalent_annual_cost"].sum(),
                           "discounted_cost": table["discounted_cost"].sum(),
                           "total": np.nan}])
    return pd.concat([table, total], ignore_index=True)


def package_text(appraisal: DistrictAppraisal) -> str:
    """How the package was chosen and what it costs against the budget."""
    s = appraisal.settings
    _, by_year = package_cost(appraisal)
    objective = ("the sum of the options' weighted scores" if s.package_objective ==
                 "weighted_score" else "the expected share of the gaps closed")
    left_out = [appraisal.options.loc[o, "title"] for o in appraisal.options.index
                if o not in appraisal.package]
    return (
        f"The package maximises {objective} within the budget of {pounds(s.budget_per_year)} a "
        f"year: in each year of the plan ({'–'.join(map(str, by_year.index[[0, -1]]))}) its "
        "options' set-up and running costs in today's prices, the costs of the action plan's "
        "resources table, stay within the budget. It keeps options that depend on another "
        "together and never combines options that exclude each other; options already agreed "
        f"are always in. It costs {costliest_year_text(appraisal)}, "
        f"{pounds(s.budget_per_year - by_year.max())} under the budget. The equivalent annual cost "
        f"beside it (each option's costs over {s.appraisal_years} years from {s.base_year}, "
        f"discounted at {s.discount_rate:.1%} and spread evenly over those years) compares "
        "value for money; the budget is not checked against it."
        + (f" Left out: {'; '.join(left_out)}." if left_out else "")
    )
