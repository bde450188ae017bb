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
