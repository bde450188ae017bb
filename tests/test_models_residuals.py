"""forecast.models.residuals: last year's change carried without a yearly fit."""

import numpy as np
import pandas as pd

from forecast.models.residuals import year_ago_path

T = np.arange(420)
T0 = 420 - 1 - 365  # a year before the last day
SEASON = 0.15 * np.sin(2 * np.pi * (T - T0) / 365.25)  # rising at its steepest a year ago


def test_last_years_change_over_the_same_days_is_carried_at_its_weight():
    p = year_ago_path(SEASON, np.ones(420), 56)
    assert p.shape == (56,)
    assert abs(p[-1] - 0.5 * (SEASON[T0 + 56] - SEASON[T0])) < 0.01
    assert np.allclose(year_ago_path(SEASON, np.ones(420), 56, weight=1.0), 2 * p)
    # exactly: day j ahead is the day 365 before it, the 29-day centred means, the year's
    # change pro rata, the mean similarity since a year ago
    m = pd.Series(SEASON).rolling(29, center=True, min_periods=14).mean().to_numpy()
    sim = np.linspace(0.5, 1.0, 420)
    k = np.arange(1, 57)
    year = m[405] - m[40]
    gate = np.cumsum(sim[T0:])[k] / (k + 1)
    want = 0.5 * np.exp(-((year / 0.2) ** 2)) * gate * (m[T0 + k] - m[T0] - k / 365 * year)
    assert np.allclose(year_ago_path(SEASON, sim, 56), want, rtol=0, atol=1e-12)


def test_growth_stays_with_the_trend():
    assert np.abs(year_ago_path(0.04 * T / 365.25, np.ones(420), 56)).max() < 1e-9


def test_a_recovery_year_or_a_year_ago_at_another_level_is_not_a_season():
    season = np.abs(year_ago_path(SEASON, np.ones(420), 56)).max()
    assert season > 0.05
    ramp = SEASON + np.linspace(0.0, 1.0, 420)  # a level that doubled and more in the year
    assert np.abs(year_ago_path(ramp, np.ones(420), 56)).max() < 0.001 * season
    closed = np.where(T < T0 + 60, 0.0, 1.0)  # a year ago at a level far from today's
    assert np.abs(year_ago_path(SEASON, closed, 56)).max() < 1e-12
    half = np.where(T < T0 + 60, 0.5, 1.0)
    assert np.allclose(year_ago_path(SEASON, half, 56), 0.5 * year_ago_path(SEASON, np.ones(420), 56))


def test_without_a_year_ago_nothing_is_carried():
    assert not year_ago_path(SEASON[:365], np.ones(365), 56).any()
    days_past = year_ago_path(SEASON, np.ones(420), 400)  # past the last centred mean: held
    assert np.all(days_past[351:] == days_past[350])


def test_under_a_year_of_centred_means_the_years_change_is_taken_pro_rata():
    # 370 days (a history from a partial LNY): a year ago is there, but no centred mean
    # 365 days before the last one; the change since the first full one stands in
    d = SEASON[:370] + 0.1 * T[:370] / 365.0
    m = pd.Series(d).rolling(29, center=True, min_periods=14).mean().to_numpy()
    end, t0, k = 370 - 15, 370 - 366, np.arange(1, 57)
    year = (m[end] - m[14]) * 365.0 / (end - 14)  # since the first full 29-day window
    want = 0.5 * np.exp(-((year / 0.2) ** 2)) * (m[t0 + k] - m[t0] - k / 365 * year)
    assert np.allclose(year_ago_path(d, np.ones(370), 56), want, rtol=0, atol=1e-12)
    assert np.abs(want).max() > 0.02
    # growth stays with the trend (up to the first days' one-sided centred means: without
    # the pro-rata year the path would reach 0.005)
    assert np.abs(year_ago_path(0.1 * T[:370] / 365.0, np.ones(370), 56)).max() < 1e-3


def test_closed_days_a_year_ago_or_at_the_end_leave_a_finite_continuous_path():
    whole = year_ago_path(SEASON, np.ones(420), 56)
    tail = year_ago_path(np.where(T >= 400, np.nan, SEASON), np.ones(420), 56)  # shut now
    assert np.isfinite(tail).all() and np.abs(tail - whole).max() < 0.01
    hole = year_ago_path(np.where((T > T0 + 20) & (T < T0 + 60), np.nan, SEASON),
                         np.ones(420), 56)  # closed for 40 days a year ago: interpolated
    assert np.isfinite(hole).all() and np.abs(np.diff(hole)).max() < 0.01
    assert not year_ago_path(np.full(420, np.nan), np.ones(420), 56).any()


def test_the_year_change_and_the_share_of_a_season_it_leaves():
    from forecast.models.residuals import stable_share, year_change
    assert abs(year_change(0.3 * T / 365) - 0.3) < 1e-9
    assert np.isnan(year_change(np.zeros(370)))  # no centred mean a year before the last
    assert stable_share(np.nan) == 1.0 and stable_share(0.0) == 1.0
    assert np.isclose(stable_share(0.2), np.exp(-1)) and stable_share(1.0) < 1e-10
