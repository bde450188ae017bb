"""Tests for forecast.roster: closed-form rosters, the never-worse-than-flat guarantee,
the frames a chart reads, and argument checks."""

import numpy as np
import pandas as pd
import pytest

from forecast.decision import recommend
from forecast.roster import OUTSIDE, PLANS, SUMMARY_COLUMNS, Roster, optimise_roster
from forecast.roster_search import CONSTRAINTS, Judgement
from forecast.scenario import Scenario
from forecast.simulation import Simulator
from forecast.statistics import prob_above, prob_at_least, tail_mean

START, END = "2026-03-02", "2026-03-15"  # no public holidays
DATES = pd.date_range(START, END)
N_DAYS = len(DATES)
# LNY 2026 = 17 Feb: cutoff 7-15 Feb (9 days), eve 16, closure 17-20, restart 21-27
LNY_START, LNY_END = "2026-02-07", "2026-02-27"
LNY_DATES = pd.date_range(LNY_START, LNY_END)
PHASE_DEMAND = {"cutoff": 600.0, "eve": 300.0, "closure": 100.0, "restart": 1500.0}


def deterministic(start=START, end=END, **changes):
    """Only programme workers, 10 parcels each, no noise, same-day promise, HK$100 a day
    (cheaper than the HK$20+ compensation of the 10 parcels a worker handles)."""
    return Scenario().updated({
        "window.start": start, "window.end": end, "staffing.baseline": 0,
        "programme.start": start, "programme.end": end, "programme.bonus_per_worker_day": 0,
        "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
        "attendance.concentration": float("inf"), "promise.working_days": 0,
        "labour.daily_wage": 100, "labour.holiday_premium": 1, "budget": 1e9, **changes,
    })


def sim(paths, scenario, dates=DATES, seed=0):
    return Simulator(paths, scenario, rng=np.random.default_rng(seed), dates=dates)


def by_day_demand(n_paths=3):
    daily = 10.0 * np.array([100, 60, 140, 20, 100, 100, 250, 80, 0, 130, 70, 90, 200, 40])
    return daily, np.tile(daily, (n_paths, 1))


def lny_demand(n_paths=3):
    labels = phase_of(LNY_DATES)
    daily = np.array([PHASE_DEMAND[p] for p in labels])
    return labels, daily, np.tile(daily, (n_paths, 1))


def phase_of(dates):
    """The default LNY phase of each date of LNY_DATES (written out: the expected answer)."""
    offset = (dates - pd.Timestamp("2026-02-17")).days
    return np.select([offset <= -2, offset == -1, offset <= 3], ["cutoff", "eve", "closure"],
                     "restart")


# --- closed forms ----------------------------------------------------------------------
@pytest.mark.parametrize(("target", "binding"), [(1.0, "service"), (0.0, "cost")])
def test_by_day_roster_matches_demand_exactly(target, binding):
    # capacity 10 x workers must cover each day's parcels (same-day promise, FIFO); one
    # worker fewer leaves 10 parcels late (>= HK$200 > HK$100 wage), one more is waste:
    # the optimum is demand / 10 on every day, whatever the service target
    daily, paths = by_day_demand()
    r = optimise_roster(sim(paths, deterministic()), target=target, alpha=1.0, by="day")
    assert r.days["workers"].tolist() == (daily / 10).astype(int).tolist()
    assert r.converged and r.feasible and r.binding == binding
    flat = r.flat_workers
    assert flat == recommend(sim(paths, deterministic()), target=target, alpha=1.0).workers
    expected = 100 * (daily / 10).sum()
    assert r.summary.loc["roster", "expected_cost"] == pytest.approx(expected)
    assert r.summary.loc["roster", "late_mean"] == 0
    assert r.daily["capacity"].tolist() == pytest.approx(daily.tolist())  # 10 x workers


def test_by_phase_roster_matches_each_phases_demand():
    labels, daily, paths = lny_demand()
    s = deterministic(LNY_START, LNY_END)
    r = optimise_roster(sim(paths, s, LNY_DATES), target=1.0, alpha=1.0, by="phase")
    assert r.days["phase"].tolist() == labels.tolist()
    per_phase = r.days.groupby("phase", sort=False)["workers"].agg(["min", "max", "size"])
    assert per_phase.index.tolist() == ["cutoff", "eve", "closure", "restart"]
    assert per_phase["size"].tolist() == [9, 1, 4, 7]
    assert (per_phase["min"] == per_phase["max"]).all()  # one headcount per phase
    assert per_phase["min"].to_dict() == {p: int(v / 10) for p, v in PHASE_DEMAND.items()}
    assert r.flat_workers == 150 and r.binding == "service"
    assert r.saving == pytest.approx(100 * (150 * 21 - daily.sum() / 10))
    assert r.summary.loc["roster", "worker_days"] == daily.sum() / 10


