"""Staffing a network of hubs: per-hub queues, network statistics and the allocation.

Each hub runs its own capacity queue (a :class:`~forecast.simulation.Simulator` on its own
demand paths and supply draws); path ``p`` of every hub is the same simulated world
(``sample_id``), so a network figure on path ``p`` is the sum over hubs on path ``p``:

- network late parcels, arrivals and compensation, labour and spend: sums over hubs;
- network on-time rate of programme-day parcels on path ``p``:
  ``1 - sum_h late_programme[h, p] / sum_h due_programme[h, p]`` (parcels arriving on
  programme days and due inside the window, as for one series);
- budget risk: P(sum_h spend[h, p] > network budget).

**The network question** (:func:`allocate`): the programme headcount of each hub with the
least expected network cost (labour + compensation, a sum of per-hub expected costs)
such that P(network on-time rate of programme-day parcels >= ``target``) >= ``alpha``.
Greedy marginal allocation with common random numbers:

1. start every hub at its own least-expected-cost headcount
   (:func:`forecast.planning.cost_optimal_headcount`): no cheaper network plan exists;
2. while the network target fails, add a block of workers to the hub with the largest
   reduction of the network shortfall per HK$ of expected cost added (to each of the
   ``max(1, n_open // ROUND_SHARE)`` best hubs whose block reduces it), the shortfall of
   a path being ``max(0, late_programme - (1 - target) * due_programme)`` summed over
   hubs (zero on a path exactly when the path meets the target);
3. refine: for each hub in turn, the fewest workers (down to its start) that keep the
   target, others held fixed, searched down from its headcount (1, 2, 4, ... fewer, then
   bisection; the first probes of every hub are evaluated in one parallel batch).

On a cluster each ``evaluate`` call is a round trip: there a hub's greedy evaluation
fetches its next :data:`LOOKAHEAD` blocks at once (``lookahead``). All hubs are evaluated on fixed random numbers, so the search carries no simulation noise.
The budget risk is reported, not constrained. A hub is reached only through an
``evaluate`` function (``{unique_id: (workers, ...)} -> {unique_id: (metrics, ...)}``), so
the search runs the same on local simulators (:class:`LocalHubs`) or on Dask workers
(:mod:`forecast.distributed`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.network_scenario import NetworkScenario
from forecast.planning import check_prob, cost_optimal_headcount, upper_bound
from forecast.simulation import Simulator
from forecast.statistics import TAIL, on_time_rate, prob_above, prob_at_least, tail_mean

__all__ = ["HUB_METRICS", "Hub", "LocalHubs", "Allocation", "NetworkResults", "NetworkPlan",
           "hub_metrics", "describe_hub", "allocate", "network_outcome", "plan_network"]

#: Per-path metrics a hub reports to the network (each shape (n_paths,)).
HUB_METRICS = ("demand", "arrivals", "late", "late_programme", "due_programme",
               "compensation", "labour_cost", "programme_cost", "spend", "total_cost")
_TOL = 1e-12
#: Greedy blocks a hub's evaluation looks ahead on a cluster (fetched in the same
#: ``evaluate`` call: one round trip per LOOKAHEAD steps of a hub); see :func:`allocate`.
LOOKAHEAD = 4
#: A greedy round adds a block to the best 1 in ROUND_SHARE open hubs (at least one).
ROUND_SHARE = 10
#: ``evaluate({uid: (workers, ...)}) -> {uid: (metrics, ...)}``, headcounts in order.
Evaluate = Callable[[Mapping[str, tuple]], dict]


def hub_metrics(sim: Simulator, workers) -> dict[str, np.ndarray]:
    """The per-path metrics of :data:`HUB_METRICS` for ``workers`` programme workers.

    ``due_programme`` counts the parcels arriving on programme days and due inside the
    window; ``late_programme`` those of them delivered late.

    Examples
    --------
    >>> from forecast.scenario import Scenario
    >>> s = Scenario().updated({"window.start": "2026-03-02", "window.end": "2026-03-15",
    ...     "staffing.baseline": 0, "programme.start": "2026-03-02",
    ...     "programme.end": "2026-03-15", "productivity.cv": 0, "productivity.mean": 10,
    ...     "attendance.programme": 1, "attendance.concentration": float("inf"),
    ...     "promise.working_days": 0})
    >>> sim = Simulator(np.full((3, 14), 1000.0), s, rng=np.random.default_rng(0),
    ...                 dates=pd.date_range("2026-03-02", "2026-03-15"))
    >>> m = hub_metrics(sim, 100)
    >>> float(m["late_programme"][0]), float(m["due_programme"][0])
    (0.0, 14000.0)
    """
    m = sim.metrics(workers)
    n_open = len(sim.plan.open_parcels)
    due = sim.arrivals @ (sim.plan.scored[n_open:] & sim.plan.programme).astype(np.float64)
    late = np.where(due > 0, (1 - np.nan_to_num(m["on_time_rate_programme"], nan=1.0)) * due,
                    0.0)
    return {**{k: m[k] for k in HUB_METRICS if k in m}, "late_programme": np.maximum(late, 0.0),
            "due_programme": due}


@dataclass(frozen=True)
class Hub:
    """What the allocation knows about a hub without its paths (see :func:`describe_hub`)."""

    unique_id: str
    planned: float  # the scenario's programme workers
    cost_optimal: int  # least expected labour + compensation
    upper: int  # a headcount covering the busiest path-day twice over
    budget: float  # the hub's own programme budget (HK$)


def describe_hub(sim: Simulator) -> Hub:
    """The :class:`Hub` of a hub's simulator (its start and search range)."""
    s = sim.scenario
    top = upper_bound(sim)
    return Hub(s.unique_id, float(s.programme.workers),
               int(cost_optimal_headcount(sim, hi=top)), top, float(s.budget))


