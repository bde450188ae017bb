"""Contract, invariants and recovery tests for forecast.models (fast ones)."""

import numpy as np
import pandas as pd
import pytest
from conftest import fit_sample

from forecast.models import MODEL_ALIASES, StateSpaceModel, make_model
from forecast.models import Components
from forecast.models.calibration import NO_FOLD_SCALES, calibration_folds, fit_scales
from forecast.models.ensemble import allocate_paths, mixture_weights
from forecast.models.testing import TOY_LNY_TRUTH, toy_history


@pytest.fixture(scope="module")
def toy():
    return toy_history(years=4, seed=3)


@pytest.fixture(scope="module")
def fitted(toy):
    return StateSpaceModel().fit(toy, rng=np.random.default_rng(0))


def test_make_model_knows_every_alias():
    for alias in MODEL_ALIASES:
        assert make_model(alias).alias == alias
    with pytest.raises(ValueError, match="unknown model alias"):
        make_model("arima")
    with pytest.raises(ValueError, match="unknown option"):
        make_model("statespace", colour="red")


def test_sample_paths_contract(fitted, toy):
    paths = fitted.sample_paths(10, n_paths=30, rng=np.random.default_rng(1))
    assert paths.columns.tolist() == ["unique_id", "ds", "sample_id", "y"]
    assert len(paths) == 300
    assert paths.ds.min() == toy.ds.max() + pd.Timedelta(days=1)
    assert paths.ds.nunique() == 10 and paths.sample_id.nunique() == 30
    assert (paths.y >= 0).all()


def test_sample_paths_deterministic_under_seed(fitted):
    a = fitted.sample_paths(7, n_paths=20, rng=np.random.default_rng(5))
    b = fitted.sample_paths(7, n_paths=20, rng=np.random.default_rng(5))
    c = fitted.sample_paths(7, n_paths=20, rng=np.random.default_rng(6))
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.y, c.y)


def test_refit_is_deterministic(toy):
    a = StateSpaceModel(calibrate=False).fit(toy).sample_paths(5, n_paths=10, rng=np.random.default_rng(0))
    b = StateSpaceModel(calibrate=False).fit(toy).sample_paths(5, n_paths=10, rng=np.random.default_rng(0))
    pd.testing.assert_frame_equal(a, b)


def test_predict_columns_and_order(fitted):
    s = fitted.predict(5, level=(80, 95), n_paths=200)
    assert s.columns.tolist() == ["unique_id", "ds", "statespace", "statespace-lo-80",
                                  "statespace-hi-80", "statespace-lo-95", "statespace-hi-95"]
    assert (s["statespace-lo-95"] <= s["statespace-lo-80"]).all()
    assert (s["statespace-lo-80"] <= s["statespace"]).all()
    assert (s["statespace"] <= s["statespace-hi-80"]).all()
    with pytest.raises(ValueError, match="level"):
        fitted.predict(5, level=(0,))


def test_sampling_before_fit_is_an_error():
    with pytest.raises(ValueError, match="call fit"):
        make_model("statespace").sample_paths(5)


def test_many_series(toy):
    two = pd.concat([toy, toy_history(years=4, seed=4, unique_id="b", level=5000.0)])
    paths = StateSpaceModel(calibrate=False).fit(two).sample_paths(3, n_paths=5, rng=np.random.default_rng(0))
    assert sorted(paths.unique_id.unique()) == ["b", "toy"]
    means = paths.groupby("unique_id").y.mean()
    assert means["b"] < means["toy"]


def test_lny_effects_recovered(fitted):
    eff = fitted.lny_effects_.set_index("phase").multiplier
    for phase, truth in TOY_LNY_TRUTH.items():
        assert abs(eff[phase] / truth - 1) < 0.15, (phase, eff[phase], truth)


def test_paths_are_dependent_day_to_day(fitted):
    p = fitted.sample_paths(30, n_paths=400, rng=np.random.default_rng(2))
    m = np.log(p.y.to_numpy().reshape(400, 30))
    dev = m - m.mean(axis=0)
    assert np.corrcoef(dev[:, 10], dev[:, 11])[0, 1] > 0.2


def test_calibration_is_recorded(fitted):
    cal = fitted.calibration_
    assert cal.loc[0, "n_folds"] >= 2
    for col in ("shared_scale", "noise_scale", "cov80_before", "cov80_after"):
        assert np.isfinite(cal.loc[0, col])


