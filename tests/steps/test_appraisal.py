"""Step 4 option appraisal: effects, re-forecasts, gap closed, discounting, MCA, sensitivity, package."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from pipeline.config import load_area_config
from pipeline.paths import CONFIG_DIR
from pipeline.registers import (
    CRITERIA_DIRECTIONS,
    KnownIds,
    load_registers,
    options_frame,
    targets_frame,
)
from pipeline.steps.appraisal import (
    apply_effects,
    cost_effectiveness,
    discounted_cost,
    discounted_costs,
    draws_from_interval,
    effect_path,
    effect_paths,
    equivalent_annual_cost,
    gap_closed,
    overlap_from_membership,
    reach_matrix,
    scenario_draws,
    simulate_option_effects,
)
from pipeline.steps.appraisal_scoring import (
    best_package,
    criteria_matrix,
    package_value,
    sample_weights,
    score_options,
    weight_sensitivity,
    weighted_scores,
    yearly_costs,
)


def _options(**rows) -> pd.DataFrame:
    """A small options frame: name -> (low, central, high, unit, start, ramp)."""
    records = [
        {"id": k, "effect_low": v[0], "effect_central": v[1], "effect_high": v[2],
         "effect_unit": v[3], "start_year": v[4], "years_to_full_effect": v[5]}
        for k, v in rows.items()
    ]
    return pd.DataFrame(records).set_index("id")


# ------------------------------------------------------------------------------------ effects


def test_effect_path_phases_in_linearly():
    years = [2023, 2024, 2025, 2026, 2027, 2028]
    np.testing.assert_allclose(effect_path({"start_year": 2025, "years_to_full_effect": 0},
                                           years), [0, 0, 1, 1, 1, 1])
    np.testing.assert_allclose(effect_path({"start_year": 2025, "years_to_full_effect": 1},
                                           years), [0, 0, 0.5, 1, 1, 1])
    np.testing.assert_allclose(effect_path({"start_year": 2024, "years_to_full_effect": 3},
                                           years), [0, 0.25, 0.5, 0.75, 1, 1])
    frame = effect_paths(_options(a=(0, 0, 0, "percent", 2024, 3)), years)
    np.testing.assert_allclose(frame.loc["a"], [0, 0.25, 0.5, 0.75, 1, 1])
    with pytest.raises(ValueError, match="years_to_full_effect"):
        effect_path({"start_year": 2024, "years_to_full_effect": -1}, years)


def test_simulated_effects_follow_pert_and_are_reproducible():
    options = _options(a=(-30, -20, -5, "percent", 2024, 0), b=(-2, -2, -2, "absolute", 2024, 0))
    draws = simulate_option_effects(options, 20000, seed=7)
    assert draws.shape == (20000, 2) and list(draws.columns) == ["a", "b"]
    assert draws["a"].between(-30, -5).all()
    assert draws["a"].mean() == pytest.approx((-30 + 4 * -20 + -5) / 6, abs=0.1)  # PERT mean
    assert (draws["b"] == -2).all()
    pd.testing.assert_frame_equal(draws, simulate_option_effects(options, 20000, seed=7))
    assert not draws["a"].equals(simulate_option_effects(options, 20000, seed=8)["a"])
    # an option's draws depend only on the seed and its id, not on the other options
    alone = simulate_option_effects(options.loc[["a"]], 20000, seed=7)
    pd.testing.assert_series_equal(alone["a"], draws["a"])
    with pytest.raises(ValueError, match="effect_central"):
        simulate_option_effects(options.drop(columns="effect_central"), 10, seed=1)


def test_apply_effects_combines_percent_multiplicatively_and_absolute_additively():
    baseline = np.full((1, 3), 10.0)
    paths = np.ones((3, 3))
    result = apply_effects(baseline, np.array([-10.0, -20.0, -1.0]), paths,
                           ["percent", "percent", "absolute"])
    np.testing.assert_allclose(result, [[10 * 0.9 * 0.8 - 1] * 3])  # 6.2
    half = apply_effects(baseline, np.array([-10.0]), np.array([[0, 0.5, 1]]), ["percent"],
                         reach=[0.5])
    np.testing.assert_allclose(half, [[10, 9.75, 9.5]])
    clipped = apply_effects(baseline, np.array([-15.0]), np.ones((1, 3)), ["absolute"],
                            lower_bound=0)
    assert (clipped == 0).all()
    # paired draws: draw d of the baseline gets draw d of the effects
    paired = apply_effects(np.array([[10.0], [20.0]]), np.array([[-50.0], [0.0]]), [[1.0]],
                           ["percent"])
    np.testing.assert_allclose(paired, [[5.0], [20.0]])


def test_apply_effects_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="paths"):
        apply_effects(np.ones((5, 3)), np.ones((5, 2)), np.ones((2, 4)), ["percent"] * 2)
    with pytest.raises(ValueError, match="draws"):
        apply_effects(np.ones((5, 3)), np.ones((4, 1)), np.ones((1, 3)), ["percent"])
    with pytest.raises(ValueError, match="unit"):
        apply_effects(np.ones((5, 3)), np.ones((5, 1)), np.ones((1, 3)), ["points"])
    with pytest.raises(ValueError, match="reach"):
        apply_effects(np.ones((5, 3)), np.ones((5, 1)), np.ones((1, 3)), ["percent"], [1.5])


def test_draws_from_interval_reproduce_the_interval():
    central, lower, upper = [10.0, 12.0], [8.0, 9.0], [12.5, 16.0]
    draws = draws_from_interval(central, lower, upper, 40000, seed=3, scale="log")
    assert draws.shape == (40000, 2)
    np.testing.assert_allclose(np.median(draws, axis=0), central, rtol=0.01)
    np.testing.assert_allclose(np.percentile(draws, 2.5, axis=0), [8.0, 9.0], rtol=0.03)
    np.testing.assert_array_equal(draws, draws_from_interval(central, lower, upper, 40000, 3))
    with pytest.raises(ValueError, match="lower <= central"):
        draws_from_interval([10.0], [11.0], [12.0], 10, seed=1)
    with pytest.raises(ValueError, match="domain"):
        draws_from_interval([0.5], [0.0], [0.9], 10, seed=1, scale="logit")


def test_scenario_draws_and_reach():
    years = [2024, 2025, 2026]
    options = _options(bau=(0, 0, 0, "percent", 2024, 0), a=(-20, -20, -20, "percent", 2025, 0),
                       b=(-10, -10, -10, "percent", 2024, 0))
    effects = simulate_option_effects(options, 4, seed=1)
    baseline = np.full((4, 3), 50.0)
    reach = pd.Series({"bau": 0.0, "a": 1.0, "b": 0.0})
    out = scenario_draws(baseline, years, options, effects, reach, packages={"both": ["a", "b"]})
    np.testing.assert_allclose(out["bau"], baseline)
    np.testing.assert_allclose(out["b"], baseline)  # reach 0: does not act on this target
    np.testing.assert_allclose(out["a"][0], [50, 40, 40])
    np.testing.assert_allclose(out["both"], out["a"])
    with pytest.raises(ValueError, match="unknown option"):
        scenario_draws(baseline, years, options, effects, reach, packages={"x": ["zz"]})


def test_reach_matrix_from_membership():
    membership = pd.DataFrame({
        "area": ["district", "district", "district", "pn", "county", "county", "county"],
        "lsoa_code": ["L1", "L2", "L3", "L1", "L1", "L2", "L3"],
    })
    population = pd.Series({"L1": 1000, "L2": 3000, "L3": 1000})
    overlap = overlap_from_membership(membership, population)
    assert overlap("pn", "district") == pytest.approx(0.2)
    assert overlap("district", "pn") == pytest.approx(1.0)
    options = pd.DataFrame({
        "targets": [(), ("t_district",), ("t_district", "t_pn"), ("t_pn",)],
        "applies_to": [(), ("pn",), (), ("county",)],
    }, index=["bau", "pn_only", "everywhere", "countywide"])
    targets = pd.DataFrame({"area": ["district", "pn"]}, index=["t_district", "t_pn"])
    matrix = reach_matrix(options, targets, overlap)
    expected = pd.DataFrame([[0, 0], [0.2, 0], [1, 1], [0, 1]], index=options.index,
                            columns=targets.index, dtype=float)
    pd.testing.assert_frame_equal(matrix, expected)
    with pytest.raises(ValueError, match="no LSOAs"):
        overlap("nowhere", "pn")


# ------------------------------------------------------------------------------------ gap closed


def test_gap_closed_hand_worked():
    baseline = np.array([12.0, 10.0, 8.0])  # target 9: shortfalls 3, 1, 0 -> mean 4/3
    option = np.array([10.0, 9.5, 7.0])     # shortfalls 1, 0.5, 0 -> closed 2, 0.5, 0
    table = gap_closed(baseline, {"bau": baseline, "opt": option}, 9.0, "decrease",
                       interval=0.5)
    row = table.loc["opt"]
    assert row["gap_baseline"] == pytest.approx(4 / 3)
    assert row["gap"] == pytest.approx(0.5)
    assert row["gap_closed"] == pytest.approx(2.5 / 3)
    assert row["share_of_gap_closed"] == pytest.approx(0.625)
    assert row["gap_closed_low"] == pytest.approx(0.25)   # 25th percentile of [0, 0.5, 2]
    assert row["gap_closed_high"] == pytest.approx(1.25)  # 75th percentile
    assert row["p_meet_baseline"] == pytest.approx(1 / 3) and row["p_meet"] == pytest.approx(1 / 3)
    assert table.loc["bau", "gap_closed"] == 0
    # increase direction: the target is a floor
    up = gap_closed(np.array([5.0, 7.0]), {"opt": np.array([6.0, 8.0])}, 7.5, "increase")
    assert up.loc["opt", "gap_closed"] == pytest.approx((1.0 + 0.5) / 2)
    with pytest.raises(ValueError, match="direction"):
        gap_closed(baseline, {"opt": option}, 9.0, "down")
    with pytest.raises(ValueError, match="draws"):
        gap_closed(baseline, {"opt": option[:2]}, 9.0, "decrease")


# ------------------------------------------------------------------------------------ costs


def test_discounting_against_hand_computation():
    # 100 a year for 3 years at 3.5%: 100 + 96.62 + 93.35 (year 0 undiscounted)
    assert discounted_cost(0, 100, 2024, 3, 0.035, 2024) == pytest.approx(
        100 + 100 / 1.035 + 100 / 1.035 ** 2)
    assert round(discounted_cost(0, 100, 2024, 3, 0.035, 2024), 2) == 289.97
    # starts a year late: 1,000 one-off + 100 in 2025, 100 in 2026
    assert discounted_cost(1000, 100, 2025, 3, 0.035, 2024) == pytest.approx(
        1100 / 1.035 + 100 / 1.035 ** 2)
    # started before the base year: the one-off is sunk
    assert discounted_cost(500, 100, 2022, 2, 0.035, 2024) == pytest.approx(100 + 100 / 1.035)
    assert discounted_cost(0, 100, 2024, 3, 0.0, 2024) == pytest.approx(300)
    with pytest.raises(ValueError, match="costs"):
        discounted_cost(-1, 100, 2024, 3, 0.035, 2024)
    with pytest.raises(ValueError, match="rate"):
        discounted_cost(0, 100, 2024, 3, -0.01, 2024)


def test_equivalent_annual_cost_and_cost_effectiveness():
    pv = discounted_cost(0, 100, 2024, 3, 0.035, 2024)
    assert equivalent_annual_cost(pv, 0.035, 3) == pytest.approx(100)
    costs = pd.Series({"bau": 0.0, "a": 1000.0, "b": 500.0, "c": 0.0})
    closed = pd.Series({"bau": 0.0, "a": 10.0, "b": -1.0, "c": 2.0})
    ce = cost_effectiveness(costs, closed)
    assert ce.to_dict() == {"bau": np.inf, "a": 100.0, "b": np.inf, "c": 0.0}
    with pytest.raises(ValueError, match="same options"):
        cost_effectiveness(costs, closed.drop("c"))


# ------------------------------------------------------------------------------------ MCA

#: Hand-worked example.
#:            impact  cost  evidence
#:   A          10     100     3
#:   B          30     300     5
#:   C          20     200     1
#: Scores (worst 0, best 100; cost lower is better):
#:   impact   A 0,   B 100, C 50
#:   cost     A 100, B 0,   C 50
#:   evidence A 50,  B 100, C 0
#: Swing weights 50 / 30 / 20 -> 0.5 / 0.3 / 0.2:
#:   A = 0 x .5 + 100 x .3 + 50 x .2 = 40
#:   B = 100 x .5 + 0 x .3 + 100 x .2 = 70
#:   C = 50 x .5 + 50 x .3 + 0 x .2 = 40
#: Ranks: B 1, A 2, C 2 (tie shares the better rank; the next rank would be 4).
MATRIX = pd.DataFrame({"impact": [10, 30, 20], "cost": [100, 300, 200], "evidence": [3, 5, 1]},
                      index=["A", "B", "C"])
DIRECTIONS = {"impact": "higher_is_better", "cost": "lower_is_better",
              "evidence": "higher_is_better"}
WEIGHTS = {"impact": 50, "cost": 30, "evidence": 20}


def test_mca_scores_and_ranks_hand_worked():
    scores = score_options(MATRIX, DIRECTIONS)
    expected = pd.DataFrame({"impact": [0.0, 100, 50], "cost": [100.0, 0, 50],
                             "evidence": [50.0, 100, 0]}, index=["A", "B", "C"])
    pd.testing.assert_frame_equal(scores, expected)
    result = weighted_scores(scores, WEIGHTS)
    assert result["total"].tolist() == pytest.approx([40, 70, 40])
    assert result["rank"].tolist() == [2, 1, 2]
    assert result.loc["B", "impact"] == pytest.approx(50)  # weighted contribution
    # weights on any scale give the same result
    pd.testing.assert_frame_equal(weighted_scores(scores, {k: v / 10 for k, v in WEIGHTS.items()}),
                                  result)


def test_mca_edge_cases_and_errors():
    flat = score_options(MATRIX.assign(evidence=3), DIRECTIONS)
    assert (flat["evidence"] == 100).all()  # nobody is better: all score the same
    with pytest.raises(ValueError, match="direction"):
        score_options(MATRIX, {"impact": "higher_is_better"})
    with pytest.raises(ValueError, match="finite"):
        score_options(MATRIX.astype(float).assign(cost=[100, np.nan, 200]), DIRECTIONS)
    scores = score_options(MATRIX, DIRECTIONS)
    with pytest.raises(ValueError, match="positive"):
        weighted_scores(scores, {"impact": 0, "cost": 0, "evidence": 0})
    with pytest.raises(ValueError, match="no weight"):
        weighted_scores(scores, {"impact": 1, "cost": 1})
    with pytest.raises(ValueError, match=">= 0"):
        weighted_scores(scores, {"impact": 1, "cost": -1, "evidence": 1})


def test_criteria_matrix_from_the_register():
    options = pd.DataFrame({"evidence_strength": [1, 5], "deliverability": [5, 3],
                            "equality_impact": [0, 2]}, index=["bau", "x"])
    matrix = criteria_matrix(options, pd.Series({"bau": 0.0, "x": 0.4}),
                             pd.Series({"bau": 0.0, "x": 1e5}), pd.Series({"bau": 0.0, "x": 1.0}))
    assert list(matrix.columns) == list(CRITERIA_DIRECTIONS)
    assert matrix.loc["x"].tolist() == [0.4, 1e5, 1.0, 5, 3, 2]
    with pytest.raises(ValueError, match="option 'x' has no value for criterion 'impact'"):
        criteria_matrix(options, pd.Series({"bau": 0.0}), matrix["cost"], matrix["reach"])


# ------------------------------------------------------------------------------------ sensitivity


def test_weight_sensitivity_reproducible_with_a_seed():
    scores = score_options(MATRIX, DIRECTIONS)
    first = weight_sensitivity(scores, WEIGHTS, draws=2000, seed=11, concentration=20)
    again = weight_sensitivity(scores, WEIGHTS, draws=2000, seed=11, concentration=20)
    pd.testing.assert_frame_equal(first, again)
    other = weight_sensitivity(scores, WEIGHTS, draws=2000, seed=12, concentration=20)
    assert not first["p_first"].equals(other["p_first"])
    w11, w12 = sample_weights(WEIGHTS, 2000, 11, 20), sample_weights(WEIGHTS, 2000, 12, 20)
    assert not np.allclose(w11.to_numpy(), w12.to_numpy())
    # the simulated weights are centred on the given ones and each set sums to 1
    np.testing.assert_allclose(w11.mean().to_numpy(), [0.5, 0.3, 0.2], atol=0.01)
    np.testing.assert_allclose(w11.sum(axis=1), 1.0)
    # B ranks first under the given weights and most often under perturbed ones;
    # A and C tie at 40 and each wins only under weight sets far from the agreed ones
    assert first.loc["B", "rank"] == 1
    assert first["p_first"].idxmax() == "B"
    assert 0.5 < first.loc["B", "p_first"] < 1
    assert (first["rank_min"] >= 1).all() and (first["rank_max"] <= 3).all()
    assert (first["rank_min"] <= first["rank_p05"]).all()
    assert (first["rank_p05"] <= first["rank_p95"]).all()
    assert (first["rank_p95"] <= first["rank_max"]).all()


def test_weight_sensitivity_tight_weights_keep_the_ranking():
    scores = score_options(MATRIX, DIRECTIONS)
    tight = weight_sensitivity(scores, WEIGHTS, draws=500, seed=1, concentration=1e6)
    assert tight.loc["B", "p_first"] == 1.0
    assert tight.loc["B", ["rank_min", "rank_max"]].tolist() == [1, 1]
    zero = sample_weights({"impact": 1, "cost": 0, "evidence": 1}, 100, seed=1)
    assert (zero["cost"] == 0).all()
    with pytest.raises(ValueError, match="no weight"):
        weight_sensitivity(scores, {"impact": 1, "cost": 1}, draws=10, seed=1)
    with pytest.raises(ValueError, match="concentration"):
        sample_weights(WEIGHTS, 10, seed=1, concentration=0)


# ------------------------------------------------------------------------------------ package


def _register(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A random register: values, costs, acyclic dependencies (on earlier options), exclusions."""
    ids = [f"o{i}" for i in range(n)]
    depends = [tuple(ids[j] for j in range(i) if rng.random() < 0.2) for i in range(n)]
    excludes: list[list[str]] = [[] for _ in range(n)]
    for i, j in itertools.combinations(range(n), 2):
        if rng.random() < 0.12 and ids[j] not in depends[i] and ids[i] not in depends[j]:
            excludes[i].append(ids[j])
    return pd.DataFrame({
        "value": rng.uniform(-5, 100, n).round(2),
        "cost": rng.integers(0, 60, n).astype(float),
        "depends_on": depends,
        "excludes": [tuple(e) for e in excludes],
    }, index=ids)


