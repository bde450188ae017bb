"""What-if analyses around a plan: shutdown vs keep running vs optimised, and a tornado.

Every variant is simulated on the same demand paths and the same supply draws (common
random numbers), so differences between variants come from the variant alone. Given the
generator a plan's :class:`~forecast.simulation.Simulator` was built with (unused: a copy
taken before), the variants draw exactly the plan's supply, so the "optimised" row and the
tornado's base are the plan's own figures.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from forecast.scenario import Scenario
from forecast.simulation import METRICS, Simulator
from forecast.statistics import TAIL

__all__ = ["compare_scenarios", "tornado"]


def _same_draws(rng: np.random.Generator):
    """A factory of copies of ``rng`` (left unused): each draws what ``rng`` would (common
    random numbers), e.g. the supply draws of a ``Simulator(..., rng=rng)``."""
    return lambda: copy.deepcopy(rng)


def compare_scenarios(paths, scenario: Scenario, *, optimised: int, rng: np.random.Generator,
                      target: float = 0.95, dates=None) -> pd.DataFrame:
    """Shutdown as usual vs keep running (the scenario's programme) vs ``optimised`` (the
    scenario with ``optimised`` programme workers: what the plan recommends).

    Every variant sees the same demand paths and the same supply draws: those a
    ``Simulator(paths, scenario, rng=rng)`` would draw (``rng`` is left unused).

    Returns
    -------
    pandas.DataFrame
        One row per variant (index ``scenario``): the columns of
        :meth:`forecast.simulation.SimulationResults.decision_summary`.

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> cmp = compare_scenarios(np.full((10, 28), 150_000.0), s, optimised=200,
    ...                         rng=np.random.default_rng(0), dates=dates)
    >>> cmp.index.tolist()
    ['shutdown as usual', 'keep running', 'optimised']
    """
    draws = _same_draws(rng)
    variants = {
        "shutdown as usual": {"operations.mode": "shutdown", "programme.workers": 0},
        "keep running": {"operations.mode": "keep-running"},
        "optimised": {"programme.workers": int(optimised)},  # the scenario's own mode
    }
    rows = {name: Simulator(paths, scenario.updated(changes), rng=draws(), dates=dates)
            .results().decision_summary(target) for name, changes in variants.items()}
    frame = pd.DataFrame(rows).T
    frame.index.name = "scenario"
    return frame


def _tornado_factors(s: Scenario, swing: float) -> dict:
    att, comp = s.attendance, s.compensation

    def absentee(scale):
        return {f"attendance.{k}": 1 - min(1.0, (1 - getattr(att, k)) * scale)
                for k in ("normal", "lny", "programme")}

    def comp_rate(scale):
        return {"compensation.flat": comp.flat * scale,
                "compensation.cap_per_parcel": comp.cap_per_parcel * scale,
                "compensation.tiers": [[k, x * scale] for k, x in comp.tiers]}

    return {
        "productivity": ({"productivity.mean": s.productivity.mean * (1 - swing)},
                         {"productivity.mean": s.productivity.mean * (1 + swing)}),
        "absenteeism": (absentee(1 - 2 * swing), absentee(1 + 2 * swing)),
        "demand_uplift": ({"demand_uplift": s.demand_uplift * (1 - swing)},
                          {"demand_uplift": s.demand_uplift * (1 + swing)}),
        "compensation_rate": (comp_rate(1 - 2 * swing), comp_rate(1 + 2 * swing)),
    }


def tornado(paths, scenario: Scenario, *, rng: np.random.Generator,
            metric: str = "total_cost", swing: float = 0.15, tail: float = TAIL,
            dates=None) -> pd.DataFrame:
    """Sensitivity of the worst-``tail`` mean of ``metric`` to each uncertain input.

    Inputs: productivity mean and demand (x ``1 -+ swing``), absenteeism (``1 -
    attendance``) and compensation rates (x ``1 -+ 2 swing``). All runs share the supply
    draws a ``Simulator(paths, scenario, rng=rng)`` would draw (``rng`` is left unused).

    Returns
    -------
    pandas.DataFrame
        Tidy: ``factor, side ("low"/"high"), value, base, delta``, sorted by the factor's
        swing (largest first), as a tornado chart reads.

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> t = tornado(np.full((10, 28), 150_000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> sorted(t["factor"].unique())
    ['absenteeism', 'compensation_rate', 'demand_uplift', 'productivity']
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if not 0 < swing < 0.5:
        raise ValueError(f"swing must lie in (0, 0.5), got {swing!r}")
    draws = _same_draws(rng)

    def value(s):
        return Simulator(paths, s, rng=draws(), dates=dates).results().tail_mean(metric,
                                                                                 tail=tail)

    base = value(scenario)
    rows = [
        {"factor": factor, "side": side, "value": value(scenario.updated(changes)), "base": base}
        for factor, pair in _tornado_factors(scenario, swing).items()
        for side, changes in zip(("low", "high"), pair)
    ]
    frame = pd.DataFrame(rows)
    frame["delta"] = frame["value"] - frame["base"]
    spread = frame.groupby("factor")["delta"].transform(lambda d: d.abs().max())
    order = frame.assign(_s=spread).sort_values(
        ["_s", "factor", "side"], ascending=[False, True, False]
    )
    return order.drop(columns="_s").reset_index(drop=True)
