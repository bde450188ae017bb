"""Tests for forecast.report.history_tables: notebook 01's tables of a history."""

import pandas as pd
import pytest

from forecast.report.history_tables import history_table, lny_effects_by_year
from forecast.synthetic import DEMO_TRUTH, generate_demo


def test_lny_effects_by_year_recover_demo_truth():
    table = lny_effects_by_year(generate_demo(), "total")
    assert table["lny_year"].tolist() == list(range(2017, 2026))
    for phase, truth in DEMO_TRUTH["lny_phases"].items():
        assert abs(table[phase].median() / truth - 1) < 0.1, phase


def test_unknown_series_is_an_error():
    with pytest.raises(ValueError, match="'nope'"):
        lny_effects_by_year(generate_demo(), "nope")


def test_history_table_prints_volumes_as_a_planner_reads_them():
    table = history_table(generate_demo())
    assert table.loc["total", "lny_covered"].count(",") == 9  # LNY 2016..2025
    assert all(v.replace(",", "").isdigit() and len(v.replace(",", "").rstrip("0")) <= 3
               for v in table["mean a day"])
