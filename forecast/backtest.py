"""Rolling-origin backtests around past Lunar New Years, scored with ``scoringrules``.

For each LNY year the models are fitted on the history up to ``LNY + origin_offset - 1``
and forecast ``horizon`` days from ``LNY + origin_offset``. Scores per day: CRPS
(``scoringrules.crps_ensemble``), pinball loss at 10/50/90, 80% and 95% interval
coverage, absolute error of the median. Per fold: the LNY-window total (sum over
``LNY + window[0] .. LNY + window[1]``) and whether the paths' 80% interval of that total
covers it. :func:`compare` turns the result into one row per model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scoringrules as sr

from forecast.calendar import lunar_new_year
from forecast.models import WINDOW, ForecastModel, make_model
from forecast.models.base import _check_frame

__all__ = ["BacktestResult", "backtest", "compare", "score_paths"]

_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class BacktestResult:
    """Tidy backtest output.

    Attributes
    ----------
    daily : DataFrame
        One row per model, series, LNY year and day: ``model, unique_id, lny_year, ds,
        offset, y, median, crps, pinball_10, pinball_50, pinball_90, in_80, in_95``.
    windows : DataFrame
        One row per model, series and LNY year: ``actual, median, lo_80, hi_80, in_80,
        crps`` of the LNY-window total.
    fits : DataFrame
        ``model, lny_year, seconds`` (fit + sampling time for all series).
    """

    daily: pd.DataFrame
    windows: pd.DataFrame
    fits: pd.DataFrame


def score_paths(actual: np.ndarray, paths: np.ndarray) -> dict[str, np.ndarray]:
    """Per-day scores of paths (n_paths, h) against ``actual`` (h,).

    Examples
    --------
    >>> s = score_paths(np.array([1.0, 5.0]), np.tile([[0.0], [1.0], [2.0]], (1, 2)))
    >>> s["in_80"].tolist(), s["crps"].round(3).tolist()
    ([True, False], [0.222, 3.556])
    """
    q = np.quantile(paths, _QUANTILES, axis=0)
    out = {"median": q[1], "crps": np.asarray(sr.crps_ensemble(actual, paths.T, m_axis=-1))}
    for tau, qt in zip(_QUANTILES, q):
        d = actual - qt
        out[f"pinball_{round(tau * 100)}"] = np.maximum(tau * d, (tau - 1) * d)
    for lv in (80, 95):
        lo, hi = np.quantile(paths, [0.5 - lv / 200, 0.5 + lv / 200], axis=0)
        out[f"in_{lv}"] = (actual >= lo) & (actual <= hi)
    return out


def _as_model(m, options) -> ForecastModel:
    if isinstance(m, str):
        return make_model(m, **options.get(m, options.get("*", {})))
    if isinstance(m, ForecastModel):
        return m.clone()
    raise ValueError(f"models must hold aliases or ForecastModel instances, got {m!r}")


def backtest(
    df: pd.DataFrame, models, *, lny_years, origin_offset: int = -28, horizon: int = 56,
    window: tuple[int, int] = WINDOW, n_paths: int = 200, seed: int = 0,
    options: dict | None = None,
) -> BacktestResult:
    """Backtest models with forecast origins placed relative to each LNY.

    Parameters
    ----------
    df : DataFrame
        History ``unique_id, ds, y``; must cover every fold's horizon.
    models : sequence of str or ForecastModel
        Aliases for :func:`forecast.models.make_model`, or (unfitted) model instances,
        which are cloned per fold.
    lny_years : sequence of int
        Years whose LNY anchors a fold.
    origin_offset : int, default -28
        First forecast day relative to LNY (the history ends the day before).
    horizon : int, default 56
        Days forecast; days after the end of the data are not scored (the LNY window
        must be observed).
    window : (int, int), default (-7, 14)
        LNY window, offsets inclusive, whose total is scored.
    n_paths : int, default 200
    seed : int, default 0
    options : dict, optional
        Per-alias options, e.g. ``{"*": {"country": "TW"}}`` for every alias or
        ``{"statespace": {...}}`` for one.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> res = backtest(toy_history(years=3), ["lunar-naive"], lny_years=[2025], n_paths=50)
    >>> compare(res)[["model", "n_folds"]].to_dict("records")
    [{'model': 'lunar-naive', 'n_folds': 1}]
    """
    df = _check_frame(df)
    options = options or {}
    if not origin_offset <= window[0] or not window[1] < origin_offset + horizon:
        raise ValueError(
            f"the LNY window {window} must lie inside the horizon: offsets {origin_offset}.."
            f"{origin_offset + horizon - 1}"
        )
    specs = list(models)
    if not specs:
        raise ValueError("models is empty: pass at least one alias or model")
    rng = np.random.default_rng(seed)
    daily, windows, fits = [], [], []
    for year in lny_years:
        lny = pd.Timestamp(lunar_new_year(int(year)))
        start = lny + pd.Timedelta(days=origin_offset)
        end = start + pd.Timedelta(days=horizon - 1)
        train = df[df.ds < start]
        test = df[(df.ds >= start) & (df.ds <= end)]
        need = lny + pd.Timedelta(days=window[1])
        covered = test[test.ds <= need].groupby("unique_id").size()
        if train.empty or len(covered) < df.unique_id.nunique() or (
            covered < (need - start).days + 1
        ).any():
            raise ValueError(
                f"LNY {year}: the data must cover {start.date()}..{need.date()} (the LNY window; "
                f"later horizon days are scored where observed) and some history before, for "
                f"every series; it spans {df.ds.min().date()}..{df.ds.max().date()}"
            )
        fold_seed = int(rng.integers(2**31 - 1))
        for spec in specs:
            model = _as_model(spec, options)
            t0 = time.perf_counter()
            paths = model.fit(train).sample_paths(horizon, n_paths=n_paths, seed=fold_seed)
            fits.append((model.alias, int(year), time.perf_counter() - t0))
            for uid, p in paths.groupby("unique_id", sort=False):
                t = test[test.unique_id == uid]
                mat = p["y"].to_numpy().reshape(n_paths, horizon)[:, : len(t)]
                actual = t["y"].to_numpy()
                offsets = (t["ds"] - lny).dt.days.to_numpy()
                s = score_paths(actual, mat)
                daily.append(pd.DataFrame({"model": model.alias, "unique_id": uid,
                                           "lny_year": int(year), "ds": t["ds"].to_numpy(),
                                           "offset": offsets, "y": actual, **s}))
                mask = (offsets >= window[0]) & (offsets <= window[1])
                tot, act = mat[:, mask].sum(axis=1), actual[mask].sum()
                lo, med, hi = np.quantile(tot, [0.1, 0.5, 0.9])
                windows.append((model.alias, uid, int(year), act, med, lo, hi, lo <= act <= hi,
                                float(sr.crps_ensemble(act, tot))))
    cols = ["model", "unique_id", "lny_year", "actual", "median", "lo_80", "hi_80", "in_80", "crps"]
    return BacktestResult(
        daily=pd.concat(daily, ignore_index=True),
        windows=pd.DataFrame(windows, columns=cols),
        fits=pd.DataFrame(fits, columns=["model", "lny_year", "seconds"]),
    )


def compare(result: BacktestResult) -> pd.DataFrame:
    """One row per model: accuracy, calibration and LNY-window coverage.

    Columns: ``model, crps, scaled_crps`` (CRPS / mean actual per series, averaged over
    series), ``pinball_10/50/90, coverage_80, coverage_95, window_coverage_80, wape``
    (median forecast), ``n_folds`` (series x LNY years) and ``seconds`` (mean per fold),
    sorted by ``scaled_crps``.
    """
    d = result.daily
    per_series = d.groupby(["model", "unique_id"]).agg(crps=("crps", "mean"), y=("y", "mean"))
    scaled = (per_series.crps / per_series.y).groupby("model").mean().rename("scaled_crps")
    d = d.assign(abs_err=(d.y - d["median"]).abs())
    g = d.groupby("model")
    out = pd.DataFrame({
        "crps": g.crps.mean(),
        "scaled_crps": scaled,
        "pinball_10": g.pinball_10.mean(), "pinball_50": g.pinball_50.mean(),
        "pinball_90": g.pinball_90.mean(),
        "coverage_80": g.in_80.mean(), "coverage_95": g.in_95.mean(),
        "window_coverage_80": result.windows.groupby("model").in_80.mean(),
        "wape": g.abs_err.sum() / g.y.sum(),
        "n_folds": result.windows.groupby("model").size(),
        "seconds": result.fits.groupby("model").seconds.mean(),
    })
    order = list(dict.fromkeys(d.model))
    out = out.loc[order].sort_values("scaled_crps", kind="stable")
    return out.reset_index(names="model")
