"""Recalibrate path spread from rolling-origin backtests on past LNYs in the history.

The folds are :func:`forecast.calendar.lny_folds` of the model's current regime (origin
``LNY + ORIGIN_OFFSET``, ``HORIZON`` days, every horizon day observed, at least
:data:`MIN_TRAIN_DAYS` days of regime history before the origin: as many as a model needs
to fit), the most recent ``max_folds`` of them. On each fold the
model is refitted on the history before the origin and its raw path components are drawn
for the horizon. Two scale factors are then learnt:

- ``shared_scale`` multiplies the shared (level / LNY-effect) deviations so that the
  standardised error of the LNY-window total has unit variance (normal theory, shrunk
  towards 1 because there are only a few past LNYs);
- ``noise_scale`` multiplies the daily deviations so that daily 80% and 95% coverage are
  closest to nominal: the median over folds of each fold's best scale (robust to one
  surprising year), shrunk towards 1 in the same way.

A history with no such fold (too short before its last fully observed LNY: a new
hub, a new client) is calibrated on :func:`recent_folds` instead: the last
:data:`RECENT_FOLDS` origins, :data:`RECENT_STEP` days apart, of ``HORIZON``-day forecasts
fitted on at least :data:`RECENT_MIN_TRAIN` days, with the shared scale learnt on the total
of the days at the LNY window's place in the horizon (days 21-42). These folds hold no LNY
(a year of history has only one), so they measure the level and daily spread the model
gives at this lead, not its LNY effects. The LNY effects' uncertainty is the model's own
(priors and the part of an LNY seen), multiplied by the shared scale learnt on these
folds like the level's: it is built from the same residual noise, and leaving it
unscaled made HK's 13-month histories wider still (daily 80% coverage 0.869 -> 0.919,
scaled CRPS 0.058 -> 0.062, ``benchmarks/RESULTS.md``). The record says so (``fallback``). Only when even these
folds cannot be fitted are the scales :data:`NO_FOLD_SCALES`. The coverage before and
after is recorded in ``model.calibration_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import HORIZON, ORIGIN_OFFSET, WINDOW, lny_dates, lny_folds
from forecast.models.components import Components
from forecast.models.regression import MIN_HISTORY_DAYS
from forecast.models.scores import coverage, scaled_crps
from forecast.models.zeros import closed_runs, leading_closed_days

__all__ = ["NO_FOLD_SCALES", "RECENT_FOLDS", "RECENT_MIN_TRAIN", "RECENT_STEP", "fit_scales",
           "calibrate_series", "calibration_folds", "recent_folds"]

#: Spread scales (shared, noise) used when no past LNY fold exists. The scales learnt on
#: the real and demo series with folds have median (0.87, 0.99) (``benchmarks/RESULTS.md``):
#: the raw model is not too narrow, so no extra widening; a short history's paths are
#: wider through the model's own uncertainty (LNY effects seen once or never, level drift).
NO_FOLD_SCALES: tuple[float, float] = (1.0, 1.0)
#: History a calibration fold is fitted on, at least: as much as the model needs.
MIN_TRAIN_DAYS = MIN_HISTORY_DAYS
#: Folds without an LNY for a history with no past LNY fold: this many origins, this many
#: days apart (the most recent: most like the forecast's), each fitted on at least this
#: many days (8 months: shorter fits are unlike the final one, measured on the real series
#: in ``benchmarks/RESULTS.md``).
RECENT_FOLDS, RECENT_STEP, RECENT_MIN_TRAIN = 3, 28, 240
#: Past LNY windows (:func:`past_windows`) a fold's history must hold to calibrate a fit
#: on a history that holds at least as many: a fold that saw one LNY draws its LNY
#: effects far wider than a fit that saw two (measured in ``benchmarks/RESULTS.md``).
MIN_LIKE_WINDOWS = 2
_GRID_SHARED = np.geomspace(0.4, 3.0, 23)
_GRID_NOISE = np.geomspace(0.3, 3.0, 31)
# shrinkage towards scale 1, in folds: a window total gives one number per fold, daily
# coverage gives ~56 (dependent) numbers per fold, so it is shrunk less
_PRIOR_FOLDS_SHARED, _PRIOR_FOLDS_NOISE = 2.0, 0.5


def calibration_folds(ds: pd.DatetimeIndex, *, start: int = 0, max_folds: int = 3):
    """The calibration folds of a history whose current regime starts at index ``start``.

    Returns
    -------
    list of (LnyFold, int)
        Each fold and its training length counted from the first day of ``ds``, oldest
        first.

    Examples
    --------
    >>> ds = pd.date_range("2020-01-01", "2023-12-31")
    >>> [(f.lny.year, n) for f, n in calibration_folds(ds, max_folds=2)]
    [(2022, 734), (2023, 1089)]
    """
    folds = lny_folds(ds[start:], full_horizon=True, min_train_days=MIN_TRAIN_DAYS)
    return [(f, start + f.n_train) for f in folds[-max_folds:]] if max_folds > 0 else []


def past_windows(ds: pd.DatetimeIndex) -> int:
    """Number of LNY windows (:data:`~forecast.calendar.WINDOW`) wholly inside ``ds``.

    Examples
    --------
    >>> past_windows(pd.date_range("2023-06-01", "2025-03-31"))
    2
    """
    if len(ds) == 0:
        return 0
    t = lny_dates(ds[0], ds[-1])
    return int(((t + pd.Timedelta(days=WINDOW[0]) >= ds[0])
                & (t + pd.Timedelta(days=WINDOW[1]) <= ds[-1])).sum())


def recent_folds(n: int, *, start: int = 0, max_folds: int = RECENT_FOLDS,
                 step: int = RECENT_STEP, min_train: int = RECENT_MIN_TRAIN) -> list[int]:
    """Training lengths of the latest rolling-origin folds of an ``n``-day history.

    Origins ``n - HORIZON``, ``n - HORIZON - step``, ... (every horizon day observed), at
    least ``min_train`` days after ``start`` (the current regime's first day), at most
    ``max_folds`` of them, oldest first.

    Examples
    --------
    >>> recent_folds(396)
    [284, 312, 340]
    >>> recent_folds(300)
    [244]
    """
    last = n - HORIZON
    out = [o for o in range(last, start + min_train - 1, -step)][:max_folds] if max_folds > 0 else []
    return out[::-1]


def _window_z(paths: np.ndarray, actual: np.ndarray, mask: np.ndarray) -> float:
    tot = np.log1p(paths[:, mask].sum(axis=1))
    sd = tot.std()
    return float((np.log1p(actual[mask].sum()) - tot.mean()) / max(sd, 1e-9))


def _scores(folds, a: float, b: float) -> dict:
    c80, c95, win, crps = [], [], [], []
    for comps, actual, mask in folds:
        p = comps.paths(a, b)
        c80.append(coverage(p, actual, 80))
        c95.append(coverage(p, actual, 95))
        win.append(coverage(p[:, mask].sum(axis=1, keepdims=True),
                            actual[mask].sum(keepdims=True), 80)[0])
        crps.append(scaled_crps(actual, p))
    return {
        "cov80": float(np.mean(np.concatenate(c80))), "cov95": float(np.mean(np.concatenate(c95))),
        "window_cov80": float(np.mean(win)), "scaled_crps": float(np.mean(crps)),
    }


def _best_noise_scale(comps: Components, actual: np.ndarray, a: float) -> float:
    """Log of the noise scale whose daily 80% and 95% coverage are closest to nominal."""
    loss = np.empty(len(_GRID_NOISE))
    for i, b in enumerate(_GRID_NOISE):
        p = comps.paths(a, b)
        q = np.quantile(p, [0.025, 0.1, 0.9, 0.975], axis=0)
        c80 = np.mean((actual >= q[1]) & (actual <= q[2]))
        c95 = np.mean((actual >= q[0]) & (actual <= q[3]))
        loss[i] = (c80 - 0.8) ** 2 + (c95 - 0.95) ** 2
    best = np.flatnonzero(loss == loss.min())
    return float(np.log(_GRID_NOISE[best]).mean())  # middle of a flat optimum


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
        ``scaled_crps_*``). Without folds the scales are :data:`NO_FOLD_SCALES` and scores
        are NaN.

    Examples
    --------
    >>> fit_scales([])["shared_scale"] == NO_FOLD_SCALES[0]
    True
    """
    n = len(folds)
    if n == 0:
        nan = float("nan")
        return {"n_folds": 0, "shared_scale": NO_FOLD_SCALES[0], "noise_scale": NO_FOLD_SCALES[1],
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
    per_fold = [_best_noise_scale(c, act, a) for c, act, _m in folds]
    b_hat = float(np.exp(np.median(per_fold)))
    b = float(b_hat ** (n / (n + _PRIOR_FOLDS_NOISE)))
    before, after = _scores(folds, 1.0, 1.0), _scores(folds, a, b)
    return {"n_folds": n, "shared_scale": a, "noise_scale": b,
            **{f"{k}_before": v for k, v in before.items()},
            **{f"{k}_after": v for k, v in after.items()}}


def calibrate_series(model, uid: str, ds: pd.DatetimeIndex, y: np.ndarray, *,
                     rng: np.random.Generator, max_folds: int = 3, n_paths: int = 200,
                     state=None) -> dict:
    """Backtest ``model`` on past LNYs of one series and learn its spread scales.

    Parameters
    ----------
    model : ForecastModel
        Its ``fit_series`` / ``draw_series`` are called on each fold's history (the model
        itself is not changed).
    uid : str
    ds, y : DatetimeIndex and ndarray, shape (n,)
        The whole history of the series.
    rng : numpy.random.Generator
        One stream per fold is spawned from it (fitting and drawing).
    max_folds : int, default 3
    n_paths : int, default 200
    state : optional
        The model's state fitted on the whole history; its fallbacks are recorded.

    Returns
    -------
    dict
        ``unique_id``, the keys of :func:`fit_scales`, ``fallback``: "" or the
        documented fallbacks used (no past LNY fold; the model's own, e.g. LNY effects from
        a partial window shrunk to the prior), and ``facts``: "" or what the model took
        as facts of the history (structural closures, closed runs, LNY windows counted
        less as odd years).

    Folds lie inside the model's current regime (``model.regime_start``). An LNY fold
    whose history holds fewer past LNY windows than :data:`MIN_LIKE_WINDOWS` is left out
    when the whole history holds that many (its one-LNY fit is unlike the final one).
    Without a past LNY fold, or with none left, the :func:`recent_folds` are used, fitted
    with ``fit_series(..., min_days=RECENT_MIN_TRAIN)``. Folds whose truncated history the
    model cannot fit (``ValueError``) are skipped.
    """
    start = model.regime_start(ds, y)
    lny = calibration_folds(ds, start=start, max_folds=max_folds)
    # a fold whose history holds a single past LNY window has that year's LNY effects and
    # their wide uncertainty: unlike a final fit on two or more, so it does not calibrate it
    need = min(MIN_LIKE_WINDOWS, past_windows(ds))
    plan = [(n_train, fold.window_mask(WINDOW), {}) for fold, n_train in lny
            if past_windows(ds[:n_train]) >= need]
    unlike = bool(lny) and not plan
    # a short history (no past LNY fold since the series opened, not only none in the
    # current level regime, whose folds would be fitted across regimes), or one whose LNY
    # folds are all unlike it: its latest folds, without an LNY
    opened = leading_closed_days(closed_runs(y, ds=ds))
    recent = unlike or (not plan and not calibration_folds(ds, start=opened, max_folds=1))
    if recent:
        mask = np.arange(HORIZON) + ORIGIN_OFFSET
        mask = (mask >= WINDOW[0]) & (mask <= WINDOW[1])
        plan = [(n_train, mask, {"min_days": RECENT_MIN_TRAIN})
                for n_train in recent_folds(len(ds), start=start,
                                            max_folds=min(max_folds, RECENT_FOLDS))]
    folds, origins = [], []
    for (n_train, mask, kw), fold_rng in zip(plan, rng.spawn(len(plan))):
        fit_rng, draw_rng = fold_rng.spawn(2)
        try:
            fold_state = model.fit_series(uid, ds[:n_train], y[:n_train], rng=fit_rng, **kw)
        except ValueError:
            continue
        comps = model.draw_series(fold_state, HORIZON, n_paths, rng=draw_rng)
        folds.append((comps, y[n_train:n_train + HORIZON], mask))
        origins.append(pd.Timestamp(ds[n_train]).date())
    rec = fit_scales(folds)
    notes = list(model.fallbacks(state)) if state is not None else []
    if recent or not folds:
        regime = (f" of the current regime (since {pd.Timestamp(ds[start]).date()}: earlier "
                  "days sit at another level, e.g. a closure or a recovery)" if start else "")
        why = (f"no past LNY backtest fold (needs {MIN_TRAIN_DAYS} days of history{regime} "
               f"before an LNY{ORIGIN_OFFSET:+d} origin and {HORIZON} observed days after it)")
        if unlike:
            why = ("no past LNY backtest fold like the final fit (each fold's history holds "
                   "a single past LNY window, the whole history two or more)")
        if folds:  # first: the page-1 warning keeps the notes that fit, in order
            notes.insert(0, f"{why}: spread calibrated on {len(folds)} recent {HORIZON}-day "
                            f"folds without an LNY (origins {origins[0]} to {origins[-1]}, "
                            f"scales {rec['shared_scale']:.2f} and {rec['noise_scale']:.2f}); "
                            "the LNY effects' uncertainty is the model's own, scaled "
                            "with the level's")
        else:
            notes.insert(0, f"{why}: spread not calibrated (scales {NO_FOLD_SCALES}; the "
                            "model's own uncertainty of a short history is in its paths)")
    facts = "; ".join(model.facts(state)) if state is not None else ""
    return {"unique_id": uid, **rec, "fallback": "; ".join(notes), "facts": facts}
