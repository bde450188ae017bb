"""Capacity Monte Carlo: late parcels, compensation and labour cost per demand path.

:func:`simulate` takes demand sample paths (one series) and a :class:`~forecast.scenario.
Scenario`, draws the uncertain supply side (productivity per path, attendance per path and
day), runs the fluid FIFO queue of :mod:`forecast.capacity` and prices the outcome. It
returns a :class:`SimulationResults` with one row per path and summaries.

Capacity on day ``d`` of path ``p`` (zero on shutdown days)::

    productivity[p] * (baseline[d] * attendance_baseline[p, d]
                       + programme[d] * attendance_programme[p, d])

Metrics per path (:data:`METRICS`; an open backlog adds to them, see below): ``demand``
counts every parcel arriving in the window; ``arrivals`` and ``late`` count those due
inside it (``demand - arrivals`` are due after the window's end and not scored);
``end_backlog`` is the queue left at the window's end; ``on_time_rate`` is over the
parcels due inside, ``on_time_rate_programme`` over those arriving on programme days (what
the holiday programme can be judged on). A rate is NaN on a path where no parcel of its
scope falls due inside the window (nothing to judge).

Costs (HK$): ``labour_cost`` = attending worker-days x daily wage (x holiday premium on
Hong Kong general holidays, whatever ``promise.calendar`` is: the staff work in Hong Kong)
+ programme bonus; ``compensation`` from the tiered per-parcel schedule;
``total_cost`` = labour + compensation; ``spend`` = programme bonus + compensation, what
the budget is compared with (the money the holiday programme decision is about).

Horizon end: parcels whose deadline falls after ``window.end`` are not scored (neither
late nor compensated); parcels still queued at the end whose deadline lies inside are
late, and are compensated at the tiers already passed (a lower bound). End the window
well after the post-LNY restart so the backlog clears inside it.

Open backlog (``scenario.backlog``, for re-planning mid-holiday): the parcels received on
each backlog date before ``window.start`` and still undelivered at its start. They head
the FIFO queue, oldest first, the same on every path (``demand_uplift`` scales the forecast
paths only). The queue runs on one column per backlog date, with no capacity, no staff and
no wage, followed by the window days; each cohort's deadline and compensation tiers count
working days of ``promise.calendar`` from its own arrival date, so a cohort already past
its deadline at ``window.start`` is late whatever the staffing. This is exact: before the
window nothing is processed, so only those parcels' order and deadlines matter. The backlog
columns are dropped once the queue has run: ``SimulationResults.dates`` and ``backlog``
cover the window days only. What the backlog adds to each metric:

- ``demand``: every backlog parcel; ``arrivals``: those whose deadline falls on or before
  ``window.end`` (in practice all of them, including any deadline already passed);
- ``late``, ``on_time_rate``: backlog parcels are scored like any parcel (late if
  delivered after their deadline or still queued at the window's end);
- ``on_time_rate_programme``: never counts them (they did not arrive on programme days),
  but they are served first and delay every parcel behind them;
- ``peak_backlog``, ``backlog_days``, ``end_backlog`` and the ``backlog`` paths: the
  end-of-day queue on window days, backlog parcels still queued included;
- ``compensation``, ``total_cost``, ``spend``: their compensation, including the part
  already owed at ``window.start`` that no staffing can avoid;
- ``labour_cost``, ``programme_cost``, the programme days and the budget: unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import WorkCalendar, days_to_lny, holiday_calendar, promise_deadlines
from forecast.capacity import late_volume, queue_outcomes
from forecast.scenario import Scenario
from forecast.results import METRICS, SimulationResults
from forecast.statistics import on_time_rate

__all__ = ["METRICS", "Simulator", "SimulationResults", "simulate"]

_CHUNK = 16_384  # paths per evaluation chunk: bounds the temporaries


def _paths_array(paths, scenario: Scenario, dates):
    """Cut the scenario's window out of a tidy path frame or an (n_paths, n_days) array."""
    start, end = pd.Timestamp(scenario.window.start), pd.Timestamp(scenario.window.end)
    if isinstance(paths, pd.DataFrame):
        missing = {"ds", "sample_id", "y"} - set(paths.columns)
        if missing:
            raise ValueError(f"paths frame lacks column(s) {sorted(missing)}; "
                             "expected unique_id, ds, sample_id, y")
        if "unique_id" in paths.columns:
            ids = paths["unique_id"].unique()
            if len(ids) > 1:
                if scenario.unique_id not in set(ids):
                    raise ValueError(f"scenario.unique_id {scenario.unique_id!r} not in the "
                                     f"paths; available: {sorted(map(str, ids))}")
                paths = paths[paths["unique_id"] == scenario.unique_id]
        wide = paths.pivot_table(index="sample_id", columns="ds", values="y", aggfunc="first")
        dates, values = pd.DatetimeIndex(wide.columns), wide.to_numpy(dtype=np.float64)
    else:
        if dates is None:
            raise ValueError("dates are required when paths is an array")
        values = np.asarray(paths, dtype=np.float64)
        dates = pd.DatetimeIndex(pd.to_datetime(dates))
        if values.ndim != 2 or values.shape[1] != len(dates):
            raise ValueError(f"paths must have shape (n_paths, {len(dates)}) to match dates, "
                             f"got {values.shape}")
    inside = (dates >= start) & (dates <= end)
    want = pd.date_range(start, end)
    if inside.sum() != len(want) or not dates[inside].equals(want):
        raise ValueError(f"paths must cover every day of the window {start.date()} .. "
                         f"{end.date()}; they cover {dates.min().date()} .. "
                         f"{dates.max().date()}: draw them over the window (horizon: days "
                         "from the history's end to the window's last day), or move the "
                         "scenario to the LNY they cover (Scenario.for_lny)")
    values = values[:, inside]
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("paths must be finite and >= 0 on every day of the window "
                         "(a sample path is missing a day or has a negative value)")
    return np.ascontiguousarray(values * scenario.demand_uplift), want


