"""Local level + AR(1) by maximum likelihood: a Kalman filter vectorised over a grid.

The residual dynamics of the regression models are ``statsmodels``'
``UnobservedComponents(level="rwalk", autoregressive=1)``: observation ``z_t = mu_t + e_t``
with a random-walk level ``mu_{t+1} = mu_t + eta_t`` (variance ``q s2``) and AR(1)
deviations ``e_{t+1} = phi e_t + eps_t`` (variance ``s2``), no irregular term.

Fitting that model with ``statsmodels`` runs its Kalman filter ~130 times (Nelder-Mead), a
quarter of a second per fit and the largest cost of a calibrated fit. Here the scale
``s2`` is concentrated out of the likelihood and one filter pass evaluates every pair
``(phi, q)`` of a grid at once (arrays of shape ``(K,)`` per time step), then a finer grid
around the best pair. The result agrees with ``statsmodels``' MLE to the grid resolution
(tested); the filtered state at the end is the same Kalman recursion.

Initialisation: the level is diffuse (variance ``1e6``, the first observation is left
out of the likelihood), the AR(1) state starts at its stationary variance.
"""

from __future__ import annotations

import numpy as np

__all__ = ["filter_level_ar", "fit_level_ar_grid"]

_DIFFUSE = 1e6
PHI_GRID = np.linspace(-0.5, 0.95, 30)
RATIO_GRID = np.r_[0.0, np.geomspace(1e-5, 1.0, 16)]


def filter_level_ar(z: np.ndarray, phi: np.ndarray, ratio: np.ndarray) -> dict[str, np.ndarray]:
    """Concentrated log-likelihood and final filtered state for each ``(phi, ratio)``.

    Parameters
    ----------
    z : ndarray, shape (n,)
        Observations (log-scale residuals); NaN marks a missing day (a closure).
    phi, ratio : ndarray, shape (K,)
        AR(1) coefficient in (-1, 1) and level-to-AR variance ratio ``q >= 0``.

    Returns
    -------
    dict of ndarray, each (K,)
        ``llf`` (concentrated log-likelihood), ``s2`` (MLE of the AR innovation variance),
        ``level``, ``ar`` (filtered state at the last observation) and ``p_level``,
        ``p_cross``, ``p_ar`` (its covariance, in units of ``s2`` already multiplied in).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e = np.zeros(500)
    >>> for t in range(1, 500): e[t] = 0.7 * e[t - 1] + rng.normal()
    >>> out = filter_level_ar(e, np.array([0.0, 0.7]), np.array([0.0, 0.0]))
    >>> bool(out["llf"][1] > out["llf"][0])
    True
    """
    z = np.asarray(z, dtype=float)
    phi, ratio = np.broadcast_arrays(np.asarray(phi, float), np.asarray(ratio, float))
    k = phi.shape[0]
    a_mu, a_e = np.zeros(k), np.zeros(k)
    p11, p12, p22 = np.full(k, _DIFFUSE), np.zeros(k), 1.0 / (1.0 - phi**2)
    ss, logdet = np.zeros(k), np.zeros(k)
    seen = 0
    for t in range(len(z)):
        if not np.isnan(z[t]):  # a missing day (NaN) is predicted, not updated
            v = z[t] - a_mu - a_e
            f = p11 + 2.0 * p12 + p22
            k1, k2 = (p11 + p12) / f, (p12 + p22) / f
            if seen:  # the first observation initialises the diffuse level
                ss += v * v / f
                logdet += np.log(f)
            seen += 1
            a_mu, a_e = a_mu + k1 * v, a_e + k2 * v
            p11, p12, p22 = p11 - k1 * k1 * f, p12 - k1 * k2 * f, p22 - k2 * k2 * f
        if t < len(z) - 1:  # predict
            a_e = phi * a_e
            p11, p12, p22 = p11 + ratio, phi * p12, phi * phi * p22 + 1.0
    n = max(seen - 1, 1)
    s2 = ss / n
    llf = -0.5 * n * (np.log(2 * np.pi * s2) + 1.0) - 0.5 * logdet
    return {"llf": llf, "s2": s2, "level": a_mu, "ar": a_e,
            "p_level": p11 * s2, "p_cross": p12 * s2, "p_ar": p22 * s2}


def fit_level_ar_grid(z: np.ndarray) -> dict[str, float]:
    """MLE of the local level + AR(1) on a coarse then a fine ``(phi, ratio)`` grid.

    Returns
    -------
    dict
        ``phi, ratio, s2, llf, level, ar, p_level`` at the best pair.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> e = np.zeros(600)
    >>> for t in range(1, 600): e[t] = 0.5 * e[t - 1] + rng.normal(0, 0.1)
    >>> fit = fit_level_ar_grid(2.0 + e)
    >>> bool(0.35 < fit["phi"] < 0.65 and abs(fit["level"] - 2.0) < 0.1)
    True
    """
    phi, ratio = (g.ravel() for g in np.meshgrid(PHI_GRID, RATIO_GRID))
    out = filter_level_ar(z, phi, ratio)
    best = int(np.nanargmax(out["llf"]))
    # finer grid around the best pair: phi +- one coarse step, ratio x/÷ one coarse step
    dphi = PHI_GRID[1] - PHI_GRID[0]
    fine_phi = np.clip(phi[best] + np.linspace(-dphi, dphi, 9), -0.9, 0.98)
    r = ratio[best]
    j = int(np.searchsorted(RATIO_GRID, r))
    lo, hi = RATIO_GRID[max(j - 1, 0)], RATIO_GRID[min(j + 1, len(RATIO_GRID) - 1)]
    fine_ratio = np.unique(np.r_[r, np.geomspace(max(lo, 1e-6), max(hi, 1e-6), 7) if hi > 0 else []])
    if lo == 0.0:
        fine_ratio = np.unique(np.r_[0.0, fine_ratio])
    fp, fr = (g.ravel() for g in np.meshgrid(fine_phi, fine_ratio))
    fine = filter_level_ar(z, fp, fr)
    b = int(np.nanargmax(fine["llf"]))
    return {"phi": float(fp[b]), "ratio": float(fr[b]), "s2": float(fine["s2"][b]),
            "llf": float(fine["llf"][b]), "level": float(fine["level"][b]),
            "ar": float(fine["ar"][b]), "p_level": float(fine["p_level"][b])}
