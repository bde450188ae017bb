"""Figures of a network plan (see :class:`forecast.distributed.NetworkRun`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.calendar import lny_dates
from forecast.report.names import plot_text
from forecast.report.plots import compact_axis, figure_axes, shade_lny_phases, thousands_axis
from forecast.statistics import central_interval

__all__ = ["plot_hubs", "plot_network_total", "plot_worker_value"]

_BLUE, _RED, _GREY = "#1d3557", "#c1121f", "#8d99ae"


def plot_network_total(net, *, level: int = 80, ax=None):
    """The network total of the hub paths (a sum along ``sample_id``): median and interval.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> dates = pd.date_range("2026-02-01", periods=5)
    >>> net = SimpleNamespace(total_paths=np.arange(20.0).reshape(4, 5), dates=dates)
    >>> [line.get_label() for line in plot_network_total(net).axes[0].get_lines()]
    ['median']
    """
    fig, ax = figure_axes(ax, (9, 3.8))
    lo, hi = central_interval(net.total_paths, level)
    ax.fill_between(net.dates, lo, hi, color=_BLUE, alpha=0.2, lw=0, label=f"{level}% interval")
    ax.plot(net.dates, np.median(net.total_paths, axis=0), color=_BLUE, lw=1.5, label="median")
    for d in lny_dates(net.dates.min(), net.dates.max()):
        if net.dates.min() <= d <= net.dates.max():
            shade_lny_phases(ax, lny=d)
    ax.set(title="Network total: the sum of the hubs' joint paths", ylabel="parcels/day")
    thousands_axis(ax)
    ax.legend(frameon=False, fontsize=7.5, ncols=4, loc="upper left")
    fig.autofmt_xdate()
    return fig


def plot_worker_value(hubs: pd.DataFrame, *, ax=None):
    """Per hub: the compensation one more programme worker saves against what that worker costs.

    ``hubs`` is :meth:`forecast.distributed.NetworkRun.hub_table` (``value_of_one_more``,
    ``cost_of_one_more``, hubs that were left out are skipped).

    Examples
    --------
    >>> t = pd.DataFrame({"value_of_one_more": [900.0, 10.0],
    ...                   "cost_of_one_more": [750.0, 750.0]}, index=["a", "b"])
    >>> len(plot_worker_value(t).axes[0].patches)
    4
    """
    t = hubs.dropna(subset=["value_of_one_more", "cost_of_one_more"])
    fig, ax = figure_axes(ax, (8, 0.45 * len(t) + 2.0))
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["value_of_one_more"], height=0.4, color=_RED,
            label="compensation one more worker saves (expected)")
    ax.barh(y - 0.2, t["cost_of_one_more"], height=0.4, color=_GREY,
            label="what one more worker costs (expected)")
    ax.set_yticks(y, [plot_text(str(u)) for u in t.index])
    ax.set(xlabel="HK$ per programme worker", title="Value of one more worker, by hub")
    thousands_axis(ax, "x")
    ax.legend(frameon=False, fontsize=8, ncols=2, loc="upper center",
              bbox_to_anchor=(0.5, -0.3))  # below the axis: never over a bar
    return fig


def plot_hubs(hubs: pd.DataFrame, *, level: int = 80, max_hubs: int | None = None):
    """Per hub, side by side: parcels arriving over the planning window (mean and
    ``level``% interval) and programme workers, as planned and recommended.

    ``hubs`` is :meth:`forecast.distributed.NetworkRun.hub_table` (``window_demand_mean``,
    ``window_demand_lo_80``, ``window_demand_hi_80``, ``planned_workers``,
    ``programme_workers``); hubs left out of the plan are skipped, and only the
    ``max_hubs`` busiest are drawn (the network page's table lists as many). The largest
    hub is on top. The interval is drawn as is even when a mixture's mean lies outside it.

    Examples
    --------
    >>> t = pd.DataFrame({"window_demand_mean": [2e6, 1e6], "window_demand_lo_80": [1.9e6, 0.9e6],
    ...                   "window_demand_hi_80": [2.1e6, 1.1e6], "planned_workers": [500, 300],
    ...                   "programme_workers": [90, 50]}, index=["a", "b"])
    >>> fig = plot_hubs(t)
    >>> len(fig.axes), [t.get_text() for t in fig.axes[0].get_yticklabels()]
    (2, ['b', 'a'])
    """
    lo_col, hi_col = f"window_demand_lo_{level}", f"window_demand_hi_{level}"
    planned = hubs.dropna(subset=["window_demand_mean", "programme_workers"])
    t = planned.sort_values("window_demand_mean", ascending=False).head(max_hubs).iloc[::-1]
    busiest = f" (the {len(t)} busiest)" if len(t) < len(planned) else ""
    # at most 7.6 in tall: the page shows it at 17.6 cm wide and at most 15 cm tall
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, min(0.42 * len(t) + 1.9, 7.6)),
                                      sharey=True, layout="constrained", width_ratios=(1.15, 1))
    plt.close(fig)
    if len(t) > 13:
        left.tick_params(axis="y", labelsize=max(6.0, 10 - 0.12 * len(t)))
    y = np.arange(len(t))
    mean = t["window_demand_mean"].to_numpy()
    left.barh(y, mean, height=0.55, color=_BLUE, alpha=0.85)
    left.hlines(y, t[lo_col], t[hi_col], color="black", lw=1)
    for end in (lo_col, hi_col):
        left.plot(t[end], y, "|", color="black", ms=7)
    left.set_yticks(y, [plot_text(str(u), 40) for u in t.index])
    left.set(xlabel=f"parcels over the planning window (mean, {level}% interval)",
             title=f"Parcels arriving, by hub{busiest}")
    compact_axis(left, "x")
    right.barh(y + 0.2, t["planned_workers"], height=0.4, color=_GREY, label="planned")
    right.barh(y - 0.2, t["programme_workers"], height=0.4, color=_RED, label="recommended")
    right.set(xlabel="holiday-programme workers", title="Programme workers, by hub")
    thousands_axis(right, "x")
    fig.legend(*right.get_legend_handles_labels(), frameon=False, fontsize=8, ncols=2,
               loc="outside lower right")
    return fig
