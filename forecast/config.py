"""What a plan is asked for: :class:`PlanConfig`, one set of defaults for the notebooks'
parameters, ``forecast run``'s options and :func:`forecast.plan.run_plan`.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

from forecast.paths import DEFAULT_SCENARIO_PATH, DEMO_PATH

__all__ = ["DEFAULT_SCENARIO_PATH", "PlanConfig"]


#: The ``forecast run`` flag of each :class:`PlanConfig` field (errors name both).
CLI_FLAGS = {"data_path": "--data", "scenario_path": "--config", "id_col": "--id-col",
             "na": "--na", "gaps": "--gaps", "model": "--model", "country": "--country",
             "n_paths": "--paths", "seed": "--seed", "backtest_lny": "--backtest-lny",
             "target": "--target", "alpha": "--alpha", "budget_risk": "--budget-risk",
             "tail_limit": "--tail-limit", "lny_year": "--lny", "series": "--series"}


def _flag(name: str) -> str:
    return f" (CLI: {CLI_FLAGS[name]})" if name in CLI_FLAGS else ""


@dataclass(frozen=True)
class PlanConfig:
    """What to plan; every field is a notebook parameter and ``forecast run`` option.

    Parameters
    ----------
    data_path, scenario_path : str
        History file (tidy ``unique_id, ds, y``; see ``id_col``) and scenario TOML; read
        only by :func:`plan_from_files`.
    id_col : str
        Column naming the series in the history file.
    na, gaps : {"error", "zero", "interpolate"}
        Policies for missing values and missing days (:func:`forecast.data.load_history`).
    model : str
        Demand model alias (:data:`forecast.models.MODEL_ALIASES`).
    country : str
        Public holidays the models learn (a ``holidays`` country code).
    n_paths : int
        Joint demand sample paths.
    seed : int
        Seed of every random draw of the run (fitting, calibration, paths, supply).
    backtest_lny : int
        How many of the most recent past LNYs the history supports to backtest (0 skips).
    backtest_paths : int
        Sample paths per model and fold in the backtest.
    target, alpha : float
        Service target: P(on-time rate >= ``target``) >= ``alpha``.
    budget_risk : float
        Largest acceptable P(programme bonus + compensation > budget).
    tail_limit : float
        Largest acceptable mean compensation (HK$) of the worst 10% of futures; 0 means
        no limit.
    lny_year : int
        Plan the LNY of this year with the scenario's dates moved to it
        (:meth:`forecast.scenario.Scenario.for_lny`, done by :func:`forecast.plan.run_plan`
        and :func:`forecast.distributed.run_network`); 0: the scenario's own LNY.
    series : str
        The series (``unique_id``) to plan (with a network, its total) in place of the scenario's
        ``unique_id`` (done by the same functions); "": the scenario's.

    Examples
    --------
    >>> PlanConfig(model="statespace", n_paths=500).n_paths
    500
    >>> PlanConfig(target=1.2)
    Traceback (most recent call last):
    ...
    ValueError: target (CLI: --target) must be a probability strictly between 0 and 1, got 1.2
    """

    data_path: str = str(DEMO_PATH)
    scenario_path: str = str(DEFAULT_SCENARIO_PATH)
    id_col: str = "unique_id"
    na: str = "error"
    gaps: str = "error"
    model: str = "auto"
    country: str = "HK"
    n_paths: int = 1000
    seed: int = 0
    backtest_lny: int = 3
    backtest_paths: int = 100
    target: float = 0.95
    alpha: float = 0.9
    budget_risk: float = 0.1
    tail_limit: float = 0.0
    lny_year: int = 0
    series: str = ""

    def __post_init__(self) -> None:
        from forecast.calendar import supported_countries  # light module import for the CLI
        from forecast.models import MODEL_ALIASES

        if self.country not in supported_countries():
            raise ValueError(f"country{_flag('country')} must be a holidays country code such "
                             f"as 'HK', 'TW' or 'CN', got {self.country!r}")
        for name in ("na", "gaps"):
            if getattr(self, name) not in ("error", "zero", "interpolate"):
                raise ValueError(f"{name}{_flag(name)} must be one of error, zero, "
                                 f"interpolate, got {getattr(self, name)!r}")
        if self.model not in MODEL_ALIASES:
            raise ValueError(f"model{_flag('model')} must be one of {', '.join(MODEL_ALIASES)}, "
                             f"got {self.model!r}")
        for name, lo in (("n_paths", 10), ("seed", 0), ("backtest_lny", 0),
                         ("backtest_paths", 10)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lo:
                raise ValueError(f"{name}{_flag(name)} must be an integer >= {lo}, got {value!r}")
        for name in ("target", "alpha"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise ValueError(f"{name}{_flag(name)} must be a probability strictly between "
                                 f"0 and 1, got {value!r}")
        if not isinstance(self.budget_risk, (int, float)) or not 0 <= self.budget_risk <= 1:
            raise ValueError(f"budget_risk{_flag('budget_risk')} must be a probability in "
                             f"[0, 1], got {self.budget_risk!r}")
        if isinstance(self.lny_year, bool) or not isinstance(self.lny_year, numbers.Integral) \
                or not (self.lny_year == 0 or 1901 <= self.lny_year <= 2099):
            raise ValueError(f"lny_year{_flag('lny_year')} must be a year in 1901..2099, or 0 "
                             f"for the scenario's own LNY, got {self.lny_year!r}")
        if not isinstance(self.series, str):
            raise ValueError(f"series{_flag('series')} must be a series name, or \"\" for "
                             f"the scenario's unique_id, got {self.series!r}")
        if not isinstance(self.tail_limit, (int, float)) or not self.tail_limit >= 0:
            raise ValueError(f"tail_limit{_flag('tail_limit')} must be HK$ >= 0 (0: no limit), "
                             f"got {self.tail_limit!r}")

    @classmethod
    def from_parameters(cls, parameters) -> PlanConfig:
        """Build from a mapping that holds every field (e.g. a notebook's ``globals()``
        after papermill injected its parameters); other keys are ignored."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in parameters]
        if missing:
            raise ValueError(f"parameters lack {missing}; a notebook's parameters cell must "
                             "declare every PlanConfig field")
        return cls(**{n: parameters[n] for n in names})

    def plan_key(self) -> dict:
        """The options a plan depends on beyond its files and its series (the planned
        scenario holds the series): every field but the ``*_path`` ones and ``series``."""
        return {k: v for k, v in dataclasses.asdict(self).items()
                if not k.endswith("_path") and k != "series"}

    def forecast_key(self) -> dict:
        """The options the demand forecast depends on (not the scenario's staffing)."""
        return {k: getattr(self, k) for k in ("model", "country", "n_paths", "seed",
                                              "backtest_lny", "backtest_paths")}
