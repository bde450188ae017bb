"""One Lunar New Year staffing plan, computed once and shown everywhere.

``run_plan(config)`` runs the whole chain for one series: load the history, backtest the
models over past LNYs, fit the chosen model, draw joint demand paths over the scenario's
planning window, simulate the capacity model, and search the staffing plan. The notebooks,
``forecast run``, the CSV tables and the PDF briefing all read the same :class:`PlanRun`;
with a ``cache_dir`` it is computed once per (data, scenario, options, version) and
reloaded afterwards.
"""

from __future__ import annotations

import pickle
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import __version__
from forecast.backtest import BacktestResult, backtest, compare
from forecast.calendar import days_to_lny, lny_dates
from forecast.calendar import require_past_lny, supported_countries
from forecast.data import DEMO_PATH, load_history
from forecast.models import MODEL_ALIASES, WINDOW, make_model, summarize_paths
from forecast.planning import (
    compare_scenarios,
    cost_optimal_headcount,
    required_headcount,
    tornado,
    tradeoff_curve,
)
from forecast.hashing import config_hash, file_hash
from forecast.scenario import Scenario
from forecast.simulation import SimulationResults, simulate

__all__ = ["DEFAULT_SCENARIO_PATH", "PlanConfig", "PlanRun", "run_plan"]

#: The documented default scenario for the demo network.
DEFAULT_SCENARIO_PATH = DEMO_PATH.parent / "scenario.toml"

_REFERENCE_MODELS = ("lunar-naive", "prophet-builtin", "prophet-window")


