"""The decision rule: the staffing a manager is recommended, its Monte Carlo error, and
the warnings that come with it.

**The decision rule** (:func:`recommend`): the programme headcount with the least expected
cost (labour + compensation) among those that

1. meet the service target: P(on-time rate of programme-day parcels >= ``target``) >=
   ``alpha``;
2. keep the budget risk: P(programme bonus + compensation > budget) <= ``budget_risk``;
3. optionally, keep the tail: the mean compensation of the worst 10% of paths <=
   ``tail_limit``.

When no headcount meets them all, the rule says which cannot be met and proposes the
closest headcount (service first, then the budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.planning import (
    check_prob,
    check_scored,
    check_sim,
    cost_optimal_headcount,
    smallest_headcount,
    upper_bound,
)
from forecast.scenario import Scenario
from forecast.simulation import Simulator
from forecast.statistics import (
    TAIL, format_count, percent_text, prob_above, prob_at_least, tail_mean,
)

__all__ = ["Recommendation", "recommend", "recommendation_spread", "sanity_warnings"]

_TOL = 1e-12


@dataclass(frozen=True)
class Recommendation:
    """The outcome of :func:`recommend`.

    Attributes
    ----------
    workers : int
        Recommended programme headcount (the closest one when ``feasible`` is False).
    binding : str
        What set it: ``"service"`` (the smallest headcount meeting the service target),
        ``"tail"`` (the tail limit), ``"budget"`` (the budget risk pushed it away from
        the cost optimum), ``"cost"`` (the least expected cost; the constraints hold with
        room) or ``"none"`` when no headcount meets every constraint.
    feasible : bool
        Whether every constraint holds at ``workers``.
    service_workers, tail_workers, cost_optimal_workers : int or None
        Smallest headcount meeting the service target (None: unreachable), smallest
        meeting the tail limit (None without a limit or when unreachable), and the
        unconstrained least-expected-cost headcount.
    reason : str
        One sentence: which constraint binds, or which cannot be met.
    """

    workers: int
    binding: str
    feasible: bool
    service_workers: int | None
    tail_workers: int | None
    cost_optimal_workers: int
    reason: str


def recommend(sim: Simulator, *, target: float = 0.95, alpha: float = 0.9,
              budget_risk: float = 0.1, tail_limit: float | None = None,
              tail: float = TAIL) -> Recommendation:
    """The least-cost programme headcount that meets the service target, the budget risk
    and (optionally) the tail limit: the package's one decision rule.

    Parameters
    ----------
    sim : Simulator
    target, alpha : float
        Service target: P(on-time rate of programme-day parcels >= ``target``) >= ``alpha``.
    budget_risk : float, default 0.1
        Largest acceptable P(programme bonus + compensation > ``scenario.budget``).
    tail_limit : float, optional
        Largest acceptable mean compensation (HK$) over the worst ``tail`` share of paths.
    tail : float, default 0.1

    Returns
    -------
    Recommendation

    Examples
    --------
    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0,
    ...     "budget": 1e9})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> sim = Simulator(np.full((5, 14), 1000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> r = recommend(sim, target=1.0, alpha=1.0)
    >>> r.workers, r.binding, r.feasible
    (100, 'service', True)
    """
    check_prob("target", target)
    check_prob("alpha", alpha, lo_open=True)
    check_prob("budget_risk", budget_risk)
    if tail_limit is not None and not (isinstance(tail_limit, (int, float)) and tail_limit >= 0):
        raise ValueError(f"tail_limit must be a number of HK$ >= 0 or None, got {tail_limit!r}")
    metric = check_scored(check_sim(sim), "programme")
    budget, top = sim.scenario.budget, upper_bound(sim)

    def service_ok(m):
        return prob_at_least(m[metric], target) >= alpha - _TOL

    def tail_ok(m):
        return tail_limit is None or tail_mean(m["compensation"], tail=tail) <= tail_limit

    def budget_ok(m):
        return prob_above(m["spend"], budget) <= budget_risk + _TOL

    w_service = smallest_headcount(lambda w: service_ok(sim.metrics(w)), top)
    w_tail = None if tail_limit is None else smallest_headcount(lambda w: tail_ok(sim.metrics(w)), top)
    w_cost = cost_optimal_headcount(sim)
    if w_service is None or (tail_limit is not None and w_tail is None):
        what = "the service target" if w_service is None else "the tail limit"
        closest = top if w_service is None else w_service
        return Recommendation(closest, "none", False, w_service, w_tail, w_cost,
                              f"no headcount meets {what}")
    floor = max(w_service, w_tail or 0)
    hi = max(top, floor)
    best = cost_optimal_headcount(sim, lo=floor, hi=hi)
    if budget_ok(sim.metrics(best)):
        binding = ("cost" if best > floor else
                   "tail" if w_tail is not None and w_tail > w_service else "service")
        return Recommendation(best, binding, True, w_service, w_tail, w_cost,
                              _reason(binding, target, alpha, budget_risk, tail_limit))
    within = cost_optimal_headcount(sim, lo=floor, hi=hi, feasible=budget_ok)
    if within is not None:
        return Recommendation(within, "budget", True, w_service, w_tail, w_cost,
                              _reason("budget", target, alpha, budget_risk, tail_limit))
    grid = np.unique(np.linspace(floor, hi, 33).round().astype(int))
    runs = [sim.metrics(int(w)) for w in grid]
    risk = np.array([prob_above(m["spend"], budget) for m in runs])
    cost = np.array([m["total_cost"].mean() for m in runs])
    # the lowest risk; among headcounts as risky (within 0.5 point), the least expected cost
    near = np.flatnonzero(risk <= risk.min() + 0.005)
    closest = int(grid[near[np.argmin(cost[near])]])
    lowest = percent_text(risk.min(), near=budget_risk)  # as page 1 says it
    bonus = float(runs[0]["programme_cost"][0])
    why = (f"; the programme bonus alone, HK${bonus:,.0f} at those {floor:,} workers, is over "
           f"the HK${budget:,.0f} budget: raise the budget or lower the bonus"
           if bonus > budget else "")
    what = ("the on-time target and the tail limit need" if w_tail and w_tail > w_service
            else "the on-time target needs")
    return Recommendation(
        closest, "none", False, w_service, w_tail, w_cost,
        f"{what} at least {floor:,} workers, and on every headcount tried from there the "
        f"chance that bonus and compensation exceed the budget stays above the "
        f"{budget_risk:.0%} accepted (at best {lowest}){why}; of the least risky, "
        f"{closest:,} has the least expected cost")


def _reason(binding, target, alpha, budget_risk, tail_limit) -> str:
    service = f"P(on-time >= {target:.0%}) >= {alpha:.0%}"
    if binding == "service":
        return f"the service target sets it: the fewest workers with {service}"
    if binding == "tail":
        return ("the tail limit sets it: the fewest workers whose worst-10% compensation "
                f"stays under HK${tail_limit:,.0f}")
    if binding == "budget":
        return (f"the budget sets it: the least-cost headcount with P(over budget) <= "
                f"{budget_risk:.0%} that meets {service}")
    return (f"the least expected cost; the service target ({service}) and the budget risk "
            "hold with room")


def recommendation_spread(sim: Simulator, *, rng: np.random.Generator, n_resamples: int = 8,
                          **rule) -> np.ndarray:
    """Monte Carlo error of :func:`recommend`: the recommendation on bootstrap resamples.

    Each resample draws ``n_paths`` of the simulator's paths with replacement (each with its
    own supply draws) and applies the same rule; the spread of the results says how much
    the recommendation depends on the finite number of paths.

    Parameters
    ----------
    sim : Simulator
    rng : numpy.random.Generator
        Draws the resamples.
    n_resamples : int, default 8
    **rule
        The arguments of :func:`recommend` (``target``, ``alpha``, ``budget_risk``,
        ``tail_limit``, ``tail``).

    Returns
    -------
    numpy.ndarray of int, shape (n_resamples,)
        The recommended headcount of each resample.

    Examples
    --------
    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0,
    ...     "budget": 1e9})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> sim = Simulator(np.full((5, 14), 1000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> recommendation_spread(sim, rng=np.random.default_rng(1), n_resamples=3,
    ...                       target=1.0, alpha=1.0).tolist()
    [100, 100, 100]
    """
    check_sim(sim)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 2:
        raise ValueError(f"n_resamples must be an int >= 2, got {n_resamples!r}")
    n = len(sim.arrivals)
    return np.array([recommend(sim.resample(rng.integers(0, n, n)), **rule).workers
                     for _ in range(n_resamples)])


def sanity_warnings(sim: Simulator, rec: Recommendation, *, budget_risk: float = 0.1,
                    coverage: float = 0.8, open_backlog: float = 0.5) -> list[str]:
    """Plain-language warnings about a plan that a manager should not take at face value.

    - capacity far below demand: at the recommended headcount the mean capacity over the
      window covers less than ``coverage`` of the mean demand;
    - backlog still open at the window's end: on average more than ``open_backlog`` of a
      mean day's demand is still queued (its lateness after the window is not scored); the
      fix named is the baseline roster when it handles less than what arrives on the days
      after the programme, else a later window end;
    - the recommendation misses a constraint (the budget risk above ``budget_risk``, or no
      headcount meets the service target or the tail limit).

    Returns
    -------
    list of str
        One sentence per warning (empty when nothing is off).

    Examples
    --------
    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0,
    ...     "budget": 1e9})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> sim = Simulator(np.full((5, 14), 1000.0), s, rng=np.random.default_rng(0), dates=dates)
    >>> rec = recommend(sim, target=1.0, alpha=1.0)
    >>> sanity_warnings(sim, rec)
    []
    >>> sanity_warnings(sim, Recommendation(30, "service", True, 30, None, 30, ""))[0][:40]
    'Capacity is far below demand: at 30 prog'
    """
    check_sim(sim)
    out = []
    m = sim.metrics(rec.workers)
    demand = float(np.mean(m["demand"]))
    days = len(sim.plan.dates)
    capacity = float(np.mean(sim.capacity(rec.workers).sum(axis=1)))
    if demand > 0 and capacity < coverage * demand:
        out.append(f"Capacity is far below demand: at {rec.workers:,} programme workers the "
                   f"staff can handle about {capacity / demand:.0%} of the parcels arriving in "
                   "the window; check productivity, attendance and the baseline roster.")
    end = float(np.mean(m["end_backlog"]))
    if demand > 0 and end > open_backlog * demand / days:
        prog = sim.plan.programme
        # the days after the programme, which the baseline roster works alone, decide
        # what is still queued at the window's end
        after = np.arange(len(prog)) > (np.flatnonzero(prog).max() if prog.any() else -1)
        cap_after = float(np.mean(sim.capacity(rec.workers)[:, after].sum(axis=1)))
        arr_after = float(np.mean(sim.arrivals[:, after].sum(axis=1)))
        queued = f"A backlog of about {format_count(end)} parcels is still queued at " \
                 "the window's end on average (their lateness after the window is not counted)"
        if arr_after > 0 and cap_after < arr_after:
            out.append(f"{queued}: after the programme the baseline roster handles about "
                       f"{cap_after / arr_after:.0%} of the parcels arriving; raise [staffing] "
                       "baseline (or its overrides).")
        else:
            out.append(f"{queued}: end the window later to count it.")
    if not rec.feasible:
        # the headcount first: page 1 cuts a long warning at its end
        out.append(f"No headcount meets every target; the closest is {rec.workers:,} "
                   f"workers: {rec.reason}.")
    elif prob_above(m["spend"], sim.scenario.budget) > budget_risk + _TOL:
        out.append("The recommendation exceeds the acceptable budget risk.")
    return out
