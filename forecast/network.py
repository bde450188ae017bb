"""Staffing a network of hubs: per-hub queues, network statistics and the allocation.

Each hub runs its own capacity queue (a :class:`~forecast.simulation.Simulator` on its own
demand paths and supply draws); path ``p`` of every hub is the same simulated world
(``sample_id``), so a network figure on path ``p`` is the sum over hubs on path ``p``:

- network late parcels, arrivals and compensation, labour and spend: sums over hubs;
- network on-time rate of programme-day parcels on path ``p``:
  ``1 - sum_h late_programme[h, p] / sum_h due_programme[h, p]`` (parcels arriving on
  programme days and due inside the window, as for one series);
- budget risk: P(sum_h spend[h, p] > network budget).

**The network question**, the per-hub headcounts at least expected cost that meet the
network's service target, is :func:`forecast.allocation.allocate`; :func:`plan_network`
runs it and simulates the result. The budget risk is reported, not constrained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.allocation import Allocation, Evaluate, allocate
from forecast.network_scenario import NetworkScenario
from forecast.planning import check_prob, cost_optimal_headcount, upper_bound
from forecast.simulation import Simulator
from forecast.statistics import (
    TAIL, on_time_rate, percent_text, prob_above, prob_at_least, tail_mean,
)

__all__ = ["HUB_METRICS", "Hub", "LocalHubs", "NetworkResults", "NetworkPlan", "hub_metrics",
           "describe_hub", "network_outcome", "plan_network"]

#: Per-path metrics a hub reports to the network (each shape (n_paths,)).
HUB_METRICS = ("demand", "arrivals", "late", "late_programme", "due_programme",
               "compensation", "labour_cost", "programme_cost", "spend", "total_cost")
_TOL = 1e-12


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
    upper: int  # the search limit (forecast.planning.upper_bound)
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
                 lookahead: int = 1, skipped: Mapping[str, str] | None = None,
                 budget: float | None = None) -> NetworkPlan:
    """Allocate the network's programme workers and simulate the plan as given and as
    recommended (the planning step behind ``forecast run --network``).

    ``budget`` (HK$) is what the hubs' summed spend is compared with; default the
    network's (``network.budget``). A partial network (``skipped`` hubs) passes its
    planned hubs' share of it, and the warning about the left-out hubs names it.

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
    budget = network.budget if budget is None else float(budget)
    kw = dict(budget=budget, target=target)
    planned = network_outcome(hubs, evaluate, {h.unique_id: h.planned for h in hubs}, **kw)
    recommended = network_outcome(hubs, evaluate, alloc.workers, **kw)
    warnings = []
    if not alloc.feasible:
        warnings.append(f"No network allocation meets the service target: {alloc.reason}.")
    risk = prob_above(recommended.per_path["spend"], budget)
    if risk > budget_risk + _TOL:
        warnings.append(f"The network plan's P(programme bonus + compensation > budget) is "
                        f"{percent_text(risk, near=budget_risk)}, above the acceptable "
                        f"{budget_risk:.0%}.")
    if skipped:
        held = (f"; the budget risk is against the planned hubs' share of the budget, "
                f"HK${budget:,.0f} of HK${network.budget:,.0f}"
                if budget != network.budget else "")
        warnings.append(f"{len(skipped)} hub(s) left out of the network plan: "
                        f"{', '.join(sorted(skipped))} (see the hubs table){held}.")
    return NetworkPlan(network, hubs, alloc, planned, recommended, dict(skipped or {}),
                       tuple(warnings))
