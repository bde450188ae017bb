"""Tests for forecast.report.tables: the notebooks' and the briefing's tables."""

import pandas as pd


def test_decision_summary_and_recommendation_agree(small_run):
    from forecast.report import tables
    from forecast.report.typography import format_money, format_percent

    run = small_run
    summary = tables.decision_summary(run)
    assert list(summary.columns) == ["as planned", "recommended"]
    workers = f"{run.recommended_workers:,}"
    assert summary.loc["programme workers", "recommended"] == workers
    rec = run.decision_table().loc["recommended"]
    sentence = tables.recommendation(run)
    assert f"{workers} workers" in sentence or f"Keep {workers} " in sentence
    for number in (format_percent(rec["p_on_time"]),
                   format_money(rec["compensation_mean"]),
                   format_money(rec["compensation_worst"]),
                   format_percent(rec["p_over_budget"])):
        assert number in sentence, number
    assert number == summary.loc["P(programme bonus + compensation > budget)", "recommended"]


def test_formatted_tables_have_one_row_per_item_and_no_nan(small_run):
    from forecast.report import tables
    from forecast.simulation import METRICS

    run = small_run
    frames = {
        "summary": tables.simulation_summary(run.as_planned),
        "scenarios": tables.scenario_table(run.scenarios, target=run.config.target),
        "tradeoff": tables.tradeoff_table(run.tradeoff),
        "decision": tables.decision_summary(run),
        "backtest": tables.backtest_table(run.backtest),
        "phases": tables.phase_table(run.paths, lny=run.lny),
    }
    assert len(frames["summary"]) == len(METRICS)
    assert list(frames["scenarios"].columns) == ["shutdown as usual", "keep running",
                                                 "optimised"]
    assert list(frames["tradeoff"].index) == run.tradeoff["workers"].tolist()
    assert len(frames["backtest"]) == len(run.backtest)
    for name, frame in frames.items():
        assert not frame.empty and not frame.isna().any().any(), name
        assert not frame.map(lambda v: str(v) in ("nan", "NaN", "")).any().any(), name


def test_tradeoff_table_of_a_sparse_curve_has_no_nan():
    # the committed notebook once showed NaN in every row but 0 (index re-alignment)
    from forecast.report import tables

    curve = pd.DataFrame({"workers": [0, 150, 300], "mean_total_cost": [3e6, 2e6, 2.5e6],
                          "worst_total_cost": [9e6, 5e6, 4e6], "mean_late": [9e4, 1e4, 0.0],
                          "prob_on_target": [0.1, 0.8, 1.0],
                          "marginal_saving": [900.0, 50.0, 0.0],
                          "marginal_cost": [750.0, 750.0, 750.0]})
    table = tables.tradeoff_table(curve)
    assert table.index.tolist() == [0, 150, 300] and not table.isna().any().any()
    assert table.loc[150, "expected cost"] == "HK$ 2.0M"
