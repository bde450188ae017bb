"""Zeros, closures and small counts, each from a small synthetic input (issue 10)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import fit_sample

from forecast.calendar import days_to_lny
from forecast.models import ShortHistoryWarning, StateSpaceModel, make_model
from forecast.models.features import regime_start
from forecast.models.testing import TOY_LNY_TRUTH, toy_history
from forecast.models.zeros import Closures, closed_runs, find_closures

LNY_2026 = pd.Timestamp("2026-02-17")


def _paths(model, df, h, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(df, rng=np.random.default_rng(seed))
    p = model.sample_paths(h, n_paths=1000, rng=np.random.default_rng(seed + 1))
    return p.assign(offset=days_to_lny(p.ds))


def _by_offset(p):
    g = p.groupby("offset").y
    return pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)})


def _truth_at(df_full, offset):
    """Mean of the true series at an LNY offset in the forecast year (no noise)."""
    d = df_full[df_full.ds == LNY_2026 + pd.Timedelta(days=offset)]
    return float(d.y.iloc[0])


@pytest.mark.parametrize("alias", ["statespace", "auto"])
def test_closure_days_are_structural_zeros_that_do_not_leak(alias):
    # closed (y = 0) on LNY days 1-3 every year, open (closure phase, ~8k) on day 4
    kw = {"years": 4, "seed": 1, "offset_truth": {0: 0.0, 1: 0.0, 2: 0.0}}
    hist = toy_history(end="2026-01-20", **kw)
    full = toy_history(end="2026-03-31", sigma=1e-9, **kw)
    s = _by_offset(_paths(make_model(alias), hist, 40))
    assert (s.loc[[0, 1, 2], "hi"] == 0).all()  # exactly 0 on the closed days
    day4 = _truth_at(full, 3)
    assert s.loc[3, "lo"] < day4 < s.loc[3, "hi"]
    assert abs(s.loc[3, "mean"] / day4 - 1) < 0.15  # not dragged down by the zeros
    assert s.loc[3, "hi"] / s.loc[3, "lo"] < 1.5  # and not scattered by them


@pytest.mark.parametrize("unit", [1e3, 1e5])
def test_closures_of_a_measurement_in_a_large_unit_are_closures_too(unit):
    # the same site in GWh-like units (values ~0.1-10, not integer-valued): its zeros are
    # closures as they are for the counts above, not small values near a small level
    kw = {"years": 4, "seed": 1, "offset_truth": {0: 0.0, 1: 0.0, 2: 0.0}}
    hist = toy_history(end="2026-01-20", **kw).eval(f"y = y / {unit}")
    full = toy_history(end="2026-03-31", sigma=1e-9, **kw)
    s = _by_offset(_paths(make_model("statespace"), hist, 40)) * unit
    assert (s.loc[[0, 1, 2], "hi"] == 0).all()
    assert abs(s.loc[3, "mean"] / _truth_at(full, 3) - 1) < 0.15
    assert s.loc[3, "hi"] / s.loc[3, "lo"] < 1.5


def test_a_measurement_closed_on_a_weekday_gets_the_same_forecast_in_any_unit():
    hist = toy_history(years=4, seed=2)
    hist.loc[hist.ds.dt.day_of_week == 6, "y"] = 0.0  # closed on Sundays: 1/7 of days zero
    y = np.where(hist.y > 0, hist.y + 0.5, 0.0)  # not integer-valued: a measurement
    p3, p5 = (_paths(make_model("statespace"), hist.assign(y=y / unit), 14) for unit in (1e3, 1e5))
    np.testing.assert_allclose(p3.y * 1e3, p5.y * 1e5, rtol=1e-6)
    sunday = p3.ds.dt.day_of_week == 6
    assert (p3.y[sunday] == 0).all() and (p3.y[~sunday] > 0).all()


def test_an_intermittent_measurement_keeps_its_mean():
    # zeros on most days and small non-integer values (rain-like): fitted as given
    rng = np.random.default_rng(4)
    ds = pd.date_range("2023-01-01", "2025-12-31")
    y = np.where(rng.random(len(ds)) < 0.3, rng.gamma(2.0, 0.5, len(ds)), 0.0)
    p = _paths(make_model("statespace"), pd.DataFrame({"unique_id": "r", "ds": ds, "y": y}), 60)
    assert abs(p.y.mean() / y.mean() - 1) < 0.25


def test_a_deep_dip_inside_a_phase_keeps_day_level_resolution():
    # days 1-3 at 15% of the closure phase, day 4 at the phase's own level (a restart)
    kw = {"years": 4, "seed": 1, "offset_truth": {0: 0.15, 1: 0.15, 2: 0.15}}
    hist = toy_history(end="2026-01-20", **kw)
    full = toy_history(end="2026-03-31", sigma=1e-9, **kw)
    s = _by_offset(_paths(StateSpaceModel(), hist, 40))
    for off in (0, 3):
        assert abs(s.loc[off, "mean"] / _truth_at(full, off) - 1) < 0.15, off


def test_closures_found_by_weekday_offset_and_holiday_but_not_in_sparse_counts():
    ds = pd.date_range("2023-01-01", "2025-12-31")
    y = np.where(ds.day_of_week == 6, 0.0, 500.0)
    assert find_closures(ds, y) == Closures(weekdays=(6,))
    names = np.where(ds.strftime("%m-%d") == "12-25", "Christmas Day", "")
    y2 = np.where(names != "", 0.0, 500.0)
    assert find_closures(ds, y2, names=names).holidays == ("Christmas Day",)
    sparse = np.random.default_rng(0).poisson(0.3, len(ds)).astype(float)
    assert not find_closures(ds, sparse)
    assert not closed_runs(sparse).any()


def test_weekday_closure_paths_are_zero_on_that_weekday_only():
    df = toy_history(years=2, seed=4)
    df.loc[df.ds.dt.day_of_week == 6, "y"] = 0.0  # closed on Sundays
    p = _paths(StateSpaceModel(), df, 21)
    by_day = p.groupby(p.ds.dt.day_of_week).y.mean()
    assert by_day.loc[6] == 0 and (by_day.drop(6) > 10_000).all()


@pytest.mark.parametrize("level", [0.3, 3.0])
def test_small_counts_keep_their_mean_and_are_counts(level):
    means, reach, share = [], [], []
    for seed in (3, 4, 5):  # the mean over a few histories: one sparse history is noisy
        df = toy_history(years=2, level=level, growth=0.0, sigma=0.01, seed=seed,
                         weekly=False, end="2025-10-31")
        p = _paths(StateSpaceModel(), df, 60)  # Nov-Dec: no LNY
        assert np.array_equal(p.y, np.round(p.y))  # integer-valued history -> count paths
        means.append(p.y.mean())
        reach.append((p.y >= 1).mean())
        share.append((df.y >= 1).mean())
    # was -70% (0.09 for 0.3) before; +14% (3 seeds) when clipping expm1 at 0 raised the mean
    assert abs(np.mean(means) / level - 1) < 0.08
    assert abs(np.mean(reach) - np.mean(share)) < 0.1  # the sparse depot's paths reach 1


def test_non_integer_history_gives_continuous_paths():
    df = toy_history(years=2, level=500.0, seed=3).assign(y=lambda d: d.y + 0.25)
    p = _paths(StateSpaceModel(calibrate=False), df, 5)
    assert not np.array_equal(p.y, np.round(p.y))


def test_a_site_not_yet_open_does_not_inflate_the_spread():
    base = toy_history(years=2, seed=6)
    zeros = pd.DataFrame({"unique_id": "toy", "ds": pd.date_range(end=base.ds.min() - pd.Timedelta(days=1), periods=400), "y": 0.0})
    late = pd.concat([zeros, base], ignore_index=True)
    closed_mid = base.copy()
    closed_mid.loc[300:360, "y"] = 0.0  # a border closed for two months
    widths = {}
    for name, df in (("base", base), ("not yet open", late), ("closed", closed_mid)):
        p = _paths(StateSpaceModel(), df, 28)
        q = p.groupby("ds").y.quantile([0.1, 0.9]).unstack()
        widths[name] = float((q[0.9] / q[0.1]).median())
    assert widths["not yet open"] < widths["base"] * 1.15
    assert widths["closed"] < widths["base"] * 1.15
    m = StateSpaceModel(calibrate=False).fit(late, rng=np.random.default_rng(0))
    assert "closed run" in " ".join(m.facts(m.states_["toy"]))


def test_recovery_of_phase_effects_is_unaffected_by_zero_handling():
    m = StateSpaceModel(calibrate=False).fit(toy_history(years=4, seed=3))
    eff = m.lny_effects_.set_index("phase").multiplier
    for phase, truth in TOY_LNY_TRUTH.items():
        assert abs(eff[phase] / truth - 1) < 0.15, phase


@pytest.mark.parametrize("closed_days", [10, 30, 120])
def test_a_site_closed_now_is_forecast_as_reopening_and_says_so(closed_days):
    """A history ending in zeros was forecast at 80% of its level (10 days), at its level
    with an interval 10x too narrow (14-90 days), or at exactly 0 forever with a leaked
    numpy 'All-NaN slice' warning (100 days and more)."""
    base = toy_history(years=4, end="2025-12-31", seed=2)
    shut = base.copy()
    shut.loc[shut.index[-closed_days:], "y"] = 0.0
    q = {}
    for name, df in (("open", base), ("closed", shut)):
        p, _, seen = fit_sample(df, 28, 1000)
        q[name] = p.groupby("ds").y.quantile([0.1, 0.5, 0.9]).unstack()
        messages = " ".join(str(w.message) for w in seen)
        assert "All-NaN" not in messages
    assert f"closed (y = 0) for the last {closed_days} days" in messages
    level = (q["closed"][0.5] / q["open"][0.5]).median()
    width = ((q["closed"][0.9] / q["closed"][0.1]) / (q["open"][0.9] / q["open"][0.1])).median()
    assert 0.9 < level < 1.12  # its level before the closure
    assert 0.9 < width < 1.5  # a spread at least the open series'


def test_overdispersed_counts_keep_their_whole_history():
    """A stationary negative binomial count at mean 20 was cut to its last months in 6 of 6
    seeds ('current regime since ...'): its noisy local level looked like a regime
    change."""
    ds = pd.date_range("2022-01-01", "2025-12-31")
    for seed in range(4):
        rng = np.random.default_rng(seed)
        for mean in (2.0, 20.0):
            y = rng.negative_binomial(0.5, 0.5 / (0.5 + mean), len(ds)).astype(float)
            assert regime_start(ds, y) == 0, (seed, mean)
            assert not closed_runs(y).any(), (seed, mean)
    assert regime_start(ds, np.r_[np.full(400, 5.0), np.full(len(ds) - 400, 500.0)]) > 400


def test_lny_days_closed_every_year_are_not_reported_as_unseen():
    """They were: '3 LNY day(s) ... not seen: their deviations at the prior', a
    short-history warning on 4 years of data (the paths are 0 there anyway)."""
    df = toy_history(years=4, end="2026-01-20", seed=1, offset_truth={0: 0.0, 1: 0.0, 2: 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ShortHistoryWarning)
        model = StateSpaceModel().fit(df, rng=np.random.default_rng(0))
    assert model.calibration_.fallback.iloc[0] == ""


@pytest.mark.parametrize("alias", ["statespace", "auto"])
def test_an_lny_closed_in_some_years_only_is_a_mixture_of_closed_and_open_paths(alias):
    """Closed over LNY days 1-3 in 2 of 4 years, the days were fitted as a log-scale effect:
    ~10 parcels a day, 80% interval [8, 13], covering neither a closed day (0) nor an open
    one (~620 in the helper's trial)."""
    df = toy_history(years=4, end="2026-01-20", seed=1)
    off = days_to_lny(df.ds)
    closed_years = df.ds.dt.year.isin([2023, 2025]) & np.isin(off, [0, 1, 2])
    open_days = df.loc[np.isin(off, [0, 1, 2]) & ~closed_years & (df.ds.dt.year >= 2022), "y"]
    df.loc[closed_years, "y"] = 0.0
    p = _paths(make_model(alias), df, 40)
    days = p[p.offset.isin([0, 1, 2])]
    assert 0.4 < (days.y == 0).mean() < 0.6  # half of the years were closed
    opened = days[days.y > 0].groupby("offset").y.median()
    assert ((opened / open_days.median()).between(0.7, 1.45)).all()  # open: an open day (grown)
    # one draw per path and LNY: a path closes the three days together
    per_path = days.assign(zero=days.y == 0).groupby("sample_id").zero.mean()
    assert set(per_path.round(6)) <= {0.0, 1.0}
    neighbours = _by_offset(p).loc[[-1, 3], "hi"]
    assert (neighbours > 0).all()  # the days around are never closed


def test_a_week_closed_every_lny_is_a_closure_of_the_calendar_not_a_closed_regime():
    """With closed runs from 7 days, a 7-day Spring Festival closure every year was taken
    for a closed regime: the future LNY days were forecast open (~1,000 parcels a day)."""
    df = toy_history(years=5, end="2026-01-20", seed=2,
                     offset_truth={o: 0.0 for o in range(7)})
    model = StateSpaceModel().fit(df, rng=np.random.default_rng(0))
    assert model.states_["toy"].closures.lny_offsets == tuple(range(7))
    p = model.sample_paths(40, n_paths=200, rng=np.random.default_rng(1))
    assert (p[np.isin(days_to_lny(p.ds), range(7))].y == 0).all()


def test_one_zero_day_in_one_year_is_an_outage_not_a_closure():
    df = toy_history(years=4, end="2026-01-20", seed=1)
    df.loc[df.ds == pd.Timestamp("2023-01-02"), "y"] = 0.0  # LNY 2023 - 20
    closures = StateSpaceModel().fit(df, rng=np.random.default_rng(0)).states_["toy"].closures
    assert closures.lny_years == ()


def test_hubs_closed_together_in_the_history_close_together_in_joint_paths():
    """Each hub drew its own partial-closure decision: in half of the joint paths exactly
    one of two hubs closed, which never happened."""
    base = toy_history(years=4, end="2026-01-20", seed=1)
    off = days_to_lny(base.ds)
    shut = base.ds.dt.year.isin([2023, 2025]) & np.isin(off, [0, 1, 2])
    hubs = pd.concat([base.assign(unique_id=u, y=np.where(shut, 0.0, base.y * k))
                      for u, k in (("a", 1.0), ("b", 0.5))], ignore_index=True)
    model = StateSpaceModel().fit(hubs, rng=np.random.default_rng(0))
    p = model.sample_paths(40, n_paths=400, rng=np.random.default_rng(1), dependence="joint")
    day = p[days_to_lny(p.ds) == 0].pivot(index="sample_id", columns="unique_id", values="y")
    closed = day == 0
    assert 0.3 < closed["a"].mean() < 0.7
    assert (closed["a"] == closed["b"]).all()


def test_a_closure_that_moves_between_years_keeps_its_length_in_every_path():
    """One uniform per path against each offset's share of closed years cut a 3-day closure
    that moved by a day each year into 0, 2, 4 or 6 closed days, never 3 (and 26% of paths
    open although the site closed every year): each path now repeats one past LNY."""
    df = toy_history(years=5, end="2026-01-20", seed=1)
    off = days_to_lny(df.ds)
    year = (df.ds - pd.to_timedelta(off, unit="D")).dt.year
    for y, first in ((2021, -2), (2022, -1), (2023, 0), (2024, 1), (2025, 2)):
        df.loc[(year == y) & np.isin(off, range(first, first + 3)), "y"] = 0.0
    p = _paths(StateSpaceModel(), df, 40)
    closed = p[p.offset.between(-4, 6)].assign(zero=lambda d: d.y == 0)
    per_path = closed.groupby("sample_id").zero.sum()
    assert (per_path == 3).all()


def test_recent_lnys_weigh_more_in_which_closures_repeat():
    df = toy_history(years=5, end="2026-01-20", seed=1)
    off = days_to_lny(df.ds)
    first = (df.ds - pd.to_timedelta(off, unit="D")).dt.year == 2022
    df.loc[first & np.isin(off, [0, 1, 2]), "y"] = 0.0  # closed over one early LNY only
    p = _paths(StateSpaceModel(), df, 40)
    share = (p[p.offset == 0].y == 0).mean()
    assert 0.07 < share < 0.17  # 3 LNYs back: 0.13 of the weight, not 1 in 5


def test_a_site_closed_over_the_lny_at_the_history_end_is_forecast_as_reopening():
    """Zeros ending inside an LNY window were left to the calendar closures, which missed
    them: the site was forecast closed for good (median 0 for 60 days)."""
    df = toy_history(years=3, end="2025-02-12", seed=2)  # LNY 2025-01-29 + 14
    df.loc[df.index[-20:], "y"] = 0.0
    p = _paths(StateSpaceModel(), df, 60)
    assert p.groupby("ds").y.median().iloc[20:].min() > 1000


def test_hubs_with_different_histories_repeat_the_same_past_lny():
    """Each hub turned the shared uniform into a past LNY with its own weights: a hub with
    6 past LNYs and one with 3, both closed only in 2023, never closed together."""
    from forecast.models.zeros import Closures

    a = Closures(lny_years=tuple((y, (0, 1) if y == 2023 else ()) for y in range(2020, 2026)))
    b = Closures(lny_years=tuple((y, (0, 1) if y == 2023 else ()) for y in range(2023, 2026)))
    ds = pd.date_range("2026-02-16", periods=3)
    u = np.linspace(0, 0.999, 1000)
    closed_a, closed_b = (c.draw_mask(ds, len(u), u=u)[:, 1] for c in (a, b))
    both_hold = u < 0.78  # up to 3 LNYs back (2023): both hubs have the LNY drawn
    assert 0.05 < closed_a.mean() < 0.3
    assert (closed_a[both_hold] == closed_b[both_hold]).all() and closed_a[both_hold].any()
