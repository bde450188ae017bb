"""Tests for forecast.plan: the chain on objects, the decision, the forecast cache."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import NO_ROSTER, SMALL

from forecast.calendar import WINDOW
from forecast.plan import PlanConfig, plan_from_files, run_plan
from forecast.plan_forecast import backtest_years
from forecast.report.tables import phase_forecast
from forecast.scenario import Scenario


def test_plan_covers_the_planning_window_with_joint_paths(small_run):
    run = small_run
    w = run.scenario.window
    assert run.paths["ds"].min() == run.history["ds"].max() + pd.Timedelta(days=1)
    assert run.paths["ds"].max() == pd.Timestamp(w.end)
    assert run.paths["sample_id"].nunique() == SMALL["n_paths"]
    assert run.lny == pd.Timestamp("2026-02-17")


def test_recommendation_meets_the_target_and_one_worker_fewer_does_not(small_run):
    run, cfg = small_run, small_run.config
    rec = run.recommendation
    table = run.decision_table()
    assert table.loc["recommended", "programme_workers"] == rec.workers
    assert table.loc["recommended", "p_on_time"] >= cfg.alpha
    assert (table.drop(columns="p_on_time") >= 0).all().all()
    # without programme workers nothing is processed on programme days: no path meets
    # the target, so the service headcount is positive and one fewer must miss it
    sim = run.simulator()
    assert sim.results(rec.workers).per_path.equals(run.recommended.per_path)
    assert sim.results(0).prob_on_time(cfg.target) == 0
    assert rec.service_workers > 0 and rec.workers >= rec.service_workers
    assert sim.results(rec.service_workers).prob_on_time(cfg.target) >= cfg.alpha
    assert sim.results(rec.service_workers - 1).prob_on_time(cfg.target) < cfg.alpha


def test_what_ifs_state_the_plans_own_figures(small_run):
    """The scenario comparison and the tornado reuse the plan's supply draws: their
    recommendation and 'as planned' rows are the decision table's (notebook 03 once showed
    97% and 79,400 late parcels where notebook 04 and page 1 showed 98% and 94,000)."""
    run, target = small_run, small_run.config.target
    comp = run.scenarios
    pd.testing.assert_series_equal(comp.loc["optimised"].astype(float),
                                   run.recommended.decision_summary(target).astype(float),
                                   check_names=False)
    if run.scenario.operations.mode == "keep-running":
        pd.testing.assert_series_equal(comp.loc["keep running"].astype(float),
                                       run.as_planned.decision_summary(target).astype(float),
                                       check_names=False)
    base = run.tornado["base"].unique()
    assert len(base) == 1
    assert base[0] == pytest.approx(run.recommended.tail_mean("total_cost"))


def test_tradeoff_range_contains_the_recommendation(small_run):
    workers = small_run.tradeoff["workers"]
    assert small_run.recommendation.workers in set(workers)
    assert workers.min() == 0 and workers.is_monotonic_increasing


def test_backtest_table_lists_the_references_and_the_model(small_run):
    assert {"lunar-naive", "prophet-builtin", "prophet-window"} <= set(small_run.backtest["model"])
    assert small_run.backtest_years == (2025,)


def test_backtest_years_are_those_the_history_supports(demo_history):
    total = demo_history[demo_history["unique_id"] == "total"]
    assert backtest_years(total, 3) == [2023, 2024, 2025]
    assert backtest_years(total, 0) == []
    short = total[total["ds"] >= "2022-01-01"]  # LNY 2024 is the first with 730 days before LNY-28
    assert backtest_years(short, 5) == [2024, 2025]


def test_fewer_backtest_years_than_asked_is_a_note_not_an_error(demo_history):
    short = demo_history[demo_history["ds"] >= "2022-01-01"]
    run = run_plan(short, Scenario.from_toml(NO_ROSTER),
                   PlanConfig(**{**SMALL, "backtest_lny": 5, "n_paths": 20}))
    assert run.backtest_years == (2024, 2025)
    assert any("supports 2 of the 5" in note and "--backtest-lny" in note for note in run.notes)


def test_same_seed_same_plan_and_another_seed_another(demo_history):
    s = Scenario.from_toml(NO_ROSTER)
    cfg = PlanConfig(**{**SMALL, "backtest_lny": 0, "n_paths": 30})
    a, b = run_plan(demo_history, s, cfg), run_plan(demo_history, s, cfg)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    pd.testing.assert_frame_equal(a.decision_table(), b.decision_table())
    c = run_plan(demo_history, s, dataclasses.replace(cfg, seed=1))
    assert not a.paths["y"].equals(c.paths["y"])


def test_cache_reuses_the_forecast_for_a_staffing_what_if(demo_history, monkeypatch):
    from forecast import plan_forecast

    s = Scenario.from_toml(NO_ROSTER)
    cfg = PlanConfig(**{**SMALL, "backtest_lny": 0, "n_paths": 30, "seed": 11})
    first = run_plan(demo_history, s, cfg, cache=True)

    def no_forecast(*args, **kwargs):
        raise AssertionError("the demand forecast was recomputed although it was cached")

    monkeypatch.setattr(plan_forecast, "demand_forecast", no_forecast)
    what_if = run_plan(demo_history, s.updated({"programme.workers": 10.0}), cfg, cache=True)
    pd.testing.assert_frame_equal(what_if.paths, first.paths)
    assert any("reused from the cache" in note for note in what_if.notes)
    with pytest.raises(AssertionError, match="recomputed"):  # another seed is not cached
        run_plan(demo_history, s, dataclasses.replace(cfg, seed=12), cache=True)


@pytest.mark.parametrize("field, value, match", [
    ("model", "arima", r"model \(CLI: --model\) must be one of"),
    ("n_paths", 0, "n_paths"),
    ("target", 1.5, "target"),
    ("seed", -1, "seed"),
    ("gaps", "drop", r"gaps \(CLI: --gaps\) must be one of"),
    ("country", "XX", r"country \(CLI: --country\) must be"),
    ("budget_risk", 1.5, "budget_risk"),
    ("tail_limit", -1.0, "tail_limit"),
    ("lny_year", 1800, "lny_year"),
])
def test_config_validates(field, value, match):
    with pytest.raises(ValueError, match=match):
        PlanConfig(**{field: value})


def test_config_from_parameters_needs_every_field():
    params = {f.name: f.default for f in dataclasses.fields(PlanConfig)}
    assert PlanConfig.from_parameters({**params, "other": 1}) == PlanConfig()
    del params["seed"]
    with pytest.raises(ValueError, match="seed"):
        PlanConfig.from_parameters(params)


def _scenario(tmp_path, text):
    toml = tmp_path / "s.toml"
    toml.write_text(text)
    return Scenario.from_toml(toml)


def test_window_before_the_end_of_history_is_an_error(demo_history, tmp_path):
    s = _scenario(tmp_path, '[window]\nstart = 2025-01-10\nend = 2025-02-28\n'
                            '[programme]\nstart = 2025-01-22\nend = 2025-02-04\n')
    with pytest.raises(ValueError, match=r"plan a window after the history: --lny 2026 "
                                         r"\(lny_year=2026\) moves"):
        run_plan(demo_history, s, PlanConfig(**SMALL))


def test_next_years_lny_can_be_planned_but_not_further(demo_history, tmp_path):
    cut = demo_history[demo_history["ds"] <= "2025-03-31"]  # LNY 2026 is 323 days later
    run = run_plan(cut, Scenario.from_toml(NO_ROSTER), PlanConfig(**{**SMALL, "n_paths": 20,
                                                                      "backtest_lny": 0}))
    assert run.paths["ds"].max() == pd.Timestamp("2026-03-20")
    assert not any("checked up to" in w for w in run.warnings)
    further = demo_history[demo_history["ds"] <= "2024-12-31"]  # 444 days: plans, and warns
    run = run_plan(further, Scenario.from_toml(NO_ROSTER),
                   PlanConfig(**{**SMALL, "model": "statespace", "n_paths": 20,
                                 "backtest_lny": 0}))
    assert any("444 days after the history" in w for w in run.warnings)
    # these paths also hold LNY 2025 (29 Jan): the window totals and the phase forecast are
    # those of the planned LNY 2026 only
    off = (run.paths["ds"] - pd.Timestamp("2026-02-17")).dt.days
    inside = run.paths[off.between(*WINDOW)].groupby("sample_id")["y"].sum()
    np.testing.assert_allclose(run.window_totals(), inside.to_numpy())
    phases = phase_forecast(run.paths, lny=run.lny)
    assert len(phases) == 5 and all(d.year == 2026 for d in phases["first_day"])
    too_far = demo_history[demo_history["ds"] <= "2023-12-31"]
    with pytest.raises(ValueError, match="at most 800 days ahead"):
        run_plan(too_far, Scenario.from_toml(NO_ROSTER), PlanConfig(**SMALL))


def test_lny_year_plans_another_lny_with_the_scenarios_dates_moved(demo_history):
    cut = demo_history[demo_history["ds"] <= "2024-03-31"]  # plan LNY 2025 a year ahead
    config = PlanConfig(**{**SMALL, "model": "lunar-naive", "n_paths": 20, "backtest_lny": 0,
                           "lny_year": 2025})
    run = run_plan(cut, Scenario.from_toml(NO_ROSTER), config)  # moved by run_plan
    assert run.lny == pd.Timestamp("2025-01-29") and run.scenario.lny.year == 2025
    assert run.paths["ds"].max() == pd.Timestamp(run.scenario.window.end)
    with pytest.raises(ValueError, match=r"lny_year \(CLI: --lny\) must be a year"):
        PlanConfig(lny_year=2026.0)


def test_series_plans_another_series_with_the_same_scenario(demo_history):
    config = PlanConfig(**{**SMALL, "model": "lunar-naive", "n_paths": 20, "backtest_lny": 0,
                           "series": "kowloon-bay"})
    run = run_plan(demo_history, Scenario.from_toml(NO_ROSTER), config)
    assert run.unique_id == "kowloon-bay" and set(run.paths["unique_id"]) == {"kowloon-bay"}
    hub = demo_history[demo_history["unique_id"] == "kowloon-bay"]
    assert run.history["y"].sum() == hub["y"].sum()
    with pytest.raises(ValueError, match=r"series \(CLI: --series\) must be a series"):
        PlanConfig(series=None)


def test_next_lny_year_is_the_first_whose_window_starts_after_the_history():
    from forecast.plan import next_lny_year

    def ending(last):
        return pd.DataFrame({"unique_id": "t", "ds": pd.date_range(end=last, periods=400),
                             "y": 1.0})

    s = Scenario()  # LNY 2026 (17 February), window from 20 January
    assert next_lny_year(ending("2026-01-19"), s) == 0  # its own
    assert next_lny_year(ending("2026-01-20"), s) == 2027  # the window's first day is history
    assert next_lny_year(ending("2026-02-10"), s) == 2027  # between its start and LNY
    assert next_lny_year(ending("2027-03-01"), s) == 2028  # past the next LNY too


def test_series_renames_the_network_total_and_leaves_the_hashes_of_the_default():
    from forecast.distributed import network_key
    from forecast.network_scenario import NetworkScenario
    from forecast.plan import _config_hash, planned_scenario

    net = planned_scenario(NetworkScenario(), PlanConfig(series="network"))
    assert net.base.unique_id == "network" and net.scenario("a").unique_id == "a"
    s = Scenario()
    assert _config_hash(PlanConfig(series="total"), s) == _config_hash(PlanConfig(), s)
    h = pd.DataFrame({"unique_id": "total", "ds": pd.date_range("2025-01-01", periods=3),
                      "y": 1.0})
    assert network_key(h, PlanConfig(series="total")) == network_key(h, PlanConfig())
    assert network_key(h, PlanConfig(series="kowloon-bay")) != network_key(h, PlanConfig())


def test_a_plan_with_an_open_backlog_runs_through(demo_history, tmp_path):
    s = _scenario(tmp_path, "[backlog]\n"
                            "parcels = [[2026-01-18, 12000.0], [2026-01-19, 30000.0]]\n")
    run = run_plan(demo_history, s, PlanConfig(**{**SMALL, "model": "lunar-naive",
                                                  "n_paths": 30, "backtest_lny": 0}))
    assert run.roster.daily["ds"].min() == pd.Timestamp(s.window.start)
    assert run.recommended.per_path["demand"].min() > 42_000  # the backlog counts


def test_window_without_lunar_new_year_is_an_error(demo_history, tmp_path):
    s = _scenario(tmp_path, '[window]\nstart = 2026-04-01\nend = 2026-05-31\n'
                            '[programme]\nstart = 2026-04-10\nend = 2026-04-20\n')
    with pytest.raises(ValueError, match="contains no Lunar New Year day"):
        run_plan(demo_history, s, PlanConfig(**SMALL))


def test_unknown_series_names_the_ones_there(demo_history):
    s = Scenario.from_toml(NO_ROSTER).updated({"unique_id": "nowhere"})
    with pytest.raises(ValueError, match=r"'nowhere' \(PlanConfig.series, else the scenario's "
                                         r"unique_id\) is not in the history; series there: "
                                         r"\['chek-lap-kok'.*: set PlanConfig.series"):
        run_plan(demo_history, s, PlanConfig(**SMALL))


def test_plan_from_files_reads_the_named_files(tmp_path):
    from forecast.data import DEMO_PATH

    total = pd.read_csv(DEMO_PATH).rename(columns={"unique_id": "hub"})
    path = tmp_path / "hubs.csv"
    total.to_csv(path, index=False)
    cfg = PlanConfig(data_path=str(path), id_col="hub", scenario_path=str(NO_ROSTER),
                     **{**SMALL, "backtest_lny": 0, "n_paths": 20})
    run = plan_from_files(cfg, cache=False)
    assert run.unique_id == "total" and run.provenance["seed"] == 0


def test_plan_from_files_settles_the_series_and_the_lny_as_forecast_run_does(tmp_path):
    """A notebook on a planner's own file plans what ``forecast run`` would: a file's only
    series whatever its name, and the next LNY when the history runs into the scenario's
    window (``run_plan`` itself refuses both), each choice a warning."""
    from forecast.data import DEMO_PATH

    one = pd.read_csv(DEMO_PATH, parse_dates=["ds"]).query("unique_id == 'total'")
    one = one.assign(ds=one["ds"] + pd.Timedelta(days=70))[["ds", "y"]]  # to 2026-03-11
    path = tmp_path / "mysite.csv"
    one.to_csv(path, index=False)
    cfg = PlanConfig(data_path=str(path), scenario_path=str(NO_ROSTER),
                     **{**SMALL, "model": "statespace", "backtest_lny": 0, "n_paths": 20})
    with pytest.warns(UserWarning) as caught:
        run = plan_from_files(cfg, cache=False)
    said = " ".join(str(w.message) for w in caught)
    assert "planning 'mysite', the only series of" in said
    assert "planning the next LNY, 2027" in said
    assert run.unique_id == "mysite" and run.lny.year == 2027
    assert run.config.series == "mysite" and run.config.lny_year == 2027
    with pytest.raises(FileNotFoundError, match="no such scenario file .*scenario_path in a "
                                                "notebook"):
        plan_from_files(dataclasses.replace(cfg, scenario_path=str(tmp_path / "nope.toml")))


def test_cached_plan_reloads_the_same_numbers_without_computing(demo_history, monkeypatch):
    from forecast import plan

    s = Scenario.from_toml(NO_ROSTER)
    cfg = PlanConfig(**{**SMALL, "backtest_lny": 0, "n_paths": 30, "seed": 21})
    first = run_plan(demo_history, s, cfg, cache=True)
    monkeypatch.setattr(plan, "_compute", lambda *a, **k: pytest.fail("recomputed"))
    again = run_plan(demo_history, s, cfg, cache=True)
    pd.testing.assert_frame_equal(again.decision_table(), first.decision_table())
    pd.testing.assert_frame_equal(again.tradeoff, first.tradeoff)
    pd.testing.assert_frame_equal(again.roster.days, first.roster.days, check_dtype=False)
    assert again.recommendation == first.recommendation
    assert again.spread.tolist() == first.spread.tolist()
    assert again.warnings == first.warnings and again.backtest_years == first.backtest_years
    assert again.as_planned.dates.equals(first.as_planned.dates)
    assert np.array_equal(again.recommended.backlog, first.recommended.backlog)
    assert "plan reused from the cache" in again.notes[-1]


def test_a_short_history_plan_warns_the_manager_that_its_spread_is_partly_prior(small_run):
    import warnings

    from forecast.config import DEFAULT_SCENARIO_PATH
    from forecast.models.testing import toy_history

    from forecast.models import ShortHistoryWarning

    df = toy_history(years=3, end="2025-12-31", seed=8).assign(unique_id="total")
    df = df[df.ds >= pd.Timestamp("2024-12-15")].reset_index(drop=True)  # 12.5 months
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_plan(df, Scenario.from_toml(DEFAULT_SCENARIO_PATH),
                       PlanConfig(model="statespace", n_paths=60, backtest_lny=0))
    short = [w for w in run.warnings if w.startswith("The demand forecast rests on a short")]
    assert len(short) == 1 and "no past LNY to test it on" in short[0] and len(short[0]) <= 400
    assert not any("short or partial" in w for w in small_run.warnings)  # 10 years: none
    # said on page 1, not as a Python warning too (raw in a notebook's output)
    assert not [w for w in caught if issubclass(w.category, ShortHistoryWarning)]


def test_a_backtest_folds_fallback_is_a_note_not_a_python_warning():
    import warnings

    from forecast.config import DEFAULT_SCENARIO_PATH
    from forecast.models import ShortHistoryWarning
    from forecast.models.testing import toy_history

    df = toy_history(years=3, end="2025-12-31", seed=8).assign(unique_id="total")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_plan(df, Scenario.from_toml(DEFAULT_SCENARIO_PATH),
                       PlanConfig(model="statespace", n_paths=60, backtest_lny=1,
                                  backtest_paths=40))
    assert not [w for w in caught if issubclass(w.category, ShortHistoryWarning)]
    fold = [n for n in run.notes if n.startswith("backtest fold LNY 2025 (history to ")]
    assert len(fold) == len(set(fold)) >= 1


def test_a_reloaded_plan_prints_its_provenance_as_the_fresh_one(tmp_path, monkeypatch,
                                                                 demo_history):
    """Notebook 04 shows ``run.provenance``: computed or reloaded, the same text (strict nbval
    must not depend on which notebook computed the plan first)."""
    from forecast.config import DEFAULT_SCENARIO_PATH

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path))
    scenario = Scenario.from_toml(DEFAULT_SCENARIO_PATH)
    config = PlanConfig(model="lunar-naive", n_paths=40, backtest_lny=0, seed=2)
    fresh = run_plan(demo_history, scenario, config, cache=True)
    again = run_plan(demo_history, scenario, config, cache=True)
    assert any("plan reused" in n for n in again.notes)
    assert repr(again.provenance) == repr(fresh.provenance)


def test_the_page1_fallback_warning_keeps_whole_notes_that_fit():
    from forecast.plan_forecast import FALLBACK_NOTE, fallback_warning

    assert fallback_warning(["backtest: 2 of 3"]) == []
    note = "no past LNY backtest fold: " + "a" * 60 + "; second: " + "b" * 60 + "; third: " + "c" * 100
    (text,) = fallback_warning([FALLBACK_NOTE + note])
    assert "second: " + "b" * 60 in text and "third" not in text and text.endswith(" ...")
    assert text.startswith("The demand forecast rests on a short history") and len(text) <= 400
    (short,) = fallback_warning([FALLBACK_NOTE + "no yearly seasonality"])
    assert short.startswith("The demand forecast rests on a short or partial history: some")
    assert short.endswith("Model notes: no yearly seasonality")
    (shut,) = fallback_warning([FALLBACK_NOTE + "closed (y = 0) for the last 30 days, since "
                                "2025-12-02: forecast as reopening"])
    assert shut.startswith("The history ends in a closure (zeros): the forecast assumes")
    (step,) = fallback_warning([FALLBACK_NOTE + "level shift x2.00 found 28 days before the "
                                "history's end (since 2025-11-03): forecast from the new level"])
    assert step.startswith("The history ends on a new level (a step in the last weeks)")
    # a first note longer than the room left: page 1 says where the notes are
    (long,) = fallback_warning([FALLBACK_NOTE + "word " * 200])
    assert len(long) <= 400 and long.endswith('printed by forecast run ("demand model fallback").')
