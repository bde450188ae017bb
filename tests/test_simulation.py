"""Tests for forecast.simulation: costs by hand on deterministic cases, invariants, inputs."""

import numpy as np
import pandas as pd
import pytest

from forecast.capacity import late_volume
from forecast.calendar import promise_deadlines
from forecast.scenario import Scenario
from forecast.simulation import METRICS, simulate

START, END = "2026-02-02", "2026-03-01"  # LNY 2026-02-17 inside
DATES = pd.date_range(START, END)
N_DAYS = len(DATES)

DETERMINISTIC = {
    "window.start": START, "window.end": END,
    "productivity.cv": 0.0, "attendance.concentration": float("inf"),
}


def scenario(**changes):
    return Scenario().updated({**DETERMINISTIC, **changes})


def RNG():
    return np.random.default_rng(0)


def demand(n_paths=30, seed=0, level=150_000.0):
    rng = np.random.default_rng(seed)
    return level * rng.lognormal(0.0, 0.2, size=(n_paths, N_DAYS))


def tidy(arrivals, uid="total"):
    n_paths, n_days = arrivals.shape
    return pd.DataFrame({
        "unique_id": uid,
        "ds": np.tile(DATES, n_paths),
        "sample_id": np.repeat(np.arange(n_paths), n_days),
        "y": arrivals.ravel(),
    })


def test_deterministic_case_matches_hand_computation():
    s = scenario(**{"attendance.normal": 1.0, "attendance.lny": 0.5, "attendance.programme": 1.0})
    arrivals = demand(5)
    res = simulate(arrivals, s, rng=np.random.default_rng(0), dates=DATES)
    days = DATES.date
    lny = (days >= pd.Timestamp("2026-02-12").date()) & (days <= pd.Timestamp("2026-02-23").date())
    prog = (days >= s.programme.start) & (days <= s.programme.end)
    workers = 1500 * np.where(lny, 0.5, 1.0) + 1500 * prog
    capacity = workers * 120.0
    due = (promise_deadlines(DATES, 3, "HK") - DATES[0]).days.to_numpy()
    late = late_volume(arrivals, capacity, due)
    np.testing.assert_allclose(res.per_path["late"], late.sum(axis=1))
    holiday = np.isin(DATES.strftime("%m-%d"), ["02-17", "02-18", "02-19"])
    wages = (workers * 750 * np.where(holiday, 2.0, 1.0)).sum() + prog.sum() * 1500 * 238
    np.testing.assert_allclose(res.per_path["labour_cost"], wages)
    np.testing.assert_allclose(res.per_path["programme_cost"], prog.sum() * 1500 * 238)
    scored = arrivals[:, due < N_DAYS].sum(axis=1)
    np.testing.assert_allclose(res.per_path["on_time_rate"], 1 - late.sum(axis=1) / scored)


def test_tiered_compensation_by_working_days_late():
    # one day of 1,000 parcels, then nothing; no capacity until the very end of the window
    s = scenario(**{"staffing.baseline": 0, "programme.workers": 0,
                    "staffing.overrides": {"2026-02-27": 100}, "attendance.normal": 1.0})
    arrivals = np.zeros((1, N_DAYS))
    arrivals[0, 0] = 1000.0  # Mon 2 Feb, due Thu 5 Feb; processed Fri 27 Feb: 3+ days late
    res = simulate(arrivals, s, rng=RNG(), dates=DATES)
    assert res.per_path["late"].iloc[0] == 1000.0
    assert res.per_path["compensation"].iloc[0] == pytest.approx(1000 * 65.0)
    # one working day late pays only the flat rate
    s1 = s.updated({"staffing.overrides": {"2026-02-06": 100}})
    assert simulate(arrivals, s1, rng=RNG(), dates=DATES).per_path["compensation"].iloc[0] == pytest.approx(
        1000 * 20.0
    )


def test_invariants_no_negative_costs_and_late_within_arrivals():
    res = simulate(demand(40), Scenario().updated({"window.start": START, "window.end": END}),
                   rng=np.random.default_rng(3), dates=DATES)
    pp = res.per_path
    assert list(pp.columns) == list(METRICS)
    for col in ("compensation", "labour_cost", "programme_cost", "total_cost", "late",
                "peak_backlog", "backlog_days"):
        assert (pp[col] >= 0).all(), col
    assert (pp["late"] <= pp["arrivals"] + 1e-6).all()
    assert pp["on_time_rate"].between(0, 1).all()
    np.testing.assert_allclose(pp["total_cost"], pp["labour_cost"] + pp["compensation"])


