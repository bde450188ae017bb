"""Level steps near a history's end: is the series on a new level, and since when?

A step (a site that gained or lost a client, a border reopened) is found two ways. Within
the last 7-56 days as a level intervention in the Kalman filter of the residual
(:func:`forecast.models.residuals.fit_level_ar`), after :func:`sustained` says the last
days sit on a new level; 28-91 days back on the deseasonalised level
(:func:`recent_step`), refitted as a regression effect when that fits far better
(:func:`step_fits_better`), because by then the regression's last trend segment has taken
part of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models._core import clip_outliers, robust_scale
from forecast.models.kalman import SHIFT_LLR

__all__ = ["local_clip", "sustained", "recent_step", "step_fits_better"]


def local_clip(raw: np.ndarray, *, k: float = 3.5, width: int = 15) -> np.ndarray:
    """``raw`` winsorised at ``k`` robust sd around its ``width``-day centred rolling
    median: a typhoon day is clipped, a step (which the median follows) is kept."""
    local = pd.Series(raw).rolling(width, center=True, min_periods=3).median().to_numpy()
    s = max(robust_scale(raw), 1e-6)
    return np.where(np.isfinite(local), np.clip(raw, local - k * s, local + k * s), raw)


def sustained(raw: np.ndarray, days: int, *, before: int = 56, gap: int = 0, k: float = 3.0,
               share: float = 0.8, odd: float = 4.0) -> bool:
    """Whether the last ``days`` of ``raw`` sit on a new level: their median moved by more
    than ``k`` robust sd of the ``before`` days ending ``gap`` days before them, and at
    least ``share`` of them, and the last two, lie beyond the midpoint, on the side of the
    move. NaN days and outliers (``odd`` sd from both levels: a typhoon day) do not count;
    a last day back at the old level does (a spike that just ended)."""
    post, pre = raw[-days:], raw[-days - gap - before:-days - gap]
    post, pre = post[np.isfinite(post)], pre[np.isfinite(pre)]
    if len(post) < 5 or len(pre) < 14:
        return False
    old, new, sd = float(np.median(pre)), float(np.median(post)), max(robust_scale(pre), 1e-6)
    post = post[(np.abs(post - old) <= odd * sd) | (np.abs(post - new) <= odd * sd)]
    side = np.sign(new - old) * (post - (old + new) / 2) > 0
    return (abs(new - old) > k * sd and len(post) >= 2 and side.mean() >= share
            and bool(side[-2:].all()))


def recent_step(d: np.ndarray, *, min_days: int = 28, max_days: int = 91,
                before: int = 56) -> int:
    """Days since a level step in the last ``min_days..max_days`` days of ``d`` (the
    deseasonalised log level: trend plus residual), 0 if none.

    The candidate that splits the days best (the largest two-sample statistic of its
    days' mean against that of the ``before`` days ahead of them, outliers clipped around
    the local median) is kept if it is sustained (:func:`sustained`: more than 3 robust sd,
    80% of its days and the last two beyond the midpoint). Tested on the level, not on the
    residual: a regression's last trend segment takes part of a recent step (a x1.4 step
    30 days before the end of the Kaohsiung metro total left 0.20 of its 0.34 in the
    residual, under the test's bar); the caller refits with the step as an effect.

    Examples
    --------
    >>> d = np.random.default_rng(0).normal(0, 0.05, 700)
    >>> recent_step(d), recent_step(d + np.r_[np.zeros(670), np.full(30, 0.34)])
    (0, 30)
    """
    d = np.asarray(d, dtype=float)
    x = local_clip(d)
    best, top = 0, 0.0
    for k in range(min_days, min(max_days, len(d) - before) + 1):
        post, pre = x[-k:], x[-k - before:-k]
        post, pre = post[np.isfinite(post)], pre[np.isfinite(pre)]
        if len(post) < 5 or len(pre) < 14:
            continue
        n = len(post) * len(pre) / (len(post) + len(pre))
        score = abs(post.mean() - pre.mean()) * np.sqrt(n)
        if score > top:
            best, top = k, score
    return best if best and sustained(d, best, before=before) else 0


def step_fits_better(before: np.ndarray, after: np.ndarray, days: int, *, ahead: int = 56,
                     skip: np.ndarray | None = None) -> bool:
    """Whether a refit with a level step ``days`` back fits those days and the ``ahead``
    days before them far better: ``n log(RSS_before / RSS_after)`` over the residuals of
    both fits there (outliers clipped; NaN and ``skip`` days, e.g. closures, left out)
    above :data:`~forecast.models.kalman.SHIFT_LLR`. A steady trend that looked like a step
    to :func:`recent_step` barely improves (the trend already fits it); a step left half
    in the residual by a tilted trend segment improves by far more.

    Examples
    --------
    >>> r = np.random.default_rng(0).normal(0, 0.05, 400)
    >>> tilted = r + np.r_[np.zeros(370), np.full(30, 0.2)]
    >>> step_fits_better(tilted, r, 30), step_fits_better(r, r, 30)
    (True, False)
    """
    a, b = (clip_outliers(np.asarray(x, dtype=float)[-days - ahead:]) for x in (before, after))
    ok = np.isfinite(a) & np.isfinite(b)
    if skip is not None:
        ok &= ~np.asarray(skip, dtype=bool)[-days - ahead:]
    rss_a, rss_b = float(np.sum(a[ok] ** 2)), float(np.sum(b[ok] ** 2))
    return bool(rss_b > 0 and ok.sum() * np.log(rss_a / rss_b) > SHIFT_LLR)
