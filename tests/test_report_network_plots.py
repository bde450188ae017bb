"""Tests for forecast.report.network_plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.report.network_plots import plot_hubs


def test_hub_chart_skips_hubs_left_out_and_puts_the_largest_on_top():
    hubs = pd.DataFrame({
        "window_demand_mean": [1e6, 3e6, np.nan], "window_demand_lo_80": [0.9e6, 2.8e6, np.nan],
        "window_demand_hi_80": [1.1e6, 3.3e6, np.nan], "planned_workers": [300, 500, np.nan],
        "programme_workers": [40, 90, np.nan],
    }, index=["small", "big", "left-out"])
    volume, workers = plot_hubs(hubs).axes
    assert [t.get_text() for t in volume.get_yticklabels()] == ["small", "big"]
    assert [round(p.get_width()) for p in volume.patches] == [1_000_000, 3_000_000]
    # the interval is drawn from lo to hi around the mean
    (lines,) = volume.collections
    assert [tuple(s[:, 0].round()) for s in lines.get_segments()] == [(9e5, 1.1e6), (2.8e6, 3.3e6)]
    assert sorted(round(p.get_width()) for p in workers.patches) == [40, 90, 300, 500]


def test_hub_chart_draws_a_mean_outside_its_interval_and_only_the_busiest_hubs():
    """A mixture's mean can lie outside its 80% interval (rare closures): matplotlib error
    bars refused the negative length and the whole network run failed."""
    hubs = pd.DataFrame({
        "window_demand_mean": [1e6, 2e6, 3e6], "window_demand_lo_80": [1.05e6, 1.8e6, 2.9e6],
        "window_demand_hi_80": [1.2e6, 2.2e6, 3.1e6], "planned_workers": [1, 2, 3],
        "programme_workers": [1, 2, 3]}, index=["c", "b", "a"])
    volume, _ = plot_hubs(hubs, max_hubs=2).axes
    assert [t.get_text() for t in volume.get_yticklabels()] == ["b", "a"]
    assert "the 2 busiest" in volume.get_title()
