"""One Lunar New Year staffing plan, computed once and shown everywhere.

:func:`run_plan` runs the chain on objects: a history frame and a :class:`Scenario` in,
a :class:`PlanRun` out. It backtests the chosen model and the reference models on the
past LNYs the history supports, fits the model, draws joint demand paths over the
scenario's planning window, and runs the capacity Monte Carlo and the decision rule of
:mod:`forecast.planning`. The notebooks, ``forecast run``, the CSV tables and the PDF
briefing all read the same :class:`PlanRun`.

The demand forecast (backtest table and paths, :mod:`forecast.plan_forecast`) depends on
the history and the forecast options only, not on the staffing scenario: with
``cache=True`` it is kept in the data-only store of :mod:`forecast.cache`, so a what-if on staffing or compensation recomputes only
the capacity side (seconds). :func:`plan_from_files` is the thin wrapper that loads files.
"""

from __future__ import annotations

import copy
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecast import __version__
from forecast.calendar import WINDOW
from forecast.config import DEFAULT_SCENARIO_PATH, PlanConfig
from forecast.data import DEMO_PATH, load_history
from forecast.hashing import config_hash, frame_hash
from forecast.models import summarize_paths
from forecast.decision import (
    Recommendation,
    recommend,
    recommendation_spread,
    sanity_warnings,
)
from forecast.plan_forecast import (
    backtest_years,
    cached_forecast,
    code_hash,
    fallback_warning,
    forecast_key,
    save_forecast,
)
from forecast.plan_inputs import load_inputs, load_settled, next_lny_year, settle_inputs
from forecast.plan_notes import (
    CHECKED_LEAD_DAYS, calendar_note, demo_scenario_note, earlier_lny_note, lead_note,
)
from forecast.plan_store import pack, unpack
from forecast.planning import tradeoff_curve
from forecast.roster import Roster, optimise_roster
from forecast.scenario import Scenario
from forecast.sensitivity import compare_scenarios, tornado
from forecast.simulation import SimulationResults, Simulator
from forecast.statistics import central_interval

__all__ = ["DEFAULT_SCENARIO_PATH", "MAX_LEAD_DAYS", "CHECKED_LEAD_DAYS", "PlanConfig", "PlanRun",
           "cached_plan", "load_inputs", "load_settled", "next_lny_year", "plan_from_files",
           "remember_plan", "run_plan", "settle_inputs"]

#: Longest lead a plan accepts (the LNY after next); beyond CHECKED_LEAD_DAYS it warns.
MAX_LEAD_DAYS = 800
#: Bootstrap resamples of the paths behind the recommendation's Monte Carlo error.
N_RESAMPLES = 8


