"""Scores of sample paths against what happened, from ``scoringrules``.

One home for the scores that calibration, ``auto``'s model choice and the published
backtest (:mod:`forecast.backtest`) share. ``paths`` are ``(n_paths, h)`` arrays on the
original scale; ``actual`` is ``(h,)``.

- CRPS: ``scoringrules.crps_ensemble`` (the fair ensemble estimator is not used: with a
  few hundred paths the difference is below 0.5%);
- quantile (pinball) loss at 10/50/90%: ``scoringrules.quantile_score`` of the paths'
  empirical quantiles;
- interval score of the central 80% and 95% intervals: ``scoringrules.interval_score``;
- coverage: whether ``actual`` lies in the paths' central interval (bounds included).
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

__all__ = ["QUANTILES", "LEVELS", "score_paths", "coverage", "scaled_crps", "window_scores"]

#: Quantile levels scored with the quantile (pinball) loss.
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
#: Central interval levels (percent) scored with coverage and the interval score.
LEVELS: tuple[int, ...] = (80, 95)


def coverage(paths: np.ndarray, actual: np.ndarray, level: int) -> np.ndarray:
    """Whether each ``actual`` lies in the paths' central ``level``% interval, shape (h,).

    Examples
    --------
    >>> coverage(np.arange(11.0)[:, None], np.array([5.0]), 80).tolist()
    [True]
    """
    lo, hi = np.quantile(paths, [0.5 - level / 200, 0.5 + level / 200], axis=0)
    return (actual >= lo) & (actual <= hi)


def score_paths(actual: np.ndarray, paths: np.ndarray) -> dict[str, np.ndarray]:
    """Per-day scores of paths (n_paths, h) against ``actual`` (h,).

    Returns
    -------
    dict of ndarray, each (h,)
        ``median``, ``crps``, ``pinball_10/50/90`` (quantile score), ``interval_80/95``
        (interval score, same units as ``actual``), ``in_80/95`` (bool).

    Examples
    --------
    >>> s = score_paths(np.array([1.0, 5.0]), np.tile([[0.0], [1.0], [2.0]], (1, 2)))
    >>> s["in_80"].tolist(), s["crps"].round(3).tolist()
    ([True, False], [0.222, 3.556])
    """
    actual = np.asarray(actual, dtype=float)
    q = np.quantile(paths, QUANTILES, axis=0)
    out = {"median": q[QUANTILES.index(0.5)],
           "crps": np.asarray(sr.crps_ensemble(actual, paths.T, m_axis=-1))}
    for tau, qt in zip(QUANTILES, q):
        out[f"pinball_{round(tau * 100)}"] = np.asarray(sr.quantile_score(actual, qt, tau))
    for lv in LEVELS:
        lo, hi = np.quantile(paths, [0.5 - lv / 200, 0.5 + lv / 200], axis=0)
        out[f"interval_{lv}"] = np.asarray(sr.interval_score(actual, lo, hi, 1 - lv / 100))
        out[f"in_{lv}"] = (actual >= lo) & (actual <= hi)
    return out


def scaled_crps(actual: np.ndarray, paths: np.ndarray) -> float:
    """Mean CRPS over the days divided by the mean actual (unitless).

    Examples
    --------
    >>> float(scaled_crps(np.array([10.0, 10.0]), np.full((5, 2), 10.0)))
    0.0
    """
    crps = np.asarray(sr.crps_ensemble(actual, paths.T, m_axis=-1))
    return float(crps.mean() / max(float(np.mean(actual)), 1e-9))


def window_scores(actual: np.ndarray, paths: np.ndarray, mask: np.ndarray) -> dict:
    """Scores of the total over the days in ``mask`` (the LNY window).

    Returns
    -------
    dict
        ``actual, median, lo_80, hi_80, in_80, crps`` of the window total.

    Examples
    --------
    >>> w = window_scores(np.ones(3), np.ones((4, 3)), np.array([True, True, False]))
    >>> w["actual"], w["in_80"]
    (2.0, True)
    """
    tot, act = paths[:, mask].sum(axis=1), float(np.asarray(actual)[mask].sum())
    lo, med, hi = np.quantile(tot, [0.1, 0.5, 0.9])
    return {"actual": act, "median": float(med), "lo_80": float(lo), "hi_80": float(hi),
            "in_80": bool(lo <= act <= hi), "crps": float(sr.crps_ensemble(act, tot))}