def test_only_the_flat_programme_is_feasible_returns_it():
    # the same demand every day with target 1: one worker fewer anywhere misses the target
    paths = np.full((3, N_DAYS), 1234.0)
    for by in ("phase", "day"):
        r = optimise_roster(sim(paths, deterministic()), target=1.0, alpha=1.0, by=by)
        assert (r.days["workers"] == 124).all() and r.flat_workers == 124
        assert r.saving == 0 and r.binding == "service" and r.feasible and r.flat_feasible
        assert r.summary.loc["roster"].equals(r.summary.loc["flat"])


# --- the guarantee on noisy paths ------------------------------------------------------
def noisy(seed, n_paths=40):
    s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10",
                            "programme.workers": 300.0})
    dates = pd.date_range("2026-02-01", "2026-03-10")
    rng = np.random.default_rng(seed)
    paths = 160_000 * rng.lognormal(0, 0.2, size=(n_paths, len(dates)))
    return sim(paths, s, dates, seed)


def check_constraints(simulator, workers, *, target, alpha, budget_risk, tail_limit):
    m = simulator.metrics(workers)
    assert prob_at_least(m["on_time_rate_programme"], target) >= alpha
    assert prob_above(m["spend"], simulator.scenario.budget) <= budget_risk
    assert tail_mean(m["compensation"]) <= tail_limit
    return float(m["total_cost"].mean())


@pytest.mark.parametrize(("seed", "by", "max_evaluations"),
                         [(0, "phase", 1000), (1, "phase", 1000), (2, "day", 60)])
def test_roster_never_costs_more_than_flat_and_meets_every_constraint(seed, by,
                                                                      max_evaluations):
    s = noisy(seed)
    options = {"target": 0.95, "alpha": 0.8, "budget_risk": 0.5}
    flat = recommend(s, **options)
    assert flat.feasible
    m = s.metrics(flat.workers)
    options["tail_limit"] = tail_mean(m["compensation"]) * 1.2 + 1  # binding in some paths
    r = optimise_roster(s, **options, by=by, flat_workers=flat.workers,
                        max_evaluations=max_evaluations)
    assert r.feasible and r.flat_feasible and r.binding != "none"
    assert r.converged is (by == "phase")  # 60 evaluations cannot finish 22 days
    assert r.evaluations <= max_evaluations + 2
    cost = check_constraints(s, r.workers, **options)  # recomputed independently
    assert cost == pytest.approx(r.summary.loc["roster", "expected_cost"])
    assert cost <= r.summary.loc["flat", "expected_cost"] + 1e-6
    assert r.saving >= 0


def test_infeasible_flat_gives_a_roster_that_misses_by_no_more():
    s = noisy(3)
    s_tight = Simulator(s.arrivals, s.scenario.updated({"budget": 2e6}),
                        rng=np.random.default_rng(3), dates=s.plan.dates)
    r = optimise_roster(s_tight, target=0.95, alpha=0.8, budget_risk=0.05)
    row = r.summary
    # the flat programme meets the service target but not the budget risk; so does the
    # roster, with a lower risk (service first, then the budget: as recommend's closest)
    assert not r.flat_feasible and not r.feasible and r.binding == "none"
    assert row.loc["flat", "p_on_time"] >= 0.8 and row.loc["roster", "p_on_time"] >= 0.8
    assert row.loc["roster", "p_over_budget"] < row.loc["flat", "p_over_budget"]


def test_judgement_key_orders_service_then_tail_then_budget_then_cost():
    ok = Judgement(10.0, 1.0, 0.0, 0.0, (0.0, 0.0, 0.0))
    assert Judgement(9.0, 1.0, 0.0, 0.0, (0.0, 0.0, 0.0)).better(ok)
    assert not Judgement(1.0, 0.5, 0.0, 0.0, (0.1, 0.0, 0.0)).better(ok)
    assert Judgement(99.0, 0.9, 0.9, 9.0, (0.0, 0.5, 0.9)).better(
        Judgement(1.0, 0.8, 0.0, 0.0, (0.01, 0.0, 0.0)))
    assert not Judgement(10.0 - 1e-12, 1.0, 0.0, 0.0, (0.0,) * 3).better(ok)  # round-off
    assert CONSTRAINTS == ("service", "tail", "budget")


# --- the frames a chart and a table read ------------------------------------------------
def test_frames_are_tidy_and_late_parcels_reconcile():
    s = noisy(4, n_paths=30)
    r = optimise_roster(s, target=0.95, alpha=0.8, budget_risk=1.0)
    assert isinstance(r, Roster)
    assert list(r.days.columns) == ["ds", "phase", "workers"]
    assert len(r.days) == 14 and r.days["workers"].dtype == np.int64
    assert r.days["ds"].tolist() == list(pd.date_range("2026-02-10", "2026-02-23"))
    assert r.summary.index.tolist() == list(PLANS)
    assert r.summary.columns.tolist() == list(SUMMARY_COLUMNS)
    d = r.daily
    assert len(d) == 38 and d.notna().all().all()
    assert d.loc[~d["programme"], "workers"].eq(0).all()
    assert d["phase"].iloc[-1] == OUTSIDE and "closure" in set(d["phase"])
    for col in ("demand", "capacity"):  # mean/median inside the interval
        assert (d[f"{col}-lo-80"] <= d[col] + 1e-6).all()
        assert (d[col] <= d[f"{col}-hi-80"] + 1e-6).all()
    # late parcels by arrival day add up to the per-path totals of the simulation
    assert d["late"].sum() == pytest.approx(r.summary.loc["roster", "late_mean"])
    assert d["late_flat"].sum() == pytest.approx(r.summary.loc["flat", "late_mean"])
    by_phase = r.late_by_phase()
    assert by_phase["days"].sum() == 38
    assert by_phase["late"].sum() == pytest.approx(d["late"].sum())
    assert r.late_by_day()["late"].tolist() == d["late"].tolist()


