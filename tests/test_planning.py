"""Tests for forecast.planning: closed-form answers on deterministic cases, tidy frames."""

import math

import numpy as np
import pandas as pd
import pytest

from forecast.decision import Recommendation, recommend, recommendation_spread, sanity_warnings
from forecast.planning import cost_optimal_headcount, required_headcount, tradeoff_curve
from forecast.sensitivity import compare_scenarios, tornado
from forecast.scenario import Scenario
from forecast.simulation import Simulator

START, END = "2026-03-02", "2026-03-15"  # no public holidays
DATES = pd.date_range(START, END)
N_DAYS = len(DATES)


def deterministic(**changes):
    """Only programme workers, 10 parcels each, no noise, same-day promise."""
    return Scenario().updated({
        "window.start": START, "window.end": END, "staffing.baseline": 0,
        "programme.start": START, "programme.end": END, "programme.bonus_per_worker_day": 0,
        "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
        "attendance.concentration": float("inf"), "promise.working_days": 0,
        "labour.daily_wage": 100, **changes,
    })


def sim(paths, scenario, dates=DATES, seed=0):
    return Simulator(paths, scenario, rng=np.random.default_rng(seed), dates=dates)


@pytest.mark.parametrize("daily", [1234.0, 1000.0, 7.0])
def test_required_headcount_closed_form(daily):
    paths = np.full((4, N_DAYS), daily)
    expected = math.ceil(daily / 10)
    got = required_headcount(sim(paths, deterministic()), target=1.0, alpha=1.0)
    assert got == expected


def test_required_headcount_respects_alpha_across_paths():
    # path i has demand 100 * (i + 1) a day: alpha = 0.5 needs the 5th of 10 paths covered
    paths = 100.0 * np.arange(1, 11)[:, None] * np.ones((10, N_DAYS))
    s = deterministic()
    assert required_headcount(sim(paths, s), target=1.0, alpha=0.5) == 50
    assert required_headcount(sim(paths, s), target=1.0, alpha=1.0) == 100
    assert required_headcount(sim(paths, s), target=0.0, alpha=1.0) == 0


def test_required_headcount_partial_on_time_target():
    # demand 1000/day, capacity 10W: with a same-day promise and FIFO, the backlog grows
    # by (1000 - 10W) a day and cohort d is late by min(1000, (d + 1)(1000 - 10W)).
    daily, n = 1000.0, N_DAYS
    def on_time(w):
        deficit = daily - 10 * w
        late = sum(min(daily, (d + 1) * max(deficit, 0.0)) for d in range(n))
        return 1 - late / (daily * n)
    expected = next(w for w in range(0, 101) if on_time(w) >= 0.9)
    paths = np.full((2, n), daily)
    got = required_headcount(sim(paths, deterministic()), target=0.9, alpha=1.0)
    assert got == expected


def test_required_headcount_unreachable_is_a_value_error():
    # workers only on 10 March: parcels of other days can never be delivered
    s = deterministic(**{"programme.start": "2026-03-10", "programme.end": "2026-03-10"})
    paths = np.full((2, N_DAYS), 100.0)
    message = r"no programme headcount .* \(reached 0.000, over the window"
    with pytest.raises(ValueError, match=message):
        required_headcount(sim(paths, s), target=1.0, alpha=1.0, over="window")
    # judged on programme days only: clear the backlog of 8 days + that day's 100 parcels
    assert required_headcount(sim(paths, s), target=1.0, alpha=1.0) == 90


@pytest.mark.parametrize(("daily", "wage", "expected"), [(1234.0, 100.0, 124), (1000.0, 1000.0, 0)])
def test_cost_optimal_headcount_closed_form(daily, wage, expected):
    # wage 100 < 10 parcels x HK$20: cover demand exactly; wage 1,000 > 10 x HK$65: hire nobody
    paths = np.full((3, N_DAYS), daily)
    s = deterministic(**{"labour.daily_wage": wage})
    assert cost_optimal_headcount(sim(paths, s)) == expected
    assert cost_optimal_headcount(sim(paths, s), lo=expected + 5) == expected + 5  # range


