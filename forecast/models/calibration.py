"""Recalibrate path spread from rolling-origin backtests on past LNYs in the history.

For each past LNY with enough history before it, the model is refitted on the data up to
``LNY + origin_offset`` and its raw path components are drawn for ``horizon`` days. Two
scale factors are then learnt:

- ``shared_scale`` multiplies the shared (level / LNY-effect) deviations so that the
  standardised error of the LNY-window total has unit variance (normal theory, shrunk
  towards 1 because there are only a few past LNYs);
- ``noise_scale`` multiplies the daily deviations so that daily 80% and 95% coverage are
  closest to nominal: the median over folds of each fold's best scale (robust to one
  surprising year), shrunk towards 1 in the same way.

The coverage before and after is recorded in ``model.calibration_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules as sr

from forecast.calendar import lny_dates
from forecast.models.base import WINDOW, Components

__all__ = ["lny_origins", "fit_scales", "calibrate_series", "ORIGIN_OFFSET", "HORIZON"]

ORIGIN_OFFSET, HORIZON = -28, 56
_MIN_TRAIN_DAYS = 365
_GRID_SHARED = np.geomspace(0.4, 3.0, 23)
_GRID_NOISE = np.geomspace(0.3, 3.0, 31)
# shrinkage towards scale 1, in folds: a window total gives one number per fold, daily
# coverage gives ~56 (dependent) numbers per fold, so it is shrunk less
_PRIOR_FOLDS_SHARED, _PRIOR_FOLDS_NOISE = 2.0, 0.5


def lny_origins(
    ds: pd.DatetimeIndex, *, origin_offset: int = ORIGIN_OFFSET, horizon: int = HORIZON,
    max_folds: int = 3, min_train_days: int = _MIN_TRAIN_DAYS,
) -> list[tuple[pd.Timestamp, int]]:
    """Past LNYs usable as backtest origins: ``(lny, n_train)``, most recent first.

    A fold needs ``min_train_days`` of history before its origin ``lny + origin_offset`` and
    ``horizon`` observed days from the origin on.

    Examples
    --------
    >>> ds = pd.date_range("2020-01-01", "2023-12-31")
    >>> [(d.year, n) for d, n in lny_origins(ds)]
    [(2023, 1089), (2022, 734), (2021, 380)]
    """
    out = []
    for lny in lny_dates(ds[0], ds[-1])[::-1]:
        start = lny + pd.Timedelta(days=origin_offset)
        n_train = int((start - ds[0]).days)
        if start + pd.Timedelta(days=horizon - 1) > ds[-1] or n_train < min_train_days:
            continue
        out.append((lny, n_train))
        if len(out) == max_folds:
            break
    return out


def _coverage(paths: np.ndarray, actual: np.ndarray, level: int) -> np.ndarray:
    lo, hi = np.quantile(paths, [0.5 - level / 200, 0.5 + level / 200], axis=0)
    return (actual >= lo) & (actual <= hi)


def _window_z(paths: np.ndarray, actual: np.ndarray, mask: np.ndarray) -> float:
    tot = np.log1p(paths[:, mask].sum(axis=1))
    sd = tot.std()
    return float((np.log1p(actual[mask].sum()) - tot.mean()) / max(sd, 1e-9))


def _scores(folds, a: float, b: float) -> dict:
    c80, c95, win, crps = [], [], [], []
    for comps, actual, mask in folds:
        p = comps.paths(a, b)
        c80.append(_coverage(p, actual, 80))
        c95.append(_coverage(p, actual, 95))
        win.append(_coverage(p[:, mask].sum(axis=1, keepdims=True), actual[mask].sum(keepdims=True), 80)[0])
        crps.append(np.mean(sr.crps_ensemble(actual, p.T, m_axis=-1)) / max(actual.mean(), 1e-9))
    return {
        "cov80": float(np.mean(np.concatenate(c80))), "cov95": float(np.mean(np.concatenate(c95))),
        "window_cov80": float(np.mean(win)), "scaled_crps": float(np.mean(crps)),
    }


def fit_scales(folds: list[tuple[Components, np.ndarray, np.ndarray]]) -> dict:
    """Learn ``shared_scale`` and ``noise_scale`` from backtest folds.

    Parameters
    ----------
    folds : list of (Components, actual, window_mask)
        Raw path components of each fold, the observed values (h,), and a boolean mask
        (h,) of the LNY-window days.

    Returns
    -------
    dict
        ``shared_scale, noise_scale, n_folds`` and scores before/after
        (``cov80_before``, ``cov80_after``, ``cov95_*``, ``window_cov80_*``,
        ``scaled_crps_*``). Without folds both scales are 1 and scores are NaN.
    """
    n = len(folds)
    if n == 0:
        nan = float("nan")
        return {"n_folds": 0, "shared_scale": 1.0, "noise_scale": 1.0,
                **{f"{k}_{w}": nan for k in ("cov80", "cov95", "window_cov80", "scaled_crps")
                   for w in ("before", "after")}}
    # shared part: window-total z-scores with unit variance
    z2 = np.array([[_window_z(c.paths(a, 1.0), act, m) ** 2 for c, act, m in folds]
                   for a in _GRID_SHARED]).mean(axis=1)
    a_hat = _GRID_SHARED[np.argmin(np.abs(np.log(z2)))]
    a = float(a_hat ** (n / (n + _PRIOR_FOLDS_SHARED)))
    # daily part: per fold, the scale whose 80% and 95% coverage are closest to nominal;
    # the median over folds, so that one year with a surprise (a level shift) does not
    # widen every later forecast
    per_fold = []
    for fold in folds:
        loss = []
        for b in _GRID_NOISE:
            s = _scores([fold], a, b)
            loss.append((s["cov80"] - 0.8) ** 2 + (s["cov95"] - 0.95) ** 2)
        loss = np.array(loss)
        best = np.flatnonzero(loss == loss.min())
        per_fold.append(np.log(_GRID_NOISE[best]).mean())  # middle of a flat optimum
    b_hat = float(np.exp(np.median(per_fold)))
    b = float(b_hat ** (n / (n + _PRIOR_FOLDS_NOISE)))
    before, after = _scores(folds, 1.0, 1.0), _scores(folds, a, b)
    return {"n_folds": n, "shared_scale": a, "noise_scale": b,
            **{f"{k}_before": v for k, v in before.items()},
            **{f"{k}_after": v for k, v in after.items()}}


def calibrate_series(model, uid: str, ds: pd.DatetimeIndex, y: np.ndarray, *,
                     n_paths: int = 200, seed: int = 0) -> dict:
    """Backtest an unfitted copy of ``model`` on past LNYs of one series, learn scales.

    Origins lie inside the model's current regime (``model._regime_start``: history before
    a structural break is not used). Folds whose truncated history the model cannot fit
    (``ValueError``, e.g. no complete past LNY yet) are skipped; with no usable fold the scales stay 1 (recorded).
    """
    inner = model.clone(calibrate=False)
    rngs = np.random.default_rng(seed).spawn(8)
    folds = []
    start = model._regime_start(ds, y)  # folds only inside the current regime
    origins = lny_origins(ds[start:], max_folds=model.params.get("max_folds", 3))
    for (lny, n_rel), rng in zip(origins, rngs):
        n_train = start + n_rel
        try:
            state = inner._fit_one(uid, ds[:n_train], y[:n_train])
        except ValueError:
            continue
        comps = inner._draw_one(state, HORIZON, n_paths, rng=rng)
        offsets = np.arange(HORIZON) + ORIGIN_OFFSET
        mask = (offsets >= WINDOW[0]) & (offsets <= WINDOW[1])
        folds.append((comps, y[n_train:n_train + HORIZON], mask))
    return {"unique_id": uid, **fit_scales(folds)}
