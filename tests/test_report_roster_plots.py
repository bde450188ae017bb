"""Tests for forecast.report.roster_plots: the chart draws exactly its frame, the tables
print exact headcounts and reconciling volumes.

A hand-made :class:`Roster` (numbers chosen so that a wrong column, a dropped day or an
axis that hides the data shows), then one run of the real optimiser on tiny paths.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from forecast.report.roster_plots import (  # noqa: E402
    BACKLOG,
    OUTSIDE_PROGRAMME,
    TOTAL,
    TOTAL_WITH_BACKLOG,
    plot_roster,
    roster_summary_table,
    roster_table,
)
from forecast.roster import PLANS, SUMMARY_COLUMNS, Roster, optimise_roster  # noqa: E402
from forecast.scenario import Scenario  # noqa: E402
from forecast.simulation import Simulator  # noqa: E402

DAYS = pd.date_range("2026-02-13", "2026-02-23")  # LNY 17 Feb: cutoff, eve, closure, restart
PHASES = ["cutoff"] * 3 + ["eve"] + ["closure"] * 4 + ["restart"] * 3
ON = np.array([False, True, True, True, True, True, True, True, True, True, False])
WORKERS = np.array([0, 120, 120, 0, 35, 35, 35, 40, 900, 1100, 0])


def hand_made(late=None, level=80, backlog=None) -> Roster:
    n = len(DAYS)
    demand = 1000.0 * np.arange(100, 100 + n)
    cap = 90_000.0 + 37.0 * WORKERS * 100
    late = np.array([0, 5, 10, 0, 2500, 0, 0, 1, 123_456, 7, 3.0]) if late is None else late
    daily = pd.DataFrame({
        "ds": DAYS, "phase": PHASES, "programme": ON, "workers": WORKERS,
        "flat_workers": np.where(ON, 500, 0), "demand": demand,
        f"demand-lo-{level}": demand * 0.8, f"demand-hi-{level}": demand * 1.3,
        "capacity": cap, f"capacity-lo-{level}": cap - 5000, f"capacity-hi-{level}": cap + 7000,
        "capacity_flat": np.full(n, 150_000.0), "arrivals": demand * 1.01, "late": late,
        "late_flat": late * 2,
    })
    summary = pd.DataFrame(
        [[8.0e7, 0.93, 0.05, 1.2e7, 7.0e7, 1.0e7, 123_456.0, 2.2e6, 2_355.0],
         [9.0e7, 0.91, 0.08, 2.0e7, 6.9e7, 2.1e7, 234_567.0, 2.5e6, 4_500.0]],
        index=pd.Index(PLANS, name="plan"), columns=list(SUMMARY_COLUMNS))
    days = daily.loc[ON, ["ds", "phase", "workers"]].reset_index(drop=True)
    if backlog is None:
        backlog = pd.DataFrame({"ds": pd.to_datetime([]), "parcels": [], "late": [],
                                "late_flat": []})
    return Roster(by="phase", workers=np.where(ON, WORKERS, 0), flat_workers=500, days=days,
                  summary=summary, daily=daily, backlog=backlog, binding="service", feasible=True,
                  flat_feasible=True, converged=True, evaluations=42, target=0.95, alpha=0.9,
                  budget_risk=0.1, tail_limit=None, tail=0.1)


def line(ax, label):
    (found,) = [x for x in ax.get_lines() if x.get_label() == label]
    return found


def band(ax, label):
    (found,) = [c for c in ax.collections
                if isinstance(c, PolyCollection) and c.get_label() == label]
    y = found.get_paths()[0].vertices[:, 1]
    return y.min(), y.max()


def test_chart_draws_its_frame():
    r = hand_made()
    d = r.daily
    fig = plot_roster(r)
    ax, ax2 = fig.axes
    assert line(ax, "demand (median)").get_ydata() == pytest.approx(d["demand"])
    assert line(ax, "roster capacity (mean)").get_ydata() == pytest.approx(d["capacity"])
    assert line(ax, "flat 500 capacity (mean)").get_ydata() == pytest.approx(
        d["capacity_flat"])
    assert band(ax, "demand, 80% interval") == pytest.approx(
        (d["demand-lo-80"].min(), d["demand-hi-80"].max()))
    assert band(ax, "roster capacity, 80% interval") == pytest.approx(
        (d["capacity-lo-80"].min(), d["capacity-hi-80"].max()))
    bars = ax2.patches
    assert [b.get_height() for b in bars] == pytest.approx(d["late"].tolist())
    assert len(bars) == len(DAYS)
    # nothing NaN, every point inside its axis
    for artist in ax.get_lines():
        assert np.isfinite(np.asarray(artist.get_ydata(), dtype=float)).all()
    lo, hi = ax.get_ylim()
    assert lo == 0 and hi >= max(d["demand-hi-80"].max(), d["capacity-hi-80"].max())
    assert ax2.get_ylim()[0] == 0 and ax2.get_ylim()[1] >= d["late"].max()
    x0, x1 = ax.get_xlim()
    dates = matplotlib.dates.date2num(DAYS)
    assert x0 < dates.min() and dates.max() < x1
    # scope and units named; phases shaded once each and in the legend
    assert "planning window 13 Feb to 23 Feb, parcels/day" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"cutoff", "eve", "closure", "restart", "gift surge"} <= set(legend)
    assert "late parcels by arrival day (mean, right axis)" in legend
    assert ax2.get_ylabel() == "late parcels by arrival day (mean)"


def test_chart_without_late_parcels_keeps_a_finite_axis():
    ax, ax2 = plot_roster(hand_made(late=np.zeros(len(DAYS)))).axes
    assert all(b.get_height() == 0 for b in ax2.patches)
    assert ax2.get_ylim() == pytest.approx((0, 1.15))


def test_chart_refuses_a_level_the_frame_lacks():
    with pytest.raises(ValueError, match="level 95 is not in the roster's daily frame"):
        plot_roster(hand_made(), level=95)
    ax, _ = plot_roster(hand_made(level=50), level=50).axes
    assert band(ax, "demand, 50% interval")


def test_table_by_phase_exact_headcounts_and_reconciling_volumes():
    t = roster_table(hand_made())
    assert t.index.tolist() == ["cutoff", "eve", "closure", "restart", OUTSIDE_PROGRAMME,
                                TOTAL]
    assert t["days"].tolist() == ["2", "1", "4", "2", "2", "11"]
    assert t["workers/day"].tolist() == ["120", "0", "35 - 40", "900 - 1,100", "0", ""]
    assert t["flat workers/day"].tolist() == ["500", "500", "500", "500", "0", ""]
    assert t.loc[TOTAL, "worker-days"] == f"{(WORKERS * ON).sum():,}"
    assert t.loc["closure", "dates"] == "17 Feb - 20 Feb"
    assert t.loc[OUTSIDE_PROGRAMME, "dates"] == "13 Feb, 23 Feb"
    # late parcels: 3 significant figures; the total adds up every day's
    assert t.loc["restart", "late parcels, roster (mean)"] == "123,000"
    assert t.loc[TOTAL, "late parcels, roster (mean)"] == "126,000"
    assert t.loc[TOTAL, "late parcels, flat (mean)"] == "252,000"
    assert t.loc["eve", "arrivals (mean)"] == "104,000"
    assert not t.isna().any().any()


def test_table_states_an_open_backlog_so_that_late_parcels_add_up_to_the_summary():
    """With a [backlog] the window days' late parcels left out the backlog's own: the table
    gave fewer late parcels than the summary, with no row saying why."""
    backlog = pd.DataFrame({"ds": pd.to_datetime(["2026-02-10", "2026-02-11"]),
                            "parcels": [30_000.0, 20_000.0], "late": [4_000.0, 1_000.0],
                            "late_flat": [0.0, 500.0]})
    t = roster_table(hand_made(backlog=backlog))
    assert t.index.tolist()[-3:] == [TOTAL, BACKLOG, TOTAL_WITH_BACKLOG]
    assert t.loc[BACKLOG, ["dates", "days", "workers/day", "arrivals (mean)",
                           "late parcels, roster (mean)", "late parcels, flat (mean)"]
                 ].tolist() == ["10 Feb - 11 Feb", "2", "", "50,000", "5,000", "500"]
    assert t.loc[TOTAL, "late parcels, roster (mean)"] == "126,000"  # the window days'
    assert t.loc[TOTAL_WITH_BACKLOG, "late parcels, roster (mean)"] == "131,000"
    assert t.loc[TOTAL_WITH_BACKLOG, "late parcels, flat (mean)"] == "252,000"
    assert t.loc[TOTAL_WITH_BACKLOG, "worker-days"] == t.loc[TOTAL, "worker-days"]
    assert t.loc[TOTAL_WITH_BACKLOG, ["dates", "days"]].tolist() == ["10 Feb - 11 Feb, 13 Feb - 23 Feb", "13"]
    by_day = roster_table(hand_made(backlog=backlog), by="day")
    assert by_day.loc[BACKLOG, ["phase", "arrivals (mean)"]].tolist() == ["", "50,000"]
    assert not t.isna().any().any() and not by_day.isna().any().any()


def test_table_by_day_and_bad_arguments():
    t = roster_table(hand_made(), by="day")
    assert len(t) == ON.sum() + 2 and t.index[0] == "Sat 14 Feb"
    assert t.loc["Sat 21 Feb", ["phase", "workers/day"]].tolist() == ["restart", "900"]
    assert t.loc["Sun 22 Feb", "workers/day"] == "1,100" and "Mon 23 Feb" not in t.index
    assert t.loc[OUTSIDE_PROGRAMME, ["phase", "workers/day", "flat workers/day"]].tolist() == [
        "", "0", "0"]
    assert "dates" not in t.columns and not t.isna().any().any()
    with pytest.raises(ValueError, match="by must be one of phase, day, got 'week'"):
        roster_table(hand_made(), by="week")


def test_summary_table_states_each_constraint_beside_the_flat_programme():
    t = roster_summary_table(hand_made())
    assert t.columns.tolist() == ["roster", "flat programme", "limit"]
    row = t.loc["P(on-time >= 95%), programme-day parcels"]
    assert row.tolist() == ["93%", "91%", ">= 90%"]
    assert t.loc["P(programme bonus + compensation > budget)"].tolist() == ["5%", "8%",
                                                                           "<= 10%"]
    assert t.loc["expected cost (labour + compensation)"].tolist() == [
        "HK$ 80.0M", "HK$ 90.0M", "least"]
    assert t.loc["compensation (worst 10%, average)", "limit"] == "none"
    assert t.loc["programme worker-days"].tolist() == ["2,355", "4,500", ""]
    assert t.loc["late parcels in the window (mean)", "roster"] == "123,000"


def test_real_roster_draws_and_reconciles():
    s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-03-10"})
    dates = pd.date_range("2026-02-01", "2026-03-10")
    paths = 160_000 * np.random.default_rng(5).lognormal(0, 0.2, (25, len(dates)))
    sim = Simulator(paths, s, rng=np.random.default_rng(5), dates=dates)
    r = optimise_roster(sim, alpha=0.8, budget_risk=1.0, flat_workers=300, tail_limit=1e9)
    ax, ax2 = plot_roster(r).axes
    assert len(ax2.patches) == len(dates)
    assert all(np.isfinite(b.get_height()) for b in ax2.patches)
    assert ax.get_ylim()[1] >= r.daily["capacity-hi-80"].max()
    t = roster_table(r)
    total = r.daily["late"].sum()
    assert t.loc[TOTAL, "late parcels, roster (mean)"] == f"{float(f'{total:.3g}'):,.0f}"
    assert roster_summary_table(r).loc["compensation (worst 10%, average)", "limit"] == (
        "<= HK$ 1.0B")
