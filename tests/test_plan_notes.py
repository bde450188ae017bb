"""Tests for forecast.plan_notes: what a plan says about how its inputs fit together."""

import dataclasses

import pandas as pd

from forecast.config import PlanConfig
from forecast.scenario import Scenario


def test_a_country_other_than_the_promise_calendar_is_noted():
    """`--country TW` changed only the holidays the models learn: the promise still counted
    Hong Kong working days, and nothing said so."""
    from forecast.plan_notes import calendar_note

    s = Scenario()  # [promise] calendar = "HK"
    assert calendar_note(PlanConfig(country="HK"), s) == []
    (note,) = calendar_note(PlanConfig(country="TW"), s)
    assert note.startswith("The demand model learns TW public holidays (--country TW)")
    assert '[promise] calendar = "HK"' in note and 'set it to "TW"' in note


def test_ones_own_history_planned_with_the_demo_scenario_is_warned():
    """A trial planned the HK immigration file (~300,000 a day) with the demo's roster of
    1,500 and HK$5M budget: nothing said the scenario was the demo's."""
    from forecast.plan_notes import demo_scenario_note

    ds = pd.date_range("2025-01-01", periods=120)
    history = pd.DataFrame({"unique_id": "x", "ds": ds, "y": 300_000.0})
    s = Scenario()
    assert demo_scenario_note(PlanConfig(), history, s) == []  # the demo itself
    own = PlanConfig(data_path="/tmp/mine.csv")
    (note,) = demo_scenario_note(own, history, s)
    assert note.startswith("Planned with the demo's scenario (scenario.toml: a roster of 1,500")
    assert "about 300,000 parcels a day" in note
    assert "(--config, or scenario_path in a notebook)" in note
    assert demo_scenario_note(dataclasses.replace(own, scenario_path="/tmp/s.toml"),
                               history, s) == []
    (note,) = demo_scenario_note(own, history.assign(y=0.372), s)  # a sparse depot
    assert "about 0.372 parcels a day" in note
    hub = PlanConfig(series="kowloon-bay")  # a hub of the demo with the network's numbers
    assert demo_scenario_note(hub, history, s.updated({"unique_id": "kowloon-bay"}))


def test_a_plan_past_the_next_lny_names_the_next_one():
    from forecast.plan_notes import earlier_lny_note

    s = Scenario()  # the demo window: LNY 2026 (2026-02-17)
    h = pd.DataFrame({"ds": pd.date_range("2024-01-01", "2024-12-31")})
    (note,) = earlier_lny_note(h, s)
    assert note.startswith("the next LNY after the history is 2025-01-29, but this scenario "
                           "plans LNY 2026")
    assert earlier_lny_note(pd.DataFrame({"ds": pd.date_range("2025-03-01", "2025-12-31")}),
                             s) == []
