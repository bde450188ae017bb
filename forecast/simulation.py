"""Capacity Monte Carlo: late parcels, compensation and labour cost per demand path.

:func:`simulate` takes demand sample paths (one series) and a :class:`~forecast.scenario.
Scenario`, draws the uncertain supply side (productivity per path, attendance per path and
day), runs the fluid FIFO queue of :mod:`forecast.capacity` and prices the outcome. It
returns a :class:`SimulationResults` with one row per path and summaries.

Capacity on day ``d`` of path ``p`` (zero on shutdown days)::

    productivity[p] * (baseline[d] * attendance_baseline[p, d]
                       + programme[d] * attendance_programme[p, d])

Metrics per path (:data:`METRICS`): ``arrivals`` and ``late`` count parcels due inside
the window; ``on_time_rate`` is over all of them, ``on_time_rate_programme`` over those
arriving on programme days (what the holiday programme can be judged on). A rate is NaN on
a path where no parcel of its scope falls due inside the window (nothing to judge).

Costs (HK$): ``labour_cost`` = attending worker-days x daily wage (x holiday premium on
Hong Kong general holidays, whatever ``promise.calendar`` is: the staff work in Hong Kong)
+ programme bonus; ``compensation`` from the tiered per-parcel schedule;
``total_cost`` = labour + compensation. The budget is compared with programme bonus +
compensation (the money the holiday programme decision is about).

Horizon end: parcels whose deadline falls after ``window.end`` are not scored (neither
late nor compensated); parcels still queued at the end whose deadline lies inside are
late, and are compensated at the tiers already passed (a lower bound). End the window
well after the post-LNY restart so the backlog clears inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.calendar import WorkCalendar, days_to_lny, holiday_calendar, promise_deadlines
from forecast.capacity import queue_outcomes
from forecast.scenario import Scenario

__all__ = ["METRICS", "SimulationResults", "simulate"]

#: Per-path metrics, in column order of :attr:`SimulationResults.per_path`.
METRICS = (
    "arrivals", "late", "on_time_rate", "on_time_rate_programme", "peak_backlog", "backlog_days",
    "compensation", "labour_cost", "programme_cost", "total_cost",
)
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
                         f"{end.date()}; they cover {dates.min()} .. {dates.max()}")
    values = values[:, inside]
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("paths must be finite and >= 0 on every day of the window "
                         "(a sample path is missing a day or has a negative value)")
    return np.ascontiguousarray(values * scenario.demand_uplift), want


@dataclass(frozen=True)
class _Plan:
    """Deterministic per-day inputs of one scenario on one window."""

    dates: pd.DatetimeIndex
    dues: np.ndarray  # (n_tiers, n_days) due index per compensation threshold
    weights: np.ndarray  # (n_tiers,) HK$ per parcel added at each threshold
    scored: np.ndarray  # (n_days,) bool: due inside the window
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
    dues = np.stack([
        (promise_deadlines(dates, s.promise.working_days + k - 1, cal) - dates[0]).days
        for k in thresholds
    ]).astype(np.int64)
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
        dates=dates, dues=dues, weights=weights, scored=dues[0] < len(dates),
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


def _evaluate(arrivals, plan: _Plan, draws: _Draws, s: Scenario, workers):
    """Per-path metrics and backlog for ``workers`` programme workers (scalar or per day)."""
    prog = np.where(plan.programme, workers, 0.0) * plan.operating
    base = plan.baseline * plan.operating
    n_paths, n_days = arrivals.shape
    out = {m: np.empty(n_paths) for m in METRICS}
    back = np.empty((n_paths, n_days))
    programme_cost = float(prog.sum() * s.programme.bonus_per_worker_day)
    for lo in range(0, n_paths, _CHUNK):
        rows = slice(lo, min(lo + _CHUNK, n_paths))
        worked = draws.att_base[rows] * base + draws.att_prog[rows] * prog
        capacity = worked * draws.productivity[rows, None]
        back[rows], late = queue_outcomes(arrivals[rows], capacity, plan.dues)
        scored = arrivals[rows] @ plan.scored.astype(np.float64)
        late_total = late[0].sum(axis=1)
        out["arrivals"][rows] = scored
        out["late"][rows] = late_total
        out["on_time_rate"][rows] = _rate(late_total, scored)
        in_prog = plan.scored & plan.programme
        out["on_time_rate_programme"][rows] = _rate(late[0] @ in_prog, arrivals[rows] @ in_prog)
        out["peak_backlog"][rows] = back[rows].max(axis=1, initial=0.0)
        out["backlog_days"][rows] = back[rows].sum(axis=1)
        out["compensation"][rows] = np.tensordot(plan.weights, late.sum(axis=2), axes=1)
        out["labour_cost"][rows] = worked @ plan.wage + programme_cost
    out["programme_cost"][:] = programme_cost
    out["total_cost"] = out["labour_cost"] + out["compensation"]
    return out, back


def _rate(late, scored):
    """On-time share; NaN where nothing was due (nothing to judge)."""
    return np.where(scored > 0, 1 - late / np.where(scored > 0, scored, 1.0), np.nan)


class _Simulator:
    """Arrivals, plan and random draws held fixed, so headcounts share random numbers."""

    def __init__(self, paths, scenario: Scenario, *, rng, dates=None):
        self.scenario = scenario
        self.arrivals, window = _paths_array(paths, scenario, dates)
        self.plan = _plan(window, scenario)
        self.draws = _draw(len(self.arrivals), self.plan, scenario, rng)

    def run(self, workers=None):
        workers = self.scenario.programme.workers if workers is None else workers
        return _evaluate(self.arrivals, self.plan, self.draws, self.scenario, workers)


@dataclass(frozen=True)
class SimulationResults:
    """Outcome of :func:`simulate`: one row per path, the backlog paths and summaries.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    per_path : pandas.DataFrame
        Index ``sample_id``; columns :data:`METRICS`.
    backlog : numpy.ndarray, shape (n_paths, n_days)
        End-of-day backlog, parcels.
    dates : pandas.DatetimeIndex
    """

    scenario: Scenario
    seed: int
    per_path: pd.DataFrame
    backlog: np.ndarray = field(repr=False)
    dates: pd.DatetimeIndex = field(repr=False)

    @property
    def prob_over_budget(self) -> float:
        """P(programme bonus + compensation > scenario.budget)."""
        spend = self.per_path["programme_cost"] + self.per_path["compensation"]
        return float((spend > self.scenario.budget).mean())

    @property
    def provenance(self) -> dict:
        """Package version, scenario hash, seed and path count, for published artefacts."""
        from forecast import __version__

        return {"version": __version__, "config_hash": self.scenario.config_hash(),
                "seed": self.seed, "n_paths": len(self.per_path)}

    def summary_frame(self) -> pd.DataFrame:
        """Mean, P50, P90, P99 and CVaR90 of every metric (one row per metric).

        CVaR90 is the mean of the worst 10% of paths: the highest for costs, late parcels
        and backlog, the lowest for the on-time rates. An on-time rate's statistics are
        NaN if any path has nothing to judge (see :data:`METRICS`).
        """
        rows = {}
        for metric in METRICS:
            x = np.sort(self.per_path[metric].to_numpy())
            tail = max(1, int(np.ceil(0.1 * len(x))))
            worst = x[:tail] if metric.startswith("on_time_rate") else x[-tail:]
            rows[metric] = {
                "mean": x.mean(), "p50": np.quantile(x, 0.5), "p90": np.quantile(x, 0.9),
                "p99": np.quantile(x, 0.99), "cvar90": worst.mean(),
            }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "metric"
        return frame

    def backlog_fan(self, level=(50, 80, 95)) -> pd.DataFrame:
        """By-day backlog: mean and central intervals, statsforecast column names.

        Returns a tidy frame ``unique_id, ds, backlog, backlog-lo-<level>,
        backlog-hi-<level>``.
        """
        levels = [level] if np.isscalar(level) else list(level)
        if not all(0 < lv < 100 for lv in levels):
            raise ValueError(f"level must lie strictly between 0 and 100, got {levels}")
        cols = {"unique_id": self.scenario.unique_id, "ds": self.dates,
                "backlog": self.backlog.mean(axis=0)}
        for lv in sorted(levels):
            lo, hi = np.quantile(self.backlog, [0.5 - lv / 200, 0.5 + lv / 200], axis=0)
            cols[f"backlog-lo-{lv}"], cols[f"backlog-hi-{lv}"] = lo, hi
        return pd.DataFrame(cols)


def simulate(paths, scenario: Scenario | None = None, *, seed: int = 0, dates=None):
    """Simulate late parcels and costs of a staffing scenario on demand sample paths.

    Parameters
    ----------
    paths : pandas.DataFrame or array_like
        Tidy sample paths ``unique_id, ds, sample_id, y`` (one series, or the
        ``scenario.unique_id`` is picked), or an (n_paths, n_days) array with ``dates``.
        They must cover every day of ``scenario.window``.
    scenario : Scenario, optional
        Defaults to ``Scenario()`` (the documented demo scenario).
    seed : int, default 0
        Seeds productivity and attendance draws (independent streams via ``spawn``).
    dates : array_like of dates, optional
        Required when ``paths`` is an array.

    Returns
    -------
    SimulationResults

    Examples
    --------
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28"})
    >>> dates = pd.date_range("2026-02-01", "2026-02-28")
    >>> res = simulate(np.full((20, 28), 150_000.0), s, seed=1, dates=dates)
    >>> res.per_path.shape, bool((res.per_path["total_cost"] > 0).all())
    ((20, 10), True)
    """
    scenario = Scenario() if scenario is None else scenario
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a Scenario, got {type(scenario).__name__}")
    sim = _Simulator(paths, scenario, rng=np.random.default_rng(seed), dates=dates)
    metrics, back = sim.run()
    per_path = pd.DataFrame(metrics, columns=list(METRICS))
    per_path.index.name = "sample_id"
    return SimulationResults(scenario, seed, per_path, back, sim.plan.dates)
