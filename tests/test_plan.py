from pathlib import Path

import pandas as pd
import pytest

from forecast.plan import PlanConfig, run_plan

SMALL = dict(model="lunar-naive", n_paths=60, backtest_lny=1, backtest_paths=20)
# no baseline roster on the programme's days: the service headcount is positive by design
NO_ROSTER = Path(__file__).parent / "data" / "scenario_no_roster_on_programme_days.toml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_plan(PlanConfig(scenario_path=str(NO_ROSTER), **SMALL),
                    cache_dir=tmp_path_factory.mktemp("cache"))


def test_plan_covers_the_planning_window_with_joint_paths(run):
    w = run.scenario.window
    assert run.paths["ds"].min() == run.history["ds"].max() + pd.Timedelta(days=1)
    assert run.paths["ds"].max() == pd.Timestamp(w.end)
    assert run.paths["sample_id"].nunique() == SMALL["n_paths"]
    assert run.lny == pd.Timestamp("2026-02-17")


def test_recommendation_meets_the_target_and_is_not_dearer_than_needed(run):
    from forecast.simulation import simulate

    assert run.recommended_workers == max(run.service_workers, run.cost_optimal_workers)
    table = run.decision_table()
    assert table.loc["recommended", "programme_workers"] == run.recommended_workers
    assert table.loc["recommended", "p_on_time_target"] >= run.config.alpha
    assert (table.drop(columns="p_on_time_target") >= 0).all().all()

    # without programme workers nothing is processed on programme days: no path meets the
    # target, so the service headcount must be positive (and the property below testable)
    none = simulate(run.paths, run.scenario.updated({"programme.workers": 0.0}),
                    seed=run.config.seed).per_path
    assert (none["on_time_rate_programme"] < run.config.target).all()
    assert run.service_workers > 0

    # the service headcount meets the target, and one worker fewer misses it
    def p_target(workers):
        s = run.scenario.updated({"programme.workers": float(workers)})
        pp = simulate(run.paths, s, seed=run.config.seed).per_path
        return (pp["on_time_rate_programme"] >= run.config.target).mean()

    assert p_target(run.service_workers) >= run.config.alpha
    assert p_target(run.service_workers - 1) < run.config.alpha


def test_backtest_table_lists_the_references(run):
    models = set(run.backtest_table().index if run.backtest_table().index.name == "model"
                 else run.backtest_table()["model"])
    assert {"lunar-naive", "prophet-builtin", "prophet-window"} <= models


def test_cache_returns_the_same_plan_without_recomputing(tmp_path, monkeypatch):
    from forecast import plan as pipeline

    cfg = PlanConfig(**{**SMALL, "backtest_lny": 0})
    first = run_plan(cfg, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("plan-*.pkl"))) == 1

    def no_compute(*args, **kwargs):
        raise AssertionError("recomputed although the plan was cached")

    monkeypatch.setattr(pipeline, "_compute", no_compute)
    again = run_plan(cfg, cache_dir=tmp_path)
    assert again.paths.equals(first.paths) and again.provenance == first.provenance
    with pytest.raises(AssertionError, match="recomputed"):  # another seed is not cached
        run_plan(PlanConfig(**{**SMALL, "backtest_lny": 0, "seed": 7}), cache_dir=tmp_path)


@pytest.mark.parametrize("field, value, match", [
    ("model", "arima", "model must be one of"),
    ("n_paths", 0, "n_paths"),
    ("target", 1.5, "target"),
    ("seed", -1, "seed"),
    ("gaps", "drop", "gaps must be one of"),
    ("country", "XX", "country must be"),
])
def test_config_validates(field, value, match):
    with pytest.raises(ValueError, match=match):
        PlanConfig(**{field: value})


def test_window_before_the_end_of_history_is_an_error(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[window]\nstart = 2025-01-10\nend = 2025-02-28\n'
                    '[programme]\nstart = 2025-01-22\nend = 2025-02-04\n')
    with pytest.raises(ValueError, match="plan a window after the history"):
        run_plan(PlanConfig(scenario_path=str(toml), **{**SMALL, "backtest_lny": 0}))


def test_provenance_names_the_config_not_where_files_live(tmp_path, monkeypatch):
    from forecast.data import DEMO_PATH

    small = {**SMALL, "backtest_lny": 0, "n_paths": 20}
    absolute = run_plan(PlanConfig(data_path=str(DEMO_PATH), **small))
    monkeypatch.chdir(DEMO_PATH.parent)
    relative = run_plan(PlanConfig(data_path=DEMO_PATH.name, **small))
    assert absolute.provenance == relative.provenance
    assert run_plan(PlanConfig(**{**small, "seed": 1})).provenance["config_hash"] != \
        absolute.provenance["config_hash"]


def test_window_without_lunar_new_year_is_an_error(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[window]\nstart = 2026-04-01\nend = 2026-05-31\n'
                    '[programme]\nstart = 2026-04-10\nend = 2026-04-20\n')
    with pytest.raises(ValueError, match="contains no Lunar New Year day"):
        run_plan(PlanConfig(scenario_path=str(toml), **{**SMALL, "backtest_lny": 0}))