def _brute_force(register: pd.DataFrame, budget: float) -> float:
    ids = list(register.index)
    best = 0.0
    for size in range(1, len(ids) + 1):
        for combo in itertools.combinations(ids, size):
            chosen = set(combo)
            rows = register.loc[list(combo)]
            if rows["cost"].sum() > budget:
                continue
            if any(d not in chosen for deps in rows["depends_on"] for d in deps):
                continue
            if any(e in chosen for exc in rows["excludes"] for e in exc):
                continue
            best = max(best, rows["value"].sum())
    return best


def _feasible(register: pd.DataFrame, package: list[str], budget: float) -> bool:
    rows = register.loc[package]
    chosen = set(package)
    return (rows["cost"].sum() <= budget + 1e-9
            and all(d in chosen for deps in rows["depends_on"] for d in deps)
            and not any(e in chosen for exc in rows["excludes"] for e in exc))


def test_best_package_matches_brute_force_on_random_registers():
    rng = np.random.default_rng(2024)
    for _ in range(30):
        register = _register(int(rng.integers(6, 9)), rng)
        budget = float(rng.integers(20, 150))
        package = best_package(register, budget, "value", "cost")
        assert _feasible(register, package, budget)
        assert package_value(register, package, "value") == pytest.approx(
            _brute_force(register, budget), abs=1e-6)


