"""LNY effects measured against the level around their window, not the year's mean.

Without yearly seasonality (``statespace`` fits none under 400 days of history) a
regression measures LNY effects against its trend, the year's mean level, so they take up
the season where LNY falls. On a series ~20% below its yearly mean in January, every LNY
effect came out ~0.2 too low on the log scale, days where LNY has no effect included, and
the paths, started from today's (seasonal) level, counted that season twice: a power-load
stand-in forecast from 12.5 months of history was up to 0.3 too low in the three weeks
before LNY (``benchmarks/RESULTS.md``). :func:`local_lny_reference` measures the level
around each past window (the side of a window that the history cuts off: half the other
side's, half the same days' a year on, less after a large change over the year, then
moved towards the window's own far days as far as the LNY prior allows),
:func:`relevel_lny_effects` moves the effects onto it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import days_to_lny, lny_year_of
from forecast.models.lny_uncertainty import prior_lny_sd
from forecast.models.residuals import stable_share, year_change

__all__ = ["FAR_OFFSET", "REFERENCE_DAYS", "REFERENCE_MIN_DAYS", "YEAR_ON_WEIGHT",
           "local_lny_reference", "relevel_lny_effects"]

#: Days on each side of an LNY window whose residual sets its local level
#: (:func:`local_lny_reference`), and the fewest of them a side needs. Measured with 14,
#: 28, 35, 42, 56 and 84 days on 12.5- and 13-month histories of the real HK and
#: Kaohsiung series and the power-load stand-in (``benchmarks/RESULTS.md``): 14 days was
#: too noisy (HK's CRPS up by 15-19%), 56-84 days reach too far into other seasons (a
#: season lowest at LNY itself comes out up to 0.2 too low); 28-56 are within the noise
#: of each other.
REFERENCE_DAYS, REFERENCE_MIN_DAYS = 35, 7
#: Weight of the same days a year on, against the seen side held flat, in the guess for
#: a side of a window that the history cuts off (:func:`local_lny_reference`). Each guess
#: is wrong in its own case: held flat when the season moves through LNY, a year on when
#: the level grows over the year; with no way to tell them apart in one year of history,
#: both count alike. On 12.5-month histories that start inside an LNY window (origin
#: LNY-28, ``benchmarks/RESULTS.md``), against the Prophet-window anchor: 0 (held flat)
#: 0.95x on the power-load stand-in (6 seeds), 2.25x, 1.89x and 1.03x with a season
#: rising or falling through LNY, HK's 6 series 0.85x, Kaohsiung's 3 0.76x; 1 (a year
#: on) 0.82x, 1.37x, 0.89x, 0.53x, 0.80x, 0.81x, but 0.93x against 0.59x on the stand-in
#: growing 34% a year; 0.5: 0.86x, 1.79x, 1.27x, 0.73x, 0.81x, 0.77x and 0.62x. Where a
#: year's change is measured (from ~380 days), a large one lowers the weight as in
#: :func:`~forecast.models.residuals.year_ago_path`: HK at lead 330, a year after its
#: border reopened, had lost 0.149 -> 0.158 without it.
YEAR_ON_WEIGHT = 0.5
#: A window's days up to this offset are its far days before LNY: where a history starts
#: inside the window they are the only days there, and the guess for the cut side moves
#: towards their level (:func:`local_lny_reference`) as far as the prior on their LNY
#: effect allows (:data:`~forecast.models.lny_uncertainty.PRIOR_LNY_SD`, 0.05-0.15: a
#: gift surge may sit there). On 12.5-month histories (``benchmarks/RESULTS.md``): the
#: stand-ins whose season rises or falls through LNY 1.75x, 1.25x, 0.70x -> 1.60x, 1.05x,
#: 0.61x the Prophet-window anchor, Kaohsiung's 3 series 0.77x -> 0.76x, HK's 6 0.80x
#: held, HK `total` 0.80x -> 0.81x.
FAR_OFFSET = -15


def local_lny_reference(ds: pd.DatetimeIndex, r: np.ndarray, w: np.ndarray,
                        dev_range: tuple[int, int], *, trend: np.ndarray | None = None,
                        reach: int = REFERENCE_DAYS, min_days: int = REFERENCE_MIN_DAYS,
                        year_on_weight: float = YEAR_ON_WEIGHT,
                        lny: np.ndarray | None = None) -> np.ndarray:
    """Level of the residual around each past LNY window, on that window's days.

    The weighted mean residual of the ``reach`` days before ``dev_range`` and of the
    ``reach`` days after it (each side used if it holds ``min_days`` days with weight),
    interpolated linearly across the window. A side without them (cut off by the history's
    start or end, or closed) is, given ``trend``, the seen side's mean moved
    ``year_on_weight`` of the way towards the same offsets around the next LNY (a side
    before) or the previous one (after), taken on the series' own level (residual plus
    trend: no growth over the year, as a trend fitted on one year holds the season too)
    and set against the trend at the window's day nearest the missing side. A level that
    moved a lot over its last year (a recovery, a new hub's ramp-up) moves the guess less:
    ``year_on_weight`` times :func:`~forecast.models.residuals.stable_share` of
    :func:`~forecast.models.residuals.year_change` (unknown under ~380 days: no change).
    Without ``trend``, or without that side a year on either, the seen side's mean is
    held flat. Given ``lny``, a guess for the side before a window moves towards what the
    window's far days say of it (offsets up to :data:`FAR_OFFSET`, residual plus ``lny``;
    at least ``min_days`` of them): the level on the line from it to the seen side that
    passes through their mean level at their mean offset. Normal-normal: the guess with
    a variance of the squared half-gap between its two sources (held flat, a year on),
    the far days with the prior variance of their LNY effect
    (:func:`~forecast.models.lny_uncertainty.prior_lny_sd`), scaled up as the line
    carries it from their offset to the guess's. Where both sources agree the guess
    stays; where they disagree (a season moving through LNY) the far days say which is
    nearer.

    Parameters
    ----------
    ds : DatetimeIndex, shape (n,)
    r, w : ndarray, shape (n,)
        Residuals and weights of the fit.
    dev_range : (int, int)
        The LNY window, offsets inclusive.
    trend : ndarray, shape (n,), optional
        The fitted trend (log scale), for a side a year on.
    year_on_weight : float, default :data:`YEAR_ON_WEIGHT`
        How far the guess for a side without days goes from the seen side's mean (0) to
        the same days a year on or before (1).
    lny : ndarray, shape (n,), optional
        The fitted LNY effects (log scale, 0 outside windows), for a window's far days;
        NaN on a day not to use there (a zero of a series open at a sizeable level).

    Returns
    -------
    ndarray, shape (n,)
        The local level on days inside a window with a usable side, NaN inside a window
        without one, 0 elsewhere. Each side's mean sits at the mean offset of the days it
        used (a side cut by the history's start or end is nearer the window).

    Examples
    --------
    >>> ds = pd.date_range("2024-12-01", periods=120)  # LNY 2025-01-29 at day 59
    >>> off = days_to_lny(ds)
    >>> r = np.where(off < 0, -0.2, -0.1)  # the mean of days -63..-29 and of +22..+56
    >>> lvl = local_lny_reference(ds, r, np.ones(120), (-28, 21))
    >>> lvl[np.isin(off, (-28, 21))].round(3).tolist()
    [-0.181, -0.122]
    """
    lo, hi = dev_range
    off = days_to_lny(ds)
    year = lny_year_of(ds, off)
    out = np.zeros(len(r))
    ok = (w > 0) & np.isfinite(r)
    if trend is not None:  # a level that moved a lot over its last year: not a season
        year_on_weight *= stable_share(year_change(np.where(ok, r + trend, np.nan)))
    for k in np.unique(year[(off >= lo) & (off <= hi)]):
        inside = (year == k) & (off >= lo) & (off <= hi)
        sides, cut = [], None
        for j, span in enumerate(((off >= lo - reach) & (off < lo),
                                  (off > hi) & (off <= hi + reach))):
            sel = span & (year == k) & ok
            if sel.sum() >= min_days:
                sides.append((np.average(off[sel], weights=w[sel]),
                              np.average(r[sel], weights=w[sel])))
                continue
            sel = span & (year == (k + 1 if j == 0 else k - 1)) & ok
            if trend is not None and sel.sum() >= min_days:
                at = trend[np.flatnonzero(inside)[0 if j == 0 else -1]]
                cut = (np.average(off[sel], weights=w[sel]),
                       np.average(r[sel] + trend[sel], weights=w[sel]) - at)
        if len(sides) == 1 and cut is not None:
            m = sides[0][1]
            guess = m + year_on_weight * (cut[1] - m)
            far = (inside & ok & (off <= FAR_OFFSET) & np.isfinite(lny) if lny is not None
                   else np.zeros(len(r), dtype=bool))
            if cut[0] < lo and far.sum() >= min_days:
                gap = ((cut[1] - m) / 2) ** 2
                prior = prior_lny_sd(int(off[far].min()), int(off[far].max())) ** 2
                seen = np.average(r[far] + lny[far], weights=w[far])
                t = (np.average(off[far], weights=w[far]) - cut[0]) / (sides[0][0] - cut[0])
                seen, prior = (seen - t * m) / (1 - t), prior / (1 - t) ** 2
                guess += (seen - guess) * gap / (gap + prior)
            sides = sorted(sides + [(cut[0], guess)])
        if len(sides) == 2:
            (a0, m0), (a1, m1) = sides
            out[inside] = m0 + (m1 - m0) * (off[inside] - a0) / (a1 - a0)
        else:
            out[inside] = sides[0][1] if sides else np.nan
    return out


def relevel_lny_effects(beta: np.ndarray, groups: dict, level: np.ndarray, w: np.ndarray,
                        dev_days: np.ndarray, dev_phase: np.ndarray,
                        seen: np.ndarray) -> np.ndarray:
    """The coefficients with the LNY effects measured against ``level``
    (:func:`local_lny_reference`).

    Each seen offset's effect loses the weighted mean ``level`` of its days (days with a
    NaN level, in a window without a usable side, left out): a phase the mean over its
    seen offsets, each offset's deviation the rest, so offsets of a seen phase that were
    never seen move with their phase. The fitted values move by the
    same amount on the LNY days: what the effects give up goes to the residual, which
    the level dynamics follow.

    Parameters
    ----------
    beta : ndarray, shape (p,)
    groups : dict
        Column groups, with ``phase`` and ``dev``.
    level, w : ndarray, shape (n,)
    dev_days : ndarray of int, shape (n,)
        The ``dev`` column of each day, -1 outside the LNY window.
    dev_phase, seen : ndarray, shape (n_dev,)
        Phase index of each ``dev`` column (-1: none), and whether it was fitted.

    Returns
    -------
    ndarray, shape (p,)
    """
    dv, ph = groups["dev"], groups["phase"]
    n = dv.stop - dv.start
    sel = (dev_days >= 0) & np.isfinite(level)
    sw = np.bincount(dev_days[sel], weights=w[sel], minlength=n)
    sl = np.bincount(dev_days[sel], weights=(w * level)[sel], minlength=n)
    seen = seen & (sw > 0)
    shift = np.divide(sl, sw, out=np.zeros(n), where=seen)
    out = beta.copy()
    for j in range(ph.stop - ph.start):
        idx = seen & (dev_phase == j)
        if idx.any():
            m = np.average(shift[idx], weights=sw[idx])
            out[ph.start + j] -= m
            shift[dev_phase == j] -= m
    out[dv.start:dv.stop][seen] -= shift[seen]
    return out