def test_zero_late_when_capacity_always_covers_demand():
    s = scenario(**{"staffing.baseline": 10_000, "attendance.lny": 0.95})
    res = simulate(demand(20), s, rng=RNG(), dates=DATES)
    assert (res.per_path["late"] == 0).all()
    assert (res.per_path["compensation"] == 0).all()
    assert (res.backlog == 0).all()


def test_shutdown_closes_the_network_on_lny_days_1_to_3():
    s = scenario(**{"operations.mode": "shutdown"})
    res = simulate(demand(10), s, rng=RNG(), dates=DATES)
    closed = np.isin(DATES.strftime("%m-%d"), ["02-17", "02-18", "02-19"])
    idx = np.flatnonzero(closed)
    assert (np.diff(res.backlog[:, idx[0] - 1: idx[-1] + 1], axis=1) > 0).all()  # only grows
    keep = simulate(demand(10), scenario(), rng=RNG(), dates=DATES)
    assert (res.per_path["late"] >= keep.per_path["late"] - 1e-6).all()


def test_frame_and_array_inputs_agree_and_series_is_selected():
    arrivals = demand(8)
    frame = pd.concat([tidy(arrivals), tidy(arrivals * 3, uid="kwai-chung")])
    s = scenario()
    a = simulate(arrivals, s, rng=np.random.default_rng(5), dates=DATES).per_path
    f = simulate(frame, s, rng=np.random.default_rng(5)).per_path
    pd.testing.assert_frame_equal(a, f)
    with pytest.raises(ValueError, match=r"unique_id 'nowhere' not in the paths; available"):
        simulate(frame, s.updated({"unique_id": "nowhere"}), rng=RNG())


def test_seed_reproducible_and_streams_differ():
    s = Scenario().updated({"window.start": START, "window.end": END})
    arrivals = demand(20, level=170_000)
    a = simulate(arrivals, s, rng=np.random.default_rng(1), dates=DATES).per_path
    pd.testing.assert_frame_equal(a, simulate(arrivals, s, rng=np.random.default_rng(1), dates=DATES).per_path)
    b = simulate(arrivals, s, rng=np.random.default_rng(2), dates=DATES).per_path
    assert not a["labour_cost"].equals(b["labour_cost"])


def test_summary_frame_budget_and_fan():
    s = Scenario().updated({"window.start": START, "window.end": END, "budget": 5e6})
    res = simulate(demand(50, level=170_000), s, rng=np.random.default_rng(0), dates=DATES)
    summary = res.summary_frame(level=(50, 80))
    assert list(summary.columns) == ["mean", "median", "lo-50", "hi-50", "lo-80", "hi-80",
                                     "worst-10"]
    assert list(summary.index) == list(METRICS)
    cost = summary.loc["total_cost"]
    assert cost["lo-80"] <= cost["lo-50"] <= cost["median"] <= cost["hi-50"] <= cost["hi-80"]
    top5 = np.sort(res.per_path["total_cost"].to_numpy())[-5:].mean()  # worst 10% of 50
    assert cost["worst-10"] == pytest.approx(top5)
    low5 = np.sort(res.per_path["on_time_rate"].to_numpy())[:5].mean()
    assert summary.loc["on_time_rate", "worst-10"] == pytest.approx(low5)
    spend = res.per_path["programme_cost"] + res.per_path["compensation"]
    assert np.allclose(res.per_path["spend"], spend)
    assert res.prob_over_budget == pytest.approx((spend > 5e6).mean())
    assert res.prob_on_time(0.95) == pytest.approx(
        (res.per_path["on_time_rate_programme"] >= 0.95).mean())
    d = res.decision_summary(0.95)
    assert d["late_worst"] == pytest.approx(res.tail_mean("late"))
    assert d["p_on_time"] == res.prob_on_time(0.95) and d["p_over_budget"] == res.prob_over_budget
    pp = res.per_path
    assert (pp["demand"] >= pp["arrivals"] - 1e-6).all()
    assert np.allclose(pp["end_backlog"], res.backlog[:, -1])
    fan = res.backlog_fan(level=(80, 50))
    assert list(fan.columns) == ["unique_id", "ds", "backlog", "backlog-lo-50", "backlog-hi-50",
                                 "backlog-lo-80", "backlog-hi-80"]
    assert len(fan) == N_DAYS and (fan["backlog-lo-80"] <= fan["backlog-hi-80"]).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"paths": np.ones((3, 5)), "dates": DATES[:5]}, "must cover every day"),
        ({"paths": np.ones((3, N_DAYS))}, "dates are required"),
        ({"paths": np.ones((3, N_DAYS - 1)), "dates": DATES}, "shape"),
        ({"paths": -np.ones((3, N_DAYS)), "dates": DATES}, "finite and >= 0"),
        ({"paths": np.full((3, N_DAYS), np.nan), "dates": DATES}, "finite and >= 0"),
        ({"paths": pd.DataFrame({"ds": DATES, "y": 1.0})}, r"lacks column\(s\) \['sample_id'\]"),
    ],
)
def test_bad_paths_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate(scenario=scenario(), rng=RNG(), **kwargs)