def test_best_package_hand_worked():
    register = pd.DataFrame({
        "value": [0.0, 50, 40, 30, 45, 10],
        "cost": [0.0, 60, 30, 30, 50, 10],
        "depends_on": [(), (), (), ("b",), (), ()],
        "excludes": [(), ("d",), (), (), (), ()],
    }, index=["bau", "a", "b", "c", "d", "e"])
    # budget 100: a + b + e (value 100, cost 100) beats b + d + e (95), b + c + e (80);
    # b + c + d (115) costs 110; a and d exclude each other; c needs b
    assert best_package(register, 100, "value", "cost") == ["a", "b", "e"]
    # budget 70: b + c + e (80, cost 70) beats b + e + ... (c without b is not allowed)
    assert best_package(register, 70, "value", "cost") == ["b", "c", "e"]
    assert best_package(register, 0, "value", "cost") == []  # bau alone: nothing chosen
    # forcing an agreed option in
    assert "a" in best_package(register, 100, "value", "cost", include=["a"])
    with pytest.raises(ValueError, match="no package"):
        best_package(register, 50, "value", "cost", include=["a"])
    # equal value: the cheaper package wins
    tie = pd.DataFrame({"value": [10.0, 10.0], "cost": [5.0, 3.0], "depends_on": [(), ()],
                        "excludes": [("y",), ()]}, index=["x", "y"])
    assert best_package(tie, 10, "value", "cost") == ["y"]


