"""Joint sample paths across series (forecast.models.joint): dependence, sums, per-hub draws."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from forecast.models import AutoModel, LunarNaive, StateSpaceModel
from forecast.models.base import ForecastModel
from forecast.models.joint import hub_rng, resample_by_date, shared_draws
from forecast.models.testing import toy_history

H = 56


def _common_shock_pair(common_sd=0.06, own_sd=0.03, seed=0) -> pd.DataFrame:
    """Two hubs: a smooth toy mean times exp(common daily shock + own daily noise)."""
    rng = np.random.default_rng(seed)
    base = toy_history(years=3, sigma=0.0, level=50_000.0, seed=seed)
    n = len(base)
    common = rng.normal(0, common_sd, n)
    frames = []
    for uid, share in (("a", 0.6), ("b", 0.4)):
        y = base.y.to_numpy() * share * np.exp(common + rng.normal(0, own_sd, n))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": base.ds, "y": np.round(y, 2) + 0.5}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def pair_model():
    return StateSpaceModel(calibrate=False).fit(_common_shock_pair())


@pytest.fixture(scope="module")
def sum_model():
    """a, b and their exact sum ``total`` fitted separately."""
    df = _common_shock_pair()
    tot = df.groupby("ds", as_index=False).y.sum().assign(unique_id="total")
    return StateSpaceModel(calibrate=False).fit(pd.concat([df, tot], ignore_index=True))


def _matrix(paths: pd.DataFrame, uid: str, n_paths: int) -> np.ndarray:
    return paths[paths.unique_id == uid].y.to_numpy().reshape(n_paths, -1)


def test_joint_noise_reproduces_residual_correlation(pair_model):
    sa, sb = pair_model.states_["a"], pair_model.states_["b"]
    target = np.corrcoef(sa.resid, sb.resid)[0, 1]
    assert 0.5 < target < 0.9  # the fixture's common shock is visible in the residuals
    shared = shared_draws(np.random.default_rng(1), 3000, H)
    na = pair_model.draw_series(sa, H, 3000, shared=shared).noise
    nb = pair_model.draw_series(sb, H, 3000, shared=shared).noise
    joint = np.mean([np.corrcoef(na[:, t], nb[:, t])[0, 1] for t in range(10, H)])
    assert abs(joint - target) < 0.1
    rng = np.random.default_rng(1)
    ia = pair_model.draw_series(sa, H, 3000, rng=rng).noise
    ib = pair_model.draw_series(sb, H, 3000, rng=rng).noise
    indep = np.mean([np.corrcoef(ia[:, t], ib[:, t])[0, 1] for t in range(10, H)])
    assert abs(indep) < 0.05


def test_joint_paths_are_correlated_independent_are_not(pair_model):
    n = 2000
    for dependence, lo, hi in (("joint", 0.5, 1.0), ("independent", -0.1, 0.1)):
        p = pair_model.sample_paths(H, n_paths=n, rng=np.random.default_rng(2),
                                    dependence=dependence)
        a, b = np.log(_matrix(p, "a", n)), np.log(_matrix(p, "b", n))
        r = np.mean([np.corrcoef(a[:, t], b[:, t])[0, 1] for t in range(H)])
        assert lo < r < hi, (dependence, r)


def test_sum_of_joint_hub_paths_has_the_spread_of_the_total(sum_model):
    n = 3000
    ratios = {}
    for dependence in ("joint", "independent"):
        p = sum_model.sample_paths(H, n_paths=n, rng=np.random.default_rng(3),
                                   dependence=dependence)
        hubs = _matrix(p, "a", n) + _matrix(p, "b", n)
        total = _matrix(p, "total", n)
        daily = np.mean(hubs.var(axis=0) / total.var(axis=0))
        window = hubs[:, 21:43].sum(axis=1).var() / total[:, 21:43].sum(axis=1).var()
        ratios[dependence] = (daily, window)
    daily, window = ratios["joint"]
    assert 0.75 < daily < 1.33 and 0.7 < window < 1.4, ratios
    assert ratios["independent"][0] < 0.8 * daily, ratios


def test_drawing_per_hub_equals_drawing_together():
    """Hubs fitted and drawn in separate 'processes' (pickled) give the joint paths."""
    df = pd.concat([toy_history(years=3, unique_id="a", seed=1),
                    toy_history(years=3, unique_id="b", seed=2, level=500.0)])
    together = StateSpaceModel(calibrate=False).fit(df)
    n = 200
    paths = together.sample_paths(H, n_paths=n, rng=np.random.default_rng(4),
                                  dependence="joint")
    shared = pickle.loads(pickle.dumps(shared_draws(np.random.default_rng(4), n, H)))
    for uid in ("b", "a"):  # any order
        alone = StateSpaceModel(calibrate=False).fit(df[df.unique_id == uid])
        alone = pickle.loads(pickle.dumps(alone))
        got = alone.series_paths(uid, H, n, shared=shared)
        np.testing.assert_array_equal(got, _matrix(paths, uid, n))
        assert together.states_[uid].counts and np.all(got == np.round(got))


def test_auto_mixture_per_hub_equals_together():
    df = pd.concat([toy_history(years=3, unique_id="a", seed=1),
                    toy_history(years=3, unique_id="b", seed=2)])
    m = AutoModel(combine="mixture").fit(df, rng=np.random.default_rng(0))
    assert m.supports_joint
    n = 100
    paths = m.sample_paths(H, n_paths=n, rng=np.random.default_rng(5))  # default: joint
    shared = shared_draws(np.random.default_rng(5), n, H)
    for uid in ("a", "b"):
        np.testing.assert_array_equal(m.series_paths(uid, H, n, shared=shared),
                                      _matrix(paths, uid, n))


def test_same_rng_same_paths_other_rng_other_paths(pair_model):
    draw = lambda seed: pair_model.sample_paths(14, n_paths=50, rng=np.random.default_rng(seed))
    pd.testing.assert_frame_equal(draw(6), draw(6))
    assert not np.array_equal(draw(6).y, draw(7).y)


def test_default_is_joint_and_joint_has_the_independent_distribution():
    df = toy_history(years=3, unique_id="a", seed=1)
    m = StateSpaceModel(calibrate=False).fit(df)
    default = m.sample_paths(H, n_paths=50, rng=np.random.default_rng(8))
    joint = m.sample_paths(H, n_paths=50, rng=np.random.default_rng(8), dependence="joint")
    pd.testing.assert_frame_equal(default, joint)
    n = 4000
    j = _matrix(m.sample_paths(H, n_paths=n, rng=np.random.default_rng(9), dependence="joint"),
                "a", n)
    i = _matrix(m.sample_paths(H, n_paths=n, rng=np.random.default_rng(9),
                               dependence="independent"), "a", n)
    for stat in (lambda x: x.mean(axis=0), lambda x: x.std(axis=0),
                 lambda x: np.quantile(x, 0.9, axis=0)):
        assert np.max(np.abs(stat(j) / stat(i) - 1)) < 0.12
    assert abs(j[:, 21:43].sum(axis=1).std() / i[:, 21:43].sum(axis=1).std() - 1) < 0.1


def test_lunar_naive_joint_blocks_share_dates():
    """Two proportional hubs have the same log errors: joint blocks reproduce them exactly."""
    a = toy_history(years=3, unique_id="a", seed=1)
    df = pd.concat([a, a.assign(unique_id="b", y=a.y * 3)], ignore_index=True)
    m = LunarNaive().fit(df)
    n = 500
    for dependence in ("joint", "independent"):
        p = m.sample_paths(14, n_paths=n, rng=np.random.default_rng(1), dependence=dependence)
        pa, pb = _matrix(p, "a", n), _matrix(p, "b", n)
        r = np.corrcoef(np.log1p(pa[:, 0]), np.log1p(pb[:, 0]))[0, 1]
        assert (r > 0.99) if dependence == "joint" else (abs(r) < 0.15), (dependence, r)


def test_resample_by_date_fills_missing_dates_from_own_innovations():
    s = shared_draws(np.random.default_rng(0), 200, 5, n_dates=100)
    shocks, ages = np.arange(50.0), np.arange(0, 100, 2)  # every other day missing
    z = resample_by_date(shocks, ages, s)
    assert set(np.unique(z)) <= set(shocks)
    even = s.dates % 2 == 0
    np.testing.assert_array_equal(z[even], s.dates[even] / 2)
    np.testing.assert_array_equal(resample_by_date(np.arange(10.0), np.arange(10), s), s.noise_z)


def test_hub_rng_is_keyed_by_seed_and_uid():
    s, t = shared_draws(np.random.default_rng(0), 2, 3), shared_draws(np.random.default_rng(1), 2, 3)
    assert hub_rng(s, "a").random() == hub_rng(s, "a").random()
    assert hub_rng(s, "a").random() != hub_rng(t, "a").random()


def test_errors_name_what_is_allowed(pair_model):
    with pytest.raises(ValueError, match="'joint', 'independent'"):
        pair_model.sample_paths(7, n_paths=5, dependence="both")
    shared = shared_draws(np.random.default_rng(0), 5, 7)
    with pytest.raises(ValueError, match="n_paths=5, h=7"):
        pair_model.series_paths("a", 8, 5, shared=shared)
    with pytest.raises(ValueError, match="not fitted"):
        pair_model.series_paths("zz", 7, 5, shared=shared)
    with pytest.raises(ValueError, match="positive int"):
        shared_draws(np.random.default_rng(0), 0, 7)

    class NoJoint(ForecastModel):
        def fit_series(self, uid, ds, y, *, rng):
            return y

    m = NoJoint().fit(_common_shock_pair())
    with pytest.raises(ValueError, match="dependence='independent'"):
        m.sample_paths(7, n_paths=5, dependence="joint")
