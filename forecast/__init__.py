"""forecast: Lunar New Year parcel-volume forecasting and capacity planning.

The public API, importable from ``forecast`` directly (loaded on first use, so that the
command line starts fast)::

    from forecast import load_history, make_model, simulate, Scenario, run_plan
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("forecast")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

_API = {
    "forecast.data": ("DataError", "load_history", "DEMO_PATH"),
    "forecast.calendar": ("lunar_new_year", "DEFAULT_LNY_PHASES", "LnyPhase", "WorkCalendar",
                          "lny_phase_frame", "promise_deadlines", "summarize_history"),
    "forecast.synthetic": ("generate_demo", "DEMO_TRUTH"),
    "forecast.models": ("make_model", "MODEL_ALIASES", "summarize_paths"),
    "forecast.backtest": ("backtest", "compare"),
    "forecast.capacity": ("late_volume",),
    "forecast.scenario": ("Scenario",),
    "forecast.statistics": ("central_interval", "tail_mean", "prob_at_least", "prob_above",
                            "on_time_rate"),
    "forecast.simulation": ("simulate", "Simulator"),
    "forecast.results": ("SimulationResults", "METRICS"),
    "forecast.planning": ("required_headcount", "cost_optimal_headcount", "tradeoff_curve"),
    "forecast.decision": ("recommend", "Recommendation", "recommendation_spread",
                          "sanity_warnings"),
    "forecast.sensitivity": ("compare_scenarios", "tornado"),
    "forecast.roster": ("optimise_roster", "Roster"),
    "forecast.config": ("PlanConfig",),
    "forecast.plan": ("PlanRun", "run_plan", "plan_from_files"),
}
_WHERE = {name: module for module, names in _API.items() for name in names}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
