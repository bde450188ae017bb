"""Figures of the capacity Monte Carlo and the staffing plan.

Inputs are :class:`forecast.simulation.SimulationResults` and the tidy frames of
:mod:`forecast.planning`; each function returns a ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import lny_dates
from forecast.report.plots import (
    PHASE_COLOURS, compact_axis, figure_axes, shade_lny_phases, thousands_axis,
)
from forecast.report.typography import format_count, format_percent

__all__ = [
    "plot_late_distribution",
    "plot_cost_exceedance",
    "plot_backlog_fan",
    "plot_tradeoff",
    "plot_tornado",
    "plot_scenarios",
]

_BLUE, _RED, _GREY = "#1d3557", "#c1121f", "#6c757d"


def plot_late_distribution(results, *, ax=None):
    """Late parcels per path: a log-binned histogram of the paths with any late parcel.

    The tail is what matters and it spans orders of magnitude (a few bad futures carry
    most of the expected cost), so the x axis is logarithmic and the title gives the
    share of paths with no late parcel at all.
    """
    fig, ax = figure_axes(ax, (7, 3.5))
    late = results.per_path["late"].to_numpy()
    some = late[late >= 1]
    if len(some):
        bins = np.geomspace(1, max(some.max(), 10) * 1.05, 40)
        ax.hist(some, bins=bins, color=_BLUE, alpha=0.8)
    ax.set_xscale("log")
    marks = (("mean", late.mean(), "-", 0.92),
             ("worst 10% (average)", results.tail_mean("late"), ":", 0.80))
    lo, hi = np.log(ax.get_xlim())
    for label, v, ls, y in marks:  # two heights: the labels never overlap
        if v >= 1:
            ax.axvline(v, color="k", ls=ls, lw=1)
            right = np.log(v) > lo + 0.6 * (hi - lo)  # near the right edge: text on the left
            ax.annotate(f"{label} {format_count(v)}", (v, y),
                        xycoords=("data", "axes fraction"), fontsize=8,
                        xytext=(-3 if right else 3, 0), textcoords="offset points",
                        ha="right" if right else "left",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set(title=f"Late parcels per path: {np.mean(late < 1):.0%} of paths have none",
           xlabel="parcels delivered after the promise (log scale)", ylabel="paths")
    compact_axis(ax, "x")
    return fig


def plot_cost_exceedance(results, *, ax=None):
    """P(cost > x) for compensation and for programme + compensation, budget marked.

    Both axes are logarithmic (x above HK$100k) so that the budget and the rare,
    expensive futures in the tail both show.
    """
    fig, ax = figure_axes(ax, (7, 3.5))
    pp = results.per_path
    curves = {"compensation": pp["compensation"], "programme + compensation": pp["spend"]}
    for (label, x), colour in zip(curves.items(), (_RED, _BLUE)):
        x = np.sort(x.to_numpy())
        ax.step(x, 1 - np.arange(1, len(x) + 1) / len(x), where="post", color=colour,
                label=label)
    budget = results.scenario.budget
    ax.axvline(budget, color="k", ls="--", lw=1, label=f"budget HK${budget / 1e6:,.1f}M")
    n = len(pp)
    top = max(float(curves["programme + compensation"].max()), budget) * 1.3
    ax.set_xscale("symlog", linthresh=1e5)
    ax.set_yscale("log")
    ax.set(title=f"Cost exceedance (P(over budget) = {format_percent(results.prob_over_budget)})",
           xlabel="HK$ (log scale above 100k)", ylabel="P(cost > x), log scale",
           xlim=(0, top), ylim=(0.5 / n, 1.3))
    compact_axis(ax)
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_backlog_fan(results, *, level=(50, 90), ax=None):
    """End-of-day backlog over the planning window: mean and central intervals."""
    fig, ax = figure_axes(ax, (9, 3.8))
    fan = results.backlog_fan(level=level)
    for lv in sorted(level, reverse=True):
        ax.fill_between(fan["ds"], fan[f"backlog-lo-{lv}"], fan[f"backlog-hi-{lv}"],
                        color=_BLUE, alpha=0.15 + 0.1 * (lv < 80), lw=0,
                        label=f"{lv}% interval")
    ax.plot(fan["ds"], fan["backlog"], color=_BLUE, lw=1.5, label="mean")
    for d in lny_dates(fan["ds"].min(), fan["ds"].max()):
        if fan["ds"].min() <= d <= fan["ds"].max():
            shade_lny_phases(ax, lny=d, legend=False)
            ax.axvline(d, color=PHASE_COLOURS["closure"], lw=0.8)
    ax.set(title="Backlog at the end of each day (shaded: LNY phases)", ylabel="parcels")
    thousands_axis(ax)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    return fig


def plot_tradeoff(curve: pd.DataFrame, *, recommended: float | None = None, ax=None,
                  title: str = "Staffing trade-off", label: str = "recommended"):
    """Holiday programme headcount against expected and worst-10% total cost.

    ``curve`` is :func:`forecast.planning.tradeoff_curve`'s frame (``workers``,
    ``mean_total_cost``, ``worst_total_cost`` and ``prob_on_target``, drawn on a second
    axis). ``recommended`` is marked by a dashed line, labelled ``label: <workers>``.
    """
    fig, ax = figure_axes(ax, (8, 3.8))
    ax.plot(curve["workers"], curve["mean_total_cost"], color=_BLUE, marker="o", ms=3,
            label="expected cost")
    ax.plot(curve["workers"], curve["worst_total_cost"], color=_RED, marker="o", ms=3,
            label="worst 10% (average)")
    if recommended is not None:
        ax.axvline(recommended, color="k", ls="--", lw=1,
                   label=f"{label}: {recommended:,.0f}")
    ax.set(xlabel="holiday programme workers", ylabel="HK$ (labour + compensation)",
           title=title)
    compact_axis(ax, "y")
    ax2 = ax.twinx()
    ax2.plot(curve["workers"], curve["prob_on_target"], color=_GREY, ls=":",
             label="P(on-time target met)")
    ax2.set(ylabel="probability", ylim=(0, 1.02))
    lines, labels = ax.get_legend_handles_labels()
    more_lines, more_labels = ax2.get_legend_handles_labels()
    ax.legend(lines + more_lines, labels + more_labels, frameon=False, fontsize=8,
              loc="upper center")
    return fig


def plot_tornado(frame: pd.DataFrame, *, value: str = "worst-10% total cost (average, HK$)",
                 ax=None):
    """Tornado chart from :func:`forecast.planning.tornado`'s tidy frame.

    One bar per ``factor`` from the base case to its ``low`` and ``high`` outcomes;
    the widest swing on top.
    """
    wide = frame.pivot(index="factor", columns="side", values="value")
    base = float(frame["base"].iloc[0])
    wide = wide.loc[(wide["high"] - wide["low"]).abs().sort_values().index]
    fig, ax = figure_axes(ax, (8, 0.6 * len(wide) + 1.5))
    y = np.arange(len(wide))
    ax.barh(y, wide["low"] - base, left=base, color=_BLUE, alpha=0.8, label="low setting")
    ax.barh(y, wide["high"] - base, left=base, color=_RED, alpha=0.8, label="high setting")
    ax.axvline(base, color="k", lw=1)
    ax.set_yticks(y, [f.replace("_", " ") for f in wide.index])
    ax.set(title=f"Sensitivity of the {value}", xlabel=value)
    compact_axis(ax)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


def plot_scenarios(frame: pd.DataFrame, *, ax=None):
    """Grouped bars of mean labour, compensation and total cost for each scenario.

    ``frame`` is :func:`forecast.sensitivity.compare_scenarios`'s frame (one row per scenario).
    """
    wide = pd.DataFrame({"labour_cost": frame["labour_cost_mean"],
                         "compensation": frame["compensation_mean"]})
    wide["total_cost"] = wide["labour_cost"] + wide["compensation"]
    metrics = tuple(wide.columns)
    fig, ax = figure_axes(ax, (8, 3.8))
    x = np.arange(len(wide))
    for k, (col, colour) in enumerate(zip(metrics, (_GREY, _RED, _BLUE))):
        ax.bar(x + (k - 1) * 0.27, wide[col], width=0.27, color=colour,
               label=col.replace("_", " "))
    ax.set_xticks(x, wide.index)
    ax.set(ylabel="HK$ (mean over paths)", title="Scenario comparison")
    compact_axis(ax, "y")
    ax.legend(frameon=False, fontsize=8)
    return fig
