"""Tests for forecast.report.capacity_plots: each figure draws exactly its table.

Small hand-made results and frames (numbers chosen so that a wrong column, a dropped row,
a wrong order or an axis that hides the data shows), then one run of the real planning
functions on tiny paths.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from forecast.planning import tradeoff_curve  # noqa: E402
from forecast.sensitivity import compare_scenarios, tornado  # noqa: E402
from forecast.report import capacity_plots as cp  # noqa: E402
from forecast.scenario import Scenario  # noqa: E402
from forecast.simulation import METRICS, SimulationResults, Simulator, simulate  # noqa: E402

DATES = pd.date_range("2026-02-01", "2026-03-01")  # LNY day 1 = 2026-02-17 inside
LATE = np.array([0, 0, 0, 0, 0, 0, 5, 50, 500, 5000.0])  # 60% of paths: no late parcel


def results(late=LATE, compensation=None, programme_cost=3e6, budget=3.1e6, backlog=None):
    n = len(late)
    pp = pd.DataFrame({m: 0.0 for m in METRICS}, index=pd.RangeIndex(n, name="sample_id"))
    pp["late"] = late
    pp["compensation"] = 65.0 * np.asarray(late) if compensation is None else compensation
    pp["programme_cost"] = programme_cost
    pp["spend"] = pp["programme_cost"] + pp["compensation"]
    if backlog is None:
        backlog = np.random.default_rng(0).gamma(2, 1000, size=(n, len(DATES))).cumsum(axis=1)
    return SimulationResults(Scenario().updated({"budget": budget}), 0, pp, backlog, DATES)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def finite_lines(ax):
    return all(np.isfinite(np.asarray(line.get_xydata(), dtype=float)).all()
               for line in ax.get_lines())


def contains(lim, *values):
    lo, hi = sorted(lim)
    return all(lo <= v <= hi for v in values)


def test_late_distribution_histograms_the_paths_with_late_parcels():
    ax = cp.plot_late_distribution(results()).axes[0]
    bars = ax.patches
    heights = np.array([b.get_height() for b in bars])
    assert len(bars) == 39 and np.isfinite(heights).all()
    assert heights.sum() == 4  # the four paths with a late parcel, each counted once
    assert bars[0].get_x() == pytest.approx(1.0)  # log bins from 1 parcel ...
    assert bars[-1].get_x() + bars[-1].get_width() == pytest.approx(5000 * 1.05)  # ... to max
    assert ax.get_xscale() == "log" and contains(ax.get_xlim(), 5, 5000)
    assert ax.get_title() == "Late parcels per path: 60% of paths have none"
    # mean 555.5 and the worst 10% (1 path of 10: 5,000) marked and labelled at two heights
    assert [line.get_xdata()[0] for line in ax.get_lines()] == pytest.approx([555.5, 5000.0])
    assert [t.get_text() for t in ax.texts] == ["mean 556", "worst 10% (average) 5,000"]
    assert len({t.xy[1] for t in ax.texts}) == 2  # two heights: labels never overlap
    assert ax.get_xlabel() == "parcels delivered after the promise (log scale)"
    assert ax.get_ylabel() == "paths"


def test_late_distribution_without_late_parcels_draws_no_bars_and_says_so():
    ax = cp.plot_late_distribution(results(late=np.zeros(8))).axes[0]
    assert (len(ax.patches), len(ax.get_lines()), len(ax.texts)) == (0, 0, 0)
    assert ax.get_title() == "Late parcels per path: 100% of paths have none"


def test_cost_exceedance_draws_both_survival_curves_and_the_budget():
    comp = np.arange(10) * 1e5  # 0 .. 900k
    res = results(compensation=comp, programme_cost=3e6, budget=3.55e6)
    ax = cp.plot_cost_exceedance(res).axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "compensation", "programme + compensation", "budget HK$3.5M"]
    assert legend_texts(ax) == [line.get_label() for line in lines]
    survival = 1 - np.arange(1, 11) / 10  # P(cost > k-th smallest cost)
    for line, x in zip(lines[:2], (comp, comp + 3e6)):
        assert line.get_drawstyle() == "steps-post"
        np.testing.assert_allclose(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), survival)
    assert lines[2].get_xdata()[0] == 3.55e6
    # programme + compensation exceeds 3.55M on 3.6M .. 3.9M: 4 of 10 paths
    assert res.prob_over_budget == 0.4
    assert ax.get_title() == "Cost exceedance (P(over budget) = 40%)"
    assert ax.get_xlim() == pytest.approx((0, 3.9e6 * 1.3))  # the largest cost, with room
    assert ax.get_ylim() == pytest.approx((0.05, 1.3))  # down to half a path in 10
    assert (ax.get_xscale(), ax.get_yscale()) == ("symlog", "log")
    assert finite_lines(ax)


def test_cost_exceedance_keeps_a_budget_above_every_cost_in_view():
    ax = cp.plot_cost_exceedance(results(budget=40e6)).axes[0]
    assert contains(ax.get_xlim(), 40e6, 3e6 + 65 * 5000)


def test_backlog_fan_draws_the_intervals_and_the_mean_of_the_backlog():
    res = results()
    ax = cp.plot_backlog_fan(res, level=(50, 90)).axes[0]
    fan = res.backlog_fan(level=(50, 90))
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # widest first
    for band, lv in zip(bands, (90, 50)):
        y = band.get_paths()[0].vertices[:, 1]
        assert np.isfinite(y).all()
        assert y.min() == pytest.approx(fan[f"backlog-lo-{lv}"].min())
        assert y.max() == pytest.approx(fan[f"backlog-hi-{lv}"].max())
    mean = ax.get_lines()[0]
    assert mean.get_label() == "mean"
    np.testing.assert_allclose(mean.get_ydata(), res.backlog.mean(axis=0))
    assert len(mean.get_xdata()) == len(DATES)
    lny = ax.get_lines()[1:]  # one red line on LNY day 1
    assert len(lny) == 1 and pd.Timestamp(lny[0].get_xdata()[0]) == pd.Timestamp("2026-02-17")
    assert legend_texts(ax) == ["90% interval", "50% interval", "mean"]
    assert contains(ax.get_ylim(), 0, fan["backlog-hi-90"].max())
    assert contains(ax.get_xlim(), *mdates.date2num(DATES[[0, -1]]))
    assert ax.get_ylabel() == "parcels"


CURVE = pd.DataFrame({
    "workers": [0.0, 500, 1000, 1500, 2000],
    "mean_total_cost": [9e6, 6e6, 5e6, 5.5e6, 6.5e6],
    "worst_total_cost": [20e6, 11e6, 7e6, 6.2e6, 6.9e6],
    "prob_on_target": [0.0, 0.3, 0.8, 0.95, 1.0],
})


@pytest.mark.parametrize("recommended", [1234, 2600])  # inside and beyond the curve
def test_tradeoff_draws_the_curve_the_recommendation_and_the_probability(recommended):
    fig = cp.plot_tradeoff(CURVE, recommended=recommended)
    ax, ax2 = fig.axes
    expected, worst, rec = ax.get_lines()
    np.testing.assert_array_equal(expected.get_xdata(), CURVE["workers"])
    np.testing.assert_array_equal(expected.get_ydata(), CURVE["mean_total_cost"])
    np.testing.assert_array_equal(worst.get_ydata(), CURVE["worst_total_cost"])
    assert rec.get_xdata()[0] == recommended
    (prob,) = ax2.get_lines()
    np.testing.assert_array_equal(prob.get_ydata(), CURVE["prob_on_target"])
    assert ax2.get_ylim() == (0, 1.02)
    assert legend_texts(ax) == ["expected cost", "worst 10% (average)",
                                f"recommended: {recommended:,}",
                                "P(on-time target met)"]
    assert contains(ax.get_xlim(), 0, 2000, recommended)
    assert contains(ax.get_ylim(), 5e6, 20e6)
    assert finite_lines(ax) and finite_lines(ax2)
    assert (ax.get_xlabel(), ax2.get_ylabel()) == ("holiday programme workers", "probability")


def test_tradeoff_without_recommendation_draws_no_marker():
    ax = cp.plot_tradeoff(CURVE).axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["expected cost",
                                                              "worst 10% (average)"]


TORNADO = pd.DataFrame({
    "factor": ["demand_uplift"] * 2 + ["productivity"] * 2 + ["absenteeism"] * 2
    + ["compensation_rate"] * 2,
    "side": ["low", "high"] * 4,
    "value": [7e6, 15e6, 14e6, 8e6, 9e6, 11e6, 9.5e6, 10.6e6],
    "base": 10e6,
})


def test_tornado_draws_one_bar_per_factor_and_side_from_the_base_widest_on_top():
    ax = cp.plot_tornado(TORNADO).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # bottom to top by swing |high - low|: 1.1M, 2M, 6M, 8M
    assert labels == ["compensation rate", "absenteeism", "productivity", "demand uplift"]
    low, high = ax.containers
    assert legend_texts(ax) == ["low setting", "high setting"]
    wide = TORNADO.pivot(index="factor", columns="side", values="value")
    for row, factor in enumerate(["compensation_rate", "absenteeism", "productivity",
                                  "demand_uplift"]):
        for bars, side in ((low, "low"), (high, "high")):
            bar = bars.patches[row]
            assert bar.get_x() == 10e6  # every bar starts at the base case
            assert bar.get_x() + bar.get_width() == pytest.approx(wide.loc[factor, side])
            assert bar.get_y() + bar.get_height() / 2 == pytest.approx(row)
    assert ax.get_lines()[0].get_xdata()[0] == 10e6
    assert contains(ax.get_xlim(), 7e6, 15e6)
    assert ax.get_title() == "Sensitivity of the worst-10% total cost (average, HK$)"


SCENARIOS = pd.DataFrame({
    "labour_cost_mean": [1e6, 8e6, 6e6], "compensation_mean": [30e6, 2e6, 3e6],
    "late_mean": [9e9, 1.0, 2.0],
}, index=pd.Index(["shutdown as usual", "keep running", "optimised"], name="scenario"))


def test_scenarios_draw_three_cost_bars_per_scenario_in_the_given_order():
    ax = cp.plot_scenarios(SCENARIOS).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "shutdown as usual", "keep running", "optimised"]  # not alphabetical
    assert legend_texts(ax) == ["labour cost", "compensation", "total cost"]
    heights = np.array([[b.get_height() for b in c.patches] for c in ax.containers])
    np.testing.assert_array_equal(heights, [[1e6, 8e6, 6e6], [30e6, 2e6, 3e6],
                                            [31e6, 10e6, 9e6]])
    centres = [[b.get_x() + b.get_width() / 2 for b in c.patches] for c in ax.containers]
    np.testing.assert_allclose(np.mean(centres, axis=0), [0, 1, 2])  # grouped per scenario
    assert contains(ax.get_ylim(), 0, 31e6) and ax.get_ylim()[1] < 9e9  # "late" not drawn


def test_figures_of_the_real_planning_functions_match_their_frames():
    s = Scenario().updated({"window.start": "2026-02-01", "window.end": "2026-02-28",
                            "programme.start": "2026-02-10", "programme.end": "2026-02-23"})
    dates = pd.date_range("2026-02-01", "2026-02-28")
    paths = 190_000 * np.random.default_rng(0).lognormal(0, 0.25, size=(20, len(dates)))
    before = plt.get_fignums()
    res = simulate(paths, s, rng=np.random.default_rng(1), dates=dates)
    assert (res.per_path["late"] > 0).any()  # the figures below have a tail to show
    sim = Simulator(paths, s, rng=np.random.default_rng(1), dates=dates)
    curve = tradeoff_curve(sim, workers=[0, 750, 1500, 3000])
    figs = {
        "late": cp.plot_late_distribution(res),
        "cost": cp.plot_cost_exceedance(res),
        "backlog": cp.plot_backlog_fan(res),
        "tradeoff": cp.plot_tradeoff(curve, recommended=1500),
        "tornado": cp.plot_tornado(tornado(paths, s, rng=np.random.default_rng(2),
                                           dates=dates)),
        "scenarios": cp.plot_scenarios(compare_scenarios(paths, s, optimised=750,
                                                         rng=np.random.default_rng(3),
                                                         dates=dates)),
    }
    assert plt.get_fignums() == before  # every figure closed in pyplot
    for name, fig in figs.items():
        for ax in fig.axes:
            assert finite_lines(ax), name
            assert all(np.isfinite([p.get_height(), p.get_width()]).all()
                       for p in ax.patches), name
    late_bars = figs["late"].axes[0].patches
    assert sum(b.get_height() for b in late_bars) == (res.per_path["late"] >= 1).sum()
    np.testing.assert_allclose(figs["tradeoff"].axes[0].get_lines()[0].get_ydata(),
                               curve["mean_total_cost"])
    assert len(figs["tornado"].axes[0].patches) == 8
    assert len(figs["scenarios"].axes[0].patches) == 9
