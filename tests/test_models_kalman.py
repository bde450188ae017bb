"""The vectorised local level + AR(1) fit against statsmodels (the slow reference)."""

import warnings

import numpy as np
import pytest
from statsmodels.tsa.statespace.structural import UnobservedComponents

from forecast.models.kalman import filter_level_ar, fit_level_ar_grid


def _series(seed, level_sd, phi=0.6, n=500):
    rng = np.random.default_rng(seed)
    e = np.zeros(n)
    for t in range(1, n):
        e[t] = phi * e[t - 1] + rng.normal(0, 0.05)
    return 1.0 + np.cumsum(rng.normal(0, level_sd, n)) + e


def _statsmodels(z):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod = UnobservedComponents(z, level="rwalk", autoregressive=1)
        res = mod.fit(disp=False, method="nm", maxiter=1000)
    return dict(zip(mod.param_names, res.params)), res


@pytest.mark.parametrize("seed, level_sd", [(0, 0.0), (1, 0.003), (2, 0.01)])
def test_likelihood_and_state_agree_with_statsmodels(seed, level_sd):
    z = _series(seed, level_sd)
    p, res = _statsmodels(z)
    ours = filter_level_ar(z, np.array([p["ar.L1"]]), np.array([p["sigma2.level"] / p["sigma2.ar"]]))
    # same likelihood at statsmodels' optimum (our diffuse start drops the first point,
    # as statsmodels' approximate diffuse initialisation effectively does)
    assert ours["llf"][0] == pytest.approx(res.llf, abs=0.05)
    assert ours["level"][0] == pytest.approx(res.filtered_state[0, -1], abs=1e-4)
    assert ours["ar"][0] == pytest.approx(res.filtered_state[1, -1], abs=1e-4)
    fit = fit_level_ar_grid(z)
    assert fit["llf"] >= res.llf - 0.5  # the grid optimum is as good, to its resolution
    assert fit["phi"] == pytest.approx(p["ar.L1"], abs=0.03)
    assert fit["s2"] == pytest.approx(p["sigma2.ar"], rel=0.05)
    assert fit["level"] == pytest.approx(res.filtered_state[0, -1], abs=0.01)