class LocalHubs:
    """``evaluate`` on simulators in this process:
    ``{uid: (workers, ...)} -> {uid: (metrics, ...)}``."""

    def __init__(self, sims: Mapping[str, Simulator]) -> None:
        self.sims = dict(sims)

    def __call__(self, requests: Mapping[str, tuple]) -> dict:
        return {uid: tuple(hub_metrics(self.sims[uid], w) for w in ws)
                for uid, ws in requests.items()}


@dataclass(frozen=True)
class Allocation:
    """Outcome of :func:`allocate`.

    ``workers`` maps each hub to its programme headcount; ``binding`` is ``"service"``
    (workers were added for the network target), ``"cost"`` (every hub's own cost optimum
    already meets it) or ``"none"`` (unreachable: every hub at its upper bound).
    """

    workers: dict
    feasible: bool
    binding: str
    p_on_time: float
    steps: int
    reason: str


class _Search:
    """Cached per-hub metrics and the network sums of the current allocation."""

    def __init__(self, evaluate: Evaluate, target: float) -> None:
        self.evaluate, self.target, self.cache = evaluate, target, {}

    def get(self, requests: Mapping[str, int], ahead: Mapping[str, list] | None = None
            ) -> dict:
        """Metrics of ``requests`` (``{uid: workers}``); with any of them missing, one
        ``evaluate`` call also fetches the headcounts ``ahead[uid]`` of the missing hubs."""
        todo: dict[str, list] = {}
        for u, w in requests.items():
            if (u, w) not in self.cache:
                todo[u] = [w, *(x for x in (ahead or {}).get(u, ())
                                if x != w and (u, x) not in self.cache)]
        if todo:
            for u, ms in self.evaluate({u: tuple(ws) for u, ws in todo.items()}).items():
                self.cache.update({(u, w): m for w, m in zip(todo[u], ms)})
        return {u: self.cache[u, w] for u, w in requests.items()}

    def sums(self, workers: Mapping[str, int]):
        ms = self.get(workers)
        late = sum(m["late_programme"] for m in ms.values())
        due = sum(m["due_programme"] for m in ms.values())
        return late, due, ms

    def shortfall(self, late, due) -> float:
        return float(np.maximum(late - (1 - self.target) * due, 0.0).mean())

    def p_on_time(self, late, due) -> float:
        return prob_at_least(on_time_rate(late, due), self.target)


