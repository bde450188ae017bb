import numpy as np
import pandas as pd
import pytest

from forecast.calendar import days_to_lny
from forecast.models.lny_reference import FAR_OFFSET, local_lny_reference, relevel_lny_effects
from forecast.models.lny_uncertainty import prior_lny_sd
from forecast.models.residuals import stable_share, year_change

DS = pd.date_range("2024-12-01", periods=120)  # LNY 2025-01-29 at day 59
OFF = days_to_lny(DS)
WINDOW = (-28, 21)


def test_the_level_is_interpolated_between_both_sides_and_held_flat_from_one():
    r = np.where(OFF < 0, -0.2, -0.1)
    inside = (OFF >= WINDOW[0]) & (OFF <= WINDOW[1])
    both = local_lny_reference(DS, r, np.ones(120), WINDOW)
    assert (both[~inside] == 0).all()
    assert np.all(np.diff(both[inside]) > 0)  # from the before side's -0.2 to the after's -0.1
    assert -0.2 < both[inside].min() < both[inside].max() < -0.1
    w = np.where(OFF < WINDOW[0] - 6, 0.0, 1.0)  # six days before the window: too few
    one = local_lny_reference(DS, r, w, WINDOW)
    assert np.allclose(one[inside], -0.1)
    none = local_lny_reference(DS, r, np.where(inside, 1.0, 0.0), WINDOW)
    assert np.isnan(none[inside]).all() and (none[~inside] == 0).all()  # no usable side


def test_each_window_takes_the_level_around_itself_only():
    # two LNYs (2024-02-10, 2025-01-29): the days before the second are the first's year
    # too on the calendar, not by their nearest LNY
    ds = pd.date_range("2023-12-01", "2025-04-30")
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    r = np.where(year == 2024, -0.2, 0.1)
    lvl = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW)
    inside = (off >= WINDOW[0]) & (off <= WINDOW[1])
    assert np.allclose(lvl[inside & (year == 2024)], -0.2)
    assert np.allclose(lvl[inside & (year == 2025)], 0.1)


def test_relevelled_effects_give_up_the_level_to_the_residual():
    # two phases over offsets 0..3 (columns: phase 0, phase 1, then 4 deviations); offset
    # 3 was never seen: it moves with its phase
    groups = {"phase": slice(0, 2), "dev": slice(2, 6)}
    dev_phase = np.array([0, 0, 1, 1])
    seen = np.array([True, True, True, False])
    beta = np.array([-0.5, -0.3, 0.01, -0.01, 0.02, 0.0])
    dev_days = np.array([0, 1, 2, 3, -1])
    X = np.zeros((5, 6))
    for i, d in enumerate(dev_days[:4]):
        X[i, dev_phase[d]] = X[i, 2 + d] = 1
    level = np.array([-0.3, -0.2, -0.1, 0.0, 0.0])  # varies inside phase 0
    new = relevel_lny_effects(beta, groups, level, np.ones(5), dev_days, dev_phase, seen)
    assert np.allclose(X @ new - X @ beta, [0.3, 0.2, 0.1, 0.1, 0.0])
    assert np.allclose(new[:2] - beta[:2], [0.25, 0.1])  # each phase: its seen days' mean
    assert new[5] == 0.0  # the unseen day's own deviation stays at the prior
    nan = relevel_lny_effects(beta, groups, np.array([-0.3, np.nan, -0.1, 0.0, 0.0]),
                              np.ones(5), dev_days, dev_phase, seen)
    assert np.allclose((X @ nan - X @ beta)[:3], [0.3, 0.3, 0.1])  # a NaN day left out


