"""Notes and warnings about how a plan's inputs fit together (the scenario against the
history, the holidays learnt against the promise calendar, the lead), for
:func:`forecast.plan.run_plan`. Each returns a list of at most one sentence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forecast.calendar import lny_dates
from forecast.config import DEFAULT_SCENARIO_PATH, PlanConfig
from forecast.data import DEMO_PATH
from forecast.scenario import Scenario
from forecast.statistics import format_count

__all__ = ["CHECKED_LEAD_DAYS", "calendar_note", "demo_scenario_note", "earlier_lny_note",
           "lead_note"]

#: Lead (days from the history's end to the window's end) up to which the models' spread
#: has been checked (next year's LNY from this year's data, backtested at lead ~330 days).
CHECKED_LEAD_DAYS = 400


def earlier_lny_note(history: pd.DataFrame, scenario: Scenario) -> list[str]:
    """A note when an LNY lies between the history's end and the window's LNY: the user
    may have meant to plan that one (the demo scenario's window is for LNY 2026)."""
    last, lny = history["ds"].max(), pd.Timestamp(scenario.lny)
    earlier = [d for d in lny_dates(last, lny) if last < d < lny]
    return [f"the next LNY after the history is {earlier[0].date()}, but this scenario plans "
            f"LNY {lny.year} ({lny.date()}); to plan the next one, pass --lny "
            f"{earlier[0].year} (lny_year=), or set the scenario's [window] and [programme] "
            "dates around it"] if earlier else []


def calendar_note(config: PlanConfig, scenario: Scenario) -> list[str]:
    """A warning when the models learn one country's holidays and the promise counts
    another's working days (``--country TW`` with the scenario's ``[promise] calendar =
    "HK"``)."""
    cal = scenario.promise.calendar
    return [] if not config.country or config.country.upper() == str(cal).upper() else [
        f"The demand model learns {config.country} public holidays (--country "
        f"{config.country}), but the promise counts {cal} working days ([promise] calendar "
        f"= \"{cal}\" in the scenario); set it to \"{config.country}\" if the parcels are "
        f"delivered there"]


def demo_scenario_note(config: PlanConfig, history: pd.DataFrame,
                        scenario: Scenario) -> list[str]:
    """A warning when a history of one's own is planned with the demo's scenario (its
    roster, wages, programme and budget are the demo network's)."""
    def same(a, b) -> bool:
        return Path(a).resolve() == Path(b).resolve()

    if not same(config.scenario_path, DEFAULT_SCENARIO_PATH) or (  # a scenario of one's own
            same(config.data_path, DEMO_PATH)  # or the demo as it is (a hub of it: warned)
            and scenario.unique_id == Scenario.from_toml(DEFAULT_SCENARIO_PATH).unique_id):
        return []
    recent = history.loc[history["ds"] > history["ds"].max() - pd.Timedelta(days=91), "y"]
    return [f"Planned with the demo's scenario ({Path(DEFAULT_SCENARIO_PATH).name}: a roster "
            f"of {scenario.staffing.baseline:,.0f}, {scenario.programme.workers:,.0f} "
            f"programme workers, a HK${scenario.budget:,.0f} budget) for a series at about "
            f"{format_count(recent.mean())} parcels a day over its last 91 days; give "
            "your network's numbers (--config, or scenario_path in a notebook)"]


def lead_note(h: int) -> list[str]:
    return [] if h <= CHECKED_LEAD_DAYS else [
        f"the planning window ends {h:,} days after the history: the forecast's spread has been "
        f"checked up to about {CHECKED_LEAD_DAYS} days (next year's LNY); treat the volumes as "
        "a rough guide and re-plan when more recent data arrive"]
