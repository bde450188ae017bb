"""Figures for the notebooks and the briefing: history, demand forecast.

Every function takes tidy frames (``unique_id, ds, y`` and ``sample_id`` for paths), draws
on a new figure (or the given ``ax``) and returns the ``matplotlib.figure.Figure``; new
figures are closed in pyplot at once, so a notebook shows each exactly once (as the cell's
value) and long runs do not accumulate open figures. Colours
and phase shading are shared so that all figures read alike.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, LnyPhase, lny_dates
from forecast.report.names import plot_text
from forecast.report.typography import format_count
from forecast.report.history_tables import lny_relative
from forecast.statistics import central_interval

__all__ = [
    "PHASE_COLOURS",
    "figure_axes",
    "thousands_axis",
    "compact",
    "compact_axis",
    "plot_history",
    "plot_lny_overlay",
    "plot_fan",
    "plot_window_total",
    "shade_lny_phases",
]

def _add_cjk_fallback() -> None:
    """Let figures draw Chinese hub names: the bundled Noto Sans CJK as a glyph fallback."""
    from matplotlib import font_manager

    from forecast.report.typography import find_cjk_font

    path = find_cjk_font()
    if path is None:  # documented limit: CJK glyphs then render as boxes in figures
        return
    font_manager.fontManager.addfont(str(path))
    family = list(matplotlib.rcParams["font.family"])
    if "Noto Sans CJK HK" not in family:
        matplotlib.rcParams["font.family"] = [*family, "Noto Sans CJK HK"]


_add_cjk_fallback()

PHASE_COLOURS = {
    "gift_surge": "#f4a261",
    "cutoff": "#adb5bd",
    "eve": "#e76f51",
    "closure": "#c1121f",
    "restart": "#2a9d8f",
}
_BLUE = "#1d3557"


def figure_axes(ax, figsize=(9, 4)):
    """``(figure, axes)``: those of ``ax``, or a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax.figure, ax
    # Created through pyplot (which loads Jupyter's PNG display), then closed at once: the
    # figure is shown only where it is returned, and long runs do not accumulate figures.
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig, ax


class _Thousands(matplotlib.ticker.Formatter):
    """Tick labels with thousands separators and the decimals the ticks need (none for
    whole numbers, 1.5 and 2.5 for a volume of a few parcels or GWh a day)."""

    def format_ticks(self, values):
        digits = _digits(values)
        return [f"{v:,.{digits}f}" for v in values]

    def __call__(self, v, pos=None):
        return f"{v:,.{_digits([v])}f}"


def _digits(values) -> int:
    """Fewest decimals (up to 6) that write every value exactly."""
    v = np.asarray(values, dtype=float)
    return next((d for d in range(7) if np.allclose(np.round(v, d), v, rtol=0, atol=1e-9)), 6)


def thousands_axis(ax, axis="y"):
    """Label ``axis`` ("x" or "y") of ``ax`` with thousands separators (and as many
    decimals as its ticks need).

    Examples
    --------
    >>> _Thousands().format_ticks([0.0, 0.5, 1.0]), _Thousands().format_ticks([0.0, 5000.0])
    (['0.0', '0.5', '1.0'], ['0', '5,000'])
    """
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_Thousands())


def compact(v: float) -> str:
    """A tick label: ``950``, ``100k``, ``2.5M``, ``1B`` (page 1 writes HK$ 2.3B, not 2,300M).

    Examples
    --------
    >>> [compact(v) for v in (0, 950, 1e5, 2.5e6, 1e9)]
    ['0', '950', '100k', '2.5M', '1B']
    """
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:,.4g}{suffix}"
    return f"{v:,.4g}"