def test_a_side_the_history_cuts_off_is_guessed_half_from_the_same_days_a_year_on():
    # from 21 days before LNY 2024-02-10 to 24 days before LNY 2025-01-29: the first
    # window has no days before it, the days before the next LNY are the same season
    ds = pd.date_range("2024-01-20", "2025-01-05")
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    trend = np.linspace(0.0, 0.1, len(ds))
    raw = np.where((year == 2025) & (off < WINDOW[0]), 0.3, 0.0)  # the level a year on
    r = raw - trend
    inside = (year == 2024) & (off >= WINDOW[0]) & (off <= WINDOW[1])
    flat = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW)  # no trend: held flat
    post = (year == 2024) & (off > WINDOW[1]) & (off <= WINDOW[1] + 35)
    assert np.allclose(flat[inside], r[post].mean())
    half = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW, trend=trend)
    full = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW, trend=trend, year_on_weight=1)
    # the guessed side sits at the mean offset of its days, 0.3 less the trend at the
    # window's first day (0) on the series' level, half way from the seen side
    a0, a1 = -46.0, np.mean(np.arange(22, 57))
    seen = r[post].mean()
    for lvl, wgt in ((half, 0.5), (full, 1.0)):
        guess = seen + wgt * (0.3 - seen)
        first = guess + (seen - guess) * (off[inside][0] - a0) / (a1 - a0)
        assert np.isclose(lvl[inside][0], first)
        assert np.all(np.diff(lvl[inside]) < 0)  # from the guess down to the seen side
    assert np.allclose(local_lny_reference(ds, r, np.ones(len(ds)), WINDOW, trend=trend,
                                           year_on_weight=0)[inside], seen)


@pytest.mark.parametrize("start, year_on", [("2024-01-20", 0.5), ("2024-01-17", 1.0)])
def test_a_cut_side_moves_towards_the_windows_far_days_as_far_as_the_prior_allows(start,
                                                                                  year_on):
    # as above, and the window's own days up to LNY-15 (from LNY-21 or LNY-24) at 0.2 and
    # 0.25 (half the weight) with no LNY effect fitted there: the guess (variance: the
    # squared half-gap between held flat and a year on) meets their weighted mean
    # (variance: the LNY prior over their offsets)
    ds = pd.date_range(start, "2025-01-05")
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    trend = np.linspace(0.0, 0.1, len(ds))
    far = (year == 2024) & (off <= FAR_OFFSET)
    assert far.sum() in (7, 10)
    raw = np.where((year == 2025) & (off < WINDOW[0]), 0.3, np.where(far, 0.2, 0.0))
    w = np.where(far & (off % 2 == 0), 0.5, 1.0)
    raw = np.where(w == 0.5, 0.25, raw)
    r = raw - trend
    inside = (year == 2024) & (off >= WINDOW[0]) & (off <= WINDOW[1])
    post = (year == 2024) & (off > WINDOW[1]) & (off <= WINDOW[1] + 35)
    seen = r[post].mean()
    guess = seen + year_on * (0.3 - seen)
    gap = ((0.3 - seen) / 2) ** 2
    prior = prior_lny_sd(int(off[far].min()), FAR_OFFSET) ** 2
    a0, a1 = -46.0, np.mean(np.arange(22, 57))

    def move(sel):  # the level at a0 on the line from (a1, seen) through the far days
        t = (np.average(off[sel], weights=w[sel]) - a0) / (a1 - a0)
        level = (np.average(r[sel], weights=w[sel]) - t * seen) / (1 - t)
        return guess + (level - guess) * gap / (gap + prior / (1 - t) ** 2)

    moved = move(far)
    lvl = local_lny_reference(ds, r, w, WINDOW, trend=trend, lny=np.zeros(len(ds)),
                              year_on_weight=year_on)
    assert np.isclose(lvl[inside][0], moved + (seen - moved) * (off[inside][0] - a0) / (a1 - a0))
    assert 0.3 < gap / (gap + prior) < 0.9  # part of the way
    # an LNY effect fitted on those days is taken out of their level
    lny = np.where(far, 0.2, 0.0)
    assert np.allclose(local_lny_reference(ds, r - lny, w, WINDOW, trend=trend, lny=lny,
                                           year_on_weight=year_on), lvl)
    # a far day without weight, or with a NaN effect (an outage), does not count
    odd = np.flatnonzero(far)[1]
    for w2, lny2 in ((np.where(np.arange(len(ds)) == odd, 0.0, w), np.zeros(len(ds))),
                     (w, np.where(np.arange(len(ds)) == odd, np.nan, 0.0))):
        r2 = np.where(np.arange(len(ds)) == odd, 5.0, r)
        out = local_lny_reference(ds, r2, w2, WINDOW, trend=trend, lny=lny2, year_on_weight=year_on)
        keep = far & (np.arange(len(ds)) != odd)
        m2 = guess if keep.sum() < 7 else move(keep)  # fewer than a side needs: not moved
        assert np.isclose(out[inside][0], m2 + (seen - m2) * (off[inside][0] - a0) / (a1 - a0))
    # held flat (no guess a year on: no gap to close), the far days do not move it
    assert np.allclose(local_lny_reference(ds, r, w, WINDOW, lny=np.zeros(len(ds))),
                       local_lny_reference(ds, r, w, WINDOW))


