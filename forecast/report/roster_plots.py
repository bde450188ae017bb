"""The per-day roster for people: its chart and its tables.

Inputs are :class:`forecast.roster.Roster` results; every number drawn or printed is read
from its frames (``daily``, ``days``, ``summary``), so the chart, the tables and the
sentence of a report agree. Headcounts print exactly, volumes to three significant figures
(:mod:`forecast.report.typography`).
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd

from forecast.calendar import lny_dates
from forecast.report.plots import PHASE_COLOURS, figure_axes, shade_lny_phases, thousands_axis
from forecast.report.typography import (
    format_count,
    format_money,
    format_percent,
    format_workers,
)

__all__ = ["plot_roster", "roster_rows", "roster_table", "roster_summary_table"]

_BLUE, _GREEN, _RED, _GREY = "#1d3557", "#2a9d8f", "#c1121f", "#6c757d"
#: Row label of the window days outside the programme, and of the totals.
OUTSIDE_PROGRAMME, TOTAL = "outside the programme", "window total"
BACKLOG, TOTAL_WITH_BACKLOG = "open backlog", "total with the backlog"


def plot_roster(roster, *, level: float = 80, ax=None):
    """Daily capacity of the roster against the demand fan, late parcels as bars.

    Over the planning window: the median and ``level``% interval of daily arrivals
    (demand), the roster's capacity (baseline roster x attendance + programme x
    attendance, times productivity: mean and ``level``% interval over paths), the flat
    programme's mean capacity (dashed), and on a second axis the mean parcels arriving
    each day that are delivered late (bars). LNY phases are shaded.

    Parameters
    ----------
    roster : forecast.roster.Roster
    level : float, default 80
        The interval drawn; :attr:`Roster.daily` must hold its columns.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes: the volumes (parcels/day), then the late parcels' twin axis.

    Examples
    --------
    >>> import numpy as np
    >>> from forecast.roster import optimise_roster
    >>> from forecast.scenario import Scenario
    >>> from forecast.simulation import Simulator
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    >>> dates = pd.date_range("2026-02-01", "2026-03-10")
    >>> paths = 160_000 * np.random.default_rng(0).lognormal(0, 0.2, (20, len(dates)))
    >>> sim = Simulator(paths, s, rng=np.random.default_rng(0), dates=dates)
    >>> roster = optimise_roster(sim, alpha=0.8, budget_risk=1.0, flat_workers=300)
    >>> ax, bars = plot_roster(roster).axes
    >>> [line.get_label() for line in ax.get_lines()][:3]  # then the LNY day's line
    ['demand (median)', 'roster capacity (mean)', 'flat 300 capacity (mean)']
    >>> len(bars.patches) == len(roster.daily)
    True
    """
    d = roster.daily
    for col in (f"demand-lo-{level:g}", f"capacity-lo-{level:g}"):
        if col not in d.columns:
            raise ValueError(f"level {level!r} is not in the roster's daily frame (columns "
                             f"{col.split('-lo-')[0]}-lo-<level>); optimise with level={level}")
    fig, ax = figure_axes(ax, (8, 5.0))
    ds = d["ds"]
    ax2 = ax.twinx()
    ax2.bar(ds, d["late"], width=0.8, color=_RED, alpha=0.45,
            label="late parcels by arrival day (mean, right axis)")
    ax.fill_between(ds, d[f"demand-lo-{level:g}"], d[f"demand-hi-{level:g}"], color=_BLUE,
                    alpha=0.15, lw=0, label=f"demand, {level:g}% interval")
    ax.plot(ds, d["demand"], color=_BLUE, lw=1.5, label="demand (median)")
    ax.fill_between(ds, d[f"capacity-lo-{level:g}"], d[f"capacity-hi-{level:g}"],
                    color=_GREEN, alpha=0.25, lw=0, label=f"roster capacity, {level:g}% interval")
    ax.plot(ds, d["capacity"], color=_GREEN, lw=1.8, label="roster capacity (mean)")
    ax.plot(ds, d["capacity_flat"], color=_GREY, lw=1, ls="--",
            label=f"flat {format_workers(roster.flat_workers)} capacity (mean)")
    first = True
    for lny in lny_dates(ds.min(), ds.max()):
        if ds.min() <= lny <= ds.max():
            shade_lny_phases(ax, lny=lny, legend=first)
            ax.axvline(lny, color=PHASE_COLOURS["closure"], lw=0.8)
            first = False
    top = max(d[f"demand-hi-{level:g}"].max(), d[f"capacity-hi-{level:g}"].max(),
              d["capacity_flat"].max(), 1.0)
    ax.set(ylim=(0, 1.08 * top), ylabel="parcels/day",
           xlim=(ds.min() - pd.Timedelta(days=1), ds.max() + pd.Timedelta(days=1)),
           title=f"Roster by {roster.by}: daily capacity against demand\nplanning window "
                 f"{ds.min():%d %b} to {ds.max():%d %b}, parcels/day (shaded: LNY phases)")
    ax2.set(ylim=(0, 1.15 * max(float(d["late"].max()), 1.0)),
            ylabel="late parcels by arrival day (mean)")
    ax.set_zorder(ax2.get_zorder() + 1)  # lines over the bars
    ax.patch.set_visible(False)
    thousands_axis(ax)
    thousands_axis(ax2)
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = ax2.get_legend_handles_labels()
    ax.legend(lines + bars, labels + bar_labels, frameon=False, fontsize=8, ncols=3,
              loc="upper center", bbox_to_anchor=(0.5, -0.08))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    return fig


def _span(days: pd.Series) -> str:
    """``10 Feb``, ``10 Feb - 15 Feb``, or the runs of consecutive days, comma-separated."""
    days = pd.Series(sorted(days))
    runs = days.groupby((days.diff() != pd.Timedelta(days=1)).cumsum())
    return ", ".join(f"{r.iloc[0]:%d %b}" if len(r) == 1 else f"{r.iloc[0]:%d %b} - "
                     f"{r.iloc[-1]:%d %b}" for _, r in runs)


def _headcount(workers: pd.Series) -> str:
    lo, hi = int(workers.min()), int(workers.max())
    return format_workers(lo) if lo == hi else f"{format_workers(lo)} - {format_workers(hi)}"


def _row(d: pd.DataFrame, flat: pd.Series) -> dict:
    return {
        "dates": _span(d["ds"]), "days": f"{len(d)}",
        "workers/day": _headcount(d["workers"]), "flat workers/day": _headcount(flat),
        "worker-days": format_workers(d["workers"].sum()),
        **_volumes(d["arrivals"], d["late"], d["late_flat"]),
    }


def _volumes(arrivals: pd.Series, late: pd.Series, late_flat: pd.Series) -> dict:
    return {"arrivals (mean)": format_count(arrivals.sum()),
            "late parcels, roster (mean)": format_count(late.sum()),
            "late parcels, flat (mean)": format_count(late_flat.sum())}


def _day_row(d: pd.DataFrame, phase: str) -> dict:
    row = _row(d, d["flat_workers"])
    return {"phase": phase, **{k: v for k, v in row.items() if k not in ("dates", "days")}}


def roster_table(roster, *, by: str = "phase") -> pd.DataFrame:
    """The roster for people: one row per run of programme days in a phase, or per day.

    Then one row for the window days outside the programme and one for the window's total,
    so that late parcels and arrivals add up to the window's; with an open ``[backlog]``
    (queued before the window) one row for its parcels and one for the total with it, which
    is the summary's late parcels. Headcounts exact (a range
    ``lo - hi`` when they differ within a row), volumes to three significant figures;
    late parcels are counted by arrival day, means over paths.

    Parameters
    ----------
    roster : forecast.roster.Roster
    by : {"phase", "day"}, default "phase"

    Returns
    -------
    pandas.DataFrame
        Index: the phase (``by="phase"``) or the day; columns ``dates, days, workers/day,
        flat workers/day, worker-days, arrivals (mean), late parcels, roster (mean), late
        parcels, flat (mean)`` (with ``by="day"``, ``phase`` instead of ``dates, days``).

    Examples
    --------
    >>> import numpy as np
    >>> from forecast.roster import optimise_roster
    >>> from forecast.scenario import Scenario
    >>> from forecast.simulation import Simulator
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    >>> dates = pd.date_range("2026-02-01", "2026-03-10")
    >>> paths = 160_000 * np.random.default_rng(0).lognormal(0, 0.2, (20, len(dates)))
    >>> sim = Simulator(paths, s, rng=np.random.default_rng(0), dates=dates)
    >>> t = roster_table(optimise_roster(sim, alpha=0.8, budget_risk=1.0, flat_workers=300))
    >>> t.index.tolist()
    ['cutoff', 'eve', 'closure', 'restart', 'outside the programme', 'window total']
    >>> t.loc["window total", "days"], bool(t.isna().any().any())
    ('38', False)
    """
    if by not in ("phase", "day"):
        raise ValueError(f"by must be one of phase, day, got {by!r}")
    d = roster.daily
    on = d[d["programme"]]
    if by == "phase":
        run = ((on["phase"] != on["phase"].shift()) | (on["ds"].diff() != pd.Timedelta(days=1)))
        rows, names = [], []
        for _, g in on.groupby(run.cumsum(), sort=True):
            name = str(g["phase"].iloc[0])
            names.append(name if name not in names else f"{name}, {_span(g['ds'])}")
            rows.append(_row(g, g["flat_workers"]))
    else:
        rows = [_day_row(on.iloc[[i]], str(on["phase"].iloc[i])) for i in range(len(on))]
        names = [f"{ts:%a %d %b}" for ts in on["ds"]]
    rest = d[~d["programme"]]
    for name, g in ((OUTSIDE_PROGRAMME, rest), (TOTAL, d)):
        if len(g):
            row = _row(g, g["flat_workers"]) if by == "phase" else _day_row(g, "")
            if name == TOTAL:  # headcounts per day do not add up over the window
                row.update({"workers/day": "", "flat workers/day": ""})
            names.append(name)
            rows.append(row)
    b = roster.backlog
    if len(b):  # queued before the window: its late parcels are in no window day
        own = {**{k: "" for k in rows[-1]}, **_volumes(b["parcels"], b["late"], b["late_flat"])}
        if by == "phase":
            own.update({"dates": _span(b["ds"]), "days": f"{len(b)}"})
        both = [pd.concat([d[c], b[k]]) for c, k in
                (("arrivals", "parcels"), ("late", "late"), ("late_flat", "late_flat"))]
        total = {**rows[-1], **_volumes(*both)}
        if by == "phase":
            total.update({"dates": _span(pd.concat([b["ds"], d["ds"]])),
                          "days": f"{len(b) + len(d)}"})
        rows += [own, total]
        names += [BACKLOG, TOTAL_WITH_BACKLOG]
    out = pd.DataFrame(rows)
    out.index = pd.Index(names, name="phase" if by == "phase" else "day")
    return out


def roster_rows(roster) -> tuple[tuple[str, ...], ...]:
    """:func:`roster_table` for the PDF: header, then one row per phase and the totals, as
    text."""
    keep = ["dates", "workers/day", "flat workers/day", "late parcels, roster (mean)",
            "late parcels, flat (mean)"]
    table = roster_table(roster)[keep]
    return (("phase", *keep),
            *((str(idx), *map(str, row)) for idx, row in zip(table.index, table.to_numpy())))


def roster_summary_table(roster) -> pd.DataFrame:
    """The constraints and the expected cost at the roster beside the flat programme's.

    Returns
    -------
    pandas.DataFrame
        One row per quantity; columns ``roster``, ``flat programme`` and ``limit`` (the
        constraint it is held to, or empty).

    Examples
    --------
    >>> import numpy as np
    >>> from forecast.roster import optimise_roster
    >>> from forecast.scenario import Scenario
    >>> from forecast.simulation import Simulator
    >>> s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    >>> dates = pd.date_range("2026-02-01", "2026-03-10")
    >>> paths = 160_000 * np.random.default_rng(0).lognormal(0, 0.2, (20, len(dates)))
    >>> sim = Simulator(paths, s, rng=np.random.default_rng(0), dates=dates)
    >>> t = roster_summary_table(optimise_roster(sim, alpha=0.8, budget_risk=1.0,
    ...                                           flat_workers=300))
    >>> t.loc["P(on-time >= 95%), programme-day parcels", "limit"]
    '>= 80%'
    """
    s = roster.summary
    service = f"P(on-time >= {roster.target:.0%}), programme-day parcels"
    tail = "none" if roster.tail_limit is None else f"<= {format_money(roster.tail_limit)}"
    rows = {
        "programme worker-days": (s["worker_days"].map(format_workers), ""),
        "expected cost (labour + compensation)": (s["expected_cost"].map(format_money),
                                                  "least"),
        service: (s["p_on_time"].map(format_percent), f">= {roster.alpha:.0%}"),
        "P(programme bonus + compensation > budget)": (
            s["p_over_budget"].map(format_percent), f"<= {roster.budget_risk:.0%}"),
        f"compensation (worst {roster.tail:.0%}, average)": (
            s["compensation_worst"].map(format_money), tail),
        ("late parcels in the window (mean)" if roster.backlog.empty else
         "late parcels, the open backlog's included (mean)"): (s["late_mean"].map(format_count),
                                                               ""),
    }
    out = pd.DataFrame({name: {"roster": v["roster"], "flat programme": v["flat"],
                               "limit": limit} for name, (v, limit) in rows.items()}).T
    out.index.name = "quantity"
    return out
