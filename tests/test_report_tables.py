import pytest

from forecast.report.tables import lny_effects_by_year
from forecast.synthetic import DEMO_TRUTH, generate_demo


def test_lny_effects_by_year_recover_demo_truth():
    table = lny_effects_by_year(generate_demo(), "total")
    assert table["lny_year"].tolist() == list(range(2017, 2026))
    for phase, truth in DEMO_TRUTH["lny_phases"].items():
        assert abs(table[phase].median() / truth - 1) < 0.1, phase


def test_unknown_series_is_an_error():
    with pytest.raises(ValueError, match="'nope'"):
        lny_effects_by_year(generate_demo(), "nope")


@pytest.fixture(scope="module")
def run():
    from forecast.plan import PlanConfig, run_plan

    return run_plan(PlanConfig(model="lunar-naive", n_paths=60, backtest_lny=0))


def test_decision_summary_and_recommendation_agree(run):
    from forecast.report import tables

    summary = tables.decision_summary(run)
    assert list(summary.columns) == ["as planned", "recommended"]
    workers = f"{run.recommended_workers:,}"
    assert summary.loc["programme workers", "recommended"] == workers
    sentence = tables.recommendation(run)
    assert sentence.startswith(f"Keep {workers} holiday-programme workers")
    # the numbers are the recommended plan's, not the plan as the scenario has it
    from forecast.report.typography import format_count, format_money

    rec = run.decision_table().loc["recommended"]
    for part in (f"from 10 Feb to 23 Feb 2026 (you planned {run.scenario.programme.workers:,.0f})",
                 f"then {rec['p_on_time_target']:.0%} of simulated futures",
                 f"at least {run.config.target:.0%} of the parcels",
                 f"within {run.scenario.promise.working_days} working days",
                 f"with {format_count(rec['late_mean'])} late parcels",
                 f"and {format_money(rec['compensation_mean'])} compensation expected",
                 f"averages {format_money(rec['compensation_worst10'])}."):
        assert part in sentence, part


def test_formatted_tables_have_one_row_per_item(run):
    from forecast.report import tables
    from forecast.simulation import METRICS

    assert len(tables.simulation_summary(run.simulation)) == len(METRICS)
    assert list(tables.scenario_table(run.scenarios).index) == [
        "shutdown as usual", "keep running", "optimised"]
    assert len(tables.tradeoff_table(run.tradeoff)) == len(run.tradeoff)
    assert "budget" in tables.assumptions(run.scenario).index
    phases = tables.phase_forecast(run.paths)
    assert (phases["lo-80"] <= phases["median"]).all()
    assert (phases["median"] <= phases["hi-80"]).all()