@dataclass
class PlanRun:
    """Everything one plan computed (see :func:`run_plan`).

    ``as_planned`` and ``recommended`` are the simulations of the scenario's own programme
    and of the recommendation, on the same demand paths and supply draws.
    """

    config: PlanConfig
    scenario: Scenario
    history: pd.DataFrame  # the planned series only
    paths: pd.DataFrame  # joint demand paths over the planning horizon
    backtest: pd.DataFrame  # one row per model (empty when skipped); see forecast.backtest.compare
    backtest_years: tuple[int, ...]
    as_planned: SimulationResults
    recommendation: Recommendation
    recommended: SimulationResults
    tradeoff: pd.DataFrame
    scenarios: pd.DataFrame
    tornado: pd.DataFrame
    roster: Roster | None = None  # programme workers by LNY phase, same rule
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)  # auto's components
    spread: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # MC error
    warnings: list = field(default_factory=list)  # sanity warnings for the manager
    provenance: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def recommended_workers(self) -> int:
        return self.recommendation.workers

    @property
    def chosen_model(self) -> str:
        """The demand model behind the paths (for ``auto``: its highest-weight component)."""
        if self.selection.empty:
            return self.config.model
        return str(self.selection.sort_values("weight", ascending=False)["model"].iloc[0])

    def spread_interval(self) -> tuple[int, int]:
        """Lowest and highest recommendation over the bootstrap resamples of the paths."""
        return int(self.spread.min()), int(self.spread.max())

    @property
    def unique_id(self) -> str:
        return self.scenario.unique_id

    @property
    def lny(self) -> pd.Timestamp:
        """The LNY day inside the planning window."""
        return pd.Timestamp(self.scenario.lny)

    def forecast_summary(self, level=(80, 95)) -> pd.DataFrame:
        """Daily median and central intervals of the demand paths (statsforecast names)."""
        return summarize_paths(self.paths, self.config.model, level=level)

    def window_totals(self, window: tuple[int, int] = WINDOW) -> np.ndarray:
        """Per-path total demand over the LNY window (offsets inclusive, around the planned
        LNY: paths planning next year's LNY also hold this year's), shape (n_paths,)."""
        off = (self.paths["ds"] - self.lny).dt.days
        inside = self.paths[(off >= window[0]) & (off <= window[1])]
        return inside.groupby("sample_id")["y"].sum().to_numpy()

    def window_total_interval(self, level: float = 80) -> tuple[float, float, float]:
        """Mean and ``level``% central interval of the LNY-window total (parcels)."""
        totals = self.window_totals()
        return (float(totals.mean()), *central_interval(totals, level))

    def simulator(self, scenario: Scenario | None = None) -> Simulator:
        """The plan's capacity simulator: its demand paths and supply draws, so that any
        headcount (or a what-if ``scenario`` on the same window) is evaluated on the
        same random numbers as the plan."""
        return Simulator(self.paths, scenario or self.scenario, rng=_streams(self.config.seed)[1])

    def decision_table(self) -> pd.DataFrame:
        """The manager's numbers: the scenario as planned vs the recommended programme.

        One row per plan; the columns of
        :meth:`forecast.simulation.SimulationResults.decision_summary`.
        """
        return pd.DataFrame({"as planned": self.as_planned.decision_summary(self.config.target),
                             "recommended": self.recommended.decision_summary(
                                 self.config.target)}).T.rename_axis("plan")


class _Steps:
    """Times each step; prints one line per finished step to stderr if asked to."""

    def __init__(self, progress: bool) -> None:
        self.progress, self.timings = progress, {}

    def __call__(self, name: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)  # long steps show their own progress bar meanwhile
        self.timings[name] = round(time.perf_counter() - t0, 2)
        if self.progress:
            print(f"  {name}: {self.timings[name]:.1f}s", file=sys.stderr, flush=True)
        return out


def _check_window(history: pd.DataFrame, scenario: Scenario) -> int:
    """Horizon in days from the history's end to the window's end."""
    scenario.lny  # a ValueError when the window holds no LNY
    last = history["ds"].max()
    start, end = pd.Timestamp(scenario.window.start), pd.Timestamp(scenario.window.end)
    if start <= last:
        year = scenario.first_year_after(last.date())
        move = (f"--lny {year} (lny_year={year}) moves the scenario's dates to LNY {year}, or "
                if year else "")
        raise ValueError(f"the planning window starts on {start.date()}, but the history "
                         f"already runs to {last.date()}: plan a window after the history: "
                         f"{move}set the scenario's [window] and [programme] dates")
    h = (end - last).days
    if h > MAX_LEAD_DAYS:
        raise ValueError(f"the planning window ends {h:,} days after the history's last day "
                         f"({last.date()}); plans reach at most {MAX_LEAD_DAYS} days ahead: "
                         "use a more recent history or an earlier window (--lny)")
    return h


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent streams of a run: demand forecast, supply draws (the what-ifs reuse
    them), the Monte Carlo error's bootstrap resamples."""
    return np.random.default_rng(seed).spawn(3)


def planned_scenario(scenario, config: PlanConfig):
    """``scenario`` moved to LNY ``config.lny_year`` and to the series
    ``config.series``, each when set (a ``Scenario`` or a ``NetworkScenario``, whose
    ``unique_id`` is the network total; applying twice changes nothing).

    Examples
    --------
    >>> s = planned_scenario(Scenario(), PlanConfig(lny_year=2027, series="kowloon-bay"))
    >>> s.lny, s.unique_id
    (datetime.date(2027, 2, 6), 'kowloon-bay')
    """
    if config.series:
        rename = {"unique_id": config.series}
        scenario = (scenario.updated(rename) if isinstance(scenario, Scenario)
                    else replace(scenario, base=scenario.base.updated(rename)))
    return scenario.for_lny(config.lny_year) if config.lny_year else scenario


