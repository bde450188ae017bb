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

A **level shift** near the end (a new client, a lost one: the series steps to another
level for good) is the same model with one extra level variance on the day it starts (an
intervention, as ``statsmodels``' ``UnobservedComponents`` would take through an
exogenous step). :func:`level_shift` scores every such day of the last weeks by its
likelihood ratio in one more vectorised pass.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SHIFT_LLR", "SHIFT_SD", "filter_level_ar", "fit_level_ar_grid", "level_shift"]

_DIFFUSE = 1e6
PHI_GRID = np.linspace(-0.5, 0.95, 30)
RATIO_GRID = np.r_[0.0, np.geomspace(1e-5, 1.0, 16)]


def filter_level_ar(z: np.ndarray, phi: np.ndarray, ratio: np.ndarray, *,
                    shift_at: np.ndarray | None = None, shift_var: float = 0.0,
                    ) -> dict[str, np.ndarray]:
    """Concentrated log-likelihood and final filtered state for each ``(phi, ratio)``.

    Parameters
    ----------
    z : ndarray, shape (n,)
        Observations (log-scale residuals); NaN marks a missing day (a closure).
    phi, ratio : ndarray, shape (K,)
        AR(1) coefficient in (-1, 1) and level-to-AR variance ratio ``q >= 0``.
    shift_at : ndarray of int, shape (K,), optional
        Day (index into ``z``) on which each column's level gets ``shift_var`` more
        variance (a level shift starting that day); -1: none.
    shift_var : float
        That variance, in units of the AR innovation variance.

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
    shift_at = np.full(k, -1) if shift_at is None else np.asarray(shift_at)
    seen = 0
    for t in range(len(z)):
        if shift_var and (shift_at == t).any():
            p11 = p11 + np.where(shift_at == t, shift_var, 0.0)
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


#: Log-scale sd of the level's jump allowed on a level shift's first day.
SHIFT_SD = 1.0
#: Likelihood ratio a level shift must reach (2 log; ~50 days tested, so far above the
#: chi-square(1) quantiles: a false alarm on a series without a shift is rare).
SHIFT_LLR = 30.0


def level_shift(z: np.ndarray, phi: float, ratio: float, s2: float, *, min_days: int = 7,
                max_days: int = 56, sd: float = SHIFT_SD) -> dict[str, float] | None:
    """The most likely level shift starting ``min_days..max_days`` days before the end.

    Each candidate day gets a level variance of ``sd**2`` (log scale) in the filter of the
    fitted ``(phi, ratio)``; the one with the largest likelihood ratio against no shift is
    returned if that ratio exceeds :data:`SHIFT_LLR`.

    Returns
    -------
    dict or None
        ``days`` (from the shift's first day to the end, inclusive), ``llr``, and the
        filtered state with the shift: ``level``, ``ar``, ``p_level`` (absolute).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(0, 0.05, 400)
    >>> z[-20:] += 0.7  # doubled 20 days ago
    >>> found = level_shift(z, 0.3, 1e-4, 0.0025)
    >>> found["days"], round(found["level"], 1)
    (20, 0.7)
    >>> level_shift(rng.normal(0, 0.05, 400), 0.3, 1e-4, 0.0025) is None
    True
    """
    z = np.asarray(z, dtype=float)
    n = len(z)
    days = np.arange(min_days, min(max_days, n - 60) + 1)
    if not len(days) or s2 <= 0:
        return None
    at = np.r_[-1, n - days]
    out = filter_level_ar(z, np.full(len(at), phi), np.full(len(at), ratio), shift_at=at,
                          shift_var=sd**2 / s2)
    llr = 2.0 * (out["llf"][1:] - out["llf"][0])
    j = int(np.nanargmax(llr)) if np.isfinite(llr).any() else 0
    if not llr[j] > SHIFT_LLR:
        return None
    return {"days": int(days[j]), "llr": float(llr[j]), "level": float(out["level"][j + 1]),
            "ar": float(out["ar"][j + 1]), "p_level": float(out["p_level"][j + 1])}