def test_fewer_far_days_than_a_side_needs_do_not_move_the_guess():
    ds = pd.date_range("2024-01-21", "2025-01-05")  # from LNY-20: 6 far days
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    trend = np.linspace(0.0, 0.1, len(ds))
    r = np.where((year == 2025) & (off < WINDOW[0]), 0.3, np.where(off <= -15, 0.2, 0.0)) - trend
    args = (ds, r, np.ones(len(ds)), WINDOW)
    assert np.allclose(local_lny_reference(*args, trend=trend, lny=np.zeros(len(ds))),
                       local_lny_reference(*args, trend=trend))


def test_a_side_cut_at_the_end_is_guessed_from_the_same_days_around_the_previous_lny():
    # ends 7 days after LNY 2025-01-29: no days after that window; the days after LNY
    # 2024-02-10 are the same season a year before, on the series' level (0.3), set
    # against the trend where the window is cut (the last day: 0.25); the level grew
    # ~0.05 over the year, which takes a little off the guess
    ds = pd.date_range("2024-01-01", "2025-02-05")
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    trend = np.linspace(0.2, 0.25, len(ds))
    after = (year == 2024) & (off > WINDOW[1]) & (off <= WINDOW[1] + 35)
    r = np.where(after, 0.3, trend) - trend  # the level: 0.3 after LNY 2024, else the trend
    inside = (year == 2025) & (off >= WINDOW[0]) & (off <= WINDOW[1])
    before = (year == 2025) & (off < WINDOW[0]) & (off >= WINDOW[0] - 35)
    lvl = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW, trend=trend)
    seen = r[before].mean()  # 0: the level is the trend there
    share = stable_share(year_change(r + trend))
    assert 0.9 < share < 1.0
    guess = seen + 0.5 * share * (0.3 - 0.25 - seen)
    a0, a1 = off[before].mean(), off[after].mean()
    last = seen + (guess - seen) * (off[inside][-1] - a0) / (a1 - a0)
    assert np.isclose(lvl[inside][-1], last) and lvl[inside][-1] > 0.01
    held = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW)  # no trend: held flat
    assert np.allclose(held[inside], seen)
    # a side cut after the window: its far days before LNY are no evidence for it
    far = local_lny_reference(ds, r + 0.5 * (off <= FAR_OFFSET) * inside, np.ones(len(ds)),
                              WINDOW, trend=trend, lny=np.zeros(len(ds)))
    assert np.allclose(far, local_lny_reference(ds, r + 0.5 * (off <= FAR_OFFSET) * inside,
                                                np.ones(len(ds)), WINDOW, trend=trend))


def test_a_level_that_moved_a_lot_over_its_last_year_is_not_guessed_a_year_on():
    # 14.5 months from 21 days before LNY 2024-02-10, the level up by 0.8 over the year (a
    # recovery or a new hub's ramp-up, not a season): the first window's missing side is
    # the seen side held flat; with the level flat over the year the guess is half way
    ds = pd.date_range("2024-01-20", "2025-03-31")
    off = days_to_lny(ds)
    year = (ds - pd.to_timedelta(off, unit="D")).year
    inside = (year == 2024) & (off >= WINDOW[0]) & (off <= WINDOW[1])
    post = (year == 2024) & (off > WINDOW[1]) & (off <= WINDOW[1] + 35)
    ramp = np.linspace(0.0, 0.8 * len(ds) / 365, len(ds))
    r = np.zeros(len(ds))
    lvl = local_lny_reference(ds, r, np.ones(len(ds)), WINDOW, trend=ramp)
    assert np.allclose(lvl[inside], r[post].mean(), atol=1e-6)
    flat = np.zeros(len(ds))
    r2 = np.where((year == 2025) & (off < WINDOW[0]), 0.3, 0.0)
    half = local_lny_reference(ds, r2, np.ones(len(ds)), WINDOW, trend=flat)
    assert half[inside][0] > 0.05  # moved towards the 0.3 a year on
