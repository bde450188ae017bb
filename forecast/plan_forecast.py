"""The demand-forecast step of a plan: backtest, fit and joint paths of one series.

It depends on the history and the forecast options only, not on the staffing scenario, so
:func:`cached_forecast` keeps it in the data-only store of :mod:`forecast.cache` apart from
the plan (:mod:`forecast.plan`): a what-if on staffing or compensation reuses it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from forecast import __version__
from forecast.backtest import backtest, compare
from forecast.backtest import backtest_years as supported_years
from forecast.config import PlanConfig
from forecast.hashing import config_hash, file_hash, frame_hash
from forecast.models import ShortHistoryWarning, make_model

__all__ = ["BACKTEST_TRAIN_DAYS", "FALLBACK_NOTE", "REFERENCE_MODELS", "backtest_note",
           "backtest_years",
           "cached_forecast", "code_hash", "demand_forecast", "fallback_warning", "forecast_key",
           "save_forecast"]

#: Reference models backtested beside the plan's model: the planner's own heuristic and
#: Prophet as a user would run it.
REFERENCE_MODELS = ("lunar-naive", "prophet-builtin", "prophet-window")
#: Training history every backtest fold needs (two years: every model then has a past LNY).
BACKTEST_TRAIN_DAYS = 730


def backtest_years(history: pd.DataFrame, n: int) -> list[int]:
    """The ``n`` most recent LNYs whose backtest fold the history supports.

    A fold needs :data:`BACKTEST_TRAIN_DAYS` of history before its origin (LNY-28) and the
    LNY window observed (:func:`forecast.backtest.backtest_years`).
    """
    return supported_years(history, min_train_days=BACKTEST_TRAIN_DAYS)[-n:] if n else []


#: Start of the note of the demand model's fallback (``calibration_.fallback``): warned.
FALLBACK_NOTE = "demand model fallback: "


def fallback_warning(notes, *, width: int = 400) -> list[str]:
    """The page-1 warning for a model that fell back (a short or partial history), if any.

    A plain sentence for a manager, then as many of the model's own notes (whole, in
    order: the calibration first) as fit in ``width`` characters; ``forecast run`` prints
    every note.
    """
    found = [n[len(FALLBACK_NOTE):] for n in notes if n.startswith(FALLBACK_NOTE)]
    if not found:
        return []
    if "no past LNY backtest fold" in found[0]:
        text = ("The demand forecast rests on a short history with no past LNY to test it "
                "on: its LNY effects are partly default values and its spread was checked on "
                "recent months only. Keep a margin and re-plan when more data arrive. "
                "Model notes: ")
    elif found[0].startswith("level shift"):
        text = ("The history ends on a new level (a step in the last weeks): the forecast "
                "starts from it. Check that the step is real and lasting. Model notes: ")
    elif found[0].startswith("closed (y = 0)"):
        text = ("The history ends in a closure (zeros): the forecast assumes the site "
                "reopens at its level before it. Model notes: ")
    else:
        text = ("The demand forecast rests on a short or partial history: some of its "
                "effects are default values, not learnt. Model notes: ")
    clauses = found[0].split("; ")
    kept = [c for i, c in enumerate(clauses)
            if len(text + "; ".join(clauses[:i + 1])) <= width - 4]
    if not kept:  # not even the first note fits whole: say where they are
        return [text + "printed by forecast run (\"demand model fallback\")."]
    more = " ..." if "; ".join(kept) != found[0] else ""
    return [text + "; ".join(kept) + more]


def backtest_note(years, asked: int, n_days: int) -> list[str]:
    """What the plan says when the history supports fewer backtest LNYs than asked for.

    Examples
    --------
    >>> backtest_note([2024, 2025], 3, 1200)[0][:46]
    'backtest: the history supports 2 of the 3 LNYs'
    >>> backtest_note([], 3, 400)
    ['backtest: none run; a fold needs 730 days of history before LNY-28 and this history has 400']
    >>> backtest_note([2025], 1, 900)
    []
    """
    if not asked or len(years) >= asked:
        return []
    if not years:  # no option helps: only a longer history
        return [f"backtest: none run; a fold needs {BACKTEST_TRAIN_DAYS} days of history "
                f"before LNY-28 and this history has {n_days}"]
    return [f"backtest: the history supports {len(years)} of the {asked} LNYs asked for "
            f"({', '.join(map(str, years))}); each fold needs {BACKTEST_TRAIN_DAYS} days of "
            "history before LNY-28 (--backtest-lny)"]


def demand_forecast(history, config: PlanConfig, h: int, rng, step, notes):
    """Backtest table, backtest years, demand paths and ``auto``'s selection of the planned
    series; ``step(name, fn, *args)`` times each step, ``notes`` collects what to tell."""
    years = backtest_years(history, config.backtest_lny)
    notes += backtest_note(years, config.backtest_lny, history["ds"].nunique())
    table = pd.DataFrame()
    bt_rng, fit_rng, path_rng = rng.spawn(3)
    with warnings.catch_warnings(record=True) as caught:  # other warnings as filtered
        warnings.simplefilter("always", ShortHistoryWarning)
        if years:
            models = list(dict.fromkeys((*REFERENCE_MODELS, config.model)))
            result = step("backtest", backtest, history, models, lny_years=years,
                          n_paths=config.backtest_paths, rng=bt_rng, progress=step.progress,
                          options={"*": {"country": config.country}})
            table = compare(result)
        model = step(f"fit {config.model}",
                     make_model(config.model, country=config.country).fit, history, rng=fit_rng)
    once: dict = {}  # others: as raised, each once
    for w in caught:  # a fallback is a note (the final fit's is on page 1, below), not a
        if not issubclass(w.category, ShortHistoryWarning):  # Python warning in a notebook
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, registry=once)
        elif str(w.message).startswith("backtest fold") and str(w.message) not in notes:
            notes.append(str(w.message))
    paths = step("sample paths", model.sample_paths, h, n_paths=config.n_paths, rng=path_rng)
    cal = getattr(model, "calibration_", None)  # a short history's fallback: page 1 says so
    notes += [FALLBACK_NOTE + f for f in ([] if cal is None else cal.get("fallback", []))
              if f][:1]
    # what the model took as facts of the history (closures, LNY years counted less)
    notes += [f"demand model: {f}" for f in dict.fromkeys(
        [] if cal is None or "facts" not in cal else cal["facts"]) if f]
    selection = getattr(model, "selection_", None)
    return table, tuple(years), paths, pd.DataFrame() if selection is None else selection


def forecast_key(history: pd.DataFrame, config: PlanConfig, h: int) -> str:
    """What a demand forecast depends on: the series, the horizon, the forecast options and
    the package's source."""
    return config_hash({"data": frame_hash(history), "h": h, "options": config.forecast_key(),
                        "version": __version__, "code": code_hash()})


