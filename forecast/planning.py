"""Staffing decisions on top of the capacity Monte Carlo.

The decision variable is the holiday programme's headcount ``programme.workers`` (workers
paid to stay on duty over ``programme.start .. programme.end``). Every candidate headcount
is evaluated on the *same* demand paths and the *same* productivity and attendance draws
(common random numbers), so comparisons between headcounts carry no simulation noise and
late volume falls monotonically as the headcount rises (capacity rises path by path, and a
FIFO queue with more capacity is never later).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.scenario import Scenario
from forecast.simulation import METRICS, _Simulator, simulate

__all__ = [
    "required_headcount", "cost_optimal_headcount", "tradeoff_curve",
    "compare_scenarios", "tornado",
]

_MAX_WORKERS = 1_000_000


def _simulator(paths, scenario, seed, dates) -> _Simulator:
    scenario = Scenario() if scenario is None else scenario
    return _Simulator(paths, scenario, rng=np.random.default_rng(seed), dates=dates)


def _check_prob(name, value, *, lo_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
        (0 < value if lo_open else 0 <= value) and value <= 1
    ):
        raise ValueError(f"{name} must lie in {'(0' if lo_open else '[0'}, 1], got {value!r}")


def _rate_metric(over: str) -> str:
    if over not in ("programme", "window"):
        raise ValueError(f"over must be 'programme' or 'window', got {over!r}")
    return "on_time_rate_programme" if over == "programme" else "on_time_rate"


def _check_scored(sim: _Simulator, metric: str, over: str) -> None:
    """Refuse to plan when a path has no parcel due inside the window in the judged scope."""
    unjudged = int(np.isnan(sim.run(0)[0][metric]).sum())  # scoring ignores the headcount
    if unjudged:
        scope = "arriving on programme days" if over == "programme" else "in the window"
        raise ValueError(
            f"on {unjudged} of {len(sim.arrivals)} paths no parcel {scope} falls due "
            f"inside the window, so the on-time target cannot be judged (over={over!r}); "
            "end the window later, move the programme earlier or check the paths"
        )


def _upper_bound(sim: _Simulator) -> int:
    """A headcount whose programme capacity alone covers the busiest path-day twice over."""
    s = sim.scenario
    per_worker = s.productivity.mean * max(s.attendance.programme, 1e-3)
    return int(min(_MAX_WORKERS, 2 * math.ceil(sim.arrivals.max(initial=0) / per_worker) + 1))


def required_headcount(paths, scenario: Scenario | None = None, *, target: float = 0.95,
                       alpha: float = 0.9, over: str = "programme", seed: int = 0,
                       dates=None) -> int:
    """Smallest programme headcount with P(on-time rate >= target) >= alpha.

    Bisection over integer headcounts; monotone because all candidates share random
    numbers.

    Parameters
    ----------
    paths, scenario, seed, dates
        As in :func:`forecast.simulation.simulate`.
    target : float, default 0.95
        Required share of parcels (due inside the window) delivered on time.
    alpha : float, default 0.9
        Required probability (share of paths) of meeting ``target``.
    over : {"programme", "window"}, default "programme"
        Judge the on-time rate of parcels arriving on programme days (what holiday
        workers can fix), or of every parcel in the window (lateness before the programme
        starts may then make the target unreachable).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If no headcount up to 1,000,000 reaches the target (e.g. programme days that do
        not cover the problem, or a shutdown closing the network when parcels fall due),
        or if on some path no parcel of the ``over`` scope falls due inside the window
        (nothing to judge is not "target met").

    Examples
    --------
    Demand 1,000 a day, 10 parcels per worker, no noise, everyone on the programme:

    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0})
    >>> dates = pd.date_range("2026-03-02", "2026-03-15")
    >>> required_headcount(np.full((5, 14), 1000.0), s, target=1.0, alpha=1.0, dates=dates)
    100
    """
    _check_prob("target", target)
    _check_prob("alpha", alpha, lo_open=True)
    metric = _rate_metric(over)
    sim = _simulator(paths, scenario, seed, dates)
    _check_scored(sim, metric, over)

    def prob(workers: int) -> float:
        return float(np.mean(sim.run(workers)[0][metric] >= target - 1e-12))

    def ok(workers: int) -> bool:
        return prob(workers) >= alpha - 1e-12

    if ok(0):
        return 0
    hi = max(1, _upper_bound(sim))
    while not ok(hi):
        if hi >= _MAX_WORKERS:
            raise ValueError(
                f"no programme headcount up to {_MAX_WORKERS:,} gives P(on-time rate >= "
                f"{target}) >= {alpha} (reached {prob(hi):.3f}, over the {over}): lateness "
                "the programme cannot fix (other days, shutdown days); check programme "
                "dates, operations.mode and baseline staffing"
            )
        hi = min(_MAX_WORKERS, hi * 4)
    lo = 0  # ok(lo) is False, ok(hi) is True
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _expected(sim: _Simulator, workers: float, metric: str, stat: str) -> float:
    values = sim.run(workers)[0][metric]
    return float(values.mean() if stat == "mean" else np.quantile(values, 0.9))


def cost_optimal_headcount(paths, scenario: Scenario | None = None, *, stat: str = "mean",
                           seed: int = 0, dates=None, max_workers: int | None = None) -> int:
    """Programme headcount that minimises labour + compensation (``total_cost``).

    Grid search refined to a single worker: 17 candidates across ``0 .. max_workers``,
    then 17 across the neighbours of the best, until the step is one worker.

    Parameters
    ----------
    stat : {"mean", "p90"}
        Minimise the expected total cost, or its 90th percentile.
    max_workers : int, optional
        Upper end of the search (default: programme capacity alone covering the busiest
        path-day twice over).

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
    >>> cost_optimal_headcount(np.full((5, 14), 1000.0), s, dates=dates)
    100
    """
    if stat not in ("mean", "p90"):
        raise ValueError(f"stat must be 'mean' or 'p90', got {stat!r}")
    sim = _simulator(paths, scenario, seed, dates)
    hi = _upper_bound(sim) if max_workers is None else int(max_workers)
    if hi < 0:
        raise ValueError(f"max_workers must be >= 0, got {max_workers}")
    cache: dict[int, float] = {}

    def cost(w: int) -> float:
        if w not in cache:
            cache[w] = _expected(sim, w, "total_cost", stat)
        return cache[w]

    lo = 0
    while True:
        grid = np.unique(np.linspace(lo, hi, 17).round().astype(int))
        best = min(grid, key=lambda w: (cost(int(w)), w))
        i = int(np.flatnonzero(grid == best)[0])
        if len(grid) == hi - lo + 1:  # step is one worker: done
            return int(best)
        lo, hi = int(grid[max(i - 1, 0)]), int(grid[min(i + 1, len(grid) - 1)])


def tradeoff_curve(paths, scenario: Scenario | None = None, *, workers=None,
                   target: float = 0.95, over: str = "programme", seed: int = 0,
                   dates=None, progress: bool = False) -> pd.DataFrame:
    """Headcount against cost, lateness and the marginal value of one more worker.

    Parameters
    ----------
    workers : array_like of int, optional
        Headcounts to evaluate (default: 21 from 0 to twice the scenario's programme).
    target : float
        On-time target for the ``prob_on_target`` column.
    over : {"programme", "window"}, default "programme"
        Which on-time rate ``prob_on_target`` judges, as in :func:`required_headcount`
        (same default, so the two agree). ``prob_on_target`` is NaN if on some path no
        parcel of that scope falls due inside the window.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per headcount: ``workers``, ``mean_total_cost``, ``p90_total_cost``,
        ``mean_compensation``, ``mean_labour_cost``, ``mean_late``, ``prob_on_target``,
        ``prob_over_budget``, ``marginal_saving`` (expected compensation saved by one more
        worker) and ``marginal_cost`` (his expected labour cost).

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> curve = tradeoff_curve(np.full((10, 28), 180_000.0), s, workers=[0, 1500], dates=dates)
    >>> curve["mean_late"].is_monotonic_decreasing
    True
    """
    _check_prob("target", target)
    metric = _rate_metric(over)
    sim = _simulator(paths, scenario, seed, dates)
    if workers is None:
        workers = np.linspace(0, 2 * sim.scenario.programme.workers, 21).round()
    workers = np.asarray(workers, dtype=float)
    if workers.ndim != 1 or (workers < 0).any() or not np.isfinite(workers).all():
        raise ValueError("workers must be a 1-D array of headcounts >= 0")
    iterator = workers
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(workers, desc="headcounts")
    budget = sim.scenario.budget
    rows = []
    for w in iterator:
        m, _ = sim.run(w)
        m1, _ = sim.run(w + 1)
        rows.append({
            "workers": w,
            "mean_total_cost": m["total_cost"].mean(),
            "p90_total_cost": np.quantile(m["total_cost"], 0.9),
            "mean_compensation": m["compensation"].mean(),
            "mean_labour_cost": m["labour_cost"].mean(),
            "mean_late": m["late"].mean(),
            "prob_on_target": _prob_at_least(m[metric], target),
            "prob_over_budget": np.mean(m["programme_cost"] + m["compensation"] > budget),
            "marginal_saving": m["compensation"].mean() - m1["compensation"].mean(),
            "marginal_cost": m1["labour_cost"].mean() - m["labour_cost"].mean(),
        })
    return pd.DataFrame(rows)


def _prob_at_least(rates: np.ndarray, target: float) -> float:
    """Share of paths with ``rates >= target``; NaN if a path has nothing to judge."""
    return float("nan") if np.isnan(rates).any() else float(np.mean(rates >= target - 1e-12))


def compare_scenarios(paths, scenario: Scenario | None = None, *, seed: int = 0,
                      dates=None) -> pd.DataFrame:
    """Shutdown as usual vs keep running (the scenario's programme) vs cost-optimised.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``scenario, workers, metric, mean, p50, p90, p99, cvar90,
        prob_over_budget``, one row per scenario and metric.

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> cmp = compare_scenarios(np.full((10, 28), 150_000.0), s, dates=dates)
    >>> cmp["scenario"].unique().tolist()
    ['shutdown as usual', 'keep running', 'optimised']
    """
    base = Scenario() if scenario is None else scenario
    best = cost_optimal_headcount(paths, base.updated({"operations.mode": "keep-running"}),
                                  seed=seed, dates=dates)
    variants = {
        "shutdown as usual": {"operations.mode": "shutdown", "programme.workers": 0},
        "keep running": {"operations.mode": "keep-running"},
        "optimised": {"operations.mode": "keep-running", "programme.workers": best},
    }
    frames = []
    for name, changes in variants.items():
        res = simulate(paths, base.updated(changes), seed=seed, dates=dates)
        f = res.summary_frame().reset_index()
        f.insert(0, "workers", res.scenario.programme.workers)
        f.insert(0, "scenario", name)
        f["prob_over_budget"] = res.prob_over_budget
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


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


def tornado(paths, scenario: Scenario | None = None, *, metric: str = "total_cost",
            stat: str = "p90", swing: float = 0.15, seed: int = 0,
            dates=None) -> pd.DataFrame:
    """Sensitivity of one summary number to each uncertain input at a low and high setting.

    Inputs: productivity mean and demand (x ``1 -+ swing``), absenteeism (``1 -
    attendance``) and compensation rates (x ``1 -+ 2 swing``). All runs share ``seed``.

    Parameters
    ----------
    metric : str
        One of :data:`forecast.simulation.METRICS`.
    stat : {"mean", "p50", "p90", "p99", "cvar90"}

    Returns
    -------
    pandas.DataFrame
        Tidy: ``factor, side ("low"/"high"), value, base, delta``, sorted by the factor's
        swing (largest first), as a tornado chart reads.

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> t = tornado(np.full((10, 28), 150_000.0), s, dates=dates)
    >>> sorted(t["factor"].unique())
    ['absenteeism', 'compensation_rate', 'demand_uplift', 'productivity']
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    if stat not in ("mean", "p50", "p90", "p99", "cvar90"):
        raise ValueError(f"stat must be one of mean, p50, p90, p99, cvar90, got {stat!r}")
    if not 0 < swing < 0.5:
        raise ValueError(f"swing must lie in (0, 0.5), got {swing!r}")
    base_s = Scenario() if scenario is None else scenario

    def value(s):
        return float(simulate(paths, s, seed=seed, dates=dates).summary_frame().loc[metric, stat])

    base = value(base_s)
    rows = [
        {"factor": factor, "side": side, "value": value(base_s.updated(changes)), "base": base}
        for factor, pair in _tornado_factors(base_s, swing).items()
        for side, changes in zip(("low", "high"), pair)
    ]
    frame = pd.DataFrame(rows)
    frame["delta"] = frame["value"] - frame["base"]
    spread = frame.groupby("factor")["delta"].transform(lambda d: d.abs().max())
    order = frame.assign(_s=spread).sort_values(
        ["_s", "factor", "side"], ascending=[False, True, False]
    )
    return order.drop(columns="_s").reset_index(drop=True)
