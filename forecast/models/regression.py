"""The robust calendar regression on the log scale, and what a history must hold for it.

:func:`fit_regression` is a weighted ridge regression of ``log1p(y)`` with Huber
re-weighting. Weights decay with age, with distance from today's level, and are 0 on the
days :mod:`forecast.models.zeros` takes out (structural closures, closed regimes). The
Huber scale is never below the noise a count has at its fitted level
(:func:`forecast.models._core.count_noise_sd`), so a sparse series keeps its non-zero days.
Past LNY windows are also weighted as wholes (:func:`year_weights`): with three or more of
them, one whose mean residual is far from the others' (a lockdown year) counts less.

Priors (ridge penalties, in units of a day's weight): the LNY phase effects have a weak
prior around 0 (a phase never seen stays at 0: no effect, see
:func:`forecast.models.lny_uncertainty.lny_group_sd` for its uncertainty); the per-offset LNY
deviations from their phase are shrunk towards 0 with the penalty ``dev_penalty`` (by
default set from the data, :func:`dev_shrinkage`, against the day-to-day noise).

:func:`check_history` is the one rule on history length: at least
:data:`MIN_HISTORY_DAYS` open days (from the first day the series is open).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from forecast.calendar import LNY_REACH, WINDOW, days_to_lny, lny_window_days, lny_year_of
from forecast.models._core import count_noise_sd, local_scale, robust_scale, weighted_ridge

__all__ = ["MIN_HISTORY_DAYS", "DEV_PRIOR_SD", "OFF", "PENALTY", "YEAR_CUT", "LATEST_MIN_WEIGHT",
           "check_history", "dev_shrinkage",
           "fit_regression", "window_years", "year_weights"]

#: Shortest history (days from the first open day) the regression models accept: about a
#: year, so that any history holds part of an LNY window (lunar years last 354-385 days and
#: the window LNY-28..LNY+21 spans 50 of them) and every season once.
MIN_HISTORY_DAYS = 330
#: A penalty that switches a group of columns off.
OFF = 1e9
#: Ridge penalty per column group (the ``dev`` group takes the model's ``dev_penalty``),
#: for a series whose daily noise is at most :data:`NOISE_REF` on the log scale.
PENALTY = {"trend": 1.0, "week": 1e-3, "year": 1e-3, "holiday": 1.0, "holiday_name": 2.0,
           "phase": 1e-3, "peak": 1.0, "block": 1.0, "workday": 1.0, "step": 1e-3}
#: Log-scale daily noise up to which :data:`PENALTY` applies as is. A ridge penalty is
#: ``noise_var / prior_var``: a noisier series (small counts: a Poisson count at 3 has a
#: log-scale sd of 0.43) gets its penalties multiplied by ``(noise / NOISE_REF)^2``, so that
#: the prior on each effect stays the same instead of the fit chasing count noise.
NOISE_REF = 0.15


def check_history(uid: str, ds: pd.DatetimeIndex, alias: str, *, open_from: int = 0,
                  min_days: int = MIN_HISTORY_DAYS) -> None:
    """``ValueError`` naming the minimum if a series has fewer than ``min_days`` open days,
    or, for a full fit (``min_days >= MIN_HISTORY_DAYS``; a calibration fold may be cut
    before the only LNY), none inside an LNY window (:data:`forecast.calendar.LNY_REACH`).

    Examples
    --------
    >>> check_history("a", pd.date_range("2025-01-01", periods=100), "statespace")
    Traceback (most recent call last):
    ...
    ValueError: statespace: series 'a' has 100 days of history (2025-01-01..2025-04-10); at least 330 (about a year, including any part of an LNY window) are needed, and no option lowers this: give a longer history, or plan this site within a larger one
    """
    n = len(ds) - open_from
    if n >= min_days >= MIN_HISTORY_DAYS and not lny_window_days(ds[open_from:]):
        raise ValueError(
            f"{alias}: series {uid!r} ({ds[open_from].date()}..{ds[-1].date()}) holds no "
            f"part of a Lunar New Year window (LNY{LNY_REACH[0]:+d}..LNY{LNY_REACH[1]:+d}): "
            "at least part of one is needed to learn its effects; give a history that "
            "reaches back into the last one")
    if n < min_days:
        since = "" if not open_from else f" since it opened on {ds[open_from].date()}"
        raise ValueError(
            f"{alias}: series {uid!r} has {n} days of history{since} ({ds[0].date()}.."
            f"{ds[-1].date()}); at least {min_days} (about a year, including any part of an "
            "LNY window) are needed, and no option lowers this: give a longer history, or "
            "plan this site within a larger one")


#: Prior sd of one LNY day's deviation from its phase when no LNY day has been seen.
DEV_PRIOR_SD = 0.1


def dev_shrinkage(effect: np.ndarray, phase_of: np.ndarray, n_obs: np.ndarray,
                  noise_var: float, *, min_sd: float = 0.02, max_sd: float = 1.0) -> float:
    """Empirical-Bayes ridge penalty for the per-offset LNY deviations from their phase.

    Each offset's total effect minus its phase's mean effect (or minus 0 outside the
    phases) is a deviation ``d_o`` estimated from ``n_o`` weighted days; with deviations
    ``~ N(0, tau^2)`` and noise variance ``noise_var``, ``E d_o^2 = tau^2 + noise_var / n_o``
    (method of moments, clipped to ``[min_sd, max_sd]``; :data:`DEV_PRIOR_SD` when no
    offset has been seen), and the penalty that gives the
    posterior mean in a ridge fit is ``noise_var / tau^2``. A series whose LNY has a sharp
    one-day trough or restart inside a phase gets a large ``tau`` (day-level resolution);
    one that follows its phases gets strong shrinkage (one odd year does not dominate).

    Parameters
    ----------
    effect : ndarray, shape (n_offsets,)
        Unshrunk total LNY effect (phase + deviation) per offset.
    phase_of : ndarray of int, shape (n_offsets,)
        Index of the offset's phase, -1 outside every phase.
    n_obs : ndarray, shape (n_offsets,)
        Weighted days seen per offset.
    noise_var : float
        Variance of one day's residual around its local (monthly) mean
        (:func:`~forecast.models._core.local_scale`): a deviation is one day against its
        phase, so a season the fit leaves in the residual (under 400 days no yearly
        seasonality is fitted) is not noise for it. With the whole residual scale a
        13-month history with a +-15% yearly swing shrank a power load's recovery ramp
        into phase steps (an error jump of 0.25-0.41 between LNY+10 and LNY+11).

    Returns
    -------
    float
        The penalty ``noise_var / tau^2``.

    Examples
    --------
    >>> phase_of = np.array([0, 0, 0, 0])
    >>> flat = dev_shrinkage(np.array([-1.0, -1.0, -1.0, -1.0]), phase_of, np.full(4, 3.0), 0.01)
    >>> sharp = dev_shrinkage(np.array([-2.0, -2.0, -2.0, 0.0]), phase_of, np.full(4, 3.0), 0.01)
    >>> bool(sharp < 0.1 < flat)
    True
    """
    dev = effect.copy()
    for k in np.unique(phase_of[phase_of >= 0]):
        sel = phase_of == k
        dev[sel] -= effect[sel].mean()
    seen = n_obs > 0.3
    if not seen.any():
        return noise_var / DEV_PRIOR_SD**2
    tau2 = float(np.mean(dev[seen] ** 2 - noise_var / n_obs[seen]))
    tau2 = float(np.clip(tau2, min_sd**2, max_sd**2))
    return noise_var / tau2


#: A past LNY window whose mean residual lies more than this many scales from the windows'
#: median is down-weighted (:func:`year_weights`).
YEAR_CUT = 2.0
#: The least weight of the latest LNY window (:func:`year_weights`).
LATEST_MIN_WEIGHT = 0.5


def window_years(ds: pd.DatetimeIndex) -> tuple[np.ndarray, int]:
    """Index of the LNY window (:data:`forecast.calendar.WINDOW`) holding each day (-1
    outside every window), and the LNY year of index 0 (the ``window_year`` of
    :func:`year_weights`)."""
    off = days_to_lny(ds)
    inside = (off >= WINDOW[0]) & (off <= WINDOW[1])
    year = lny_year_of(ds, off)
    out = np.full(len(ds), -1)
    first = int(year[inside].min()) if inside.any() else 0
    out[inside] = year[inside] - first
    return out, first


def year_weights(r: np.ndarray, w: np.ndarray, window_year: np.ndarray, noise_sd: float, *,
                 cut: float = YEAR_CUT) -> np.ndarray:
    """Weight of each past LNY window, robust to one odd year.

    ``m_k`` is the weighted mean residual over window ``k``'s days. A window counts when it
    holds at least 11 of its 22 days and one day's total weight (a window cut by the
    history's start is too short to judge). With at least three such windows,
    ``z_k = |m_k - median(m)| / scale`` (median over the windows, ``k`` included),
    ``scale`` the larger of 1.4826 x the median absolute deviation of ``m`` and
    ``noise_sd / 2`` (about the sampling sd of a 22-day mean of residuals whose lag-1
    autocorrelation is ~0.7); the weight is 1 for ``z_k <= cut`` and ``(cut / z_k)^2``
    beyond (a Cauchy-like tail). A window lower or higher as a whole than the others (a
    lockdown year: Kaohsiung's LNY 2022 at ~0.8x) then no longer pulls the LNY effects
    every other year agrees on; day-level Huber weights barely touch a window that is off
    by 2-3 daily noise sds. The latest window keeps at least :data:`LATEST_MIN_WEIGHT`:
    it may be a new normal rather than an odd year (a lasting 25% change of the last LNY
    is then carried 4% into the next forecast, against 2% without this floor and 7% with
    no window weights at all). With one or two windows no year can be told odd, and all
    weigh 1.

    Parameters
    ----------
    r, w : ndarray, shape (n,)
        Residuals and current weights.
    window_year : ndarray of int, shape (n,)
        Index of the LNY window holding each day, -1 outside every window.
    noise_sd : float
        Daily residual scale.

    Returns
    -------
    ndarray, shape (n_windows,)

    Examples
    --------
    >>> wy = np.repeat(np.arange(4), 20)
    >>> r = np.repeat([0.02, -0.4, -0.01, 0.0], 20)
    >>> year_weights(r, np.ones(80), wy, 0.1).round(2).tolist()
    [1.0, 0.06, 1.0, 1.0]
    >>> year_weights(np.repeat([0.02, -0.01, 0.0, -0.4], 20), np.ones(80), wy, 0.1).tolist()
    [1.0, 1.0, 1.0, 0.5]
    """
    k = int(window_year.max()) + 1 if len(window_year) else 0
    sel = window_year >= 0
    sw = np.bincount(window_year[sel], weights=w[sel], minlength=k)
    m = np.bincount(window_year[sel], weights=(w * r)[sel], minlength=k) / np.maximum(sw, 1e-12)
    days = np.bincount(window_year[sel], minlength=k)
    live = (sw > 1.0) & (days >= 11)  # windows with a day's weight, half their days seen
    out = np.ones(k)
    if live.sum() < 3:
        return out
    med = np.median(m[live])
    scale = max(1.4826 * np.median(np.abs(m[live] - med)), noise_sd / 2)
    z = np.abs(m - med) / scale
    out[live] = np.where(z[live] <= cut, 1.0, (cut / np.maximum(z[live], 1e-12)) ** 2)
    last = np.flatnonzero(live)[-1]  # may be a new normal, not an odd year: half at least
    out[last] = max(out[last], LATEST_MIN_WEIGHT)
    return out


def fit_regression(x: np.ndarray, X: np.ndarray, groups: dict, *, weights: np.ndarray,
                   dev_penalty: float | str, override: dict | None = None, n_pass: int = 2,
                   count_floor: bool = True, dev_phase: np.ndarray | None = None,
                   dev_days: np.ndarray | None = None, off_columns: np.ndarray | None = None,
                   window_year: np.ndarray | None = None):
    """Robust weighted ridge fit of ``x = log1p(y)`` on ``X``.

    Parameters
    ----------
    x : ndarray, shape (n,)
    X : ndarray, shape (n, p)
        Design matrix with column ``groups`` (name -> slice); ``trend`` starts with the
        intercept, which is not penalised.
    weights : ndarray, shape (n,)
        Prior weight of each day (0: not used).
    dev_penalty : float or "auto"
        Penalty of the ``dev`` group; ``"auto"``: :func:`dev_shrinkage` from a first fit
        (needs ``dev_phase``, the phase index of each ``dev`` column, and ``dev_days``,
        shape (n,), the ``dev`` column of each day or -1).
    override : dict, optional
        Group name -> penalty (:data:`OFF` switches a group off).
    n_pass : int
        Huber re-weighting passes after the first fit.
    count_floor : bool
        Floor the Huber scale at the count noise of the fitted level.
    off_columns : ndarray of bool, shape (p,), optional
        Single columns switched off (e.g. LNY days never seen at today's level: their
        effect stays at the prior's 0 instead of being learnt from near-zero weights).
    window_year : ndarray of int, shape (n,), optional
        Index of the past LNY window holding each day (-1 outside): each pass multiplies
        the window's days by :func:`year_weights`.

    Returns
    -------
    beta : ndarray, shape (p,)
    resid : ndarray, shape (n,)
    weights : ndarray, shape (n,)
        Final weights (prior times Huber times the LNY windows' weights).
    dev_penalty : float
        The penalty used for the ``dev`` group.
    window_weights : ndarray, shape (n_windows,)
        :func:`year_weights` of the last pass (empty without ``window_year``).

    Examples
    --------
    >>> X = np.column_stack([np.ones(500), np.arange(500) / 500])
    >>> beta, r, w, _, _ = fit_regression(1 + 2 * X[:, 1], X, {"trend": slice(0, 2)},
    ...                                weights=np.ones(500), dev_penalty=1.0, count_floor=False)
    >>> np.round(beta, 1).tolist()
    [1.0, 2.0]
    """
    override = dict(override or {})
    auto = isinstance(dev_penalty, str)
    if auto and dev_penalty != "auto":
        raise ValueError(f"dev_penalty must be a positive number or 'auto', got {dev_penalty!r}")
    if auto and "dev" in groups and override.get("dev", 0) < OFF:
        first = 1e-3  # nearly free deviations in the first fit: their spread sets the prior
    else:
        auto, first = False, dev_penalty
    penalty = np.zeros(X.shape[1])
    for name, sl in groups.items():
        penalty[sl] = override.get(name, PENALTY.get(name, first))
    penalty[groups["trend"].start] = 0.0  # intercept
    if off_columns is not None:
        penalty[off_columns] = OFF
    w0 = np.asarray(weights, dtype=float)
    w = w0.copy()
    yw = np.ones(0)
    Xs = sparse.csr_matrix(X)
    used = w0 > 0.01 * w0.max()  # the days that count (scales are not set by a closed era)
    for k in range(n_pass + 1):
        beta = weighted_ridge(Xs, x, weights=w, penalty=penalty)
        fitted = Xs @ beta
        r = x - fitted
        s = robust_scale(r[used])
        if count_floor:
            s = max(s, count_noise_sd(np.expm1(fitted[used])))
        s = max(s, 1e-6)
        w = w0 * np.minimum(1.0, 2.5 * s / np.maximum(np.abs(r), 1e-12))
        if window_year is not None and (window_year >= 0).any():
            yw = year_weights(r, w, window_year, s)
            w = w * np.where(window_year >= 0, yw[np.maximum(window_year, 0)], 1.0)
        if k == 0 and s > NOISE_REF:
            for name, sl in groups.items():
                if name != "dev":
                    penalty[sl] = np.where(penalty[sl] < OFF, penalty[sl] * (s / NOISE_REF) ** 2,
                                           OFF)
            penalty[groups["trend"].start] = 0.0
        if auto and k == 0:
            ph, dv = groups["phase"], groups["dev"]
            phase_of = np.asarray(dev_phase)
            effect = beta[dv] + np.where(phase_of >= 0, beta[ph][np.maximum(phase_of, 0)], 0.0)
            n_obs = np.bincount(dev_days[dev_days >= 0], weights=w[dev_days >= 0],
                                minlength=dv.stop - dv.start)
            s_day = max(local_scale(np.where(used, r, np.nan)), 1e-6)
            first = dev_shrinkage(effect, phase_of, n_obs, s_day**2)
            penalty[dv] = np.where(penalty[dv] < OFF, first, OFF)
    return beta, r, w, float(first), yw
