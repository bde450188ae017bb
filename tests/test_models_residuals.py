"""forecast.models.residuals: last year's change carried without a yearly fit."""

import numpy as np

from forecast.models.residuals import year_ago_path

T = np.arange(420)
T0 = 420 - 1 - 365  # a year before the last day
SEASON = 0.15 * np.sin(2 * np.pi * (T - T0) / 365.25)  # rising at its steepest a year ago


def test_last_years_change_over_the_same_days_is_carried_at_its_weight():
    p = year_ago_path(SEASON, np.ones(420), 56)
    assert p.shape == (56,)
    assert abs(p[-1] - 0.5 * (SEASON[T0 + 56] - SEASON[T0])) < 0.01
    assert np.allclose(year_ago_path(SEASON, np.ones(420), 56, weight=1.0), 2 * p)


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
    assert not year_ago_path(SEASON[:370], np.ones(370), 56).any()
    days_past = year_ago_path(SEASON, np.ones(420), 400)  # past the last centred mean: held
    assert np.all(days_past[351:] == days_past[350])
