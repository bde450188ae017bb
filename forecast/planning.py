"""Staffing decisions on top of the capacity Monte Carlo.

The decision variable is the holiday programme's headcount ``programme.workers`` (workers
paid to stay on duty over ``programme.start .. programme.end``). Every function takes a
:class:`~forecast.simulation.Simulator`, which holds the demand paths and the productivity
and attendance draws fixed: every candidate headcount is evaluated on the same random
numbers, so comparisons between headcounts carry no simulation noise and late volume
falls monotonically as the headcount rises.

The decision rule that uses them is :func:`forecast.decision.recommend`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.scenario import Scenario
from forecast.results import rate_metric
from forecast.simulation import Simulator
from forecast.statistics import TAIL, prob_above, prob_at_least, tail_mean

__all__ = ["required_headcount", "cost_optimal_headcount", "tradeoff_curve", "upper_bound",
           "smallest_headcount", "check_prob", "check_sim", "check_scored"]

_MAX_WORKERS = 1_000_000
_TOL = 1e-12


def check_prob(name, value, *, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        (0 < value if lo_open else 0 <= value) and value <= 1
    ):
        raise ValueError(f"{name} must lie in {'(0' if lo_open else '[0'}, 1], got {value!r}")


def check_sim(sim) -> Simulator:
    if not isinstance(sim, Simulator):
        raise ValueError("sim must be a forecast.simulation.Simulator (paths, scenario and "
                         f"supply draws held fixed), got {type(sim).__name__}")
    return sim


def check_scored(sim: Simulator, over: str) -> str:
    """Refuse to plan when a path has no parcel due inside the window in the judged scope."""
    metric = rate_metric(over)
    unjudged = int(np.isnan(sim.metrics(0)[metric]).sum())  # scoring ignores the headcount
    if unjudged:
        scope = "arriving on programme days" if over == "programme" else "in the window"
        raise ValueError(
            f"on {unjudged} of {len(sim.arrivals)} paths no parcel {scope} falls due "
            f"inside the window, so the on-time target cannot be judged there; end the "
            "window later or move the programme earlier, or, for a series this small (a "
            "few parcels a day can mean none on some paths), plan it within a larger site "
            "or the network"
        )
    return metric


def upper_bound(sim: Simulator) -> int:
    """A headcount whose programme capacity alone covers, twice over, the busiest path-day
    plus any open backlog at the window's start, and every parcel arriving up to the
    programme's last day (the queue built before the programme, when the baseline roster
    falls short) within the programme's operating days."""
    s, plan = sim.scenario, sim.plan
    per_worker = s.productivity.mean * max(s.attendance.programme, 1e-3)
    open_parcels = plan.open_parcels.sum()
    need = (sim.arrivals.max(initial=0) + open_parcels) / per_worker
    on = np.flatnonzero(plan.programme & plan.operating)
    if len(on):
        queued = sim.arrivals[:, :on[-1] + 1].sum(axis=1).max(initial=0) + open_parcels
        need = max(need, queued / (per_worker * len(on)))
    return int(min(_MAX_WORKERS, 2 * math.ceil(need) + 1))


def smallest_headcount(ok, hi: int) -> int | None:
    """Smallest integer in 0..hi (grown x4 up to the cap) with ``ok``; None if none."""
    if ok(0):
        return 0
    hi = max(1, hi)
    while not ok(hi):
        if hi >= _MAX_WORKERS:
            return None
        hi = min(_MAX_WORKERS, hi * 4)
    lo = 0  # ok(lo) is False, ok(hi) is True
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def required_headcount(sim: Simulator, *, target: float = 0.95, alpha: float = 0.9,
                       over: str = "programme") -> int:
    """Smallest programme headcount with P(on-time rate >= target) >= alpha.

    Bisection over integer headcounts; monotone because all candidates share random
    numbers.

    Parameters
    ----------
    sim : Simulator
        Demand paths, scenario and supply draws.
    target : float, default 0.95
        Required share of parcels (due inside the window) delivered on time.
    alpha : float, default 0.9
        Required probability (share of paths) of meeting ``target``.
    over : {"programme", "window"}, default "programme"
        Judge the on-time rate of parcels arriving on programme days (what holiday
        workers can fix), or of every parcel in the window.

    Raises
    ------
    ValueError
        If no headcount up to 1,000,000 reaches the target (lateness the programme cannot
        fix), or if on some path no parcel of the ``over`` scope falls due inside the
        window (nothing to judge is not "target met").

    Examples
    --------
    Demand 1,000 a day, 10 parcels per worker, no noise, everyone on the programme:

    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> sim = Simulator(np.full((5, 14), 1000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> required_headcount(sim, target=1.0, alpha=1.0)
    100
    """
    check_prob("target", target)
    check_prob("alpha", alpha, lo_open=True)
    metric = check_scored(check_sim(sim), over)
    found = smallest_headcount(lambda w: prob_at_least(sim.metrics(w)[metric], target) >= alpha - _TOL,
                      upper_bound(sim))
    if found is None:
        reached = prob_at_least(sim.metrics(_MAX_WORKERS)[metric], target)
        raise ValueError(
            f"no programme headcount up to {_MAX_WORKERS:,} gives P(on-time rate >= "
            f"{target}) >= {alpha} (reached {reached:.3f}, over the {over}): lateness the "
            "programme cannot fix (other days, shutdown days); check programme dates, "
            "operations.mode and baseline staffing")
    return found


