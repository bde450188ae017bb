"""Tests for forecast.backtest: shapes, scores against obvious references, errors."""

import numpy as np
import pytest

from forecast.backtest import backtest, backtest_years, compare, score_paths
from forecast.models import make_model
from forecast.models.testing import toy_history


@pytest.fixture(scope="module")
def result():
    df = toy_history(years=4, seed=7)
    return backtest(df, ["lunar-naive", make_model("statespace", calibrate=False)],
                    lny_years=[2024, 2025], n_paths=60, rng=np.random.default_rng(1))


def test_backtest_shapes(result):
    d = result.daily
    assert set(d.model) == {"lunar-naive", "statespace"}
    assert len(d) == 2 * 2 * 56
    assert d.groupby(["model", "lny_year"]).offset.agg(["min", "max"]).eq([-28, 27]).all().all()
    assert len(result.windows) == 4 and len(result.fits) == 4
    assert (d.crps >= 0).all()


def test_compare_table(result):
    t = compare(result)
    assert t.model.tolist()[0] == "statespace"  # the regression beats last year's values
    assert {"scaled_crps", "coverage_80", "coverage_95", "window_coverage_80", "wape",
            "pinball_10", "pinball_50", "pinball_90"} <= set(t.columns)
    assert t.scaled_crps.is_monotonic_increasing
    assert ((t.coverage_80 >= 0) & (t.coverage_80 <= t.coverage_95)).all()


def test_score_paths_matches_bruteforce_crps():
    rng = np.random.default_rng(0)
    paths, actual = rng.gamma(3, 2, (40, 3)), np.array([1.0, 6.0, 20.0])
    s = score_paths(actual, paths)
    for j in range(3):
        x = paths[:, j]
        ref = np.abs(x - actual[j]).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
        assert np.isclose(s["crps"][j], ref, rtol=1e-6)
    assert s["in_95"][1] and not s["in_95"][2]


def test_backtest_rejects_uncovered_years_and_bad_window():
    df = toy_history(years=2, end="2025-01-31")
    with pytest.raises(ValueError, match="must cover"):
        backtest(df, ["lunar-naive"], lny_years=[2025])
    with pytest.raises(ValueError, match="inside the horizon"):
        backtest(df, ["lunar-naive"], lny_years=[2024], horizon=20)


def test_a_folds_short_history_warning_names_the_fold():
    from forecast.models import ShortHistoryWarning
    from forecast.models.testing import toy_history

    df = toy_history(years=2.2, end="2025-03-31", seed=1)
    with pytest.warns(ShortHistoryWarning, match=r"^backtest fold LNY 2024 \(history to "
                                                 r"2024-01-12\): statespace: series 'toy'"):
        backtest(df, ["statespace"], lny_years=[2024], n_paths=20,
                 rng=np.random.default_rng(0))
