"""Local search over rosters: the descent behind :func:`forecast.roster.optimise_roster`.

A roster ``x`` gives one integer headcount per *group* of window days (``groups[g]``: the
day indices of group ``g``). :class:`RosterSearch` evaluates rosters on one
:class:`~forecast.simulation.Simulator` (cached: a roster is evaluated once), ranks them
by the key ``(s, t, b, c)`` of :mod:`forecast.roster` (constraint shortfalls, then
expected cost) and descends from a start roster by single and transfer moves with a
halving step. The method, its guarantee and its cost are documented in
:mod:`forecast.roster`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from forecast.results import rate_metric
from forecast.simulation import Simulator
from forecast.statistics import prob_above, prob_at_least, tail_mean

__all__ = ["CONSTRAINTS", "Judgement", "RosterSearch"]

#: The constraints, in the order their shortfalls are compared.
CONSTRAINTS = ("service", "tail", "budget")
_TOL = 1e-12  # as forecast.planning: rounding in rates and probabilities
_REL = 1e-9  # default rtol: a fall below this share of the cost is round-off


@dataclass(frozen=True)
class Judgement:
    """One roster's standing: the constraints' values, shortfalls and expected cost.

    ``short`` holds the shortfall of each of :data:`CONSTRAINTS` (0: met): ``alpha -
    p_on_time``, ``(compensation_worst - tail_limit) / max(tail_limit, 1)`` and
    ``p_over_budget - budget_risk``, floored at 0.
    """

    cost: float
    p_on_time: float
    p_over_budget: float
    compensation_worst: float
    short: tuple[float, float, float]

    @property
    def feasible(self) -> bool:
        return not any(self.short)

    def cheaper(self, other: Judgement, rtol: float = _REL) -> bool:
        """Whether this expected cost is lower than ``other``'s by more than ``rtol`` of it."""
        return self.cost < other.cost - rtol * max(1.0, abs(other.cost))

    def better(self, other: Judgement, rtol: float = _REL) -> bool:
        """Lexicographically lower key ``(service, tail, budget shortfall, cost)``; costs
        compared as in :meth:`cheaper`."""
        if self.short != other.short:
            return self.short < other.short
        return self.cheaper(other, rtol)