def test_gap_in_a_sample_path_is_reported():
    frame = tidy(demand(3)).drop(index=5)
    with pytest.raises(ValueError, match="missing a day"):
        simulate(frame, scenario(), rng=RNG())


def test_holiday_premium_follows_hong_kong_holidays_whatever_the_promise_calendar():
    # 2026: HK holidays LNY days 1-3 (17-19 Feb); mainland China's Spring Festival break is
    # longer. Labour cost does not depend on the promise calendar otherwise.
    arrivals = demand(3)
    hk = simulate(arrivals, scenario(), rng=RNG(), dates=DATES).per_path
    cn = simulate(arrivals, scenario(**{"promise.calendar": "CN"}), rng=RNG(), dates=DATES).per_path
    np.testing.assert_allclose(cn["labour_cost"], hk["labour_cost"])
    s = scenario(**{"attendance.normal": 1.0, "attendance.lny": 1.0, "attendance.programme": 1.0,
                    "programme.workers": 0, "promise.calendar": "CN"})
    res = simulate(arrivals, s, rng=RNG(), dates=DATES)
    holiday = np.isin(DATES.strftime("%m-%d"), ["02-17", "02-18", "02-19"])
    np.testing.assert_allclose(res.per_path["labour_cost"],
                               (1500 * 750 * np.where(holiday, 2.0, 1.0)).sum())


def test_on_time_rate_is_nan_when_nothing_is_due_inside_the_window():
    # a programme on the last day (Sun 1 Mar): its parcels fall due after the window
    s = scenario(**{"programme.start": END, "programme.end": END})
    pp = simulate(demand(4), s, rng=np.random.default_rng(0), dates=DATES).per_path
    assert pp["on_time_rate_programme"].isna().all()
    assert pp["on_time_rate"].between(0, 1).all()
    assert np.isnan(simulate(demand(4), s, rng=np.random.default_rng(0), dates=DATES).summary_frame().loc[
        "on_time_rate_programme", "mean"])


# --- an open backlog at window.start (re-planning mid-holiday) ---------------------------
# START is Mon 2 Feb 2026. With the HK calendar (Mon-Sat, no holiday in late January) and the
# 3-working-day promise, a parcel received on Thu 29 Jan is due Mon 2 Feb; the compensation
# thresholds (1, 2 and 3+ working days late) fall 0, 1 and 2 working days after it.

FLAT = 100_000.0  # parcels a day in the window: under the 180,000 a day of 1,500 x 120


def flat(n_paths=3):
    return np.full((n_paths, N_DAYS), FLAT)


def with_backlog(s, parcels):
    return s.updated({"backlog.parcels": parcels})