def test_tradeoff_curve_is_monotone_with_marginal_values():
    s = deterministic()
    paths = np.full((3, N_DAYS), 1000.0) * np.array([[0.9], [1.0], [1.1]])
    curve = tradeoff_curve(sim(paths, s), workers=[0, 50, 100, 150])
    assert list(curve["workers"]) == [0, 50, 100, 150]
    assert curve["mean_late"].is_monotonic_decreasing
    assert curve["mean_labour_cost"].is_monotonic_increasing
    assert curve.loc[3, "mean_late"] == 0 and curve.loc[3, "marginal_saving"] == 0
    assert (curve["marginal_cost"] == 100 * N_DAYS).all()  # one more worker-fortnight
    assert (curve["marginal_saving"] >= 0).all()
    # at 100 workers the 1.1x path is 100 parcels a day short: one more worker clears 10
    # of them a day, each saving at least the flat HK$20
    assert curve.loc[2, "marginal_saving"] >= 10 * N_DAYS * 20 / 3 - 1e-6
    assert (curve[["mean_total_cost", "worst_total_cost", "prob_on_target"]] >= 0).all().all()
    assert (curve["worst_total_cost"] >= curve["mean_total_cost"] - 1e-6).all()


def test_compare_scenarios_tidy_and_optimised_is_cheapest_on_average():
    s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    dates = pd.date_range("2026-02-01", "2026-03-10")
    rng = np.random.default_rng(0)
    paths = 150_000 * rng.lognormal(0, 0.15, size=(30, len(dates)))
    best = cost_optimal_headcount(sim(paths, s.updated({"operations.mode": "keep-running"}),
                                      dates=dates))
    cmp = compare_scenarios(paths, s, optimised=best, rng=np.random.default_rng(1), dates=dates)
    assert cmp.index.tolist() == ["shutdown as usual", "keep running", "optimised"]
    assert cmp.loc["shutdown as usual", "programme_workers"] == 0
    assert cmp.loc["optimised", "programme_workers"] == best
    cost = cmp["labour_cost_mean"] + cmp["compensation_mean"]
    assert cost["optimised"] <= cost["keep running"] + 1e-6
    assert cmp.loc["shutdown as usual", "late_mean"] >= cmp.loc["keep running", "late_mean"]