def run_plan(history: pd.DataFrame, scenario: Scenario, config: PlanConfig | None = None, *,
             cache: bool = False, progress: bool = False) -> PlanRun:
    """Plan LNY staffing for ``scenario.unique_id`` of ``history``.

    Parameters
    ----------
    history : pandas.DataFrame
        Tidy ``unique_id, ds, y`` (validated: see :func:`forecast.data.load_history`).
    scenario : Scenario
        Moved to LNY ``config.lny_year`` when that is set (:func:`planned_scenario`).
    config : PlanConfig, optional
        Options (its file paths are not read here).
    cache : bool
        Reuse (and keep) the plan and, apart from it, the demand forecast in
        :mod:`forecast.cache`'s data-only store: the same history, scenario and options
        reload the plan; a new scenario reuses the forecast and recomputes the rest.
    progress : bool
        Print each step and its time to stderr.

    Returns
    -------
    PlanRun

    Examples
    --------
    >>> history = load_history(DEMO_PATH)
    >>> run = run_plan(history, Scenario.from_toml(DEFAULT_SCENARIO_PATH),
    ...                PlanConfig(model="lunar-naive", n_paths=50, backtest_lny=0))
    >>> run.lny.date(), run.recommendation.workers >= run.recommendation.service_workers
    (datetime.date(2026, 2, 17), True)
    """
    config = PlanConfig() if config is None else config
    scenario = planned_scenario(scenario, config)
    history = _series(history, scenario)
    h = _check_window(history, scenario)
    if not cache:
        return _compute(history, scenario, config, h, cache=False, progress=progress)
    run = cached_plan(history, scenario, config)
    if run is None:
        run = _compute(history, scenario, config, h, cache=True, progress=progress)
        remember_plan(run, forecast=False)
    return run


