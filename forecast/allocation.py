"""The network question (:func:`allocate`): the programme headcount of each hub with the
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
3. refine: for each hub in turn, hubs whose last block is worth least first (network
   lateness added per HK$ saved), the fewest workers (down to its start) that keep the
   target, others held fixed, searched down from its headcount (1, 2, 4, ... fewer, then
   bisection; the first probes of every hub are evaluated in one parallel batch).

On a cluster each ``evaluate`` call is a round trip: there a hub's greedy evaluation
fetches its next :data:`LOOKAHEAD` blocks at once (``lookahead``). The hubs are reached
only through an ``evaluate`` function (``{unique_id: (workers, ...)} -> {unique_id:
(metrics, ...)}``), so the search runs the same on local simulators (:class:`forecast.network.LocalHubs`) or on Dask workers
(:mod:`forecast.distributed`). All hubs are evaluated on fixed random numbers, so the
search carries no simulation noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from forecast.planning import check_prob
from forecast.statistics import on_time_rate, percent_text, prob_at_least

__all__ = ["LOOKAHEAD", "ROUND_SHARE", "Allocation", "Evaluate", "allocate"]

_TOL = 1e-12
#: Greedy blocks a hub's evaluation looks ahead on a cluster (fetched in the same
#: ``evaluate`` call: one round trip per LOOKAHEAD steps of a hub); see :func:`allocate`.
LOOKAHEAD = 4
#: A greedy round adds a block to the best 1 in ROUND_SHARE open hubs (at least one).
ROUND_SHARE = 10
#: ``evaluate({uid: (workers, ...)}) -> {uid: (metrics, ...)}``, headcounts in order.
Evaluate = Callable[[Mapping[str, tuple]], dict]


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
                              "no allocation up to each hub's search limit (twice the "
                              "larger of the programme headcounts that alone handle its "
                              "busiest day and its parcels up to the programme's end, at most "
                              "1,000,000) reaches P(network "
                              f"on-time >= {target:.0%}) >= {alpha:.0%} (reached "
                              f"{percent_text(p, near=alpha)})")
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
    # down from w: 1, 2, 4, 8 fewer (fetched for every hub in one batch), then bisection;
    # hubs whose last block is worth least (network lateness added per HK$ saved) first,
    # so the slack comes off where a worker does least (not off the first hub by name)
    search.get({u: w[u] - 1 for u in w if w[u] > start[u]},
               ahead={u: [w[u] - 2**j for j in range(1, 4) if w[u] - 2**j >= start[u]]
                      for u in w})
    for u in _trim_order(search, w, start, block, late, due, ms):
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


def _trim_order(search, w: dict, start: dict, block: int, late, due, ms) -> list[str]:
    """Hubs in the order the refinement trims them: by the network shortfall one block
    fewer adds per HK$ it saves, least first (ties and hubs at their start: by name)."""
    down = {u: max(w[u] - block, start[u]) for u in w if w[u] > start[u]}
    cand = search.get(down) if down else {}
    now = search.shortfall(late, due)

    def worth(u):
        if u not in down:
            return (np.inf, u)
        c, m = cand[u], ms[u]
        loss = search.shortfall(late - m["late_programme"] + c["late_programme"], due) - now
        saving = float(m["total_cost"].mean() - c["total_cost"].mean())
        return (loss / max(saving, 1.0), u)

    return sorted(w, key=worth)

