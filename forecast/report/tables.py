"""Summary tables for the notebooks and the briefing (tidy in, tidy out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, LnyPhase, days_to_lny
from forecast.report.typography import format_count, format_money, format_percent

__all__ = [
    "backtest_scores",
    "lny_relative",
    "lny_effects_by_year",
    "phase_forecast",
    "simulation_summary",
    "scenario_table",
    "decision_summary",
    "recommendation",
    "assumptions",
    "tradeoff_table",
]


def lny_relative(df: pd.DataFrame, unique_id: str) -> pd.DataFrame:
    """Each day of one series relative to its LNY: ``lny_year, offset, y, ratio``.

    ``ratio`` is ``y`` over that LNY year's baseline, the mean of days LNY-49 .. LNY-22
    (four ordinary weeks before the gift surge); years whose baseline is not fully in the
    history are left out.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> r = lny_relative(generate_demo(), "total")
    >>> int(r["lny_year"].min()), r.loc[r["offset"] == 0, "ratio"].between(0.2, 0.4).all()
    (2017, np.True_)
    """
    s = df[df["unique_id"] == unique_id].set_index("ds")["y"]
    if s.empty:
        raise ValueError(f"unique_id {unique_id!r} is not in the data")
    off = days_to_lny(s.index)
    frame = pd.DataFrame({"lny_year": (s.index - pd.to_timedelta(off, unit="D")).year,
                          "offset": off, "y": s.to_numpy()})
    in_base = frame["offset"].between(-49, -22)
    base = frame[in_base].groupby("lny_year")["y"].agg(["mean", "size"])
    base = base.loc[base["size"] == 28, "mean"]
    frame = frame[frame["lny_year"].isin(base.index)].reset_index(drop=True)
    return frame.assign(ratio=frame["y"] / frame["lny_year"].map(base))


def lny_effects_by_year(df: pd.DataFrame, unique_id: str, *,
                        phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES) -> pd.DataFrame:
    """Observed LNY phase multipliers per year: phase mean / pre-LNY baseline mean.

    The baseline is that of :func:`lny_relative`. Years whose phases are not fully in the
    history are left out. Rows: ``lny_year``, then one column per phase.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> t = lny_effects_by_year(generate_demo(), "total")
    >>> round(float(t["closure"].median()), 1)
    0.3
    """
    rel = lny_relative(df, unique_id)
    last = max(p.end for p in phases)
    rows = []
    for year, g in rel.groupby("lny_year"):
        if g["offset"].max() < last:
            continue
        row = {"lny_year": int(year)}
        for p in phases:
            row[p.name] = float(g.loc[g["offset"].between(p.start, p.end), "ratio"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def phase_forecast(paths: pd.DataFrame, *, phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES,
                   level: int = 80) -> pd.DataFrame:
    """Forecast mean daily volume in each LNY phase: median and central interval over paths.

    Each path's phase mean is computed first, so the interval reflects the joint paths
    (a run of high days moves the whole phase), not single days.

    Examples
    --------
    >>> ds = pd.date_range("2026-01-20", "2026-03-01")
    >>> paths = pd.DataFrame({"unique_id": "t", "ds": np.tile(ds, 2),
    ...                       "sample_id": np.repeat([0, 1], len(ds)), "y": 1.0})
    >>> phase_forecast(paths)["median"].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    off = days_to_lny(paths["ds"])
    rows = []
    for p in phases:
        inside = paths[(off >= p.start) & (off <= p.end)]
        if inside.empty:
            continue
        per_path = inside.groupby("sample_id")["y"].mean().to_numpy()
        lo, med, hi = np.percentile(per_path, [50 - level / 2, 50, 50 + level / 2])
        rows.append({"phase": p.name, "first_day": inside["ds"].min().date(),
                     "days": p.length, "median": med, f"lo-{level}": lo, f"hi-{level}": hi})
    return pd.DataFrame(rows)


#: Columns of :func:`forecast.backtest.compare` (``seconds``, the machine's speed, left out).
BACKTEST_COLUMNS = ("model", "crps", "scaled_crps", "pinball_10", "pinball_50", "pinball_90",
                    "coverage_80", "coverage_95", "window_coverage_80", "wape", "n_folds")
_WALL_CLOCK = ("seconds",)


def backtest_scores(run) -> pd.DataFrame:
    """The backtest scores of a :class:`~forecast.plan.PlanRun`, one row per model.

    Wall-clock columns are left out (the same inputs give the same table on any machine);
    a skipped backtest (``backtest_lny=0``) gives the same columns and no rows.
    """
    table = run.backtest_table()
    if table.empty:
        return pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    return table.drop(columns=[c for c in _WALL_CLOCK if c in table.columns])


_MONEY = ("compensation", "labour_cost", "programme_cost", "total_cost")
_COUNTS = ("arrivals", "late", "peak_backlog", "backlog_days")


def _fmt(metric: str, value: float) -> str:
    if metric in _MONEY:
        return format_money(value)
    if metric in _COUNTS:
        return format_count(value)
    return f"{value:.1%}"


def simulation_summary(results) -> pd.DataFrame:
    """:meth:`SimulationResults.summary_frame` formatted for people (HK$, counts, %)."""
    frame = results.summary_frame()
    return pd.DataFrame({col: [_fmt(m, v) for m, v in frame[col].items()] for col in frame},
                        index=frame.index)