class RosterSearch:
    """Evaluate and descend over rosters of ``len(groups)`` headcounts.

    Parameters
    ----------
    sim : Simulator
    groups : list of numpy.ndarray of int
        Window-day indices of each group, in date order.
    target, alpha, budget_risk, tail_limit, tail
        The constraints of :func:`forecast.planning.recommend`.
    neighbours_only : bool
        Transfer workers only between neighbouring groups (else between any two).
    top : int
        Largest headcount of a group.
    rtol : float
        Smallest fall in expected cost, as a share of it, that makes a roster cheaper.
    """

    def __init__(self, sim: Simulator, groups, *, target: float, alpha: float,
                 budget_risk: float, tail_limit: float | None, tail: float,
                 neighbours_only: bool, top: int, rtol: float = _REL):
        self.sim, self.groups, self.top, self.rtol = sim, list(groups), int(top), rtol
        self.target, self.alpha, self.budget_risk = target, alpha, budget_risk
        self.tail_limit, self.tail, self.neighbours_only = tail_limit, tail, neighbours_only
        self.metric = rate_metric("programme")
        self.cache: dict[tuple[int, ...], Judgement] = {}

    @property
    def evaluations(self) -> int:
        """Rosters evaluated so far."""
        return len(self.cache)

    def workers(self, x) -> np.ndarray:
        """Headcount per window day, shape (n_days,): ``x[g]`` on the days of group g."""
        out = np.zeros(len(self.sim.plan.dates))
        for g, idx in enumerate(self.groups):
            out[idx] = x[g]
        return out

    def judge(self, m: dict) -> Judgement:
        """The :class:`Judgement` of :meth:`Simulator.metrics`'s output ``m``."""
        p_on_time = prob_at_least(m[self.metric], self.target)
        if math.isnan(p_on_time):
            raise ValueError("on some paths no parcel arriving on programme days falls due "
                             "inside the window, so the on-time target cannot be judged; "
                             "end the window later or move the programme earlier")
        p_over = prob_above(m["spend"], self.sim.scenario.budget)
        worst = tail_mean(m["compensation"], tail=self.tail)
        limit = self.tail_limit
        short = (max(0.0, self.alpha - p_on_time - _TOL),
                 0.0 if limit is None else max(0.0, worst - limit) / max(limit, 1.0),
                 max(0.0, p_over - self.budget_risk - _TOL))
        return Judgement(float(m["total_cost"].mean()), p_on_time, p_over, worst, short)

    def evaluate(self, x: tuple[int, ...]) -> Judgement:
        """Judge roster ``x`` (once: later calls read the cache)."""
        if x not in self.cache:
            self.cache[x] = self.judge(self.sim.metrics(self.workers(x)))
        return self.cache[x]

    def moves(self, kind: str):
        """Move specs ``(from, to)`` (None: outside the roster), in sweep order: the
        ``"single"`` moves (remove from each group, then add to each), or the
        ``"transfer"`` moves (between two groups)."""
        n = len(self.groups)
        if kind == "single":
            yield from ((g, None) for g in range(n))
            yield from ((None, h) for h in range(n))
        else:
            yield from ((g, h) for g in range(n) for h in range(n)
                        if g != h and (not self.neighbours_only or abs(g - h) == 1))

    def move(self, x: tuple[int, ...], spec, k: int) -> tuple[int, ...]:
        """``x`` after moving up to ``k`` workers per day along ``spec``, within 0..top."""
        g, h = spec
        d = min(k, x[g] if g is not None else k, self.top - x[h] if h is not None else k)
        y = list(x)
        if g is not None:
            y[g] -= d
        if h is not None:
            y[h] += d
        return tuple(y)

    def descend(self, start: tuple[int, ...], *, max_evaluations: int,
                step: int) -> tuple[tuple[int, ...], bool]:
        """Descend from ``start`` with first step ``step`` (a power of 2).

        Returns ``(roster, converged)``: ``converged`` is False when ``max_evaluations``
        evaluations stopped the search before a sweep at step 1 kept no move.
        """
        x, best = start, self.evaluate(start)
        k = step
        while True:
            kept = False
            for kind in ("single", "transfer"):
                for spec in self.moves(kind):
                    while True:  # repeat a move while it helps
                        y = self.move(x, spec, k)
                        if y == x:
                            break
                        if y not in self.cache and self.evaluations >= max_evaluations:
                            return x, False
                        cand = self.evaluate(y)
                        if not cand.better(best, self.rtol):
                            break
                        x, best, kept = y, cand, True
                if kept:  # transfers only once no single move helps
                    break
            if not kept:
                if k == 1:
                    return x, True
                k //= 2

    def binding(self, x: tuple[int, ...]) -> str:
        """What sets ``x``, judged on its evaluated neighbours one worker per day away.

        ``"none"`` if ``x`` misses a constraint; else the constraint (of
        :data:`CONSTRAINTS`) missed by most of the cheaper neighbours; when none is
        cheaper, the first constraint that removing one worker from a group would miss
        (``x`` sits on its boundary, as :func:`~forecast.planning.recommend`'s
        ``"service"``); else ``"cost"``.
        """
        cur = self.evaluate(x)
        if not cur.feasible:
            return "none"
        cheaper = dict.fromkeys(CONSTRAINTS, 0)
        boundary = dict.fromkeys(CONSTRAINTS, 0)
        for kind in ("single", "transfer"):
            for spec in self.moves(kind):
                cand = self.cache.get(self.move(x, spec, 1))
                if cand is None:
                    continue
                for c, short in zip(CONSTRAINTS, cand.short):
                    cheaper[c] += short > 0 and cand.cheaper(cur, self.rtol)
                    boundary[c] += short > 0 and spec[1] is None
        for counts in (cheaper, boundary):
            worst = max(CONSTRAINTS, key=lambda c: counts[c])  # ties: service, tail, budget
            if counts[worst]:
                return worst
        return "cost"
