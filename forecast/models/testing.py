"""A small synthetic history with known LNY effects, for examples and tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, lny_phase_frame

__all__ = ["TOY_LNY_TRUTH", "toy_history"]

#: LNY phase multipliers used by :func:`toy_history` (same as the demo data's truth).
TOY_LNY_TRUTH = {"gift_surge": 1.25, "cutoff": 0.80, "eve": 0.55, "closure": 0.30, "restart": 1.15}
_WEEKLY = np.array([1.12, 1.06, 1.03, 1.01, 1.04, 0.95, 0.79])


def toy_history(
    *, years: float = 4, end: str = "2025-12-31", level: float = 20_000.0, growth: float = 0.08,
    phi: float = 0.5, sigma: float = 0.06, unique_id: str = "toy", seed: int = 0,
    lny_truth: dict | None = None, offset_truth: dict | None = None, weekly: bool = True,
) -> pd.DataFrame:
    """Daily ``unique_id, ds, y`` with weekly cycle, growth, LNY phases and AR(1) log noise.

    Parameters
    ----------
    years : float
        Length of the history ending on ``end``.
    level : float
        Mean count per day at the start (before weekly and LNY multipliers).
    growth, phi, sigma : float
        Log-linear growth per year; AR(1) coefficient and innovation sd of the log noise.
    lny_truth : dict, optional
        Multiplier per LNY phase (default :data:`TOY_LNY_TRUTH`).
    offset_truth : dict, optional
        Multiplier per LNY offset, applied on top of the phases (0 makes a closure).
    weekly : bool
        Weekly cycle on or off.

    Counts are Poisson around the mean, so a small ``level`` gives a sparse count series.

    Examples
    --------
    >>> df = toy_history(years=2)
    >>> df.columns.tolist(), bool((df.y >= 0).all())
    (['unique_id', 'ds', 'y'], True)
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(end=pd.Timestamp(end), periods=int(years * 365.25), freq="D")
    t = np.arange(len(ds)) / 365.25
    mult = np.ones(len(ds))
    phases = lny_phase_frame(ds, DEFAULT_LNY_PHASES)
    truth = TOY_LNY_TRUTH if lny_truth is None else lny_truth
    for p in DEFAULT_LNY_PHASES:
        mult *= np.where(phases[p.name].to_numpy() == 1, truth.get(p.name, 1.0), 1.0)
    for off, m in (offset_truth or {}).items():
        mult *= np.where(phases["days_to_lny"].to_numpy() == off, m, 1.0)
    e = np.zeros(len(ds))
    z = rng.normal(0, sigma, len(ds))
    for i in range(1, len(ds)):
        e[i] = phi * e[i - 1] + z[i]
    week = _WEEKLY[ds.day_of_week] if weekly else 1.0
    mean = level * np.exp(growth * t) * week * mult * np.exp(e)
    y = rng.poisson(mean).astype(float)
    return pd.DataFrame({"unique_id": unique_id, "ds": ds, "y": y})