def scenario_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario of :func:`forecast.planning.compare_scenarios`: key means."""
    metrics = ("on_time_rate", "late", "compensation", "labour_cost", "total_cost")
    wide = frame[frame["metric"].isin(metrics)].pivot(index="scenario", columns="metric",
                                                      values="mean")
    order = list(dict.fromkeys(frame["scenario"]))
    extra = frame.drop_duplicates("scenario").set_index("scenario")
    out = pd.DataFrame({"programme workers": extra.loc[order, "workers"].map(format_count)})
    for m in metrics:
        out[f"{m.replace('_', ' ')} (mean)"] = [_fmt(m, v) for v in wide.loc[order, m]]
    p90 = frame[frame["metric"] == "total_cost"].set_index("scenario").loc[order, "p90"]
    out["total cost (P90)"] = p90.map(format_money)
    out["P(over budget)"] = extra.loc[order, "prob_over_budget"].map(format_percent)
    return out


def decision_summary(run) -> pd.DataFrame:
    """The decision table of a :class:`~forecast.plan.PlanRun`, formatted."""
    t = run.decision_table()
    target = run.config.target
    return pd.DataFrame({
        "programme workers": t["programme_workers"].map(format_count),
        f"P(on-time >= {target:.0%}, programme days)": t["p_on_time_target"].map(format_percent),
        "on-time rate, whole window (mean)": t["on_time_rate_mean"].map(format_percent),
        "late parcels (mean)": t["late_mean"].map(format_count),
        "late parcels (P90)": t["late_p90"].map(format_count),
        "late parcels (worst 10%, average)": t["late_worst10"].map(format_count),
        "compensation (mean)": t["compensation_mean"].map(format_money),
        "compensation (P90)": t["compensation_p90"].map(format_money),
        "compensation (worst 10%, average)": t["compensation_worst10"].map(format_money),
        "labour cost (mean)": t["labour_cost_mean"].map(format_money),
        "P(programme + compensation > budget)": t["p_over_budget"].map(format_percent),
    }, index=t.index).T


def recommendation(run) -> str:
    """One sentence a manager can act on."""
    rec = run.decision_table().loc["recommended"]
    cfg, s = run.config, run.scenario
    return (
        f"Keep {run.recommended_workers:,} holiday-programme workers on duty from "
        f"{s.programme.start:%d %b} to {s.programme.end:%d %b %Y} (you planned "
        f"{s.programme.workers:,.0f}): then {rec['p_on_time_target']:.0%} of simulated "
        f"futures deliver at least {cfg.target:.0%} of the parcels arriving in those days "
        "within "
        f"{s.promise.working_days} working days, with {format_count(rec['late_mean'])} late "
        f"parcels and {format_money(rec['compensation_mean'])} compensation expected; "
        f"in the worst 10% of futures compensation averages "
        f"{format_money(rec['compensation_worst10'])}."
    )


def assumptions(scenario) -> pd.DataFrame:
    """The scenario's key assumptions as ``assumption, value`` rows."""
    s = scenario
    rows = [
        ("planning window", f"{s.window.start} .. {s.window.end}"),
        ("promise", f"{s.promise.working_days} working days ({s.promise.calendar}, "
                    f"{s.promise.workweek})"),
        ("operations over LNY", s.operations.mode),
        ("baseline roster", f"{s.staffing.baseline:,.0f} workers/day"),
        ("holiday programme", f"{s.programme.workers:,.0f} workers, {s.programme.start} .. "
                              f"{s.programme.end}, bonus HK${s.programme.bonus_per_worker_day:,.0f}"
                              "/worker-day"),
        ("productivity", f"{s.productivity.mean:,.0f} parcels/worker-day (cv "
                         f"{s.productivity.cv:.0%})"),
        ("attendance", f"normal {s.attendance.normal:.0%}, baseline roster over LNY "
                       f"{s.attendance.lny:.0%}, programme {s.attendance.programme:.0%}"),
        ("compensation", f"HK${s.compensation.flat:,.0f} per late parcel, tiers "
                         f"{[tuple(t) for t in s.compensation.tiers]}, cap "
                         f"HK${s.compensation.cap_per_parcel:,.0f}"),
        ("labour", f"HK${s.labour.daily_wage:,.0f}/worker-day, x{s.labour.holiday_premium:g} "
                   "on public holidays"),
        ("budget", format_money(s.budget)),
    ]
    return pd.DataFrame(rows, columns=["assumption", "value"]).set_index("assumption")


def tradeoff_table(curve: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast.planning.tradeoff_curve` formatted for people, one row per headcount."""
    return pd.DataFrame({
        "expected cost": curve["mean_total_cost"].map(format_money),
        "P90 cost": curve["p90_total_cost"].map(format_money),
        "late parcels (mean)": curve["mean_late"].map(format_count),
        "P(on-time target)": curve["prob_on_target"].map(format_percent),
        "saving of one more worker": curve["marginal_saving"].map(format_money),
        "cost of one more worker": curve["marginal_cost"].map(format_money),
    }, index=curve["workers"].astype(int).rename("programme workers"))