def test_backlog_cleared_on_day_one_before_its_deadlines_adds_no_late_parcel():
    s = scenario(**{"attendance.normal": 1.0, "demand_uplift": 2.0})
    backlog = [["2026-01-30", 20_000.0], ["2026-01-31", 30_000.0]]  # due Tue 3, Wed 4 Feb
    base = simulate(flat() / 2, s, rng=RNG(), dates=DATES)
    res = simulate(flat() / 2, with_backlog(s, backlog), rng=RNG(), dates=DATES)
    pp, pp0 = res.per_path, base.per_path
    # day one's 180,000 clears the 50,000 open parcels and the day's 100,000 arrivals
    assert (pp["late"] == 0).all() and (pp["compensation"] == 0).all()
    assert (pp["on_time_rate"] == 1).all() and (res.backlog == 0).all()
    # counted parcels, not a forecast: demand_uplift (2 here) leaves them alone
    np.testing.assert_allclose(pp["demand"], pp0["demand"] + 50_000)
    np.testing.assert_allclose(pp["arrivals"], pp0["arrivals"] + 50_000)
    for same in ("labour_cost", "programme_cost", "on_time_rate_programme"):
        np.testing.assert_array_equal(pp[same], pp0[same])
    assert res.dates.equals(DATES) and res.backlog.shape == (3, N_DAYS)


def test_backlog_past_its_deadline_is_late_and_compensated_from_its_arrival_day():
    s = scenario(**{"attendance.normal": 1.0})
    backlog = [
        ["2026-01-22", 1_000.0],  # Thu: due Mon 26 Jan; delivered Mon 2 Feb, 3+ days late
        ["2026-01-27", 2_000.0],  # Tue: due Fri 30 Jan; 2 working days late (Sat 31, Mon 2)
        ["2026-01-28", 4_000.0],  # Wed: due Sat 31 Jan; 1 working day late
        ["2026-01-29", 8_000.0],  # Thu: due Mon 2 Feb; on time
    ]
    res = simulate(flat(), with_backlog(s, backlog), rng=RNG(), dates=DATES)
    base = simulate(flat(), s, rng=RNG(), dates=DATES).per_path
    comp = s.compensation
    assert [comp.per_parcel(k) for k in (3, 2, 1)] == [65.0, 40.0, 20.0]
    pp = res.per_path
    np.testing.assert_array_equal(pp["late"], 7_000.0)
    np.testing.assert_allclose(pp["compensation"], 1_000 * 65 + 2_000 * 40 + 4_000 * 20)
    np.testing.assert_allclose(pp["spend"], base["spend"] + 1_000 * 65 + 2_000 * 40 + 4_000 * 20)
    np.testing.assert_allclose(pp["on_time_rate"], 1 - 7_000 / (base["arrivals"] + 15_000))


def test_backlog_is_served_first_closed_form():
    # Same-day promise. 180,000 open parcels from Sat 31 Jan (already late, 1 working day
    # late if delivered Mon 2 Feb) fill Monday's 180,000 capacity: FIFO serves them first,
    # so all of Monday's 100,000 wait to Tuesday (1 day late), where 80,000 of Tuesday's
    # 100,000 follow them and 20,000 wait to Wednesday. HK$20 per parcel each.
    s = scenario(**{"attendance.normal": 1.0, "promise.working_days": 0})
    res = simulate(flat(1), with_backlog(s, [["2026-01-31", 180_000.0]]), rng=RNG(), dates=DATES)
    pp = res.per_path.iloc[0]
    assert pp["late"] == 180_000 + 100_000 + 20_000
    # (served after Monday's parcels instead, 100,000 of them would pay the HK$40 tier)
    assert pp["compensation"] == pytest.approx(300_000 * 20.0)
    np.testing.assert_allclose(res.backlog[0, :3], [100_000.0, 20_000.0, 0.0])
    assert pp["end_backlog"] == 0 and pp["peak_backlog"] == 100_000


