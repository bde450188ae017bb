"""``lunar-naive``: last year's value at the same offset from LNY, level-adjusted.

The planner's own heuristic, kept as an honest baseline. The forecast for day ``d`` with
offset ``o`` from its nearest LNY is last year's value at ``LNY(prev) + o``, times the
ratio of the last ``level_days`` observed days to their LNY-aligned counterparts a year
before. Noise is empirical: the heuristic's own log errors over the history (made with
the level ratio known ``lag`` days earlier), resampled as whole blocks of ``h`` days so the
paths keep the errors' day-to-day dependence. Joint paths across series
(:mod:`forecast.models.joint`) start every series' block at the same common uniform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import days_to_lny, lny_year_of, lunar_new_year
from forecast.models.base import ForecastModel
from forecast.models.components import Components

__all__ = ["LunarNaive", "lny_aligned_dates"]


def lny_aligned_dates(ds: pd.DatetimeIndex, *, years_back: int = 1) -> pd.DatetimeIndex:
    """The date at the same offset from LNY ``years_back`` lunar years earlier.

    Examples
    --------
    >>> lny_aligned_dates(pd.to_datetime(["2024-02-09"])).strftime("%Y-%m-%d").tolist()
    ['2023-01-21']
    """
    ds = pd.DatetimeIndex(ds)
    off = days_to_lny(ds)
    anchor_years = lny_year_of(ds, off)
    prev = pd.DatetimeIndex([lunar_new_year(int(yr) - years_back) for yr in anchor_years])
    return prev + pd.to_timedelta(off, unit="D")


@dataclass(frozen=True)
class _State:
    ds: pd.DatetimeIndex
    y: np.ndarray
    errors: np.ndarray


class LunarNaive(ForecastModel):
    """Last year's LNY-aligned value, level-adjusted, with block-bootstrapped errors.

    Parameters
    ----------
    alias : str, default "lunar-naive"
    level_days : int, default 28
        Days used for the level ratio.
    lag : int, default 28
        Lead time assumed when measuring the heuristic's in-sample errors.

    Examples
    --------
    >>> from forecast.models.testing import toy_history
    >>> m = LunarNaive().fit(toy_history(years=3))
    >>> m.predict(3, level=(80,)).columns.tolist()
    ['unique_id', 'ds', 'lunar-naive', 'lunar-naive-lo-80', 'lunar-naive-hi-80']
    """

    default_alias = "lunar-naive"
    supports_joint = True

    def __init__(self, *, alias: str | None = None, level_days: int = 28, lag: int = 28) -> None:
        super().__init__(alias=alias)
        for k, v in (("level_days", level_days), ("lag", lag)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{k} must be a positive int, got {v!r}")
        self.level_days, self.lag = int(level_days), int(lag)

    def _lookup(self, ds_hist, y_hist, dates):
        idx = (dates - ds_hist[0]).days.to_numpy()
        ok = (idx >= 0) & (idx < len(y_hist))
        return np.where(ok, y_hist[np.clip(idx, 0, len(y_hist) - 1)], np.nan)

    def fit_series(self, uid, ds, y, *, rng=None) -> _State:
        k, lag = self.level_days, self.lag
        prev = self._lookup(ds, y, lny_aligned_dates(ds))
        if np.isfinite(prev).sum() < k + lag + 28:
            need = k + lag + 28
            raise ValueError(
                f"{self.alias}: series {uid!r} ({ds[0].date()}..{ds[-1].date()}, {len(y)} days) "
                f"needs one lunar year of history plus {need} days (about "
                f"{(384 + need) // 30} months), as it copies last year's LNY-aligned values: use "
                "a model that needs less (--model auto, or statespace: 330 days; --models in "
                "forecast backtest) or a longer history"
            )
        cur_m = pd.Series(y).rolling(k).mean().to_numpy()
        prev_m = pd.Series(prev).rolling(k).mean().to_numpy()
        ratio = np.roll(cur_m / np.maximum(prev_m, 1e-9), lag)
        ratio[:lag] = np.nan
        err = np.log1p(y) - np.log1p(prev * ratio)
        err = err[np.isfinite(err)]
        return _State(ds, y, err - np.median(err))

    def draw_series(self, state: _State, h, n_paths, *, rng=None, shared=None) -> Components:
        k = self.level_days
        ds = pd.date_range(state.ds[-1] + pd.Timedelta(days=1), periods=h)
        base = self._lookup(state.ds, state.y, lny_aligned_dates(ds))
        recent = state.ds[-k:]
        prev_recent = self._lookup(state.ds, state.y, lny_aligned_dates(recent))
        if np.isnan(base).any() or np.isnan(prev_recent).any():
            raise ValueError(
                f"{self.alias}: the forecast reaches {ds[-1].date()}, more than one lunar year "
                f"after the history's last day {state.ds[-1].date()}, and this model copies last "
                "year's LNY-aligned values: plan a window closer to the history, or use "
                "--model auto or statespace")
        ratio = state.y[-k:].mean() / max(prev_recent.mean(), 1e-9)
        e = state.errors
        # joint paths: every series' block starts the same share of its errors back from
        # the last one (the same dates for histories of the same span)
        starts = (rng.integers(0, len(e), n_paths) if shared is None
                  else len(e) - 1 - np.minimum((shared.block_u * len(e)).astype(int),
                                               len(e) - 1))
        noise = e[(starts[:, None] + np.arange(h)[None, :]) % len(e)]
        return Components(np.log1p(base * ratio), np.zeros((n_paths, h)), noise)