def _series(history: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The rows of the scenario's series (a ValueError naming the others if absent)."""
    uid = scenario.unique_id
    if uid not in set(history["unique_id"]):
        raise ValueError(f"series {uid!r} (PlanConfig.series, else the scenario's unique_id) "
                         "is not in the history; series there: "
                         f"{sorted(map(str, history['unique_id'].unique()))[:20]}: set "
                         "PlanConfig.series (forecast.plan.settle_inputs picks a history's "
                         "only series)")
    return history[history["unique_id"] == uid].reset_index(drop=True)


def _plan_key(history: pd.DataFrame, scenario: Scenario, config: PlanConfig) -> str:
    return config_hash({"data": frame_hash(history), "plan": _config_hash(config, scenario),
                        "code": code_hash()})


def cached_plan(history: pd.DataFrame, scenario: Scenario,
                config: PlanConfig | None = None) -> PlanRun | None:
    """The plan :func:`run_plan` ``(history, scenario, config, cache=True)`` would reload
    from the cache, or None if it is not there (nothing is computed)."""
    config = PlanConfig() if config is None else config
    scenario = planned_scenario(scenario, config)
    history = _series(history, scenario)
    from forecast import cache as store

    hit = store.load(_plan_key(history, scenario, config))
    return None if hit is None else _rebuild(*hit, history, scenario, config)


def remember_plan(run: PlanRun, *, forecast: bool = True) -> None:
    """Keep ``run`` in the data-only cache, as :func:`run_plan` with ``cache=True`` does:
    for a plan computed elsewhere (e.g. on a Dask worker, with ``cache=False``), so that the
    notebooks reload it and a staffing what-if reuses its demand forecast (``forecast``)."""
    from forecast import cache as store

    history, scenario, config = run.history, run.scenario, run.config
    if forecast:
        save_forecast(forecast_key(history, config, _check_window(history, scenario)),
                      run.backtest, run.backtest_years, run.paths, run.selection, run.notes)
    store.save(_plan_key(history, scenario, config),
               *pack(run, skip=("config", "scenario", "history")))


def _rebuild(frames, meta, history, scenario, config) -> PlanRun:
    """A :class:`PlanRun` from its stored data (see :func:`forecast.plan_store.pack`)."""
    nested = {name: unpack(cls, frames, meta, prefix=name + ".", **known) for name, cls, known in (
        ("as_planned", SimulationResults, {"scenario": scenario}),
        ("recommended", SimulationResults, {"scenario": scenario}),
        ("recommendation", Recommendation, {}), ("roster", Roster, {}))}
    run = unpack(PlanRun, frames, meta, config=config, scenario=scenario, history=history,
                 **nested)
    run.notes = [*run.notes, "plan reused from the cache (same history, scenario and options)"]
    return run


def _compute(history, scenario, config, h, *, cache, progress) -> PlanRun:
    step, notes = _Steps(progress), []
    fc_rng, sim_rng, spread_rng = _streams(config.seed)
    table, years, paths, selection = cached_forecast(history, config, h, fc_rng, step, notes,
                                                     cache)
    notes[:0] = earlier_lny_note(history, scenario)  # about the scenario: not cached with
    # the demand forecast, which other scenarios of the same horizon reuse
    supply = copy.deepcopy(sim_rng)  # the plan's supply draws, again, for the what-ifs
    sim = Simulator(paths, scenario, rng=sim_rng)
    rule = dict(target=config.target, alpha=config.alpha, budget_risk=config.budget_risk,
                tail_limit=config.tail_limit or None)
    rec = step("decision rule", recommend, sim, **rule)
    spread = step("Monte Carlo error", recommendation_spread, sim, rng=spread_rng,
                  n_resamples=N_RESAMPLES, **rule)
    top = max(2 * scenario.programme.workers, 1.25 * rec.workers, 10)
    roster = step("roster by phase", optimise_roster, sim, **rule, by="phase",
                  flat_workers=rec.workers)
    curve = step("trade-off curve", tradeoff_curve, sim,
                 workers=np.unique(np.append(np.linspace(0, top, 21).round(), rec.workers)),
                 target=config.target)
    rec_scenario = scenario.updated({"programme.workers": float(rec.workers)})
    comp = step("scenario comparison", compare_scenarios, paths, scenario,
                optimised=rec.workers, rng=supply, target=config.target)
    tor = step("sensitivity", tornado, paths, rec_scenario, rng=supply)
    run = PlanRun(config, scenario, history, paths, table, years, sim.results(), rec,
                  sim.results(rec.workers), curve, comp, tor, roster=roster,
                  selection=selection,
                  spread=spread,
                  # the demo's scenario first: it explains the warnings after it
                  warnings=[*demo_scenario_note(config, history, scenario),
                            *sanity_warnings(sim, rec, budget_risk=config.budget_risk),
                            *lead_note(h), *fallback_warning(notes),
                            *calendar_note(config, scenario)],
                  timings=step.timings, notes=notes)
    run.provenance = {"config_hash": _config_hash(config, scenario),  # sorted, as reloaded
                      "data_hash": frame_hash(history), "scenario_hash": scenario.config_hash(),
                      "seed": config.seed, "version": __version__}
    return run


def _config_hash(config: PlanConfig, scenario: Scenario) -> str:
    """What was asked for: options (:meth:`PlanConfig.plan_key`), scenario and package
    version."""
    return config_hash({**config.plan_key(), "scenario": scenario.config_hash(),
                        "version": __version__})


def plan_from_files(config: PlanConfig | None = None, *, cache: bool = True,
                    progress: bool = False) -> PlanRun:
    """:func:`run_plan` on the files ``config`` names (the demo data by default), with the
    series and the LNY settled as ``forecast run`` settles them
    (:func:`~forecast.plan_inputs.settle_inputs`; each choice made is a ``UserWarning``):
    a notebook on a planner's own file plans what the command line would.
    """
    config, history, scenario = load_settled(PlanConfig() if config is None else config,
                                             stacklevel=3)
    return run_plan(history, scenario, config, cache=cache, progress=progress)
