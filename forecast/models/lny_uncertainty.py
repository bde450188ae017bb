"""The uncertainty of the LNY effects, and its draws.

A fitted LNY effect is uncertain in four ways, each drawn on the log scale and shared by
the days it concerns (:func:`draw_lny_effects`):

- each group's effect (a phase, or the ``pre``/``post`` stretch): its standard error
  combined with a prior (:func:`lny_group_sd`);
- each LNY day's own deviation (its ridge posterior sd, from the regression);
- the whole window's year-to-year shift (:func:`between_year_sd`);
- how deep the LNY goes this year, a factor on every LNY effect (:func:`depth_sd`).

Every draw takes either an ``rng`` (independent paths per series) or ``shared`` draws
(:class:`forecast.models.joint.SharedDraws`: the same standard normals for every series).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import days_to_lny, lny_year_of
from forecast.models.joint import SharedDraws

#: Prior log-scale sd of an LNY effect (prior mean 0: no effect), by offset from LNY:
#: ``(first, last, sd)``, offsets inclusive. The effect of a group never seen in the
#: current regime is drawn with its sd (:func:`prior_lny_sd`); seen groups combine it
#: with their standard error (:func:`lny_group_sd`). The root mean square of the effects
#: ``statespace`` fits on full histories of 10 series (6 HK border crossings, 3 Kaohsiung
#: metro lines, ``../shared/data``; the power-load stand-in of
#: ``benchmarks/backtest_power.py``) is 0.03 on LNY-28..-22 (largest 0.11), 0.08 on
#: -21..-11, 0.17 on -10..-2, 0.32 on the eve, 0.45 over the closure (largest 0.85), 0.29
#: for the restart and 0.08 after LNY+10 (largest 0.43, the power load's slow recovery);
#: the sds below are a little wider, for series of other kinds (the demo parcels: 0.22
#: before LNY, 0.63 on the eve, 1.2 over the closure, where parcels stop). One sd for every
#: day (0.3, until 2026-12) drew the week four weeks before LNY, which these series barely
#: move, 10 times wider than its effects.
PRIOR_LNY_SD: tuple[tuple[int, int, float], ...] = (
    (-28, -22, 0.05), (-21, -11, 0.15), (-10, -2, 0.2), (-1, -1, 0.45), (0, 3, 0.6),
    (4, 10, 0.3), (11, 21, 0.1),
)
#: Prior log-scale sd of the year-to-year shift of the whole LNY window (beyond what the
#: fitted effects explain): timing of school holidays, weather, one-off events.
PRIOR_BETWEEN_YEAR_SD = 0.06
#: Prior sd of the year-to-year factor on every LNY effect (:func:`depth_sd`), as if seen
#: in one LNY. Estimated from full histories: ~0.02-0.04 on the demo data (its LNY
#: multipliers are fixed: day noise left over), ~0.13 on the power-load stand-in (a
#: trough whose depth has a log-sd of 0.12), and 0.1-0.2 in Kaohsiung's recent years,
#: where small effects make it noisy. With 0.05 the demo's daily coverage in
#: ``bench_models.py`` reached 0.886 (the band ends at 0.88; 0.875 with other random
#: streams); with 0.03 it is 0.879, and the CRPS that of no depth draw. The stand-in,
#: whose two LNYs show its depth, did not move.
PRIOR_DEPTH_SD = 0.03

__all__ = ["PRIOR_LNY_SD", "prior_lny_sd", "PRIOR_BETWEEN_YEAR_SD", "PRIOR_DEPTH_SD", "draw_lny_effects",
           "between_year_sd", "depth_sd", "group_windows", "lny_group_sd", "unseen_lny_notes"]


def draw_lny_effects(
    ds: pd.DatetimeIndex, groups, group_sd: dict[str, float], n_paths: int, *,
    rng: np.random.Generator | None = None, shared: SharedDraws | None = None,
) -> np.ndarray:
    """Shared LNY-effect deviations: one normal draw per path and group, (n_paths, h).

    ``groups`` is a list of ``(name, start, end)`` offsets; days outside every group get 0.
    ``group_sd["_common"]``, if present, is the sd of one more draw shared by every day of
    every group (the year-to-year shift of the whole window); ``group_sd["_days"]``, if
    present, an array of sds, one per offset from the first group's start, of one draw per
    path and day (each LNY day's own effect); ``group_sd["_depth"]``, if present, an array
    of the same shape: one draw per path times it (how deep the LNY goes this year,
    :func:`depth_sd` times the fitted effect). The normals come from ``rng``, or from
    ``shared`` (common to every series: by horizon day, the window shift, the depth, and
    by the group's first offset).
    """
    off = days_to_lny(ds)
    out = np.zeros((n_paths, len(ds)))
    k = off - min(g[1] for g in groups)  # index into "_days" and "_depth"
    days_sd = group_sd.get("_days")
    if days_sd is not None:
        inside = (k >= 0) & (k < len(days_sd))
        # one draw per path and LNY day (offset), independent across days
        z = (rng.standard_normal((n_paths, int(inside.sum()))) if shared is None
             else shared.lny_day[:, inside])
        out[:, inside] += z * days_sd[k[inside]]
    depth = group_sd.get("_depth")
    inside = (k >= 0) & (k < (0 if depth is None else len(depth)))
    if inside.any():  # one draw per path, shared by every LNY day (no draw without one)
        z = rng.standard_normal((n_paths, 1)) if shared is None else shared.lny_depth[:, None]
        out[:, inside] += z * depth[k[inside]]
    common = group_sd.get("_common", 0.0)
    if common > 0:
        lo, hi = min(g[1] for g in groups), max(g[2] for g in groups)
        z = rng.standard_normal((n_paths, 1)) if shared is None else shared.lny_common[:, None]
        out[:, (off >= lo) & (off <= hi)] += z * common
    for name, start, end in groups:
        days = (off >= start) & (off <= end)
        if days.any() and group_sd.get(name, 0.0) > 0:
            z = (rng.standard_normal((n_paths, 1)) if shared is None
                 else shared.phase_normal(start)[:, None])
            out[:, days] += z * group_sd[name]
    return out


def between_year_sd(ds: pd.DatetimeIndex, r: np.ndarray, dev_range, *, weights=None,
                    prior_sd: float = PRIOR_BETWEEN_YEAR_SD, prior_windows: float = 1.0) -> float:
    """Year-to-year sd of the mean LNY-window residual, shrunk towards ``prior_sd``.

    Each complete window of ``dev_range`` whose mean weight is above 0.5 gives the mean
    residual over its days; with ``n`` such windows their mean square (times ``n/(n-1)``,
    as the fitted LNY effects absorb the average) is pooled with ``prior_windows`` windows
    at ``prior_sd``.

    Examples
    --------
    >>> ds = pd.date_range("2020-01-01", "2024-12-31")
    >>> round(between_year_sd(ds, np.zeros(len(ds)), (-28, 21)), 3)  # 4 windows, all 0
    0.027
    """
    means = [np.nanmean(r[sel]) for _, sel in
             _complete_windows(ds, days_to_lny(ds), dev_range, weights)]
    return _pooled_sd(float(np.square(means).sum()), len(means), 0.0, prior_sd, prior_windows)


def _complete_windows(ds: pd.DatetimeIndex, off: np.ndarray, span, weights):
    """``(LNY year, day mask)`` of each past LNY whose offsets ``span`` all lie in ``ds``
    with a mean weight above 0.5 (``weights`` None: all 1); ``off`` is ``days_to_lny(ds)``."""
    inside = (off >= span[0]) & (off <= span[1])
    year = lny_year_of(ds, off)
    w = np.ones(len(ds)) if weights is None else np.asarray(weights, dtype=float)
    out = []
    for y in np.unique(year[inside]):
        sel = inside & (year == y)
        if sel.sum() == span[1] - span[0] + 1 and np.nanmean(w[sel]) > 0.5:
            out.append((int(y), sel))
    return out


def _pooled_sd(ss: float, n: int, noise: float, prior_sd: float, prior_windows: float) -> float:
    """Year-to-year sd from ``n`` yearly values whose squares sum to ``ss`` (times
    ``n/(n-1)``: the fit absorbs their mean; less ``noise``, floored at 0), pooled with
    ``prior_windows`` years at ``prior_sd``; ``prior_sd`` with fewer than two values."""
    if n < 2:
        return prior_sd
    ss = max(ss * n / (n - 1) - noise, 0.0)
    return float(np.sqrt((ss + prior_windows * prior_sd**2) / (n + prior_windows)))


def depth_sd(ds: pd.DatetimeIndex, r: np.ndarray, effect: np.ndarray, dev_range, *,
             weights: np.ndarray, day_var: float, phi: float, usual=None,
             prior_sd: float = PRIOR_DEPTH_SD, prior_windows: float = 1.0) -> float:
    """Year-to-year sd of how deep the LNY goes: a factor that scales every LNY effect.

    In year ``k`` the LNY log-effect of offset ``d`` is ``(1 + e_k) * effect[d]``. Each
    past LNY whose ``dev_range`` is complete, has a mean weight above 0.5 and is
    ``usual`` (not an odd year, :func:`forecast.models.regression.year_weights`) gives
    ``e_k = sum(r * effect) / sum(effect^2)`` over its days (the residuals' regression
    on the effect). With ``n >= 2`` such LNYs the sum of squares of ``e`` times
    ``n/(n-1)`` (the fitted effects absorb the average), less the day noise in each
    ``e_k`` (``day_var`` AR(1)-inflated over ``sum(effect^2)``, floored at 0), is pooled
    with ``prior_windows`` LNYs at ``prior_sd``; with fewer, ``prior_sd``. A trough at
    0.4 of normal whose depth varies by a log-sd of 0.12 from year to year has ``e`` of
    sd ~0.13; one year's effect shared by every phase draw does not show it.

    Parameters
    ----------
    ds : DatetimeIndex, shape (n,)
    r : ndarray, shape (n,)
        Log-scale residuals (NaN: not used).
    effect : ndarray, shape (dev_range[1] - dev_range[0] + 1,)
        Fitted LNY log-effect per offset.
    dev_range : (int, int)
    weights : ndarray, shape (n,)
    day_var : float
        Variance of one day's residual.
    phi : float
        AR(1) coefficient of the residual.
    usual : set of int, optional
        LNY years to use (default: all).

    Returns
    -------
    float
        The sd of ``e``; draws add ``z * sd * effect`` (one ``z`` per path).

    Examples
    --------
    >>> ds = pd.date_range("2019-01-01", "2024-12-31")
    >>> effect = -np.abs(np.linspace(-1, 1, 50))  # a V-shaped trough
    >>> round(depth_sd(ds, np.zeros(len(ds)), effect, (-28, 21), weights=np.ones(len(ds)),
    ...                day_var=0.0, phi=0.0), 3)  # 6 LNYs exactly alike
    0.011
    """
    off = days_to_lny(ds)
    infl = (1 + phi) / (1 - phi) if phi > 0 else 1.0
    eps, noise = [], 0.0
    for y, sel in _complete_windows(ds, off, dev_range, weights):
        if usual is not None and y not in usual:
            continue
        ok = np.isfinite(r[sel])
        e = effect[off[sel] - dev_range[0]][ok]
        ee = float(e @ e)
        if ee > 0:
            eps.append(float(r[sel][ok] @ e) / ee)
            noise += day_var * infl / ee
    return _pooled_sd(float(np.square(eps).sum()), len(eps), noise, prior_sd, prior_windows)


def group_windows(ds: pd.DatetimeIndex, weights: np.ndarray, groups) -> dict[str, float]:
    """LNY windows seen per group: the weights of its days summed, over its length.

    A group (``name, start, end`` offsets) fully observed in two past LNYs with weight 1
    counts 2.0; a history that starts inside a group counts the part it saw.

    Examples
    --------
    >>> ds = pd.date_range("2024-02-05", "2024-02-20")  # LNY 10 Feb 2024: offsets -5..10
    >>> group_windows(ds, np.ones(len(ds)), [("pre", -10, -1), ("eve", -1, -1)])
    {'pre': 0.5, 'eve': 1.0}
    """
    off = days_to_lny(ds)
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    return {name: float(w[(off >= start) & (off <= end)].sum() / (end - start + 1))
            for name, start, end in groups}


def unseen_lny_notes(phases, seen: np.ndarray, dev_range: tuple[int, int]) -> list[str]:
    """The fallback note for LNY days never seen at today's level (``seen``, one per
    offset of ``dev_range``): whole phases at the prior (named with its sd), else the
    number of single days whose deviations stay at 0."""
    offsets = np.arange(dev_range[0], dev_range[1] + 1)
    unseen = [p for p in phases if not seen[(offsets >= p.start) & (offsets <= p.end)].any()]
    if unseen:
        return ["LNY phase(s) not seen at today's level: effects at the prior (no effect, "
                "log-scale sd " + ", ".join(f"{p.name} {prior_lny_sd(p.start, p.end):.2f}"
                                            for p in unseen) + ")"]
    if not seen.all():
        return [f"{int((~seen).sum())} LNY day(s) of LNY{dev_range[0]:+d}..LNY{dev_range[1]:+d} "
                "not seen: their deviations at the prior (0)"]
    return []


def prior_lny_sd(start: int, end: int) -> float:
    """Prior sd of the effect of the LNY offsets ``start..end``: the root mean square of
    :data:`PRIOR_LNY_SD` over them (an offset beyond the table takes its nearest end's).

    Examples
    --------
    >>> prior_lny_sd(-28, -22), prior_lny_sd(0, 3)
    (0.05, 0.6)
    >>> round(prior_lny_sd(-1, 0), 3)
    0.53
    """
    first, last = PRIOR_LNY_SD[0][0], PRIOR_LNY_SD[-1][1]
    sd = [next(s for a, b, s in PRIOR_LNY_SD if a <= min(max(o, first), last) <= b)
          for o in range(start, end + 1)]
    return float(np.sqrt(np.mean(np.square(sd))))


def lny_group_sd(resid_sd: float, phi: float, windows: dict[str, float],
                 groups) -> dict[str, float]:
    """Uncertainty of each group's LNY effect: the estimate's standard error combined with
    the prior (normal-normal).

    The standard error of a group's mean effect is the AR-inflated residual sd
    ``resid_sd`` (``statespace`` passes the day-to-day one,
    :func:`~forecast.models._core.local_scale`; ``prophet`` its whole residual sd) over
    the days seen
    (``windows[name] * length``); combined with the prior ``N(0, prior_sd^2)``
    (:func:`prior_lny_sd` of the group's offsets) the posterior sd is
    ``(1 / prior_sd^2 + n / se1^2) ** -0.5``: ``prior_sd`` for a group never seen (a
    history that starts after it), the standard error once a few LNYs are.

    Examples
    --------
    >>> sd = lny_group_sd(0.1, 0.0, {"eve": 4.0, "post": 0.0}, [("eve", -1, -1), ("post", 11, 21)])
    >>> round(sd["eve"], 3), round(sd["post"], 3)
    (0.05, 0.1)
    """
    infl = (1 + phi) / (1 - phi) if phi > 0 else 1.0
    out = {}
    for name, start, end in groups:
        n_days = max(windows.get(name, 0.0), 0.0) * (end - start + 1)
        precision = 1.0 / prior_lny_sd(start, end) ** 2 + n_days / max(resid_sd**2 * infl, 1e-12)
        out[name] = float(precision ** -0.5)
    return out