def test_constant_series_rejected():
    df = toy_history(years=2).assign(y=7.0)
    with pytest.raises(ValueError, match="constant"):
        StateSpaceModel().fit(df)


def test_history_below_the_minimum_is_rejected_naming_it():
    df = toy_history(years=1, end="2025-12-31").iloc[60:]  # 305 days
    with pytest.raises(ValueError, match="305 days of history .* at least 330"):
        StateSpaceModel().fit(df)


def test_negative_values_rejected(toy):
    bad = toy.copy()
    bad.loc[5, "y"] = -1.0
    with pytest.raises(ValueError, match=">= 0"):
        StateSpaceModel().fit(bad)


def test_huge_outlier_does_not_bend_the_forecast(toy, fitted):
    spiked = toy.copy()
    spiked.loc[len(spiked) - 40, "y"] *= 1000
    spiked.loc[len(spiked) - 400, "y"] = 0.0
    m = StateSpaceModel(calibrate=False).fit(spiked)
    eff = m.lny_effects_.set_index("phase").multiplier
    assert abs(eff["closure"] / TOY_LNY_TRUTH["closure"] - 1) < 0.15
    a = m.predict(28, n_paths=200)["statespace"].sum()
    b = fitted.predict(28, n_paths=200)["statespace"].sum()
    assert abs(a / b - 1) < 0.1


def test_structural_break_history_is_dropped():
    df = toy_history(years=4, seed=1)
    df.loc[: 500, "y"] *= 0.05  # e.g. a border closure in the first 500 days
    m = StateSpaceModel(calibrate=False).fit(df)
    recent = df.y.iloc[-28:].mean()
    assert 0.7 < m.predict(28, n_paths=200)["statespace"].mean() / recent < 1.4


def test_lunar_naive_contract_and_short_history(toy):
    m = make_model("lunar-naive").fit(toy)
    p = m.sample_paths(20, n_paths=15, rng=np.random.default_rng(0))
    assert len(p) == 300 and (p.y >= 0).all()
    with pytest.raises(ValueError, match=r"one lunar year .*about 15 months.*--model auto"):
        make_model("lunar-naive").fit(toy.iloc[:200])
    with pytest.raises(ValueError, match=r"more than one lunar year after .*--model auto"):
        m.sample_paths(420, n_paths=5, rng=np.random.default_rng(0))


def test_calibration_folds_need_history_and_horizon():
    ds = pd.date_range("2022-06-01", "2025-02-10")
    years = [f.lny.year for f, _n in calibration_folds(ds)]
    assert years == [2024]  # 2025: horizon not observed; 2023: < 330 days before
    # inside a regime that starts later, training is counted from the regime start
    assert calibration_folds(ds, start=300) == []  # 291 days in the regime
    assert [n for _f, n in calibration_folds(ds, start=200)] == [591]