@dataclass(frozen=True)
class _Plan:
    """Deterministic per-day inputs of one scenario on one window.

    The queue's days are the ``n_open`` backlog dates, then the ``n_days`` window days;
    every other array covers the window days.
    """

    dates: pd.DatetimeIndex
    open_dates: pd.DatetimeIndex  # (n_open,) backlog arrival dates, oldest first
    open_parcels: np.ndarray  # (n_open,) backlog parcels per date
    dues: np.ndarray  # (n_tiers, n_open + n_days) due queue-day per compensation threshold
    weights: np.ndarray  # (n_tiers,) HK$ per parcel added at each threshold
    scored: np.ndarray  # (n_open + n_days,) bool: due on or before the window's end
    baseline: np.ndarray
    programme: np.ndarray  # (n_days,) bool: programme day
    operating: np.ndarray
    lny: np.ndarray  # (n_days,) bool: LNY attendance window
    wage: np.ndarray  # HK$ per attending worker-day


def _plan(dates: pd.DatetimeIndex, s: Scenario) -> _Plan:
    cal = WorkCalendar(s.promise.calendar, s.promise.workweek)
    comp = s.compensation
    thresholds = sorted({1, *(k for k, _ in comp.tiers)})
    owed = np.array([comp.per_parcel(k) for k in thresholds])
    weights = np.diff(owed, prepend=0.0) * comp.claim_rate
    open_dates = pd.DatetimeIndex([d for d, _ in s.backlog.parcels], dtype="datetime64[ns]")
    arrived = open_dates.append(dates)
    dues = np.stack([
        len(open_dates) + (promise_deadlines(arrived, s.promise.working_days + k - 1, cal)
                           - dates[0]).days.to_numpy()
        for k in thresholds
    ]).astype(np.int64)
    # A backlog cohort already past its deadline is due in its own column: nothing is
    # processed before the window, so it is late whichever backlog column it is due in.
    dues = np.maximum(dues, np.arange(len(arrived)))
    offset = days_to_lny(dates)
    days = dates.date
    baseline = np.full(len(dates), s.staffing.baseline)
    for day, workers in s.staffing.overrides:
        baseline[days == day] = workers
    operating = np.ones(len(dates), bool)
    if s.operations.mode == "shutdown":
        operating &= ~((offset >= s.operations.closure_start)
                       & (offset <= s.operations.closure_end))
    # Staff work in Hong Kong: the wage premium follows Hong Kong public holidays whatever
    # calendar the delivery promise counts working days in.
    public = np.isin(days, list(holiday_calendar("HK", dates[0], dates[-1])["holidays"]))
    return _Plan(
        dates=dates, open_dates=open_dates,
        open_parcels=np.array([v for _, v in s.backlog.parcels], dtype=np.float64),
        dues=dues, weights=weights, scored=dues[0] < len(arrived),
        baseline=baseline,
        programme=(days >= s.programme.start) & (days <= s.programme.end),
        operating=operating,
        lny=(offset >= s.attendance.lny_start) & (offset <= s.attendance.lny_end),
        wage=s.labour.daily_wage * np.where(public, s.labour.holiday_premium, 1.0),
    )


