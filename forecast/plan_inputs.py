"""What ``forecast run`` plans: the inputs read from files, and the series and LNY settled.

:func:`load_inputs` reads the history and the scenario a :class:`PlanConfig` names;
:func:`settle_inputs` settles the series and the LNY to plan as ``forecast run`` does (the
library's :func:`forecast.plan.run_plan` plans the scenario as given and refuses what does
not fit, naming the option).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pandas as pd

from forecast.config import PlanConfig
from forecast.data import DEMO_PATH, load_history
from forecast.scenario import Scenario

__all__ = ["load_inputs", "load_settled", "next_lny_year", "settle_inputs"]


def load_inputs(config: PlanConfig) -> tuple[pd.DataFrame, Scenario]:
    """Read the history and the scenario that ``config`` names.

    Raises
    ------
    FileNotFoundError
        No file at ``config.scenario_path``, naming the option.
    forecast.data.DataError
        The history cannot be read (:func:`forecast.data.load_history`).
    """
    if not Path(config.scenario_path).is_file():
        raise FileNotFoundError(f"{config.scenario_path}: no such scenario file (--config; "
                                "scenario_path in a notebook, relative to its folder)")
    scenario = Scenario.from_toml(config.scenario_path)
    history = load_history(config.data_path, id_col=config.id_col, na=config.na,
                           gaps=config.gaps)
    return history, scenario


def next_lny_year(history: pd.DataFrame, scenario: Scenario) -> int:
    """The LNY to plan when none is asked for (``lny_year = 0``): 0 (the scenario's own)
    when its window starts after the history's last day (any series), else the first LNY
    whose moved window does (:meth:`Scenario.first_year_after`): a history that already
    runs into the scenario's LNY plans the next one, as a budget set from this year's data
    does. 0 too when no year up to 2099 fits (:func:`run_plan` then says why).

    Examples
    --------
    >>> history = load_history(DEMO_PATH)
    >>> next_lny_year(history, Scenario()), next_lny_year(history, Scenario().for_lny(2025))
    (0, 2026)
    """
    last = history["ds"].max().date()
    if scenario.window.start > last:
        return 0
    return scenario.first_year_after(last) or 0


def settle_inputs(config: PlanConfig, history: pd.DataFrame, scenario: Scenario, *,
                  network: bool = False, source: str | None = None
                  ) -> tuple[PlanConfig, list[str]]:
    """The series and the LNY to plan, settled as ``forecast run`` settles them.

    ``series``: ``config.series``, else the scenario's ``unique_id``, else the history's
    only series. ``lny_year``: ``config.lny_year``, else the next LNY when the planned
    series' history (every series' with ``network``) runs past the start of the scenario's
    window (:func:`next_lny_year`).

    Parameters
    ----------
    config : PlanConfig
    history : pandas.DataFrame
        Tidy ``unique_id, ds, y``.
    scenario : Scenario
        As read (not yet moved to ``config.lny_year``).
    network : bool
        Settle for a network plan: every series' history counts, and ``series`` must be the
        largest (the network total).
    source : str, optional
        Where ``history`` came from (a file), named in the notes and errors.

    Returns
    -------
    config : PlanConfig
        With ``series`` set (and ``lny_year``, where moved).
    notes : list of str
        What was chosen for the user, one sentence each.

    Raises
    ------
    ValueError
        The series is not in the history; with ``network``, another series carried more
        over the last year than the one named as the network total.

    Examples
    --------
    >>> history = load_history(DEMO_PATH)
    >>> settled, notes = settle_inputs(PlanConfig(), history, Scenario().for_lny(2025))
    >>> settled.series, settled.lny_year, notes[0].split(": ")[-1]
    ('total', 2026, 'planning the next LNY, 2026 (--lny YEAR or lny_year = YEAR plans another)')
    """
    notes, names = [], set(map(str, history["unique_id"]))
    source = "the history" if source is None else str(source)
    uid = config.series or scenario.unique_id
    if uid not in names and not config.series and len(names) == 1:
        (uid,) = names  # a file of one series: the one to plan
        notes.append(f"planning {uid!r}, the only series of {source} (the scenario's "
                     f"unique_id is {scenario.unique_id!r})")
    if uid not in names:
        where = "--series" if config.series else f"{config.scenario_path}: unique_id"
        raise ValueError(f"{where} {uid!r} is not a series of {source}; series there: "
                         f"{sorted(names)[:20]}: pass --series NAME (series = in a "
                         "notebook), set unique_id = \"...\" at the top of the scenario file "
                         "(--config), or name the series column with --id-col")
    if network:  # the total's last year against every hub's: a hub named is refused
        last = history[history["ds"] > history["ds"].max() - pd.Timedelta(days=365)]
        volume = last.groupby(last["unique_id"].astype(str))["y"].sum()
        if volume.idxmax() != uid:
            raise ValueError(f"--network plans {uid!r} as the network total and every other "
                             f"series as a hub, but {volume.idxmax()!r} carried more over the "
                             "last year: name the total with --series (series = in a notebook, "
                             "or unique_id = in the scenario file)")
    planned = history if network else history[history["unique_id"].astype(str) == uid]
    year = config.lny_year or next_lny_year(planned, scenario)
    if year != config.lny_year:  # the history runs into the scenario's window
        notes.append(f"the history runs to {planned['ds'].max().date()}, past the start of "
                     f"the scenario's window for LNY {scenario.lny.year} "
                     f"({scenario.window.start}): planning the next LNY, {year} (--lny YEAR "
                     "or lny_year = YEAR plans another)")
    return dataclasses.replace(config, series=uid, lny_year=year), notes


def load_settled(config: PlanConfig, *, network: bool = False, stacklevel: int = 2
                 ) -> tuple[PlanConfig, pd.DataFrame, Scenario]:
    """:func:`load_inputs`, then :func:`settle_inputs` with each note a ``UserWarning``:
    the library's file entry points (:func:`forecast.plan.plan_from_files`, the notebooks,
    :func:`forecast.report.job.run_job`) plan what ``forecast run`` would.

    Parameters
    ----------
    config : PlanConfig
    network : bool
        Settle for a network plan (:func:`settle_inputs`).
    stacklevel : int
        Of the warnings: 2 points at the caller, 3 at its caller.

    Returns
    -------
    config : PlanConfig
        Settled (``series`` and ``lny_year`` set).
    history : pandas.DataFrame
    scenario : Scenario
        As read (:func:`forecast.plan.planned_scenario` moves it to the settled config).

    Examples
    --------
    >>> config, history, scenario = load_settled(PlanConfig())  # the demo: nothing to settle
    >>> config.series, config.lny_year, scenario.lny.year
    ('total', 0, 2026)
    """
    history, scenario = load_inputs(config)
    config, notes = settle_inputs(config, history, scenario, network=network,
                                  source=config.data_path)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=stacklevel)
    return config, history, scenario