def test_yearly_costs_and_a_package_within_the_budget_in_every_year():
    # set-up in the start year, running costs from start to end, today's prices
    costs = yearly_costs([400.0, 150.0, 0.0], [10.0, 5.0, 90.0], [2025, 2025, 2024],
                         [2026, 2026, 2026], [2024, 2025, 2026])
    np.testing.assert_array_equal(costs, [[0, 410, 10], [0, 155, 5], [90, 90, 90]])
    register = pd.DataFrame({
        "value": [0.0, 90, 50, 40], "cost": [0.0, 54, 21, 90],  # cost: annualised (smaller)
        "depends_on": [(), (), (), ()], "excludes": [(), (), (), ()],
    }, index=["bau", "lights", "gates", "patrols"])
    yearly = pd.DataFrame(np.vstack([[0, 0, 0], costs]), index=register.index,
                          columns=[2024, 2025, 2026])
    # on the annualised cost all three fit 400 a year; in cash, lights alone need 410 in 2025
    assert best_package(register, 400, "value", "cost") == ["lights", "gates", "patrols"]
    package = best_package(register, 400, "value", "cost", yearly=yearly)
    assert package == ["gates", "patrols"]
    assert yearly.loc[package].sum().max() <= 400
    with pytest.raises(ValueError, match="yearly costs"):
        best_package(register, 400, "value", "cost", yearly=yearly.drop(index="gates"))