def allocate(hubs, evaluate: Evaluate, *, target: float = 0.95, alpha: float = 0.9,
             block: int | None = None, lookahead: int = 1) -> Allocation:
    """Per-hub programme headcounts meeting the network service target at least expected
    cost (greedy marginal allocation; see the module docstring).

    Parameters
    ----------
    hubs : sequence of Hub
    evaluate : callable
        ``evaluate({uid: (workers, ...)}) -> {uid: (metrics, ...)}`` with
        :data:`HUB_METRICS`.
    target, alpha : float
        P(network on-time rate of programme-day parcels >= ``target``) >= ``alpha``.
    block : int, optional
        Workers added per greedy step (default: 2% of the mean hub's upper bound).
    lookahead : int
        Blocks fetched per evaluation of a hub that took a block before (the same
        allocation for any value): 1 where evaluating is cheap (in this process),
        :data:`LOOKAHEAD` where each ``evaluate`` call is a round trip to a cluster.

    Returns
    -------
    Allocation
    """
    check_prob("target", target)
    check_prob("alpha", alpha, lo_open=True)
    hubs = sorted(hubs, key=lambda h: h.unique_id)
    if not hubs:
        raise ValueError("allocate needs at least one hub")
    if block is None:
        block = max(1, round(0.02 * np.mean([h.upper for h in hubs])))
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"block must be an int >= 1 (workers per step), got {block!r}")
    search = _Search(evaluate, target)
    start = {h.unique_id: min(h.cost_optimal, h.upper) for h in hubs}
    upper = {h.unique_id: max(h.upper, start[h.unique_id]) for h in hubs}
    w = dict(start)
    late, due, ms = search.sums(w)
    if np.isnan(on_time_rate(late, due)).any():
        raise ValueError("on some paths no parcel arriving on programme days falls due inside "
                         "the window at any hub: the network target cannot be judged; end the "
                         "window later or move the programme earlier")

    def ok(late, due):
        return search.p_on_time(late, due) >= alpha - _TOL

    steps = 0
    while not ok(late, due):
        open_hubs = [u for u in w if w[u] < upper[u]]
        if not open_hubs:
            p = search.p_on_time(late, due)
            return Allocation(w, False, "none", p, steps,
                              f"no allocation up to each hub's upper bound reaches P(network "
                              f"on-time >= {target:.0%}) >= {alpha:.0%} (reached {p:.0%})")
        # a hub that took a block is likely to take the next ones: fetch them with it
        cand = search.get({u: min(w[u] + block, upper[u]) for u in open_hubs},
                          ahead={u: [min(w[u] + j * block, upper[u])
                                     for j in range(2, lookahead + 1)]
                                 for u in open_hubs if w[u] > start[u]})
        now = search.shortfall(late, due)
        keys = {}
        for u in open_hubs:
            c, m = cand[u], ms[u]
            gain = now - search.shortfall(late - m["late_programme"] + c["late_programme"], due)
            cost = float(c["total_cost"].mean() - m["total_cost"].mean())
            keys[u] = (gain / max(cost, 1.0), gain)
        ranked = sorted(open_hubs, key=keys.__getitem__, reverse=True)  # ties: hub order
        take = [u for u in ranked[:max(1, len(open_hubs) // ROUND_SHARE)] if keys[u][1] > 0]
        if not take:  # no block at any hub reduces the shortfall: take the largest
            take = [max(open_hubs, key=lambda u: (upper[u] - w[u], u))]
        for u in take:
            w[u] = min(w[u] + block, upper[u])
        late, due, ms = search.sums(w)
        steps += len(take)
    # refine: the fewest workers per hub that keep the target (others held fixed), searched
    # down from w: 1, 2, 4, 8 fewer (fetched for every hub in one batch), then bisection
    search.get({u: w[u] - 1 for u in w if w[u] > start[u]},
               ahead={u: [w[u] - 2**j for j in range(1, 4) if w[u] - 2**j >= start[u]]
                      for u in w})
    for u in sorted(w):
        good, bad, step = w[u], start[u] - 1, 1  # ok at good; not ok at bad (or below start)
        while good - bad > 1:
            probe = max(w[u] - step, bad + 1) if step else (good + bad) // 2
            if ok(*search.sums({**w, u: probe})[:2]):
                good, step = probe, 2 * step
            else:
                bad, step = probe, 0  # past the answer: bisect from here on
        w[u] = good
    late, due, _ = search.sums(w)
    binding = "service" if w != start else "cost"
    reason = ("the network service target sets it: hubs staffed beyond their own cost optimum "
              "where a worker cuts the most network lateness per HK$" if binding == "service"
              else "every hub at its own least expected cost already meets the network target")
    return Allocation(w, True, binding, search.p_on_time(late, due), steps, reason)


@dataclass(frozen=True)
class NetworkResults:
    """One allocation simulated over the network.

    ``per_path`` holds the network sums per path (index ``sample_id``): ``demand,
    arrivals, late, late_programme, due_programme, on_time_rate, on_time_rate_programme,
    compensation, labour_cost, programme_cost, spend, total_cost``; ``hubs`` one row per
    hub (index ``unique_id``; see :func:`network_outcome`).
    """

    workers: dict
    per_path: pd.DataFrame
    hubs: pd.DataFrame
    budget: float
    target: float

    def prob_on_time(self) -> float:
        """P(network on-time rate of programme-day parcels >= target)."""
        return prob_at_least(self.per_path["on_time_rate_programme"], self.target)

    def decision_summary(self, *, tail: float = TAIL) -> pd.Series:
        """The network's numbers (the columns of the single-series decision table)."""
        pp = self.per_path
        return pd.Series({
            "programme_workers": float(sum(self.workers.values())),
            "p_on_time": self.prob_on_time(),
            "on_time_rate_mean": float(pp["on_time_rate"].mean()),
            "on_time_rate_programme_mean": float(pp["on_time_rate_programme"].mean()),
            "late_mean": float(pp["late"].mean()),
            "late_worst": tail_mean(pp["late"], tail=tail),
            "compensation_mean": float(pp["compensation"].mean()),
            "compensation_worst": tail_mean(pp["compensation"], tail=tail),
            "spend_mean": float(pp["spend"].mean()),
            "spend_worst": tail_mean(pp["spend"], tail=tail),
            "labour_cost_mean": float(pp["labour_cost"].mean()),
            "total_cost_mean": float(pp["total_cost"].mean()),
            "p_over_budget": prob_above(pp["spend"], self.budget),
        })


def network_outcome(hubs, evaluate: Evaluate, workers: Mapping[str, float], *,
                    budget: float, target: float = 0.95, tail: float = TAIL) -> NetworkResults:
    """Simulate ``workers`` (per hub) over the network, with the value of one more worker.

    The ``hubs`` table has one row per hub: ``programme_workers, p_on_time`` (the hub's
    own P(on-time rate of programme-day parcels >= target)), ``on_time_rate_programme_mean,
    late_mean, late_worst, compensation_mean, compensation_worst, labour_cost_mean,
    spend_mean, p_over_budget`` (against the hub's own budget), ``value_of_one_more``
    (expected compensation saved by one more programme worker, HK$) and
    ``cost_of_one_more`` (his expected labour cost, HK$).
    """
    hubs = sorted(hubs, key=lambda h: h.unique_id)
    both = evaluate({h.unique_id: (workers[h.unique_id], workers[h.unique_id] + 1)
                     for h in hubs})
    now, more = ({u: ms[k] for u, ms in both.items()} for k in (0, 1))
    rows = {}
    for h in hubs:
        m, m1 = now[h.unique_id], more[h.unique_id]
        rate = on_time_rate(m["late_programme"], m["due_programme"])
        rows[h.unique_id] = {
            "programme_workers": float(workers[h.unique_id]),
            "p_on_time": prob_at_least(rate, target),
            "on_time_rate_programme_mean": (float(np.nanmean(rate)) if np.isfinite(rate).any()
                                            else np.nan),
            "late_mean": float(m["late"].mean()),
            "late_worst": tail_mean(m["late"], tail=tail),
            "compensation_mean": float(m["compensation"].mean()),
            "compensation_worst": tail_mean(m["compensation"], tail=tail),
            "labour_cost_mean": float(m["labour_cost"].mean()),
            "spend_mean": float(m["spend"].mean()),
            "p_over_budget": prob_above(m["spend"], h.budget),
            "value_of_one_more": float(m["compensation"].mean() - m1["compensation"].mean()),
            "cost_of_one_more": float(m1["labour_cost"].mean() - m["labour_cost"].mean()),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("unique_id")
    sums = {k: sum(now[h.unique_id][k] for h in hubs) for k in HUB_METRICS}
    per_path = pd.DataFrame({
        **{k: sums[k] for k in ("demand", "arrivals", "late", "late_programme",
                                "due_programme")},
        "on_time_rate": on_time_rate(sums["late"], sums["arrivals"]),
        "on_time_rate_programme": on_time_rate(sums["late_programme"], sums["due_programme"]),
        **{k: sums[k] for k in ("compensation", "labour_cost", "programme_cost", "spend",
                                "total_cost")},
    }).rename_axis("sample_id")
    return NetworkResults(dict(workers), per_path, table, float(budget), float(target))


@dataclass(frozen=True)
class NetworkPlan:
    """The network plan: the allocation, the network as planned and as recommended, the
    hubs left out (``skipped``: unique_id -> reason) and warnings for the manager."""

    network: NetworkScenario
    hubs: tuple
    allocation: Allocation
    as_planned: NetworkResults
    recommended: NetworkResults
    skipped: dict = field(default_factory=dict)
    warnings: tuple = ()

    def decision_table(self) -> pd.DataFrame:
        """Network numbers of the scenario as planned and of the recommendation."""
        return pd.DataFrame({"as planned": self.as_planned.decision_summary(),
                             "recommended": self.recommended.decision_summary()}
                            ).T.rename_axis("plan")

    def hub_table(self) -> pd.DataFrame:
        """Per hub: the recommended plan's numbers and the scenario's programme workers."""
        table = self.recommended.hubs.copy()
        table.insert(0, "planned_workers",
                     [self.as_planned.workers[u] for u in table.index])
        return table


def plan_network(hubs, evaluate: Evaluate, network: NetworkScenario, *, target: float = 0.95,
                 alpha: float = 0.9, budget_risk: float = 0.1, block: int | None = None,
                 lookahead: int = 1, skipped: Mapping[str, str] | None = None) -> NetworkPlan:
    """Allocate the network's programme workers and simulate the plan as given and as
    recommended (the planning step behind ``forecast run --network``).

    Examples
    --------
    Two hubs of 1,000 and 500 parcels a day, 10 parcels per worker, no noise:

    >>> from forecast.scenario import Scenario
    >>> s = Scenario().updated({"window.start": "2026-03-02", "window.end": "2026-03-15",
    ...     "staffing.baseline": 0, "programme.start": "2026-03-02",
    ...     "programme.end": "2026-03-15", "productivity.cv": 0, "productivity.mean": 10,
    ...     "attendance.programme": 1, "attendance.concentration": float("inf"),
    ...     "promise.working_days": 0, "labour.daily_wage": 1e4})
    >>> days = pd.date_range("2026-03-02", "2026-03-15")
    >>> sims = {u: Simulator(np.full((4, 14), d), s.updated({"unique_id": u}),
    ...                      rng=np.random.default_rng(0), dates=days)
    ...         for u, d in (("a", 1000.0), ("b", 500.0))}
    >>> plan = plan_network([describe_hub(x) for x in sims.values()], LocalHubs(sims),
    ...                     NetworkScenario(s), target=1.0, alpha=1.0, block=7)
    >>> plan.allocation.workers
    {'a': 100, 'b': 50}
    """
    check_prob("budget_risk", budget_risk)
    hubs = tuple(sorted(hubs, key=lambda h: h.unique_id))
    alloc = allocate(hubs, evaluate, target=target, alpha=alpha, block=block,
                     lookahead=lookahead)
    kw = dict(budget=network.budget, target=target)
    planned = network_outcome(hubs, evaluate, {h.unique_id: h.planned for h in hubs}, **kw)
    recommended = network_outcome(hubs, evaluate, alloc.workers, **kw)
    warnings = []
    if not alloc.feasible:
        warnings.append(f"No network allocation meets the service target: {alloc.reason}.")
    risk = prob_above(recommended.per_path["spend"], network.budget)
    if risk > budget_risk + _TOL:
        warnings.append(f"The network plan's P(programme bonus + compensation > budget) is "
                        f"{risk:.0%}, above the acceptable {budget_risk:.0%}.")
    if skipped:
        warnings.append(f"{len(skipped)} hub(s) left out of the network plan: "
                        f"{', '.join(sorted(skipped))} (see the hubs table).")
    return NetworkPlan(network, hubs, alloc, planned, recommended, dict(skipped or {}),
                       tuple(warnings))