def _beta(rng, mean, concentration, shape):
    mean = np.broadcast_to(mean, shape)
    if not np.isfinite(concentration):
        return np.array(mean, dtype=np.float64)
    inner = np.clip(mean, 1e-9, 1 - 1e-9)
    draws = rng.beta(inner * concentration, (1 - inner) * concentration, size=shape)
    return np.where((mean == 0) | (mean == 1), mean, draws)


@dataclass(frozen=True)
class _Draws:
    productivity: np.ndarray  # (n_paths,)
    att_base: np.ndarray  # (n_paths, n_days)
    att_prog: np.ndarray


def _draw(n_paths: int, plan: _Plan, s: Scenario, rng: np.random.Generator) -> _Draws:
    r_prod, r_base, r_prog = rng.spawn(3)
    cv = s.productivity.cv
    sigma = np.sqrt(np.log1p(cv**2))
    prod = s.productivity.mean * np.exp(sigma * r_prod.standard_normal(n_paths) - sigma**2 / 2)
    shape = (n_paths, len(plan.dates))
    att = s.attendance
    base_mean = np.where(plan.lny, att.lny, att.normal)
    return _Draws(prod, _beta(r_base, base_mean, att.concentration, shape),
                  _beta(r_prog, att.programme, att.concentration, shape))


def _capacity(plan: _Plan, draws: _Draws, workers, rows=slice(None)) -> np.ndarray:
    """Parcels handled per path and day: productivity x attending worker-days."""
    return _worked(plan, draws, workers, rows) * draws.productivity[rows, None]


def _worked(plan: _Plan, draws: _Draws, workers, rows=slice(None)) -> np.ndarray:
    """Attending worker-days per path and day (baseline roster + programme)."""
    prog = np.where(plan.programme, workers, 0.0) * plan.operating
    return draws.att_base[rows] * (plan.baseline * plan.operating) + draws.att_prog[rows] * prog


def _evaluate(arrivals, plan: _Plan, draws: _Draws, s: Scenario, workers):
    """Per-path metrics and backlog for ``workers`` programme workers (scalar or per day)."""
    prog = np.where(plan.programme, workers, 0.0) * plan.operating
    n_paths, n_days = arrivals.shape
    n_open = len(plan.open_parcels)
    out = {m: np.empty(n_paths) for m in METRICS}
    back = np.empty((n_paths, n_days))
    programme_cost = float(prog.sum() * s.programme.bonus_per_worker_day)
    in_prog = plan.scored & np.concatenate([np.zeros(n_open, bool), plan.programme])
    for lo in range(0, n_paths, _CHUNK):
        rows = slice(lo, min(lo + _CHUNK, n_paths))
        worked = _worked(plan, draws, workers, rows)
        capacity = worked * draws.productivity[rows, None]
        queued = _after(plan.open_parcels, arrivals[rows])  # backlog columns first
        queue, late = queue_outcomes(queued, _after(np.zeros(n_open), capacity), plan.dues)
        back[rows] = queue[:, n_open:]
        scored = queued @ plan.scored.astype(np.float64)
        late_total = late[0].sum(axis=1)
        out["demand"][rows] = queued.sum(axis=1)
        out["arrivals"][rows] = scored
        out["late"][rows] = late_total
        out["on_time_rate"][rows] = on_time_rate(late_total, scored)
        out["on_time_rate_programme"][rows] = on_time_rate(late[0] @ in_prog, queued @ in_prog)
        out["peak_backlog"][rows] = back[rows].max(axis=1, initial=0.0)
        out["backlog_days"][rows] = back[rows].sum(axis=1)
        out["end_backlog"][rows] = back[rows][:, -1]
        out["compensation"][rows] = np.tensordot(plan.weights, late.sum(axis=2), axes=1)
        out["labour_cost"][rows] = worked @ plan.wage + programme_cost
    out["programme_cost"][:] = programme_cost
    out["total_cost"] = out["labour_cost"] + out["compensation"]
    out["spend"] = out["programme_cost"] + out["compensation"]
    return out, back


def _after(head, days):
    """``days`` (n_paths, n_days) with the columns ``head`` (same on every path) before."""
    if not len(head):
        return days
    return np.concatenate([np.broadcast_to(head, (len(days), len(head))), days], axis=1)