def test_an_open_backlog_is_queued_first_and_its_late_parcels_are_in_no_window_day():
    """A [backlog] once crashed the roster's per-day frame (its due days include the
    backlog's columns): `forecast run` failed on any scenario with one."""
    daily, paths = by_day_demand()
    s = deterministic(**{"backlog.parcels": [["2026-02-28", 300.0], ["2026-03-01", 200.0]],
                         "promise.working_days": 1})
    simulator = sim(paths, s)
    r = optimise_roster(simulator, target=0.9, alpha=0.9, budget_risk=1.0, by="day")
    assert len(r.daily) == N_DAYS
    late_total = simulator.results(r.days["workers"].to_numpy()).per_path["late"].mean()
    assert 0 <= r.daily["late"].sum() <= late_total + 1e-6
    queued_only = simulator.late_by_day(0)  # nobody at work: every parcel due in the window
    assert queued_only.shape == (len(paths), N_DAYS)  # is late
    np.testing.assert_allclose(queued_only[:, :12], paths[:, :12])  # due by Fri 13 Mar
    assert simulator.late_by_day(10_000).sum() == 0
    # staff enough to clear the backlog in time: the window days' late parcels are all the
    # late parcels there are (ignoring the backlog gives fewer)
    np.testing.assert_allclose(simulator.late_by_day(50).sum(axis=1),
                               simulator.metrics(50)["late"])
    assert simulator.metrics(50)["late"].min() > 0
    # the backlog's own late parcels are the rest, and the roster states them
    np.testing.assert_allclose(simulator.late_by_day(0).sum(axis=1)
                               + simulator.late_backlog(0).sum(axis=1),
                               simulator.metrics(0)["late"])
    assert simulator.late_backlog(0).shape == (len(paths), 2)
    assert r.backlog["ds"].dt.strftime("%m-%d").tolist() == ["02-28", "03-01"]
    assert r.backlog["parcels"].tolist() == [300.0, 200.0]
    assert r.daily["late"].sum() + r.backlog["late"].sum() == pytest.approx(
        r.summary.loc["roster", "late_mean"])


def test_days_without_operations_get_no_workers():
    _, _, paths = lny_demand()
    s = deterministic(LNY_START, LNY_END, **{"operations.mode": "shutdown"})
    r = optimise_roster(sim(paths, s, LNY_DATES), target=0.0, alpha=1.0, by="day")
    shut = r.days["ds"].between("2026-02-17", "2026-02-19")  # closure offsets 0..2
    assert (r.days.loc[shut, "workers"] == 0).all()
    assert (r.daily.loc[r.daily["ds"].between("2026-02-17", "2026-02-19"), "capacity"]
            == 0).all()


# --- arguments ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"by": "week"}, "by must be one of phase, day, got 'week'"),
        ({"target": 1.5}, r"target must lie in \[0, 1\]"),
        ({"alpha": 0}, r"alpha must lie in \(0, 1\]"),
        ({"budget_risk": 2}, r"budget_risk must lie in \[0, 1\]"),
        ({"tail": 0}, r"tail must lie in \(0, 1\]"),
        ({"tail_limit": -1}, "tail_limit must be a number of HK\\$ >= 0 or None"),
        ({"max_evaluations": 0}, "max_evaluations must be an integer >= 1, got 0"),
        ({"flat_workers": -1}, "flat_workers must be an integer >= 0"),
        ({"flat_workers": 2.5}, "flat_workers must be an integer >= 0, got 2.5"),
        ({"level": 100}, "level must lie strictly between 0 and 100"),
        ({"rtol": 0.5}, r"rtol must lie in \[0, 0.01\]"),
    ],
)
def test_bad_arguments_name_what_is_allowed(options, match):
    with pytest.raises(ValueError, match=match):
        optimise_roster(sim(np.full((2, N_DAYS), 100.0), deterministic()), **options)


def test_bad_simulator_and_unjudgeable_paths():
    with pytest.raises(ValueError, match="sim must be a forecast.simulation.Simulator"):
        optimise_roster(np.full((2, N_DAYS), 100.0))
    # 3-working-day promise, programme on the window's last two days: nothing to judge
    s = deterministic(**{"promise.working_days": 3, "programme.start": "2026-03-14"})
    with pytest.raises(ValueError, match="no parcel arriving on programme days falls due"):
        optimise_roster(sim(np.full((2, N_DAYS), 100.0), s), flat_workers=10)
