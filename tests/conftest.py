"""Shared fixtures: one small plan per test session, a private cache directory, and the
hypothesis profiles.

The cache directory is set before any test (and any notebook kernel, which inherits the
environment) runs, so tests never read or write the user's own cache.

Hypothesis: the fuzz targets (tests/test_fuzz.py) run :data:`FUZZ_EXAMPLES` cases each,
1,000 in CI (``CI=true``); every other property test keeps its own (smaller) budget.
"""

import os
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default-no-deadline", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default-no-deadline")
#: Generated cases per fuzz target.
FUZZ_EXAMPLES = 1000 if os.environ.get("CI", "").lower() == "true" else 100

# one cache folder per test run, shared by the pytest-xdist workers of that run (the store is
# safe for concurrent writers), so a plan computed by one worker is reused by the others
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_CACHE = (os.path.join(tempfile.gettempdir(), f"forecast-test-cache-{_RUN}") if _RUN
          else tempfile.mkdtemp(prefix="forecast-test-cache-"))
os.makedirs(_CACHE, exist_ok=True)
os.environ["FORECAST_CACHE_DIR"] = _CACHE

DATA = Path(__file__).parent / "data"
#: The small, quick plan every plan-level test reads (lunar-naive: no model fitting).
SMALL = dict(model="lunar-naive", n_paths=60, backtest_lny=1, backtest_paths=20)
#: The default scenario, except that the baseline roster does not turn up on programme
#: days: the service headcount is positive by construction.
NO_ROSTER = DATA / "scenario_no_roster_on_programme_days.toml"


@pytest.fixture(scope="session")
def demo_history():
    from forecast.data import DEMO_PATH, load_history

    return load_history(DEMO_PATH)


@pytest.fixture(scope="session")
def small_run(demo_history):
    """The plan of :data:`SMALL` on the demo data with the :data:`NO_ROSTER` scenario."""
    from forecast.plan import PlanConfig, run_plan
    from forecast.scenario import Scenario

    return run_plan(demo_history, Scenario.from_toml(NO_ROSTER), PlanConfig(**SMALL))


def fit_sample(df, h: int, n_paths: int, model=None):
    """Fit ``model`` (default ``StateSpaceModel()``) on ``df`` with the fit's seed 0, draw
    ``n_paths`` paths of ``h`` days with seed 1: ``(paths, model, warnings recorded)``."""
    import numpy as np

    from forecast.models import StateSpaceModel

    model = StateSpaceModel() if model is None else model
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        model.fit(df, rng=np.random.default_rng(0))
    return model.sample_paths(h, n_paths=n_paths, rng=np.random.default_rng(1)), model, seen
