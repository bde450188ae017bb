"""The LNY effects' uncertainty: the depth factor, and its shared draws."""

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import days_to_lny
from forecast.models.joint import shared_draws
from forecast.models.lny_uncertainty import PRIOR_DEPTH_SD, depth_sd, draw_lny_effects

DS = pd.date_range("2019-01-01", "2024-12-31")
OFF = days_to_lny(DS)
YEAR = (DS - pd.to_timedelta(OFF, unit="D")).year.to_numpy()
#: a trough: 0 far from LNY, -0.9 on LNY days 0-6
EFFECT = np.where((np.arange(-28, 22) >= 0) & (np.arange(-28, 22) <= 6), -0.9, -0.05)


def _residuals(factors: dict) -> np.ndarray:
    """Residuals of a fit whose effect is EFFECT when year y's is (1 + factors[y]) x it."""
    inside = (OFF >= -28) & (OFF <= 21)
    r = np.zeros(len(DS))
    for y, e in factors.items():
        sel = inside & (YEAR == y)
        r[sel] = e * EFFECT[OFF[sel] + 28]
    return r


def test_depth_sd_recovers_a_depth_that_varies_by_year():
    r = _residuals({2019: 0.15, 2020: -0.15, 2021: 0.15, 2022: -0.15, 2023: 0.15, 2024: -0.15})
    got = depth_sd(DS, r, EFFECT, (-28, 21), weights=np.ones(len(DS)), day_var=0.0, phi=0.0)
    # 6 LNYs at +-0.15 (times 6/5, the fit absorbs their mean) pooled with one prior LNY
    assert got == pytest.approx(np.sqrt((6 * 0.15**2 * 6 / 5 + PRIOR_DEPTH_SD**2) / 7))


def test_depth_sd_leaves_out_odd_years_and_takes_out_day_noise():
    r = _residuals({2019: 0.0, 2020: 0.0, 2021: -1.0, 2022: 0.0, 2023: 0.0, 2024: 0.0})
    usual = {2019, 2020, 2022, 2023, 2024}
    kw = dict(weights=np.ones(len(DS)), phi=0.0)
    assert depth_sd(DS, r, EFFECT, (-28, 21), day_var=0.0, usual=usual, **kw) < 0.05
    assert depth_sd(DS, r, EFFECT, (-28, 21), day_var=0.0, **kw) > 0.3
    # pure day noise gives factors of sd noise / |effect|: subtracted, they do not count
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.2, len(DS))
    raw = depth_sd(DS, noise, EFFECT, (-28, 21), day_var=0.0, **kw)
    net = depth_sd(DS, noise, EFFECT, (-28, 21), day_var=0.2**2, **kw)
    assert net < 0.7 * raw
    assert net == pytest.approx(np.sqrt(PRIOR_DEPTH_SD**2 / 7), abs=0.02)


def test_fewer_than_two_lnys_give_the_prior():
    one = DS[DS >= "2024-01-01"]
    assert depth_sd(one, np.zeros(len(one)), EFFECT, (-28, 21), weights=np.ones(len(one)),
                    day_var=0.0, phi=0.0) == PRIOR_DEPTH_SD


def test_the_depth_draw_is_one_shared_normal_times_the_effect_on_lny_days_only():
    ds = pd.date_range("2026-01-20", periods=56)
    off = days_to_lny(ds)
    groups = [("window", -28, 21)]  # the depth array starts at the first group's start
    shared = shared_draws(np.random.default_rng(0), 200, len(ds))
    a = draw_lny_effects(ds, groups, {"_depth": 0.1 * EFFECT}, 200, shared=shared)
    inside = (off >= -28) & (off <= 21)
    want = shared.lny_depth[:, None] * 0.1 * EFFECT[off[inside] + 28]
    np.testing.assert_allclose(a[:, inside], want, rtol=1e-12)  # every hub: this normal
    assert not a[:, ~inside].any()
    # without an LNY day, no normal is drawn: the stream is left as it was
    far = pd.date_range("2026-06-01", periods=30)
    rng, twin = np.random.default_rng(1), np.random.default_rng(1)
    draw_lny_effects(far, groups, {"_depth": 0.1 * EFFECT}, 5, rng=rng)
    assert rng.random() == twin.random()