@dataclass(frozen=True)
class PlanConfig:
    """What to compute; every field is a notebook parameter of the same name.

    Parameters
    ----------
    data_path : str
        History file (tidy ``unique_id, ds, y``); the scenario's ``unique_id`` is planned.
    scenario_path : str
        Scenario TOML (see ``data/scenario.toml``).
    model : str
        Demand model alias used for the plan (see :data:`forecast.models.MODEL_ALIASES`).
    country : str
        Public holidays the models learn (a ``holidays`` country code: "HK", "TW", "CN", ...).
    n_paths : int
        Joint demand sample paths for the plan.
    seed : int
        Seed of every random draw in the run.
    backtest_lny : int
        How many of the most recent fully observed LNYs to backtest (0 skips it).
    backtest_paths : int
        Sample paths per model and fold in the backtest.
    target, alpha : float
        Service target: P(on-time rate >= ``target``) >= ``alpha``.
    na, gaps : {"error", "zero", "interpolate"}
        Policies for missing values and missing days in the history
        (see :func:`forecast.data.load_history`).

    Examples
    --------
    >>> PlanConfig(model="statespace", n_paths=500).n_paths
    500
    >>> PlanConfig(target=1.2)
    Traceback (most recent call last):
    ...
    ValueError: target must be a probability strictly between 0 and 1, got 1.2
    """

    data_path: str = str(DEMO_PATH)
    scenario_path: str = str(DEFAULT_SCENARIO_PATH)
    model: str = "auto"
    country: str = "HK"
    n_paths: int = 1000
    seed: int = 0
    backtest_lny: int = 3
    backtest_paths: int = 200
    target: float = 0.95
    alpha: float = 0.9
    na: str = "error"
    gaps: str = "error"

    def __post_init__(self) -> None:
        if self.country not in supported_countries():
            raise ValueError(f"country must be a holidays country code such as 'HK', 'TW' or "
                             f"'CN', got {self.country!r}")
        for name in ("na", "gaps"):
            if getattr(self, name) not in ("error", "zero", "interpolate"):
                raise ValueError(f"{name} must be one of error, zero, interpolate, got "
                                 f"{getattr(self, name)!r}")
        if self.model not in MODEL_ALIASES:
            raise ValueError(f"model must be one of {', '.join(MODEL_ALIASES)}, got {self.model!r}")
        for name, lo in (("n_paths", 10), ("seed", 0), ("backtest_lny", 0),
                         ("backtest_paths", 10)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
        for name in ("target", "alpha"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value < 1:
                raise ValueError(f"{name} must be a probability strictly between 0 and 1, "
                                 f"got {value!r}")

    @classmethod
    def from_parameters(cls, parameters: dict) -> PlanConfig:
        """Build from a parameter mapping (e.g. what papermill injects); extra keys ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in parameters.items() if k in names})


@dataclass
class PlanRun:
    """Everything one plan computed (see :func:`run_plan`)."""

    config: PlanConfig
    scenario: Scenario
    history: pd.DataFrame  # the planned series only
    paths: pd.DataFrame  # joint demand paths over the planning horizon
    backtest: BacktestResult | None
    simulation: SimulationResults  # the scenario's own staffing
    service_workers: int  # smallest programme meeting the service target
    cost_optimal_workers: int  # programme minimising expected labour + compensation
    recommended: SimulationResults  # simulated with the recommended programme
    tradeoff: pd.DataFrame
    scenarios: pd.DataFrame
    tornado: pd.DataFrame
    provenance: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def recommended_workers(self) -> int:
        """The recommendation: the larger of the service-target and cost-optimal headcounts.

        Fewer workers would either miss the service target or cost more in expectation
        (compensation saved by one more worker exceeds what the worker costs).
        """
        return max(self.service_workers, self.cost_optimal_workers)

    @property
    def unique_id(self) -> str:
        return self.scenario.unique_id

    @property
    def lny(self) -> pd.Timestamp:
        """The LNY day inside the planning window."""
        return _window_lny(self.scenario)

    def backtest_table(self) -> pd.DataFrame:
        """One row per model: the backtest scores (empty when the backtest was skipped)."""
        return pd.DataFrame() if self.backtest is None else compare(self.backtest)

    def forecast_summary(self, level=(80, 95)) -> pd.DataFrame:
        """Daily median and central intervals of the demand paths (statsforecast names)."""
        return summarize_paths(self.paths, self.config.model, level=level)

    def window_totals(self, window: tuple[int, int] = WINDOW) -> np.ndarray:
        """Per-path total demand over the LNY window (offsets inclusive)."""
        off = days_to_lny(self.paths["ds"])
        inside = self.paths[(off >= window[0]) & (off <= window[1])]
        return inside.groupby("sample_id")["y"].sum().to_numpy()

    def decision_table(self) -> pd.DataFrame:
        """The manager's numbers: the scenario as planned vs the recommended programme.

        ``p_on_time_target`` is the service criterion of
        :func:`forecast.planning.required_headcount`: the share of paths in which at least
        ``target`` of the parcels arriving on programme days are delivered on time.
        """
        rows = []
        for label, res, workers in (
            ("as planned", self.simulation, self.scenario.programme.workers),
            ("recommended", self.recommended, self.recommended_workers),
        ):
            pp = res.per_path
            rows.append({
                "plan": label,
                "programme_workers": int(workers),
                "p_on_time_target": float(
                    (pp["on_time_rate_programme"] >= self.config.target).mean()),
                "on_time_rate_programme_mean": float(pp["on_time_rate_programme"].mean()),
                "on_time_rate_mean": float(pp["on_time_rate"].mean()),
                "late_mean": float(pp["late"].mean()),
                "late_p90": float(pp["late"].quantile(0.9)),
                "compensation_mean": float(pp["compensation"].mean()),
                "compensation_p90": float(pp["compensation"].quantile(0.9)),
                "late_worst10": _worst10(pp["late"]),
                "compensation_worst10": _worst10(pp["compensation"]),
                "labour_cost_mean": float(pp["labour_cost"].mean()),
                "programme_cost": float(pp["programme_cost"].mean()),
                "p_over_budget": res.prob_over_budget,
            })
        return pd.DataFrame(rows).set_index("plan")


def _worst10(values: pd.Series) -> float:
    """Mean of the worst (largest) 10% of paths: CVaR90."""
    return float(values.nlargest(max(1, len(values) // 10)).mean())


class _Steps:
    """Prints one line per finished step (with its time) to stderr, if asked to."""

    def __init__(self, progress: bool) -> None:
        self.progress, self.timings = progress, {}

    def __call__(self, name: str, fn, *args, **kwargs):
        if self.progress:
            print(f"  {name} ...", end="", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        self.timings[name] = round(time.perf_counter() - t0, 2)
        if self.progress:
            print(f" {self.timings[name]:.1f}s", file=sys.stderr, flush=True)
        return out


def _window_lny(scenario: Scenario) -> pd.Timestamp:
    start, end = pd.Timestamp(scenario.window.start), pd.Timestamp(scenario.window.end)
    inside = [d for d in lny_dates(start, end) if start <= d <= end]
    if not inside:
        raise ValueError(f"the planning window {start.date()} .. {end.date()} contains no "
                         "Lunar New Year day; this package plans LNY staffing")
    return inside[0]


def _backtest_years(history: pd.DataFrame, n: int) -> list[int]:
    """The ``n`` most recent LNYs whose backtest fold lies inside the history."""
    first, last = history["ds"].min(), history["ds"].max()
    ok = [d.year for d in lny_dates(first, last)
          if d - pd.Timedelta(days=365 + 28) >= first and d + pd.Timedelta(days=WINDOW[1]) <= last]
    return ok[-n:] if n else []


def _code_hash() -> str:
    """Hash of the package's source, so that a code change never reuses a cached plan."""
    root = Path(__file__).resolve().parents[1]
    return config_hash({str(p.relative_to(root)): file_hash(p)
                        for p in sorted(root.rglob("*.py"))})


def _config_hash(config: PlanConfig, scenario: Scenario) -> str:
    """What was asked for: options, scenario and package version (not where files live)."""
    options = {k: v for k, v in asdict(config).items() if not k.endswith("_path")}
    return config_hash({**options, "scenario": scenario.config_hash(), "version": __version__})


def _cache_key(config: PlanConfig, scenario: Scenario) -> str:
    """What the result depends on: the config, the data's content and the source code."""
    return config_hash({"config": _config_hash(config, scenario),
                        "data": file_hash(config.data_path), "code": _code_hash()})


def run_plan(config: PlanConfig | None = None, *, cache_dir: str | Path | None = None,
             progress: bool = False) -> PlanRun:
    """Compute (or reload) the LNY staffing plan described by ``config``.

    Parameters
    ----------
    config : PlanConfig, optional
        Defaults to the demo data and ``data/scenario.toml``.
    cache_dir : path, optional
        Where to keep the computed plan; a later call with the same data, scenario, options
        and package version reloads it instead of recomputing.
    progress : bool
        Print each step and its time to stderr.

    Returns
    -------
    PlanRun

    Examples
    --------
    >>> run = run_plan(PlanConfig(model="lunar-naive", n_paths=50, backtest_lny=0))
    >>> run.lny.date(), run.recommended_workers >= run.service_workers
    (datetime.date(2026, 2, 17), True)
    """
    config = PlanConfig() if config is None else config
    scenario = Scenario.from_toml(config.scenario_path)
    key = _cache_key(config, scenario)
    cached = Path(cache_dir) / f"plan-{key[:16]}.pkl" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        with cached.open("rb") as fh:
            return pickle.load(fh)
    run = _compute(config, scenario, progress)
    run.provenance = {"version": __version__, "config_hash": _config_hash(config, scenario),
                      "scenario_hash": scenario.config_hash(),
                      "data_hash": file_hash(config.data_path), "seed": config.seed}
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(run, fh)
        tmp.replace(cached)
    return run


def _compute(config: PlanConfig, scenario: Scenario, progress: bool) -> PlanRun:
    step = _Steps(progress)
    _window_lny(scenario)
    history = load_history(config.data_path, na=config.na, gaps=config.gaps)
    uid = scenario.unique_id
    if uid not in set(history["unique_id"]):
        raise ValueError(f"scenario unique_id {uid!r} is not in {config.data_path}; "
                         f"series there: {sorted(history['unique_id'].unique())}")
    history = history[history["unique_id"] == uid].reset_index(drop=True)
    require_past_lny(history, n=2)
    last = history["ds"].max()
    start, end = pd.Timestamp(scenario.window.start), pd.Timestamp(scenario.window.end)
    if start <= last:
        raise ValueError(f"the planning window starts on {start.date()}, but the history "
                         f"already runs to {last.date()}: plan a window after the history")
    h = (end - last).days
    if h > 180:
        raise ValueError(f"the planning window ends {h} days after the history; forecasts "
                         "further than 180 days ahead are not supported")
    years = _backtest_years(history, config.backtest_lny)
    models = tuple(dict.fromkeys((*_REFERENCE_MODELS, "prophet", "statespace", config.model)))
    bt_rng, fit_rng, path_rng = np.random.default_rng(config.seed).spawn(3)
    bt = step("backtest", backtest, history, list(models), lny_years=years,
              n_paths=config.backtest_paths, rng=bt_rng,
              options={"*": {"country": config.country}}) if years else None
    model = step(f"fit {config.model}", make_model(config.model, country=config.country).fit,
                 history, rng=fit_rng)
    paths = step("sample paths", model.sample_paths, h, n_paths=config.n_paths,
                 rng=path_rng)
    seed = config.seed
    sim = step("simulate scenario", simulate, paths, scenario, seed=seed)
    need = step("required headcount", required_headcount, paths, scenario,
                target=config.target, alpha=config.alpha, seed=seed)
    best = step("cost-optimal headcount", cost_optimal_headcount, paths, scenario, seed=seed)
    rec_scenario = scenario.updated({"programme.workers": float(max(need, best))})
    rec = step("simulate recommended", simulate, paths, rec_scenario, seed=seed)
    curve = step("trade-off curve", tradeoff_curve, paths, scenario, target=config.target,
                 seed=seed)
    comp = step("scenario comparison", compare_scenarios, paths, scenario, seed=seed)
    tor = step("sensitivity", tornado, paths, rec_scenario, seed=seed)
    return PlanRun(config, scenario, history, paths, bt, sim, int(need), int(best), rec,
                   curve, comp, tor, timings=step.timings)