def _folds(true_sd, model_sd, n=3, h=56, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    mask = np.zeros(h, bool)
    mask[21:43] = True
    for _ in range(n):
        center = np.full(h, np.log1p(1000.0))
        comps = Components(center, np.zeros((300, h)), rng.normal(0, model_sd, (300, h)))
        actual = np.expm1(center + rng.normal(0, true_sd, h))
        out.append((comps, actual, mask))
    return out


def test_fit_scales_widens_too_narrow_paths():
    res = fit_scales(_folds(true_sd=0.2, model_sd=0.1))
    assert res["noise_scale"] > 1.3
    assert res["cov80_before"] < 0.6 and abs(res["cov80_after"] - 0.8) < 0.12
    no_fold = fit_scales([])
    assert (no_fold["shared_scale"], no_fold["noise_scale"]) == NO_FOLD_SCALES  # wider


def test_mixture_weights_and_allocation():
    assert mixture_weights(np.array([np.nan, 1.0])).tolist() == [1.0, 0.0]
    w = mixture_weights(np.array([0.1, 0.2, 0.4]))
    assert np.isclose(w.sum(), 1) and w[0] > w[1] > w[2]
    counts = allocate_paths(w, 101)
    assert counts.sum() == 101 and (counts >= 0).all()


def test_no_lny_in_current_regime_falls_back_to_unknown_effects():
    df = toy_history(years=3, end="2025-12-31", seed=2)
    df.loc[: len(df) - 300, "y"] *= 0.05  # every past LNY before a 20x level change
    m = StateSpaceModel(calibrate=False).fit(df)
    assert np.allclose(m.lny_effects_.multiplier, 1.0, atol=0.01)
    assert m.states_["toy"].n_windows < 0.01
    p = m.sample_paths(60, n_paths=300, rng=np.random.default_rng(0))  # spans LNY 2026 (17 Feb)
    width = p.groupby("ds").y.quantile(0.9) / p.groupby("ds").y.quantile(0.1)
    assert width.loc["2026-02-17"] > width.loc["2026-01-02"]  # LNY days are less certain


def test_lny_block_follows_the_official_days_off():
    from forecast.models.features import lny_block

    ds = pd.date_range("2024-01-25", "2025-02-20")
    tw = ds[lny_block("TW", ds)].strftime("%Y-%m-%d").tolist()
    # TW 2024: Thu 8 Feb (bridge) .. Wed 14 Feb; 2025: Sat 25 Jan .. Sun 2 Feb
    assert tw == [d.strftime("%Y-%m-%d") for d in pd.date_range("2024-02-08", "2024-02-14")] + [
        d.strftime("%Y-%m-%d") for d in pd.date_range("2025-01-25", "2025-02-02")]
    hk = ds[lny_block("HK", ds)]
    assert hk.min() == pd.Timestamp("2024-02-10") and pd.Timestamp("2024-02-14") not in hk
    assert not lny_block(None, ds).any()


def test_holiday_block_switches_weekday_effects_off_inside_it():
    from forecast.models.features import FeatureSpec, lny_block

    ds = pd.date_range("2022-01-01", "2025-06-30")
    spec = FeatureSpec.for_history(ds, country="TW", holiday_block=True)
    X, groups = spec.matrix(ds)
    block = lny_block("TW", ds)
    assert np.all(X[block][:, groups["week"]] == 0)
    assert np.array_equal(X[:, groups["block"]][:, 0] == 1, block)
    X0, g0 = FeatureSpec.for_history(ds, country="TW").matrix(ds)
    assert "block" not in g0 and X0[block][:, g0["week"]].sum() > 0


def test_a_makeup_working_day_is_forecast_at_a_working_days_level():
    # CN works some weekends in exchange for holidays (Sun 28 Sep, Sat 11 Oct 2025)
    from forecast.models.features import makeup_workdays

    hist = toy_history(years=4, end="2025-09-20", seed=5)
    work = makeup_workdays("CN", pd.DatetimeIndex(hist.ds))
    assert work.sum() >= 20 and not makeup_workdays("HK", pd.DatetimeIndex(hist.ds)).any()
    week = np.array([1.12, 1.06, 1.03, 1.01, 1.04, 0.95, 0.79])  # toy_history's weekly cycle
    hist.loc[work, "y"] *= week[4] / week[hist.ds[work].dt.day_of_week]  # a Friday's level
    m = StateSpaceModel(country="CN", calibrate=False).fit(hist, rng=np.random.default_rng(0))
    med = m.predict(30, n_paths=400, rng=np.random.default_rng(1)).set_index("ds")["statespace"]
    friday = med[["2025-09-26", "2025-10-17"]].mean()
    for day in ("2025-09-28", "2025-10-11"):
        assert abs(med[day] / friday - 1) < 0.03, day


def test_a_makeup_day_of_a_site_closed_at_weekends_is_open():
    from forecast.models.features import makeup_workdays

    hist = toy_history(years=4, end="2025-09-20", seed=5)
    work = makeup_workdays("CN", pd.DatetimeIndex(hist.ds))
    hist.loc[(hist.ds.dt.day_of_week >= 5) & ~work, "y"] = 0.0  # closed at weekends
    m = StateSpaceModel(country="CN", calibrate=False).fit(hist, rng=np.random.default_rng(0))
    p = m.predict(30, n_paths=400, rng=np.random.default_rng(1)).set_index("ds")["statespace"]
    assert p["2025-09-27"] == 0 and p["2025-10-12"] == 0  # an ordinary weekend: closed
    assert p["2025-09-28"] > 0.8 * p["2025-09-26"] and p["2025-10-11"] > 0.8 * p["2025-10-10"]


def test_best_needs_a_clear_margin_to_leave_the_first_component():
    assert mixture_weights(np.array([0.10, 0.09]), combine="best", margin=0.2).tolist() == [1.0, 0.0]
    assert mixture_weights(np.array([0.10, 0.07]), combine="best", margin=0.2).tolist() == [0.0, 1.0]
    assert mixture_weights(np.array([0.10, 0.09]), combine="best").tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="margin"):
        make_model("auto", margin=1.5)