def cached_forecast(history, config, h, rng, step, notes, cache):
    """:func:`demand_forecast`, reused from (and kept in) the data-only cache if ``cache``."""
    if not cache:
        return demand_forecast(history, config, h, rng, step, notes)
    from forecast import cache as store

    key = forecast_key(history, config, h)
    hit = store.load(key)
    if hit is not None:
        frames, meta = hit
        notes.extend(meta["notes"])
        notes.append("demand forecast reused from the cache (same history and options)")
        return frames["backtest"], tuple(meta["years"]), frames["paths"], frames["selection"]
    table, years, paths, selection = demand_forecast(history, config, h, rng, step, notes)
    save_forecast(key, table, years, paths, selection, notes)
    return table, years, paths, selection


def save_forecast(key: str, table, years, paths, selection, notes) -> None:
    """Keep a demand forecast in the data-only cache under ``key`` (:func:`forecast_key`)."""
    from forecast import cache as store

    store.save(key, {"backtest": table, "paths": paths, "selection": selection},
               {"years": list(years), "notes": list(notes)})


def code_hash() -> str:
    """Hash of the package's source, so that a code change never reuses a cached result."""
    root = Path(__file__).resolve().parent
    return config_hash({str(p.relative_to(root)): file_hash(p)
                        for p in sorted(root.rglob("*.py"))})