def compact_axis(ax, axis="x"):
    """Label ``axis`` ("x" or "y") of ``ax`` in k/M/B (:func:`compact`)."""
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _: compact(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def shade_lny_phases(ax, *, lny=None, phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES,
                     legend: bool = True) -> None:
    """Shade LNY phases on ``ax``: around the date ``lny``, or on a days-from-LNY axis."""
    for p in phases:
        lo, hi = p.start - 0.5, p.end + 0.5
        if lny is not None:
            lo = pd.Timestamp(lny) + pd.Timedelta(days=lo)
            hi = pd.Timestamp(lny) + pd.Timedelta(days=hi)
        ax.axvspan(lo, hi, color=PHASE_COLOURS.get(p.name, "#ccc"), alpha=0.18, lw=0,
                   label=p.name.replace("_", " ") if legend else None)


def plot_history(df: pd.DataFrame, *, unique_ids=None, ax=None):
    """Weekly-mean volume of each series over the whole history, LNY days marked.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> df = generate_demo()  # daily, 2016-01-01 .. 2025-12-31
    >>> ax = plot_history(df, unique_ids=["total", "tsing-yi"]).axes[0]
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_ylabel()
    (['total', 'tsing-yi'], 'parcels/day')
    >>> len(ax.get_lines()) - 2  # one red line per Lunar New Year: 2016 .. 2025
    10
    >>> weekly = ax.get_lines()[0].get_ydata()  # "total", one point per week
    >>> len(weekly), bool(np.isfinite(weekly).all())
    (523, True)
    """
    fig, ax = figure_axes(ax, (10, 4))
    ids = unique_ids if unique_ids is not None else sorted(df["unique_id"].unique())
    for uid in ids:
        s = df[df["unique_id"] == uid].set_index("ds")["y"]
        weekly = s.resample("W").mean()
        ax.plot(weekly.index, weekly.to_numpy(), lw=1.2, label=plot_text(uid))
    for d in lny_dates(df["ds"].min(), df["ds"].max()):
        if df["ds"].min() <= d <= df["ds"].max():
            ax.axvline(d, color=PHASE_COLOURS["closure"], lw=0.8, alpha=0.5)
    ax.set(title="Daily parcels (weekly mean); red lines: Lunar New Year", ylabel="parcels/day")
    thousands_axis(ax)
    ax.legend(ncols=min(len(ids), 5), fontsize=8, frameon=False)
    return fig


#: In :func:`plot_lny_overlay`, a year whose highest ratio exceeds this many times the
#: median year's (with three years or more) runs off the top of the chart, named so.
OFF_SCALE = 2.0


def plot_lny_overlay(df: pd.DataFrame, unique_id: str, *, window=(-35, 28), ax=None):
    """Each past year's volume around LNY, as a ratio to that year's pre-LNY baseline.

    The baseline is the mean of days LNY-49 .. LNY-22 (four ordinary weeks before the
    gift surge); the x axis is days from LNY, with the phases shaded. A year far above the
    others (:data:`OFF_SCALE`; e.g. a border that reopened inside its baseline) runs off the
    top, its peak given in the legend, so that the usual years stay readable.
    """
    fig, ax = figure_axes(ax, (10, 4.5))
    rel = lny_relative(df, unique_id)
    rel = rel[rel["offset"].between(*window)]
    years = {y: g for y, g in rel.groupby("lny_year")  # whole windows with a baseline
             if len(g) >= window[1] - window[0] and np.isfinite(g["ratio"]).all()}
    tops = pd.Series({y: g["ratio"].max() for y, g in years.items()}, dtype=float)
    top = OFF_SCALE * tops.median() if len(tops) >= 3 else np.inf
    for year, g in years.items():
        odd = tops[year] > top  # one odd year (a border reopening) would flatten the rest
        label = f"{year} (up to {tops[year]:.1f}x: off the scale)" if odd else str(year)
        ax.plot(g["offset"], g["ratio"], lw=1, alpha=0.85, label=label)
    if (tops > top).any():
        ax.set_ylim(top=top)
    shade_lny_phases(ax)
    ax.axhline(1.0, color="k", lw=0.6)
    ax.set(xlim=window, xlabel="days from Lunar New Year", ylabel="volume / pre-LNY baseline",
           title=f"{plot_text(unique_id)}: every past Lunar New Year, overlaid")
    ax.legend(ncols=7, fontsize=7, frameon=False, loc="lower left")
    return fig


def plot_fan(history: pd.DataFrame, paths: pd.DataFrame, *, unique_id: str | None = None,
             level=(50, 80, 95), history_days: int = 70, actual: pd.DataFrame | None = None,
             max_days: int = 150, ax=None):
    """Fan chart: history, then the paths' central intervals, with LNY phases shaded.

    Parameters
    ----------
    history, paths : pandas.DataFrame
        Tidy history and sample paths; ``unique_id`` picks one series (default: the first).
    level : sequence of int
        Central interval levels, in percent.
    actual : pandas.DataFrame, optional
        What really happened over the horizon (drawn in black), e.g. in a backtest.
    max_days : int
        Horizon days shown at most: the last ones (next year's LNY planned from this year's
        data is a sliver at the edge of a year-long chart); the history is drawn only
        when it reaches that part.
    """
    fig, ax = figure_axes(ax, (10, 4.5))
    uid = unique_id if unique_id is not None else paths["unique_id"].iloc[0]
    own = paths[paths["unique_id"] == uid]
    own = own[own["ds"] > own["ds"].max() - pd.Timedelta(days=max_days)]
    hist = history[history["unique_id"] == uid].tail(history_days)
    hist = hist[hist["ds"] >= own["ds"].min() - pd.Timedelta(days=history_days + 1)]
    wide = own.pivot(index="ds", columns="sample_id", values="y")
    for lv in sorted(level, reverse=True):
        lo, hi = central_interval(wide.to_numpy(), lv, axis=1)
        ax.fill_between(wide.index, lo, hi, color=_BLUE, alpha=0.12 + 0.1 * (lv < 90),
                        lw=0, label=f"{lv}% interval")
    ax.plot(wide.index, wide.median(axis=1), color=_BLUE, lw=1.5, label="median")
    if len(hist):  # (a plan of next year's LNY shows its last months only)
        ax.plot(hist["ds"], hist["y"], color="#444", lw=1, label="history")
    if actual is not None:
        act = actual[actual["unique_id"] == uid]
        ax.plot(act["ds"], act["y"], color="k", lw=1, ls="--", label="actual")
    for k, d in enumerate(lny_dates(wide.index.min(), wide.index.max())):
        if wide.index.min() <= d <= wide.index.max():
            shade_lny_phases(ax, lny=d, legend=k == 0)  # the phases named once
            ax.axvline(d, color=PHASE_COLOURS["closure"], lw=0.8)
    ax.set(title=f"{plot_text(uid)}: forecast paths (shaded: LNY phases)", ylabel="parcels/day")
    thousands_axis(ax)
    ax.legend(fontsize=7.5, frameon=False, ncols=4, loc="upper left")
    fig.autofmt_xdate()
    return fig


def plot_window_total(totals, *, actual: float | None = None, title: str = "", ax=None):
    """Histogram of a per-path total (e.g. the LNY-window total): median and 80% interval."""
    fig, ax = figure_axes(ax, (7, 3.5))
    totals = np.asarray(totals, dtype=float)
    ax.hist(totals, bins=40, color=_BLUE, alpha=0.75)
    lo, hi = central_interval(totals, 80)
    top = ax.get_ylim()[1]
    # labels right of their line, each at its own height: they never overlap
    marks = (("80% interval", lo, ":", 0.97), ("median", np.median(totals), "-", 0.80),
             ("80% interval", hi, ":", 0.63))
    for label, v, ls, y in marks:
        ax.axvline(v, color="k", ls=ls, lw=1)
        ax.annotate(f"{label}\n{format_count(v)}", (v, top * y), xytext=(3, 0),
                    textcoords="offset points", fontsize=8, ha="left", va="top",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    if actual is not None:
        ax.axvline(actual, color=PHASE_COLOURS["closure"], lw=2, label="actual")
        ax.legend(frameon=False)
    ax.set(title=title or "Distribution over sample paths", xlabel="parcels", ylabel="paths")
    thousands_axis(ax, "x")
    return fig
