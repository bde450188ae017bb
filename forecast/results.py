"""Results of the capacity Monte Carlo and every decision statistic read from them.

:class:`SimulationResults` holds one row of :data:`METRICS` per demand path (see
:mod:`forecast.simulation` for what each metric counts) and the backlog paths; its methods
state the decision statistics through :mod:`forecast.statistics` (one function per
statistic), so that every table, figure and sentence reads the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.scenario import Scenario
from forecast.statistics import TAIL, central_interval, prob_above, prob_at_least, tail_mean

__all__ = ["METRICS", "LOW_IS_WORSE", "SimulationResults", "rate_metric", "programme_mean"]

#: Per-path metrics, in column order of :attr:`SimulationResults.per_path`.
METRICS = (
    "demand", "arrivals", "late", "on_time_rate", "on_time_rate_programme", "peak_backlog",
    "backlog_days", "end_backlog", "compensation", "labour_cost", "programme_cost",
    "total_cost", "spend",
)
#: Metrics whose worst paths are the lowest values (all others: the highest).
LOW_IS_WORSE = ("on_time_rate", "on_time_rate_programme")

@dataclass(frozen=True)
class SimulationResults:
    """Outcome of :func:`simulate`: one row per path, the backlog paths, and every decision
    statistic (read from :mod:`forecast.statistics`, one function per statistic).

    Attributes
    ----------
    scenario : Scenario
    workers : float or numpy.ndarray
        Programme headcount simulated (scalar, or per window day).
    per_path : pandas.DataFrame
        Index ``sample_id``; columns :data:`METRICS`.
    backlog : numpy.ndarray, shape (n_paths, n_days)
        End-of-day backlog, parcels.
    dates : pandas.DatetimeIndex
    """

    scenario: Scenario
    workers: object
    per_path: pd.DataFrame
    backlog: np.ndarray = field(repr=False)
    dates: pd.DatetimeIndex = field(repr=False)

    @property
    def n_paths(self) -> int:
        return len(self.per_path)

    @property
    def prob_over_budget(self) -> float:
        """P(programme bonus + compensation > scenario.budget)."""
        return prob_above(self.per_path["spend"], self.scenario.budget)

    def prob_on_time(self, target: float, *, over: str = "programme") -> float:
        """P(on-time rate >= ``target``): share of paths meeting the service target.

        ``over="programme"`` judges parcels arriving on programme days, ``"window"`` every
        parcel due inside the window. NaN if a path has nothing to judge.
        """
        return prob_at_least(self.per_path[rate_metric(over)], target)

    def tail_mean(self, metric: str, *, tail: float = TAIL) -> float:
        """Mean of ``metric`` over the worst ``tail`` share of paths."""
        worst = "low" if metric in LOW_IS_WORSE else "high"
        return tail_mean(self.per_path[metric], tail=tail, worst=worst)

    def summary_frame(self, *, level=(80,), tail: float = TAIL) -> pd.DataFrame:
        """Mean, median, central intervals and worst-tail mean of every metric.

        Parameters
        ----------
        level : sequence of float
            Central interval levels in percent.
        tail : float
            Share of paths averaged in ``worst-<100 tail>`` (the lowest for the on-time
            rates, the highest otherwise).

        Returns
        -------
        pandas.DataFrame
            Index ``metric``; columns ``mean, median, lo-<level>, hi-<level>, ...,
            worst-<100 tail>``. An on-time rate's statistics are NaN if a path has nothing
            to judge (see :data:`METRICS`).
        """
        levels = [level] if np.isscalar(level) else list(level)
        rows = {}
        for metric in METRICS:
            x = self.per_path[metric].to_numpy()
            row = {"mean": x.mean(), "median": np.median(x)}
            for lv in sorted(levels):
                row[f"lo-{lv:g}"], row[f"hi-{lv:g}"] = central_interval(x, lv)
            row[f"worst-{100 * tail:g}"] = self.tail_mean(metric, tail=tail)
            rows[metric] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "metric"
        return frame

    def decision_summary(self, target: float, *, tail: float = TAIL) -> pd.Series:
        """The numbers a staffing decision is judged on (one row of the decision table).

        Returns
        -------
        pandas.Series
            ``programme_workers`` (mean per programme day), ``p_on_time`` (P(on-time rate
            of programme-day parcels >= target)), ``on_time_rate_mean``,
            ``on_time_rate_programme_mean``, ``late_mean``, ``late_worst``,
            ``compensation_mean``, ``compensation_worst``, ``spend_mean``,
            ``spend_worst``, ``labour_cost_mean``, ``programme_cost``,
            ``end_backlog_mean``, ``p_over_budget``; "worst" is the mean of the worst
            ``tail`` share of paths.
        """
        pp = self.per_path
        return pd.Series({
            "programme_workers": programme_mean(self.workers, self.scenario, self.dates),
            "p_on_time": self.prob_on_time(target),
            "on_time_rate_mean": float(pp["on_time_rate"].mean()),
            "on_time_rate_programme_mean": float(pp["on_time_rate_programme"].mean()),
            "late_mean": float(pp["late"].mean()),
            "late_worst": self.tail_mean("late", tail=tail),
            "compensation_mean": float(pp["compensation"].mean()),
            "compensation_worst": self.tail_mean("compensation", tail=tail),
            "spend_mean": float(pp["spend"].mean()),
            "spend_worst": self.tail_mean("spend", tail=tail),
            "labour_cost_mean": float(pp["labour_cost"].mean()),
            "programme_cost": float(pp["programme_cost"].mean()),
            "end_backlog_mean": float(pp["end_backlog"].mean()),
            "p_over_budget": self.prob_over_budget,
        })

    def backlog_fan(self, level=(50, 80, 95)) -> pd.DataFrame:
        """By-day backlog: mean and central intervals, statsforecast column names.

        Returns a tidy frame ``unique_id, ds, backlog, backlog-lo-<level>,
        backlog-hi-<level>``.
        """
        levels = [level] if np.isscalar(level) else list(level)
        cols = {"unique_id": self.scenario.unique_id, "ds": self.dates,
                "backlog": self.backlog.mean(axis=0)}
        for lv in sorted(levels):
            cols[f"backlog-lo-{lv}"], cols[f"backlog-hi-{lv}"] = central_interval(
                self.backlog, lv)
        return pd.DataFrame(cols)


def rate_metric(over: str) -> str:
    """The on-time rate judged: ``"programme"`` days' parcels or the whole ``"window"``."""
    if over not in ("programme", "window"):
        raise ValueError(f"over must be 'programme' or 'window', got {over!r}")
    return "on_time_rate_programme" if over == "programme" else "on_time_rate"


def programme_mean(workers, scenario: Scenario, dates: pd.DatetimeIndex) -> float:
    """Mean programme headcount over the programme days (a roster's average)."""
    w = np.asarray(workers, dtype=float)
    if w.ndim == 0:
        return float(w)
    days = dates.date
    on = (days >= scenario.programme.start) & (days <= scenario.programme.end)
    return float(w[on].mean()) if on.any() else 0.0