class Simulator:
    """Arrivals, scenario and supply draws held fixed, so that headcounts share random numbers.

    Every candidate headcount is evaluated on the same demand paths and the same
    productivity and attendance draws (common random numbers): comparisons between
    headcounts carry no simulation noise, and late volume falls monotonically as the
    headcount rises.

    Parameters
    ----------
    paths, scenario, dates
        As in :func:`simulate`.
    rng : numpy.random.Generator
        Draws productivity and attendance (independent streams via ``spawn``).
    """

    def __init__(self, paths, scenario: Scenario, *, rng: np.random.Generator, dates=None):
        if not isinstance(scenario, Scenario):
            raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
        self.scenario = scenario
        self.arrivals, window = _paths_array(paths, scenario, dates)
        self.plan = _plan(window, scenario)
        self.draws = _draw(len(self.arrivals), self.plan, scenario, rng)

    def resample(self, rows) -> Simulator:
        """A simulator on the paths ``rows`` (e.g. a bootstrap resample), each keeping its
        own supply draws."""
        rows = np.asarray(rows)
        new = object.__new__(Simulator)
        new.scenario, new.plan, new.arrivals = self.scenario, self.plan, self.arrivals[rows]
        d = self.draws
        new.draws = _Draws(d.productivity[rows], d.att_base[rows], d.att_prog[rows])
        return new

    def late_by_day(self, workers=None) -> np.ndarray:
        """Parcels arriving each window day that are delivered after their promise (first
        tier), per path, shape (n_paths, n_days); the open backlog is queued first, and
        its own late parcels are in no window day's column (see :meth:`late_backlog`).

        ``workers`` as in :meth:`metrics`.
        """
        return self.late_split(workers)[1]

    def late_backlog(self, workers=None) -> np.ndarray:
        """The open backlog's parcels delivered after their promise, per path and backlog
        date, shape (n_paths, n_open); no columns without a ``[backlog]``. With
        :meth:`late_by_day` they add up to the late parcels of :meth:`metrics`.
        """
        return self.late_split(workers)[0]

    def late_split(self, workers=None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`late_backlog` and :meth:`late_by_day` from one pass of the queue."""
        workers = self.scenario.programme.workers if workers is None else workers
        n_open = len(self.plan.open_parcels)
        late = late_volume(_after(self.plan.open_parcels, self.arrivals),
                           _after(np.zeros(n_open), self.capacity(workers)), self.plan.dues[0])
        return late[:, :n_open], late[:, n_open:]

    def capacity(self, workers=None) -> np.ndarray:
        """Parcels the staff can handle per path and day, shape (n_paths, n_days)."""
        workers = self.scenario.programme.workers if workers is None else workers
        return _capacity(self.plan, self.draws, workers)

    def metrics(self, workers=None) -> dict[str, np.ndarray]:
        """Per-path metrics (:data:`METRICS`, each shape (n_paths,)) for ``workers``.

        ``workers`` is the programme headcount (default: the scenario's), a scalar or
        one value per window day.
        """
        return self._run(workers)[0]

    def results(self, workers=None) -> SimulationResults:
        """:class:`SimulationResults` for ``workers`` programme workers."""
        metrics, back = self._run(workers)
        per_path = pd.DataFrame(metrics, columns=list(METRICS))
        per_path.index.name = "sample_id"
        workers = self.scenario.programme.workers if workers is None else workers
        return SimulationResults(self.scenario, workers, per_path, back, self.plan.dates)

    def _run(self, workers):
        workers = self.scenario.programme.workers if workers is None else workers
        return _evaluate(self.arrivals, self.plan, self.draws, self.scenario, workers)


def simulate(paths, scenario: Scenario | None = None, *, rng: np.random.Generator,
             dates=None) -> SimulationResults:
    """Simulate late parcels and costs of a staffing scenario on demand sample paths.

    Parameters
    ----------
    paths : pandas.DataFrame or array_like
        Tidy sample paths ``unique_id, ds, sample_id, y`` (one series, or the
        ``scenario.unique_id`` is picked), or an (n_paths, n_days) array with ``dates``.
        They must cover every day of ``scenario.window``.
    scenario : Scenario, optional
        Defaults to ``Scenario()`` (the documented demo scenario). Its ``backlog`` is the
        queue at ``window.start`` (see the module docstring).
    rng : numpy.random.Generator
        Draws productivity and attendance (independent streams via ``spawn``).
    dates : array_like of dates, optional
        Required when ``paths`` is an array.

    Returns
    -------
    SimulationResults

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> res = simulate(np.full((20, 28), 150_000.0), s, rng=np.random.default_rng(1),
    ...                dates=dates)
    >>> res.per_path.shape, bool((res.per_path["total_cost"] > 0).all())
    ((20, 13), True)
    """
    scenario = Scenario() if scenario is None else scenario
    return Simulator(paths, scenario, rng=rng, dates=dates).results()
