"""Staffing decisions on top of the capacity Monte Carlo.

The decision variable is the holiday programme's headcount ``programme.workers`` (workers
paid to stay on duty over ``programme.start .. programme.end``). Every function takes a
:class:`~forecast.simulation.Simulator`, which holds the demand paths and the productivity
and attendance draws fixed: every candidate headcount is evaluated on the same random
numbers, so comparisons between headcounts carry no simulation noise and late volume
falls monotonically as the headcount rises.

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

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.scenario import Scenario
from forecast.simulation import METRICS, Simulator, rate_metric
from forecast.statistics import TAIL, prob_above, prob_at_least, tail_mean

__all__ = [
    "Recommendation", "recommend", "required_headcount", "cost_optimal_headcount",
    "tradeoff_curve", "compare_scenarios", "tornado",
]

_MAX_WORKERS = 1_000_000
_TOL = 1e-12


def _check_prob(name, value, *, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        (0 < value if lo_open else 0 <= value) and value <= 1
    ):
        raise ValueError(f"{name} must lie in {'(0' if lo_open else '[0'}, 1], got {value!r}")


def _check_sim(sim) -> Simulator:
    if not isinstance(sim, Simulator):
        raise ValueError("sim must be a forecast.simulation.Simulator (paths, scenario and "
                         f"supply draws held fixed), got {type(sim).__name__}")
    return sim


def _check_scored(sim: Simulator, over: str) -> str:
    """Refuse to plan when a path has no parcel due inside the window in the judged scope."""
    metric = rate_metric(over)
    unjudged = int(np.isnan(sim.metrics(0)[metric]).sum())  # scoring ignores the headcount
    if unjudged:
        scope = "arriving on programme days" if over == "programme" else "in the window"
        raise ValueError(
            f"on {unjudged} of {len(sim.arrivals)} paths no parcel {scope} falls due "
            f"inside the window, so the on-time target cannot be judged (over={over!r}); "
            "end the window later, move the programme earlier or check the paths"
        )
    return metric


def upper_bound(sim: Simulator) -> int:
    """A headcount whose programme capacity alone covers the busiest path-day twice over."""
    s = sim.scenario
    per_worker = s.productivity.mean * max(s.attendance.programme, 1e-3)
    return int(min(_MAX_WORKERS, 2 * math.ceil(sim.arrivals.max(initial=0) / per_worker) + 1))


def _smallest(ok, hi: int) -> int | None:
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
    _check_prob("target", target)
    _check_prob("alpha", alpha, lo_open=True)
    metric = _check_scored(_check_sim(sim), over)
    found = _smallest(lambda w: prob_at_least(sim.metrics(w)[metric], target) >= alpha - _TOL,
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
    _check_sim(sim)
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
    _check_prob("target", target)
    _check_prob("alpha", alpha, lo_open=True)
    _check_prob("budget_risk", budget_risk)
    if tail_limit is not None and not (isinstance(tail_limit, (int, float)) and tail_limit >= 0):
        raise ValueError(f"tail_limit must be a number of HK$ >= 0 or None, got {tail_limit!r}")
    metric = _check_scored(_check_sim(sim), "programme")
    budget, top = sim.scenario.budget, upper_bound(sim)

    def service_ok(m):
        return prob_at_least(m[metric], target) >= alpha - _TOL

    def tail_ok(m):
        return tail_limit is None or tail_mean(m["compensation"], tail=tail) <= tail_limit

    def budget_ok(m):
        return prob_above(m["spend"], budget) <= budget_risk + _TOL

    w_service = _smallest(lambda w: service_ok(sim.metrics(w)), top)
    w_tail = None if tail_limit is None else _smallest(lambda w: tail_ok(sim.metrics(w)), top)
    w_cost = cost_optimal_headcount(sim)
    if w_service is None or (tail_limit is not None and w_tail is None):
        what = "the service target" if w_service is None else "the tail limit"
        closest = top if w_service is None else w_service
        return Recommendation(closest, "none", False, w_service, w_tail, w_cost,
                              f"no headcount meets {what}; {closest:,} is the closest")
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
    risk = [prob_above(sim.metrics(int(w))["spend"], budget) for w in grid]
    closest = int(grid[int(np.argmin(risk))])
    return Recommendation(
        closest, "none", False, w_service, w_tail, w_cost,
        f"no headcount that meets the service target keeps P(over budget) <= "
        f"{budget_risk:.0%}: the lowest risk, {min(risk):.0%}, is at {closest:,} workers")


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
    _check_prob("target", target)
    metric = rate_metric(over)
    _check_sim(sim)
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


def _same_draws(rng: np.random.Generator):
    """A factory of generators that all draw the same numbers (common random numbers)."""
    seed = int(rng.integers(2**63 - 1))
    return lambda: np.random.default_rng(seed)


def compare_scenarios(paths, scenario: Scenario, *, optimised: int, rng: np.random.Generator,
                      target: float = 0.95, dates=None) -> pd.DataFrame:
    """Shutdown as usual vs keep running (the scenario's programme) vs ``optimised``.

    Every variant sees the same demand paths and the same supply draws.

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
        "optimised": {"operations.mode": "keep-running", "programme.workers": int(optimised)},
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
    attendance``) and compensation rates (x ``1 -+ 2 swing``). All runs share the same
    random numbers.

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