def test_backlog_matches_the_queue_on_hand_built_extended_arrays():
    from forecast.capacity import backlog as queue_backlog
    from forecast.simulation import Simulator

    s = scenario(**{"staffing.baseline": 1300})
    parcels = [["2026-01-12", 5_000.0], ["2026-01-26", 150_000.0], ["2026-01-30", 90_000.0]]
    arrivals = demand(6, level=170_000)
    sim = Simulator(arrivals, with_backlog(s, parcels), rng=RNG(), dates=DATES)
    res = sim.results()
    # reference: every day from the oldest backlog date, no capacity before the window
    days = pd.date_range(parcels[0][0], END)
    pre = len(days) - N_DAYS
    a = np.zeros((6, len(days)))
    for day, volume in parcels:
        a[:, days.get_loc(pd.Timestamp(day))] = volume
    a[:, pre:] = arrivals
    c = np.zeros((6, len(days)))
    c[:, pre:] = sim.capacity()
    lates = [late_volume(a, c, (promise_deadlines(days, 3 + k - 1, "HK") - days[0]).days
                         .to_numpy()) for k in (1, 2, 3)]
    pp = res.per_path
    np.testing.assert_allclose(pp["late"], lates[0].sum(axis=1))
    np.testing.assert_allclose(pp["compensation"], sum(
        w * late.sum(axis=1) for w, late in zip((20.0, 20.0, 25.0), lates)))
    np.testing.assert_allclose(res.backlog, queue_backlog(a, c)[:, pre:])
    np.testing.assert_allclose(pp["demand"], a.sum(axis=1))
    assert (lates[0][:, :pre].sum(axis=1) > 0).all()  # the old cohorts are late
    assert (pp["late"] > simulate(arrivals, s, rng=RNG(), dates=DATES).per_path["late"]).all()


def test_an_empty_backlog_gives_exactly_the_numbers_without_one():
    from forecast.capacity import backlog as queue_backlog
    from forecast.simulation import Simulator

    s = scenario(**{"staffing.baseline": 700})
    assert s.updated({"backlog.parcels": []}) == s and s.backlog.parcels == ()
    arrivals = demand(8, level=170_000)
    sim = Simulator(arrivals, s, rng=RNG(), dates=DATES)
    res = sim.results()
    # the window's queue alone, bit for bit
    due = (promise_deadlines(DATES, 3, "HK") - DATES[0]).days.to_numpy()
    late = late_volume(arrivals, sim.capacity(), due)
    assert (late.sum(axis=1) > 0).all()
    np.testing.assert_array_equal(res.per_path["late"], late.sum(axis=1))
    np.testing.assert_array_equal(res.per_path["demand"], arrivals.sum(axis=1))
    np.testing.assert_array_equal(res.backlog, queue_backlog(arrivals, sim.capacity()))
    # cohorts of no parcels change nothing but the rounding of sums
    zero = simulate(arrivals, with_backlog(s, [["2026-01-25", 0.0], ["2026-01-31", 0.0]]),
                    rng=RNG(), dates=DATES)
    pd.testing.assert_frame_equal(res.per_path, zero.per_path, rtol=1e-12)
    np.testing.assert_array_equal(res.backlog, zero.backlog)
    assert res.dates.equals(zero.dates)


def test_a_large_open_backlog_raises_the_service_headcount():
    from forecast.planning import required_headcount
    from forecast.simulation import Simulator

    # the deterministic case of required_headcount's example: 1,000 parcels a day, 10 per
    # worker, same-day promise, programme every day: 100 workers. 5,000 open parcels are
    # served first on day one, so day one's 1,000 are on time only with 6,000 capacity.
    s = Scenario().updated({
        "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
        "programme.start": "2026-03-02", "programme.end": "2026-03-15",
        "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
        "attendance.concentration": float("inf"), "promise.working_days": 0})
    dates = pd.date_range("2026-03-02", "2026-03-15")

    def service(scen):
        sim = Simulator(np.full((5, 14), 1000.0), scen, rng=RNG(), dates=dates)
        return required_headcount(sim, target=1.0, alpha=1.0)

    assert service(s) == 100
    assert service(with_backlog(s, [["2026-02-27", 2_000.0], ["2026-03-01", 3_000.0]])) == 600


def test_paths_that_miss_the_window_are_refused_naming_both_ranges_and_the_way_out():
    from forecast.simulation import Simulator

    later = pd.DatetimeIndex(DATES) + pd.Timedelta(days=365)
    with pytest.raises(ValueError, match=r"they cover \d{4}-\d\d-\d\d \.\. \d{4}-\d\d-\d\d: "
                                         r"draw them over the window .*Scenario\.for_lny"):
        Simulator(demand(), scenario(), rng=RNG(), dates=later)
