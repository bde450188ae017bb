"""Rolling-origin backtests around past Lunar New Years, scored with ``scoringrules``.

The folds are :func:`forecast.calendar.lny_folds` (the one fold rule, shared with the
models' calibration): for each LNY year the models are fitted on the history up to
``LNY + origin_offset - 1`` and forecast ``horizon`` days from ``LNY + origin_offset``
(defaults :data:`forecast.calendar.ORIGIN_OFFSET` = -28 and
:data:`forecast.calendar.HORIZON` = 56; e.g. ``origin_offset=-330, horizon=345`` backtests
next year's LNY from this year's data). Scores per day (:func:`score_paths`, from
``scoringrules``): CRPS, quantile (pinball) loss at 10/50/90, interval score and coverage
of the 80% and 95% intervals, absolute error of the median. Per fold: the LNY-window total
(sum over ``LNY + window[0] .. LNY + window[1]``) and whether the paths' 80% interval of
that total covers it. :func:`compare` turns the result into one row per model.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from forecast.calendar import HORIZON, ORIGIN_OFFSET, WINDOW, lny_folds
from forecast.models import ForecastModel, ShortHistoryWarning, make_model
from forecast.models.base import check_frame, check_rng
from forecast.models.scores import score_paths, window_scores

__all__ = ["BacktestResult", "backtest", "backtest_years", "compare", "score_paths"]


@dataclass(frozen=True)
class BacktestResult:
    """Tidy backtest output.

    Attributes
    ----------
    daily : DataFrame
        One row per model, series, LNY year and day: ``model, unique_id, lny_year, ds,
        offset, y, median, crps, pinball_10, pinball_50, pinball_90, interval_80,
        interval_95, in_80, in_95``.
    windows : DataFrame
        One row per model, series and LNY year: ``actual, median, lo_80, hi_80, in_80,
        crps`` of the LNY-window total.
    fits : DataFrame
        ``model, lny_year, seconds`` (fit + sampling time for all series).
    """

    daily: pd.DataFrame
    windows: pd.DataFrame
    fits: pd.DataFrame


def _as_model(m, options) -> ForecastModel:
    if isinstance(m, str):
        return make_model(m, **options.get(m, options.get("*", {})))
    if isinstance(m, ForecastModel):
        return m.clone()
    raise ValueError(f"models must hold aliases or ForecastModel instances, got {m!r}")


def backtest_years(df: pd.DataFrame, *, origin_offset: int = ORIGIN_OFFSET,
                   horizon: int = HORIZON, window: tuple[int, int] = WINDOW,
                   min_train_days: int = 365) -> list[int]:
    """LNY years whose fold (:func:`forecast.calendar.lny_folds`) every series supports.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> backtest_years(toy_history(years=4))  # 2022-01-01 .. 2025-12-31
    [2024, 2025]
    """
    df = check_frame(df)
    years = None
    for _uid, g in df.groupby("unique_id", sort=True):
        got = {f.lny.year for f in lny_folds(g["ds"], origin_offset=origin_offset, horizon=horizon,
                                             window=window, min_train_days=min_train_days)}
        years = got if years is None else years & got
    return sorted(years)


def backtest(
    df: pd.DataFrame, models, *, lny_years=None, origin_offset: int = ORIGIN_OFFSET,
    horizon: int = HORIZON, window: tuple[int, int] = WINDOW, n_paths: int = 200,
    rng: np.random.Generator | None = None, options: dict | None = None,
    progress: bool = False,
) -> BacktestResult:
    """Backtest models with forecast origins placed relative to each LNY.

    Parameters
    ----------
    df : DataFrame
        History ``unique_id, ds, y``.
    models : sequence of str or ForecastModel
        Aliases for :func:`forecast.models.make_model`, or (unfitted) model instances,
        which are cloned per fold.
    lny_years : sequence of int, optional
        Years whose LNY anchors a fold; each needs some history before its origin and the
        LNY window observed for every series (later horizon days are scored where
        observed). Default: :func:`backtest_years` (a year of history before each origin).
    origin_offset : int, default -28
        First forecast day relative to LNY (the history ends the day before).
    horizon : int, default 56
        Days forecast.
    window : (int, int), default (-7, 14)
        LNY window, offsets inclusive, whose total is scored; inside the horizon.
    n_paths : int, default 200
    rng : numpy.random.Generator, optional
        One stream per fold is spawned from it; every model of a fold gets the same
        stream (common random numbers), split into fitting and sampling streams.
    options : dict, optional
        Per-alias options, e.g. ``{"*": {"country": "TW"}}`` for every alias or
        ``{"statespace": {...}}`` for one.
    progress : bool
        Show a progress bar (one step per fold and model) on stderr.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        If the window is not inside the horizon, ``models`` is empty, or a year's fold is
        not covered by the data (the years it supports are named).

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> res = backtest(toy_history(years=3), ["lunar-naive"], lny_years=[2025], n_paths=50,
    ...                rng=np.random.default_rng(0))
    >>> compare(res)[["model", "n_folds"]].to_dict("records")
    [{'model': 'lunar-naive', 'n_folds': 1}]
    """
    df = check_frame(df)
    rng = check_rng(rng)
    options = options or {}
    specs = list(models)
    if not specs:
        raise ValueError("models is empty: pass at least one alias or model")
    fold_kw = {"origin_offset": origin_offset, "horizon": horizon, "window": window}
    if lny_years is None:
        lny_years = backtest_years(df, **fold_kw)
        if not lny_years:
            raise ValueError(f"no LNY fold with a year of history before its origin "
                             f"(LNY{origin_offset:+d}) and the LNY window observed in "
                             f"{df.ds.min().date()}..{df.ds.max().date()}; pass lny_years "
                             "(CLI: --years)")
    supported = backtest_years(df, min_train_days=1, **fold_kw)
    folds = {}
    for uid, g in df.groupby("unique_id", sort=True):
        for f in lny_folds(g["ds"], min_train_days=1, **fold_kw):
            folds.setdefault(f.lny.year, f)
    bad = [int(y) for y in lny_years if int(y) not in supported]
    if bad:
        raise ValueError(
            f"LNY {bad}: the data must cover the LNY window ({window[0]:+d}..{window[1]:+d} days) "
            f"and some history before the origin (LNY{origin_offset:+d}) for every series; "
            f"it spans {df.ds.min().date()}..{df.ds.max().date()}, which supports "
            + (f"LNY years {supported}" if supported else "no LNY year")
            + " (lny_years; CLI: --years)")
    years = [int(y) for y in lny_years]
    daily, windows, fits = [], [], []
    bar = tqdm(total=len(years) * len(specs), desc="backtest", unit="fit", disable=not progress,
               leave=False)
    for year, fold_rng in zip(years, rng.spawn(len(years))):
        fold = folds[year]
        end = fold.origin + pd.Timedelta(days=horizon - 1)
        train = df[df.ds < fold.origin]
        test = df[(df.ds >= fold.origin) & (df.ds <= end)]
        for spec in specs:
            model = _as_model(spec, options)
            fit_rng, path_rng = np.random.default_rng(fold_rng.bit_generator.seed_seq).spawn(2)
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:  # the model's own warnings
                paths = model.fit(train, rng=fit_rng).sample_paths(horizon, n_paths=n_paths,
                                                                   rng=path_rng)
            for w in caught:  # are said to be about the fold's history, others pass as raised
                if issubclass(w.category, ShortHistoryWarning):
                    warnings.warn(f"backtest fold LNY {year} (history to "
                                  f"{(fold.origin - pd.Timedelta(days=1)).date()}): "
                                  f"{w.message}", w.category, stacklevel=2)
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            fits.append((model.alias, year, time.perf_counter() - t0))
            bar.set_postfix_str(f"LNY {year} {model.alias}", refresh=False)
            bar.update()
            for uid, p in paths.groupby("unique_id", sort=False):
                t = test[test.unique_id == uid]
                mat = p["y"].to_numpy().reshape(n_paths, horizon)[:, : len(t)]
                actual = t["y"].to_numpy()
                offsets = fold.offsets[: len(t)]
                daily.append(pd.DataFrame({"model": model.alias, "unique_id": uid,
                                           "lny_year": year, "ds": t["ds"].to_numpy(),
                                           "offset": offsets, "y": actual,
                                           **score_paths(actual, mat)}))
                mask = fold.window_mask(window)[: len(t)]
                windows.append({"model": model.alias, "unique_id": uid, "lny_year": year,
                                **window_scores(actual, mat, mask)})
    cols = ["model", "unique_id", "lny_year", "actual", "median", "lo_80", "hi_80", "in_80", "crps"]
    bar.close()
    return BacktestResult(
        daily=pd.concat(daily, ignore_index=True),
        windows=pd.DataFrame(windows, columns=cols),
        fits=pd.DataFrame(fits, columns=["model", "lny_year", "seconds"]),
    )


def compare(result: BacktestResult) -> pd.DataFrame:
    """One row per model: accuracy, calibration and LNY-window coverage.

    Columns: ``model, crps, scaled_crps`` (CRPS / mean actual per series, averaged over
    series), ``pinball_10/50/90`` (quantile scores), ``interval_80`` (interval score of the
    80% interval), ``coverage_80, coverage_95, window_coverage_80, wape`` (median
    forecast), ``n_folds`` (series x LNY years) and ``seconds`` (mean per fold), sorted by
    ``scaled_crps``.
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
        "pinball_90": g.pinball_90.mean(), "interval_80": g.interval_80.mean(),
        "coverage_80": g.in_80.mean(), "coverage_95": g.in_95.mean(),
        "window_coverage_80": result.windows.groupby("model").in_80.mean(),
        "wape": g.abs_err.sum() / g.y.sum(),
        "n_folds": result.windows.groupby("model").size(),
        "seconds": result.fits.groupby("model").seconds.mean(),
    })
    order = list(dict.fromkeys(d.model))
    out = out.loc[order].sort_values("scaled_crps", kind="stable")
    return out.reset_index(names="model")