def cost_optimal_headcount(sim: Simulator, *, lo: int = 0, hi: int | None = None,
                           feasible=None) -> int | None:
    """Programme headcount in ``lo .. hi`` that minimises expected labour + compensation.

    Grid search refined to a single worker: 17 candidates across the range, then 17 across
    the neighbours of the best, until the step is one worker.

    Parameters
    ----------
    lo, hi : int
        Search range (``hi`` default: :func:`upper_bound`).
    feasible : callable, optional
        ``feasible(metrics) -> bool``: only candidates for which it holds count; None is
        returned when no candidate on the grid is feasible.

    Examples
    --------
    The deterministic case of :func:`required_headcount`, with a worker-day (HK$100)
    cheaper than compensating the 10 parcels he handles (HK$20 each at least):

    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0,
    ...     "labour.daily_wage": 100, "programme.bonus_per_worker_day": 0})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> sim = Simulator(np.full((5, 14), 1000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> cost_optimal_headcount(sim)
    100
    """
    check_sim(sim)
    hi = upper_bound(sim) if hi is None else int(hi)
    if lo < 0 or hi < lo:
        raise ValueError(f"the search range must satisfy 0 <= lo <= hi, got {lo}..{hi}")
    cache: dict[int, float] = {}

    def cost(w: int) -> float:
        if w not in cache:
            m = sim.metrics(w)
            ok = feasible is None or feasible(m)
            cache[w] = float(m["total_cost"].mean()) if ok else math.inf
        return cache[w]

    while True:
        grid = np.unique(np.linspace(lo, hi, 17).round().astype(int))
        best = min(grid, key=lambda w: (cost(int(w)), w))
        if not math.isfinite(cost(int(best))):
            return None
        i = int(np.flatnonzero(grid == best)[0])
        if len(grid) == hi - lo + 1:  # step is one worker: done
            return int(best)
        lo, hi = int(grid[max(i - 1, 0)]), int(grid[min(i + 1, len(grid) - 1)])


def tradeoff_curve(sim: Simulator, *, workers=None, target: float = 0.95,
                   over: str = "programme", tail: float = TAIL) -> pd.DataFrame:
    """Headcount against cost, lateness and the marginal value of one more worker.

    Parameters
    ----------
    workers : array_like of int, optional
        Headcounts to evaluate (default: 21 from 0 to twice the scenario's programme).
    target : float
        On-time target for the ``prob_on_target`` column (judged ``over`` the programme
        days or the window, as in :func:`required_headcount`).

    Returns
    -------
    pandas.DataFrame
        One row per headcount: ``workers``, ``mean_total_cost``, ``worst_total_cost``
        (mean of the worst ``tail`` share), ``mean_compensation``, ``worst_compensation``,
        ``mean_labour_cost``, ``mean_late``, ``prob_on_target``, ``prob_over_budget``,
        ``marginal_saving`` (expected compensation saved by one more worker) and
        ``marginal_cost`` (his expected labour cost).

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> sim = Simulator(np.full((10, 28), 180_000.0), s, rng=np.random.default_rng(0),
    ...                 dates=dates)
    >>> curve = tradeoff_curve(sim, workers=[0, 1500])
    >>> curve["mean_late"].is_monotonic_decreasing
    True
    """
    check_prob("target", target)
    metric = rate_metric(over)
    check_sim(sim)
    if workers is None:
        workers = np.linspace(0, 2 * sim.scenario.programme.workers, 21).round()
    workers = np.asarray(workers, dtype=float)
    if workers.ndim != 1 or (workers < 0).any() or not np.isfinite(workers).all():
        raise ValueError("workers must be a 1-D array of headcounts >= 0")
    budget = sim.scenario.budget
    rows = []
    for w in workers:
        m, m1 = sim.metrics(w), sim.metrics(w + 1)
        rows.append({
            "workers": int(w),
            "mean_total_cost": m["total_cost"].mean(),
            "worst_total_cost": tail_mean(m["total_cost"], tail=tail),
            "mean_compensation": m["compensation"].mean(),
            "worst_compensation": tail_mean(m["compensation"], tail=tail),
            "mean_labour_cost": m["labour_cost"].mean(),
            "mean_late": m["late"].mean(),
            "prob_on_target": prob_at_least(m[metric], target),
            "prob_over_budget": prob_above(m["spend"], budget),
            "marginal_saving": m["compensation"].mean() - m1["compensation"].mean(),
            "marginal_cost": m1["labour_cost"].mean() - m["labour_cost"].mean(),
        })
    return pd.DataFrame(rows)