def test_recent_level_restarts_from_the_last_days_mean():
    from forecast.models.residuals import LevelAR, recent_level

    dyn = LevelAR(level=0.0, level_var=1e-6, ar0=0.0, phi=0.5, step_var=0.0, noise_var=0.01)
    z = np.r_[np.zeros(300), 0.3 + 0.01 * np.sin(np.arange(56))]
    out = recent_level(dyn, z, days=56)
    assert abs(out.level - 0.3) < 0.01 and out.level_var >= dyn.level_var
    assert out.center(1)[0] == pytest.approx(out.level + out.ar0 * 0.5)


def test_statespace_recent_follows_a_late_level_shift():
    df = toy_history(years=4, seed=2)
    df.loc[len(df) - 56:, "y"] *= 1.3  # the last 8 weeks: 30% up
    recent = df.y.iloc[-28:].mean()
    ratio = {a: make_model(a, calibrate=False).fit(df).predict(14, n_paths=200)[a].mean() / recent
             for a in ("statespace", "statespace-recent")}
    assert 0.95 < ratio["statespace-recent"] < 1.05
    assert abs(ratio["statespace-recent"] - 1) < abs(ratio["statespace"] - 1)
    with pytest.raises(ValueError, match="level_days"):
        make_model("statespace", level_days=-3)
    assert make_model("auto").components[1] == "statespace-recent"


def _lny_window_changed(seed: int, year: int, factor: float):
    """The toy (6 years to 2026-01-19) with LNY ``year``'s window (LNY-7..+14) times
    ``factor``: the next LNY window total's median forecast relative to the clean
    history's, and the changed history's fitted model."""
    from forecast.calendar import days_to_lny, lunar_new_year

    clean = toy_history(years=6, end="2026-01-19", seed=seed, sigma=0.08)
    off = days_to_lny(pd.DatetimeIndex(clean.ds))
    changed = clean.copy()
    sel = (changed.ds.dt.year == year) & (off >= -7) & (off <= 14)
    changed.loc[sel, "y"] = (changed.loc[sel, "y"] * factor).round()
    lny = pd.Timestamp(lunar_new_year(2026))
    totals = []
    for df in (clean, changed):
        p, model, _ = fit_sample(df, 36, 400, StateSpaceModel(country=None))
        totals.append(p[p.ds >= lny - pd.Timedelta(days=7)].groupby("sample_id").y.sum().median())
    return totals[1] / totals[0], model


def test_one_odd_lny_year_does_not_pull_the_next_lny():
    """Kaohsiung's LNY 2022 (a pandemic year, its whole window ~0.8x the others) pulled
    every later LNY forecast low: day-level Huber weights barely touch a window that is off
    by 2-3 daily noise sds. Same kind on the toy: the 2024 window at 0.78x; the next LNY
    window total fell 5-6% below the clean history's forecast (0.945-0.953 over 3 seeds)."""
    for seed in (1, 2, 3):
        ratio, _ = _lny_window_changed(seed, 2024, 0.78)
        assert 0.975 < ratio < 1.025, (seed, ratio)


def test_a_lasting_change_of_the_latest_lny_is_still_followed_in_part():
    """The odd-year weights must not write off the latest LNY: it may be a new normal. The
    toy's 2025 window raised 25%: the next window forecast moved +7% without any window
    weights, +2% when the latest window could fall to 0.1-0.4 of its weight, +4% now."""
    ratios = []
    for seed in (1, 2, 3):
        ratio, model = _lny_window_changed(seed, 2025, 1.25)
        ratios.append(ratio)
        facts = model.calibration_.facts.iloc[0]
        assert "count less in the LNY effects" in facts and "LNY 2025 (0." in facts, facts
    assert np.mean(ratios) > 1.035, ratios
