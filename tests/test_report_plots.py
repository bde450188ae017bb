import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from forecast.report import plots
from forecast.synthetic import generate_demo


@pytest.fixture(scope="module")
def history():
    df = generate_demo()
    return df[df["ds"] >= "2022-01-01"]


def _paths(history, n_paths=30, h=45, seed=0):
    rng = np.random.default_rng(seed)
    last = history["ds"].max()
    ds = pd.date_range(last + pd.Timedelta(days=1), periods=h)
    y = rng.gamma(50, 2000, size=(n_paths, h))
    return pd.DataFrame({"unique_id": "total", "ds": np.tile(ds, n_paths),
                         "sample_id": np.repeat(np.arange(n_paths), h), "y": y.ravel()})


def test_every_plot_returns_a_closed_figure(history):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    figs = [
        plots.plot_history(history),
        plots.plot_lny_overlay(history, "total"),
        plots.plot_fan(history, _paths(history)),
        plots.plot_window_total(np.arange(100.0), actual=50.0),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(plt.get_fignums()) == before  # nothing left open in pyplot


def test_overlay_draws_one_line_per_complete_year(history):
    fig = plots.plot_lny_overlay(history, "total")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert {"2023", "2024", "2025"} <= set(labels) and "2022" not in labels  # no baseline


def test_overlay_keeps_the_usual_years_readable_beside_an_odd_one(history):
    """HK's LNY 2023 (the border reopened inside its baseline weeks) peaked at ~11x its
    baseline and flattened every other year into a line at 1."""
    usual = plots.plot_lny_overlay(history, "total")
    assert not any("off the scale" in line.get_label() for line in usual.axes[0].get_lines())
    odd = history.copy()
    lny23 = pd.Timestamp("2023-01-22")
    near = (odd["ds"] - lny23).dt.days.between(-14, 14) & (odd["unique_id"] == "total")
    odd.loc[near, "y"] *= 10.0
    fig = plots.plot_lny_overlay(odd, "total")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert any(lab.startswith("2023 (up to ") and lab.endswith("x: off the scale)")
               for lab in labels)
    assert fig.axes[0].get_ylim()[1] < 5  # the others' peaks (~1.2-1.6x) stay visible


def test_fan_bands_are_nested(history):
    fig = plots.plot_fan(history, _paths(history), level=(50, 95))
    bands = fig.axes[0].collections[:2]  # drawn widest first
    wide, narrow = (b.get_paths()[0].vertices[:, 1] for b in bands)
    assert np.ptp(wide) >= np.ptp(narrow)


def test_chinese_series_names_render_with_the_bundled_font(history, recwarn):
    renamed = history.assign(unique_id=history["unique_id"].replace({"total": "全網絡"}))
    fig = plots.plot_lny_overlay(renamed, "全網絡")
    fig.canvas.draw()
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


def test_a_fan_over_next_years_lny_shows_the_last_months_not_a_year():
    """Planned from this year's data, next year's LNY window was a sliver at the right edge
    of a 13-month fan chart."""
    import matplotlib.dates as mdates

    hist = generate_demo()
    hist = hist[hist["ds"] >= "2024-01-01"]
    fig = plots.plot_fan(hist, _paths(hist, h=440), history_days=45)
    ax = fig.axes[0]
    lo, hi = (mdates.num2date(x).date() for x in ax.get_xlim())
    assert (hi - lo).days < 180
    assert not any(line.get_label() == "history" for line in ax.get_lines())  # a year
    # before: not drawn, nor named in the legend
    assert "history" not in [t.get_text() for t in ax.get_legend().get_texts()]
    short = plots.plot_fan(hist, _paths(hist, h=45), history_days=45).axes[0]
    history_line = [x for x in short.get_lines() if x.get_label() == "history"][0]
    assert len(history_line.get_xdata()) == 45  # the usual chart keeps its history