def test_tornado_tidy_sorted_and_directions():
    s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    dates = pd.date_range("2026-02-01", "2026-03-10")
    paths = 170_000 * np.random.default_rng(2).lognormal(0, 0.15, size=(30, len(dates)))
    t = tornado(paths, s, metric="late", rng=np.random.default_rng(0), dates=dates)
    assert list(t.columns) == ["factor", "side", "value", "base", "delta"]
    assert len(t) == 8 and set(t["side"]) == {"low", "high"}
    spread = t.groupby("factor", sort=False)["delta"].apply(lambda d: d.abs().max())
    assert spread.is_monotonic_decreasing
    d = t.set_index(["factor", "side"])["delta"]
    assert d["productivity", "high"] <= 0 <= d["productivity", "low"]
    assert d["demand_uplift", "high"] >= 0 >= d["demand_uplift", "low"]
    assert d["absenteeism", "high"] >= 0
    assert d["compensation_rate", "high"] == 0  # rates do not change lateness


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: required_headcount(sim(p, deterministic()), target=1.5), "target"),
        (lambda p: required_headcount(sim(p, deterministic()), alpha=0), "alpha"),
        (lambda p: cost_optimal_headcount(sim(p, deterministic()), lo=5, hi=2), "range"),
        (lambda p: recommend(sim(p, deterministic()), budget_risk=2), "budget_risk"),
        (lambda p: recommend(sim(p, deterministic()), tail_limit=-1), "tail_limit"),
        (lambda p: required_headcount(p, target=0.9), "Simulator"),
        (lambda p: tradeoff_curve(sim(p, deterministic()), workers=[-1]), "workers"),
        (lambda p: tornado(p, deterministic(), metric="profit", rng=np.random.default_rng(0),
                           dates=DATES), "metric"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(np.full((2, N_DAYS), 100.0))


def test_required_headcount_refuses_when_nothing_is_scored():
    # 3-working-day promise, programme on the window's last two days: every parcel
    # arriving then falls due after the window, so there is nothing to judge
    s = deterministic(**{"promise.working_days": 3, "programme.start": "2026-03-14"})
    paths = np.full((2, N_DAYS), 100.0)
    with pytest.raises(ValueError, match=r"on 2 of 2 paths no parcel arriving on programme "
                       r"days falls due inside the window, so the on-time target cannot"):
        required_headcount(sim(paths, s), target=0.95, alpha=0.9)
    curve = tradeoff_curve(sim(paths, s), workers=[0, 10])
    assert curve["prob_on_target"].isna().all()
    assert curve["mean_late"].notna().all()


def test_tradeoff_prob_on_target_judges_the_same_scope_as_required_headcount():
    # workers only on 10 March (see the unreachable test): 90 clears the programme days
    # but parcels of other days stay late
    s = deterministic(**{"programme.start": "2026-03-10", "programme.end": "2026-03-10"})
    paths = np.full((2, N_DAYS), 100.0)
    need = required_headcount(sim(paths, s), target=1.0, alpha=1.0)
    curve = tradeoff_curve(sim(paths, s), workers=[need - 1, need], target=1.0)
    assert list(curve["prob_on_target"]) == [0.0, 1.0]
    window = tradeoff_curve(sim(paths, s), workers=[need], target=1.0, over="window")
    assert list(window["prob_on_target"]) == [0.0]
    with pytest.raises(ValueError, match="over must be"):
        tradeoff_curve(sim(paths, s), workers=[1], over="days")


# --- the decision rule -----------------------------------------------------------------
def test_recommend_service_binds_when_workers_are_cheap():
    # wage 100/day covers 10 parcels; compensation HK$20+ each: hiring is cheap, but more
    # than demand is pure cost: the service headcount is also the least-cost one
    s = deterministic(**{"budget": 1e9})
    r = recommend(sim(np.full((4, N_DAYS), 1234.0), s), target=1.0, alpha=1.0)
    assert (r.workers, r.binding, r.feasible, r.service_workers) == (124, "service", True, 124)


def test_recommend_cost_binds_above_a_loose_service_target():
    # target met by nobody needed (target 0): the least-cost headcount is 124 (closed form)
    s = deterministic(**{"budget": 1e9})
    r = recommend(sim(np.full((4, N_DAYS), 1234.0), s), target=0.0, alpha=1.0)
    assert (r.workers, r.binding, r.service_workers, r.cost_optimal_workers) == (
        124, "cost", 0, 124)


def test_recommend_budget_pushes_towards_fewer_late_parcels_or_says_it_cannot():
    # 10 of 20 paths need 150 workers, 10 need 100; workers are dear (HK$5,000 a day), so
    # the least-cost plan serves only the service target (alpha 0.5 -> 100 workers); the
    # bonus (HK$10 a worker-day) and compensation count against the budget
    paths = np.vstack([np.full((10, N_DAYS), 1000.0), np.full((10, N_DAYS), 1500.0)])
    s = deterministic(**{"programme.bonus_per_worker_day": 10, "labour.daily_wage": 5000})
    r0 = recommend(sim(paths, s.updated({"budget": 1e9})), target=1.0, alpha=0.5)
    assert (r0.workers, r0.binding) == (100, "service")
    # budget 20,000: at 100 workers half the paths owe compensation for 500 parcels a day
    # (>= HK$140,000) -> P(over) = 0.5; at 150 workers nothing is late and the bonus is
    # 21,000 > budget -> P(over) = 1
    r1 = recommend(sim(paths, s.updated({"budget": 20_000})), target=1.0, alpha=0.5,
                   budget_risk=0.1)
    assert not r1.feasible and r1.binding == "none" and "budget" in r1.reason
    assert r1.reason == ("the on-time target needs at least 100 workers, and on every "
                         "headcount tried from there the chance that bonus and compensation "
                         "exceed the budget stays above the 10% accepted (at best 50%); of "
                         "the least risky, 100 has the least expected cost")
    # every headcount over budget on every path: said as page 1 says it, not as certainty
    r3 = recommend(sim(paths, s.updated({"budget": 1.0})), target=1.0, alpha=0.5)
    assert "stays above the 10% accepted (at best > 99%)" in r3.reason
    # as risky everywhere: the cheapest of them, and the bonus alone is named as the cause
    # (100 workers x HK$10 x 14 days = HK$14,000 > HK$1)
    assert "the programme bonus alone, HK$14,000 at those 100 workers, is over the HK$1 budget: " \
        "raise the budget or lower the bonus" in r3.reason
    # workers cheap, lateness dear: of the headcounts all over budget, not the first one
    # (the service floor, 100) but the cheapest in expectation (150: nobody late)
    cheap = s.updated({"labour.daily_wage": 10, "budget": 1.0})
    r4 = recommend(sim(paths, cheap), target=1.0, alpha=0.5)
    assert not r4.feasible and r4.workers == 150
    # the warning names the headcount first: page 1 cuts a long one at its end, and on the
    # real HK file it lost "the closest is 43,415 workers"
    (warning,) = [w for w in sanity_warnings(sim(paths, cheap), r4)
                  if w.startswith("No headcount")]
    assert warning.startswith("No headcount meets every target; the closest is 150 workers: ")
    # budget 25,000: 150 workers (bonus 21,000, nobody late) is within budget
    r2 = recommend(sim(paths, s.updated({"budget": 25_000})), target=1.0, alpha=0.5,
                   budget_risk=0.1)
    assert (r2.workers, r2.binding, r2.feasible) == (150, "budget", True)


def test_recommend_tail_limit_binds():
    paths = np.vstack([np.full((9, N_DAYS), 1000.0), np.full((1, N_DAYS), 1500.0)])
    s = deterministic(**{"budget": 1e9, "labour.daily_wage": 1000})  # workers are dear
    r = recommend(sim(paths, s), target=1.0, alpha=0.9, tail_limit=0.0)
    assert (r.workers, r.binding, r.tail_workers, r.service_workers) == (150, "tail", 150, 100)
    r = recommend(sim(paths, s), target=1.0, alpha=0.9)
    assert (r.workers, r.binding) == (100, "service")


def test_recommend_says_when_the_service_target_is_unreachable():
    s = deterministic(**{"programme.start": "2026-03-10", "programme.end": "2026-03-10",
                         "budget": 1e9})
    paths = np.full((2, N_DAYS), 100.0)
    r = recommend(sim(paths, s.updated({"compensation.flat": 0.0})), target=1.0, alpha=1.0)
    assert r.feasible and r.workers == 90


def test_an_open_backlog_names_the_baseline_roster_when_it_falls_short_outside_the_programme():
    # programme in week 1 only; in week 2 the baseline roster (50 workers, 10 parcels each
    # at 95% attendance) handles 475 of the 1,000 parcels arriving a day
    s = deterministic(**{"budget": 1e9, "staffing.baseline": 50, "attendance.normal": 0.95,
                         "programme.end": "2026-03-08"})
    simulator = sim(np.full((4, N_DAYS), 1000.0), s)
    rec = Recommendation(100, "service", True, 100, None, 100, "")
    (warning,) = sanity_warnings(simulator, rec)
    assert "3,680 parcels is still queued" in warning
    assert "baseline roster handles about 48%" in warning and "[staffing] baseline" in warning
    # spare capacity before the programme does not hide the shortfall after it
    s = deterministic(**{"budget": 1e9, "staffing.baseline": 100, "attendance.normal": 1.0,
                         "programme.start": "2026-03-07", "programme.end": "2026-03-10"})
    arrivals = np.tile([100.0] * 5 + [1000.0] * 4 + [1500.0] * 5, (4, 1))
    (warning,) = sanity_warnings(sim(arrivals, s),
                                 Recommendation(300, "service", True, 300, None, 300, ""))
    assert "after the programme the baseline roster handles about 67%" in warning
    # the baseline keeps up outside the programme; the programme days are short of staff
    s = deterministic(**{"budget": 1e9, "staffing.baseline": 200, "attendance.normal": 0.95,
                         "programme.start": "2026-03-09",
                         "staffing.overrides": [[d, 0] for d in DATES[7:].date]})
    (warning,) = sanity_warnings(sim(np.full((4, N_DAYS), 1000.0), s),
                                 Recommendation(0, "service", True, 0, None, 0, ""))
    assert warning.endswith("end the window later to count it.")


def test_the_optimised_row_is_the_scenario_with_that_headcount_in_its_own_mode():
    import copy

    s = Scenario().updated({"operations.mode": "shutdown", "staffing.baseline": 1400,
                            "budget": 1e9})
    dates = pd.date_range(s.window.start, s.window.end)
    paths = np.random.default_rng(3).gamma(50, 3000, (40, len(dates)))
    rng = np.random.default_rng(7)
    cmp = compare_scenarios(paths, s, optimised=600, rng=copy.deepcopy(rng), dates=dates)
    plan = Simulator(paths, s, rng=rng, dates=dates).results(600).decision_summary(0.95)
    pd.testing.assert_series_equal(cmp.loc["optimised"].astype(float), plan.astype(float),
                                   check_names=False)


def test_the_search_limit_covers_the_queue_built_before_the_programme():
    """With no one at work before a 4-day programme, a network's hubs were searched only up
    to twice their busiest day: the warning said no split reaches the target (64% on the
    real HK file) where the one-site search, with no such limit, found one."""
    from forecast.planning import upper_bound

    paths = np.full((3, N_DAYS), 1000.0)  # 14 days; nobody at work before 12 Mar
    s = deterministic(**{"programme.start": "2026-03-12"})
    limit = upper_bound(sim(paths, s))
    assert limit >= 2 * 14_000 / (10 * 4)  # all 14 days' parcels in the 4 programme days
    assert upper_bound(sim(paths, deterministic())) == 2 * 100 + 1  # the busiest day's