def test_best_package_errors():
    register = pd.DataFrame({"value": [1.0], "cost": [1.0], "depends_on": [("zz",)],
                             "excludes": [()]}, index=["a"])
    with pytest.raises(ValueError, match="unknown option 'zz'"):
        best_package(register, 10, "value", "cost")
    with pytest.raises(ValueError, match="negative cost"):
        best_package(register.assign(cost=-1.0, depends_on=[()]), 10, "value", "cost")
    with pytest.raises(ValueError, match="missing column 'benefit'"):
        best_package(register, 10, "benefit", "cost")


# ------------------------------------------------------------------------------------ shipped


def test_appraisal_of_the_shipped_registers():
    config = load_area_config()
    known = KnownIds.of({"burglary_rate", "crime_rate", "asb_rate", "imd_score"},
                        {d.code: d.name for d in config.districts}, (),
                        {config.county.code: config.county.name})
    registers = load_registers(CONFIG_DIR / "targets.yaml", CONFIG_DIR / "options.yaml",
                               CONFIG_DIR / "appraisal.yaml", known)
    settings = registers.appraisal
    options = options_frame(registers.options)
    targets = targets_frame(registers.targets)
    effects = simulate_option_effects(options, settings.draws, settings.seed)
    assert effects.shape == (2000, len(options))
    costs = discounted_costs(options, settings.base_year, settings.appraisal_years,
                             settings.discount_rate)
    # locksmith: 20,000 + 60,000 a year for 10 years from 2024 at 3.5%
    annuity = sum(1.035 ** -t for t in range(10))
    assert costs["locksmith_target_hardening"] == pytest.approx(20000 + 60000 * annuity)
    assert costs["bau"] == 0

    # burglary target: a flat baseline of 5 per 1,000, every option reaching the whole county
    target = targets.loc["burglary_county"]
    years = settings.years
    baseline = draws_from_interval([5.0] * len(years), [4.0] * len(years), [6.2] * len(years),
                                   settings.draws, settings.seed)
    reach = pd.Series([1.0 if "burglary_county" in t else 0.0 for t in options["targets"]],
                      index=options.index)
    scenarios = scenario_draws(baseline, years, options, effects, reach, lower_bound=0)
    column = years.index(int(target["target_year"]))
    table = gap_closed(baseline[:, column], {k: v[:, column] for k, v in scenarios.items()},
                       registers.targets[0].level(5.0), "decrease", settings.interval)
    assert table.loc["bau", "gap_closed"] == 0
    assert table.loc["locksmith_target_hardening", "gap_closed"] > 0
    assert table.loc["street_lighting", "gap_closed"] == 0  # does not act on burglary

    matrix = criteria_matrix(options, table["share_of_gap_closed"].fillna(0), costs,
                             pd.Series(0.5, index=options.index))
    scores = weighted_scores(score_options(matrix, CRITERIA_DIRECTIONS), settings.weights)
    assert scores["rank"].min() == 1
    frame = options.assign(value=scores["total"],
                           annual_cost=equivalent_annual_cost(costs, settings.discount_rate,
                                                              settings.appraisal_years))
    package = best_package(frame.drop(index="bau"), settings.budget_per_year, "value",
                           "annual_cost")
    assert frame.loc[package, "annual_cost"].sum() <= settings.budget_per_year
    assert not {"street_lighting", "cctv_car_parks"} <= set(package)
    if "burglary_cocooning" in package:
        assert "locksmith_target_hardening" in package
