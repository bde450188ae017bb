"""A per-day (or per-phase) roster of holiday programme workers.

:func:`forecast.planning.recommend` chooses one programme headcount for every programme
day. Need differs by day (the cut-off lull, the closure, the restart surge), so
:func:`optimise_roster` lets the headcount differ by *group* of programme days: one group
per programme day (``by="day"``), or one per run of programme days in the same LNY phase
of ``phases`` (``by="phase"``: days outside every phase form runs called ``"other"``).
Days without operations (``operations.mode = "shutdown"``) get no workers: they add
neither capacity nor cost.

**The rule** is :func:`~forecast.planning.recommend`'s, on rosters instead of headcounts:
the least expected cost (labour + compensation) among rosters that meet

1. the service target: P(on-time rate of programme-day parcels >= ``target``) >= ``alpha``;
2. the budget risk: P(programme bonus + compensation > budget) <= ``budget_risk``;
3. optionally the tail limit: mean compensation of the worst ``tail`` share of paths
   <= ``tail_limit``.

Every roster is evaluated on the same :class:`~forecast.simulation.Simulator` (common
random numbers: the same demand paths, productivity and attendance draws).

**Method**: descent on the key ``(s, t, b, c)``, compared lexicographically, where ``s =
max(0, alpha - P(on time))``, ``t = max(0, worst-tail compensation - tail_limit) /
max(tail_limit, 1)``, ``b = max(0, P(over budget) - budget_risk)`` and ``c`` the expected
cost: a roster meeting every constraint has ``s = t = b = 0`` and is ranked by cost; an
infeasible one by how far it misses, the service target first (as ``recommend``'s
closest headcount).

From the flat roster ``x_g = W`` (``W``: the flat recommendation, or ``flat_workers``)
and the step ``k0 = 2**floor(log2(max(W, 4) / 4))``, a *sweep* at step ``k`` tries the
single moves (remove ``k`` workers per day from each group, then add ``k`` to each: ``2G``
moves for ``G`` groups), each repeated while it helps; only if none helps, the transfers
of ``k`` workers per day from one group to another (all ``G(G - 1)`` ordered pairs; with
``by="day"`` the ``2(G - 1)`` pairs of neighbouring days), each repeated while it helps.
A move is kept when it lowers the key (first improvement; a fall in expected cost counts
when larger than ``rtol`` of it, so that the search does not crawl along a flat valley
for savings far below the Monte Carlo error); headcounts stay within 0 ..
``max(W, forecast.planning.upper_bound(sim))``. A sweep that keeps no move halves ``k``;
after such a sweep at ``k = 1`` the search stops, *converged*: no move of one worker per
day lowers the key (by more than ``rtol``, for the cost). It also stops after
``max_evaluations`` rosters (``converged`` False).

**Cost in evaluations** (one evaluation: :meth:`Simulator.metrics`, one pass of the
queue over every path, about 13 ms on 1,000 paths x 60 days on a 2-core machine). With
``M = 2G + T`` moves per sweep (``T`` transfers above), ``L = log2(k0) + 1`` steps and
``m`` kept moves in all, the search evaluates at most ``(L + m) M + m`` rosters (rosters
seen before are cached, never re-evaluated), in practice not much fewer than ``L M`` (the
sweep that ends each step). Two more evaluate the result and the flat programme for
:attr:`Roster.summary`; without ``flat_workers``, :func:`~forecast.planning.recommend`
adds its own (about 80 on the demo plan, not counted in :attr:`Roster.evaluations`). On
the demo plan (``W = 698``, ``k0 = 128``, ``L = 8``): ``by="phase"`` has ``G = 4``, ``M =
20`` and used 150 evaluations (under a second); ``by="day"`` has ``G = 14``, ``M = 54``
and used 655 (about 3 s; ``benchmarks/RESULTS.md``).

**Guarantee**: every kept move lowers the key, so the returned roster's key is at most
the flat roster's, whenever the search stops (converged or out of evaluations):

- if the flat programme meets every constraint, the roster meets every constraint and
  its expected cost is at most the flat programme's (equal only if no move was kept:
  then it *is* the flat roster);
- otherwise, its shortfalls are lexicographically no larger: the service shortfall is
  no larger; if equal, the tail limit's is no larger; if equal too, the budget risk's.
  It may meet every constraint; its cost may then exceed the (infeasible) flat one's.

Both hold *on the simulator's paths* (in sample), like the flat recommendation itself.
The roster is a local optimum for the moves above, not a proven global one. With more
headcounts to set than the flat rule, it can fit the paths' noise more closely: judge it
on fresh paths (another seed) before trusting the last few workers (on the demo plan the
saving held on the paths of another seed: ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, LnyPhase, lny_phase_frame
from forecast.decision import recommend
from forecast.planning import upper_bound
from forecast.simulation import Simulator
from forecast.roster_search import RosterSearch
from forecast.statistics import TAIL, central_interval

__all__ = ["Roster", "optimise_roster", "BY", "OUTSIDE", "PLANS", "SUMMARY_COLUMNS"]

#: Ways to group programme days: one headcount per day, or per run of an LNY phase.
BY = ("phase", "day")
#: Phase label of days outside every LNY phase.
OUTSIDE = "other"
#: Rows of :attr:`Roster.summary`.
PLANS = ("roster", "flat")
#: Columns of :attr:`Roster.summary`.
SUMMARY_COLUMNS = ("expected_cost", "p_on_time", "p_over_budget", "compensation_worst",
            "labour_cost_mean", "compensation_mean", "late_mean", "programme_cost",
            "worker_days")


@dataclass(frozen=True)
class Roster:
    """The outcome of :func:`optimise_roster`.

    Attributes
    ----------
    by : {"phase", "day"}
        How programme days were grouped.
    workers : numpy.ndarray, shape (n_days,)
        Programme workers on each window day (0 off the programme and on days without
        operations): pass it to :meth:`Simulator.metrics` or :meth:`Simulator.results`.
    flat_workers : int
        The flat programme compared with (and started from).
    days : pandas.DataFrame
        The roster: one row per programme day, columns ``ds, phase, workers``.
    summary : pandas.DataFrame
        Index ``plan`` (``roster``, ``flat``); columns ``expected_cost`` (HK$, labour +
        compensation), ``p_on_time`` (P(on-time rate of programme-day parcels >=
        target)), ``p_over_budget``, ``compensation_worst`` (HK$, mean of the worst
        ``tail`` share), ``labour_cost_mean``, ``compensation_mean``, ``late_mean``
        (parcels), ``programme_cost`` (HK$ bonus), ``worker_days`` (programme).
    daily : pandas.DataFrame
        One row per window day: ``ds, phase, programme`` (bool), ``workers``,
        ``flat_workers``, ``demand`` (median arrivals, parcels), ``demand-lo-<level>``,
        ``demand-hi-<level>``, ``capacity`` (mean over paths, parcels),
        ``capacity-lo-<level>``, ``capacity-hi-<level>``, ``capacity_flat`` (mean),
        ``arrivals`` (mean), ``late`` and ``late_flat`` (mean parcels arriving that day
        and delivered late).
    backlog : pandas.DataFrame
        The open ``[backlog]`` queued before the window: one row per backlog date,
        ``ds, parcels, late, late_flat`` (mean parcels of it delivered late); no rows
        without a backlog. With ``daily`` it adds up to the summary's ``late_mean``.
    binding : str
        What sets the roster: ``"service"``, ``"tail"`` or ``"budget"`` (the constraint
        missed by most of the cheaper rosters one worker per day away or, when none is
        cheaper, the first one that removing a worker would miss), ``"cost"`` (a cost
        optimum with room in every constraint) or ``"none"`` (the roster misses a
        constraint). See :meth:`forecast.roster_search.RosterSearch.binding`.
    feasible, flat_feasible : bool
        Whether the roster and the flat programme meet every constraint.
    converged : bool
        False when ``max_evaluations`` stopped the search.
    evaluations : int
        Simulator evaluations used by the search and the summary (not those of
        :func:`~forecast.planning.recommend` when ``flat_workers`` is not given).
    target, alpha, budget_risk, tail_limit, tail : float
        The constraints it was optimised under (``tail_limit`` None: no limit).
    """

    by: str
    workers: np.ndarray
    flat_workers: int
    days: pd.DataFrame
    summary: pd.DataFrame
    daily: pd.DataFrame
    backlog: pd.DataFrame
    binding: str
    feasible: bool
    flat_feasible: bool
    converged: bool
    evaluations: int
    target: float
    alpha: float
    budget_risk: float
    tail_limit: float | None
    tail: float

    @property
    def saving(self) -> float:
        """Expected cost of the flat programme minus the roster's (HK$, >= 0 if flat is
        feasible)."""
        cost = self.summary["expected_cost"]
        return float(cost["flat"] - cost["roster"])

    def late_by_day(self) -> pd.DataFrame:
        """Mean late parcels by arrival day: ``ds, phase, arrivals, late, late_flat``."""
        return self.daily[["ds", "phase", "arrivals", "late", "late_flat"]].copy()

    def late_by_phase(self) -> pd.DataFrame:
        """Mean late parcels by arrival phase (window days, in order): ``phase, days,
        arrivals, late, late_flat``."""
        d = self.daily
        g = d.groupby("phase", sort=False)
        out = g[["arrivals", "late", "late_flat"]].sum()
        out.insert(0, "days", g.size())
        return out.reset_index()


def _check_options(target, alpha, budget_risk, tail_limit, tail, by, max_evaluations,
                   flat_workers, level):
    for name, value, lo_open in (("target", target, False), ("alpha", alpha, True),
                                 ("budget_risk", budget_risk, False), ("tail", tail, True)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                (0 < value if lo_open else 0 <= value) and value <= 1):
            raise ValueError(f"{name} must lie in {'(0' if lo_open else '[0'}, 1], "
                             f"got {value!r}")
    if tail_limit is not None and (isinstance(tail_limit, bool) or not isinstance(
            tail_limit, (int, float)) or not tail_limit >= 0):
        raise ValueError(f"tail_limit must be a number of HK$ >= 0 or None, got {tail_limit!r}")
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
    for name, value, lo in (("max_evaluations", max_evaluations, 1),
                            ("flat_workers", flat_workers, 0)):
        if value is None and name == "flat_workers":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 100:
        raise ValueError(f"level must lie strictly between 0 and 100 (percent), got {level!r}")


def _phase_labels(dates: pd.DatetimeIndex, phases) -> np.ndarray:
    """Phase name of each date (:data:`OUTSIDE` outside every phase)."""
    flags = lny_phase_frame(dates, tuple(phases)).drop(columns="days_to_lny")
    labels = np.full(len(dates), OUTSIDE, dtype=object)
    for name in flags.columns:
        labels[flags[name].to_numpy() == 1] = name
    return labels


def _groups(sim: Simulator, labels: np.ndarray, by: str) -> list[np.ndarray]:
    """Window-day indices of each group of operating programme days, in date order."""
    days = np.flatnonzero(sim.plan.programme & sim.plan.operating)
    if by == "day":
        return [np.array([d]) for d in days]
    runs = []
    for d in days:  # a new run when the phase changes or a day is skipped
        if runs and runs[-1][-1] == d - 1 and labels[runs[-1][-1]] == labels[d]:
            runs[-1].append(d)
        else:
            runs.append([d])
    return [np.array(r) for r in runs]


def optimise_roster(sim: Simulator, *, target: float = 0.95, alpha: float = 0.9,
                    budget_risk: float = 0.1, tail_limit: float | None = None,
                    tail: float = TAIL, by: str = "phase",
                    phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES,
                    flat_workers: int | None = None, max_evaluations: int = 1000,
                    rtol: float = 1e-5, level: float = 80) -> Roster:
    """The least-cost roster of programme workers by day or phase that meets the service
    target, the budget risk and (optionally) the tail limit.

    Parameters
    ----------
    sim : Simulator
        Demand paths, scenario and supply draws (common random numbers).
    target, alpha, budget_risk, tail_limit, tail
        The constraints, as in :func:`forecast.planning.recommend`.
    by : {"phase", "day"}, default "phase"
        One headcount per run of programme days in an LNY phase of ``phases``, or per
        programme day (slower: see the module docstring for the cost).
    phases : tuple of LnyPhase
        Phases that name (and, with ``by="phase"``, group) the days.
    flat_workers : int, optional
        The flat programme to start from and compare with; default
        ``recommend(sim, ...)`` with the same constraints (pass the plan's recommendation
        to save its evaluations).
    max_evaluations : int, default 1000
        Most rosters evaluated by the search (about 13 ms each on 1,000 paths x 60 days).
    rtol : float, default 1e-5
        Smallest fall in expected cost, as a share of it, worth a move (HK$850 on a
        HK$85M plan: far below the Monte Carlo error); in [0, 0.01].
    level : float, default 80
        Central interval (percent) of demand and capacity in :attr:`Roster.daily`.

    Returns
    -------
    Roster

    Raises
    ------
    ValueError
        On an option outside the ranges above, a ``sim`` that is not a Simulator, or paths
        on which no parcel arriving on programme days falls due inside the window.

    Examples
    --------
    Only programme workers, 10 parcels each, a same-day promise; demand 1,000 a day, 2,000
    on the 8th day: the flat programme needs 200 workers every day, the roster only on
    the busy day.

    >>> from forecast.scenario import Scenario
    >>> s = Scenario().updated({
    ...     "window.start": "2026-03-02", "window.end": "2026-03-15", "staffing.baseline": 0,
    ...     "programme.start": "2026-03-02", "programme.end": "2026-03-15",
    ...     "productivity.mean": 10, "productivity.cv": 0, "attendance.programme": 1,
    ...     "attendance.concentration": float("inf"), "promise.working_days": 0,
    ...     "labour.daily_wage": 100, "programme.bonus_per_worker_day": 0, "budget": 1e9})
    >>> demand = np.full((3, 14), 1000.0)
    >>> demand[:, 7] = 2000.0
    >>> sim = Simulator(demand, s, rng=np.random.default_rng(0),
    ...                 dates=pd.date_range("2026-03-02", "2026-03-15"))
    >>> r = optimise_roster(sim, target=1.0, alpha=1.0, by="day")
    >>> r.flat_workers, r.days["workers"].tolist()[6:9], r.binding, r.saving
    (200, [100, 200, 100], 'service', 130000.0)
    """
    _check_options(target, alpha, budget_risk, tail_limit, tail, by, max_evaluations,
                   flat_workers, level)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not 0 <= rtol <= 0.01:
        raise ValueError(f"rtol must lie in [0, 0.01] (a share of the expected cost), "
                         f"got {rtol!r}")
    if not isinstance(sim, Simulator):
        raise ValueError("sim must be a forecast.simulation.Simulator (paths, scenario and "
                         f"supply draws held fixed), got {type(sim).__name__}")
    if flat_workers is None:
        flat_workers = recommend(sim, target=target, alpha=alpha, budget_risk=budget_risk,
                                 tail_limit=tail_limit, tail=tail).workers
    flat_workers = int(flat_workers)
    dates = sim.plan.dates
    labels = _phase_labels(dates, phases)
    groups = _groups(sim, labels, by)
    search = RosterSearch(sim, groups, target=target, alpha=alpha, budget_risk=budget_risk,
                          tail_limit=tail_limit, tail=tail, neighbours_only=by == "day",
                          top=max(upper_bound(sim), flat_workers), rtol=rtol)
    start = (flat_workers,) * len(groups)
    step = 2 ** int(math.floor(math.log2(max(flat_workers, 4) / 4)))
    x, converged = search.descend(start, max_evaluations=max_evaluations, step=step)
    workers, flat = search.workers(x), search.workers(start)
    rows = [_summary(search, sim.metrics(w), w) for w in (workers, flat)]  # 2 evaluations
    on = sim.plan.programme
    return Roster(
        by=by, workers=workers, flat_workers=flat_workers,
        days=pd.DataFrame({"ds": dates[on], "phase": labels[on],
                           "workers": workers[on].astype(np.int64)}).reset_index(drop=True),
        summary=pd.DataFrame(rows, index=pd.Index(PLANS, name="plan"),
                             columns=list(SUMMARY_COLUMNS)),
        **_late_frames(sim, labels, workers, flat, level), binding=search.binding(x),
        feasible=search.evaluate(x).feasible, flat_feasible=search.evaluate(start).feasible,
        converged=converged, evaluations=search.evaluations + 2, target=target, alpha=alpha,
        budget_risk=budget_risk, tail_limit=tail_limit, tail=tail)


def _summary(search: RosterSearch, m: dict, workers: np.ndarray) -> dict:
    j = search.judge(m)
    return {"expected_cost": j.cost, "p_on_time": j.p_on_time,
            "p_over_budget": j.p_over_budget, "compensation_worst": j.compensation_worst,
            "labour_cost_mean": float(m["labour_cost"].mean()),
            "compensation_mean": float(m["compensation"].mean()),
            "late_mean": float(m["late"].mean()),
            "programme_cost": float(m["programme_cost"].mean()),
            "worker_days": float(workers.sum())}


def _late_frames(sim: Simulator, labels, workers, flat, level: float) -> dict:
    """:attr:`Roster.daily` and :attr:`Roster.backlog` (one queue pass per headcount)."""
    (back, late), (back_flat, late_flat) = sim.late_split(workers), sim.late_split(flat)
    backlog = pd.DataFrame({"ds": sim.plan.open_dates, "parcels": sim.plan.open_parcels,
                            "late": back.mean(axis=0), "late_flat": back_flat.mean(axis=0)})
    return {"daily": _daily(sim, labels, workers, flat, level, late, late_flat),
            "backlog": backlog}


def _daily(sim: Simulator, labels, workers, flat, level: float, late, late_flat
           ) -> pd.DataFrame:
    """The per-day frame of :attr:`Roster.daily`."""
    a, plan = sim.arrivals, sim.plan
    cap, cap_flat = sim.capacity(workers), sim.capacity(flat)
    on = plan.programme & plan.operating
    d_lo, d_hi = central_interval(a, level)
    c_lo, c_hi = central_interval(cap, level)
    return pd.DataFrame({
        "ds": plan.dates, "phase": labels, "programme": plan.programme,
        "workers": np.where(on, workers, 0).astype(np.int64),
        "flat_workers": np.where(on, flat, 0).astype(np.int64),
        "demand": np.median(a, axis=0), f"demand-lo-{level:g}": d_lo,
        f"demand-hi-{level:g}": d_hi, "capacity": cap.mean(axis=0),
        f"capacity-lo-{level:g}": c_lo, f"capacity-hi-{level:g}": c_hi,
        "capacity_flat": cap_flat.mean(axis=0), "arrivals": a.mean(axis=0),
        "late": late.mean(axis=0), "late_flat": late_flat.mean(axis=0),
    })
