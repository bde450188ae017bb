"""Decision statistics over Monte Carlo paths: one function per statistic.

Every table, figure, CSV and sentence that states one of these numbers reads it from here
(through :class:`forecast.simulation.SimulationResults` or :mod:`forecast.planning`), so
a worst-10% mean or an on-time probability has one definition in the whole package.

All functions reduce along ``axis`` (default 0: the paths) of a float array.

- :func:`central_interval`: the ``level``% central interval, quantiles
  ``(100 -+ level) / 200`` (numpy's default linear interpolation).
- :func:`tail_mean`: the mean of the worst ``tail`` share of paths, ``ceil(tail * n)``
  of them (CVaR / expected shortfall; "worst" is the largest values unless
  ``worst="low"``).
- :func:`prob_at_least`: the share of paths with ``x >= threshold`` (a tolerance of
  ``1e-12`` absorbs rounding in rates computed as ``1 - late / due``); NaN when a path is
  NaN (nothing to judge).
- :func:`prob_above`: the share of paths with ``x > limit`` (e.g. over budget).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["TAIL", "central_interval", "tail_mean", "prob_at_least", "prob_above",
           "on_time_rate", "percent_text", "format_count",
           "check_finite_number"]

#: The tail share every "worst 10%" figure averages over.
TAIL = 0.1
_TOL = 1e-12


def percent_text(p: float, *, near: float | None = None) -> str:
    """A Monte Carlo probability in words: whole percent, ``< 1%`` / ``> 99%`` at the edges
    (never certainty), ``n/a`` for NaN; where whole percent would read as ``near`` (a limit
    it is compared with) without being it, one decimal rounded away from the limit.

    Examples
    --------
    >>> percent_text(0.873), percent_text(1.0), percent_text(0.0), percent_text(0.104, near=0.1)
    ('87%', '> 99%', '< 1%', '10.4%')
    >>> percent_text(0.89995, near=0.9), percent_text(0.1001, near=0.1)
    ('89.9%', '10.1%')
    """
    p = float(p)
    if math.isnan(p):
        return "n/a"
    shown = round(100 * p)
    if shown < 1:
        return "< 1%"
    if shown > 99:
        return "> 99%"
    if near is not None and shown == round(100 * near) and abs(p - near) > _TOL:
        tenths = math.ceil(1000 * p) if p > near else math.floor(1000 * p)
        return f"{tenths / 10:.1f}%"
    return f"{shown}%"


def check_finite_number(name: str, value: float) -> None:
    """A ValueError naming ``name`` unless ``value`` is a finite number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(
        value, "__float__"
    ):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")


def format_count(count: float) -> str:
    """A volume of parcels in text: three significant figures, thousands separators.

    Monte Carlo volumes are not known to the last parcel; three figures are what a
    planner acts on, and they read the same on every machine. Under 100 that takes
    decimals (a sparse depot's 0.29 parcels a day, a load in GWh), trailing zeros dropped.

    Examples
    --------
    >>> format_count(12345.6), format_count(8_218_464), format_count(987.4), format_count(0)
    ('12,300', '8,220,000', '987', '0')
    >>> format_count(18.24), format_count(18.0), format_count(0.2943), format_count(1.5e-7)
    ('18.2', '18', '0.294', '0.00000015')
    """
    check_finite_number("count", count)
    value = float(count)
    if abs(value) >= 100 or value == 0:
        return f"{float(f'{value:.3g}'):,.0f}"
    return np.format_float_positional(value, precision=3, unique=False, fractional=False,
                                      trim="-")


def central_interval(x, level: float, *, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the ``level``% central interval along ``axis``.

    Parameters
    ----------
    x : array_like
        Values, paths along ``axis``.
    level : float
        Interval level in percent, strictly between 0 and 100.

    Returns
    -------
    (lo, hi) : tuple of numpy.ndarray (or floats for 1-D input)

    Examples
    --------
    >>> central_interval(np.arange(101.0), 90)
    (5.0, 95.0)
    """
    if not 0 < level < 100:
        raise ValueError(f"level must lie strictly between 0 and 100 (percent), got {level!r}")
    lo, hi = np.quantile(np.asarray(x, dtype=float), [(100 - level) / 200, (100 + level) / 200],
                         axis=axis)
    return (float(lo), float(hi)) if np.ndim(lo) == 0 else (lo, hi)


def tail_mean(x, *, tail: float = TAIL, worst: str = "high", axis: int = 0):
    """Mean of the worst ``tail`` share of paths (``ceil(tail * n)`` of them).

    Parameters
    ----------
    x : array_like
        Values, paths along ``axis``.
    tail : float, default 0.1
        Share of paths in the tail, in (0, 1].
    worst : {"high", "low"}
        Whether the worst paths have the largest values (costs, late parcels) or the
        smallest (on-time rates).

    Examples
    --------
    >>> tail_mean(np.arange(1.0, 21.0))  # the 2 largest of 20
    19.5
    >>> tail_mean([0.99, 0.5, 1.0, 0.98], tail=0.25, worst="low")
    0.5
    """
    if not 0 < tail <= 1:
        raise ValueError(f"tail must lie in (0, 1], got {tail!r}")
    if worst not in ("high", "low"):
        raise ValueError(f"worst must be 'high' or 'low', got {worst!r}")
    x = np.sort(np.asarray(x, dtype=float), axis=axis)
    n = x.shape[axis]
    if n == 0:
        raise ValueError("tail_mean of no paths")
    k = max(1, math.ceil(tail * n - 1e-9))
    idx = np.arange(n - k, n) if worst == "high" else np.arange(k)
    out = np.take(x, idx, axis=axis).mean(axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def prob_at_least(x, threshold: float, *, axis: int = 0):
    """Share of paths with ``x >= threshold``; NaN if any path is NaN.

    Examples
    --------
    >>> prob_at_least([0.96, 0.95, 0.90, 1.0], 0.95)
    0.75
    >>> prob_at_least([0.96, float("nan")], 0.95)
    nan
    """
    x = np.asarray(x, dtype=float)
    out = np.mean(x >= threshold - _TOL, axis=axis)
    out = np.where(np.isnan(x).any(axis=axis), np.nan, out)
    return float(out) if np.ndim(out) == 0 else out


def prob_above(x, limit: float, *, axis: int = 0):
    """Share of paths with ``x > limit`` (e.g. spending over the budget).

    Examples
    --------
    >>> prob_above([4.0, 5.0, 6.0, 7.0], 5.0)
    0.5
    """
    out = np.mean(np.asarray(x, dtype=float) > limit, axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def on_time_rate(late, due):
    """Per path, the share of parcels due that were on time: ``1 - late / due``; NaN where
    nothing was due (nothing to judge).

    Examples
    --------
    >>> on_time_rate(np.array([5.0, 0.0]), np.array([100.0, 0.0])).tolist()
    [0.95, nan]
    """
    late, due = np.asarray(late, dtype=float), np.asarray(due, dtype=float)
    return np.where(due > 0, 1 - late / np.where(due > 0, due, 1.0), np.nan)
