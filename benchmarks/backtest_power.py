"""Backtest ``auto`` against the Prophet-window anchor on a power-load-like synthetic series.

Usage::

    .venv/bin/python benchmarks/backtest_power.py [--seeds 3] [--paths 200] [--modes full,cut13,cut25,partial]
        [--season-peak DOY] [--growth G] [--unit U] [--recovery DAYS] [--country CN]

Issue 10 measured ``auto`` on two series this project does not hold: an industrial
electricity series (6 LNYs) and a regional power load (1-2 LNYs) whose volume falls to
~35-45% of normal for a week. This script builds a stand-in of that kind with a known
truth, so the weakness can be re-measured by anyone (it is not a fit target):

- daily level 100,000 growing 4% a year (log-linear, 0.04 per year); yearly seasonality on the log scale
  ``0.15 cos(2 pi (doy - 200) / 365.25) + 0.075 cos(4 pi (doy - 20) / 365.25)``;
  weekday multipliers Mon..Sun 1.00, 1.01, 1.01, 1.00, 0.99, 0.90, 0.83;
- an LNY trough at depth ``d`` (0.40 x a lognormal factor with log-sd 0.12, drawn per
  LNY): a ramp from LNY-10 down to ``sqrt(d)`` on the eve, ``d`` on LNY days 0-6, a linear
  recovery to 1 over days 7-20;
- AR(1) log noise, phi 0.8, innovation sd 0.025; no public holidays (``country=None``;
  ``--country CN --recovery 35`` makes it an industrial load: the mainland's holidays and
  make-up working days, and a restart that lasts to LNY+35).

Each seed is one series, 2018-01-01..2026-03-31; the folds are LNY 2024, 2025 and 2026 at
lead 28 (origin LNY-28, horizon 56), with the history modes of ``backtest_real.py``:
``full``, ``cut13`` (396 days: one LNY), ``cut25`` (760 days: two LNYs) and ``partial`` (from 22 days before the previous
LNY). ``--unit U`` divides the series by ``U`` without rounding: a measurement (energy in
GWh, not a count), whose forecast must not depend on its unit. Printed: scaled CRPS, daily
and LNY-window 80% coverage, and the ratio to the anchor.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from backtest_real import ANCHOR, markdown, run_case, summary

from forecast.calendar import days_to_lny, holiday_calendar, lny_year_of

#: Weekday multipliers, Monday first.
WEEKDAY = np.array([1.0, 1.01, 1.01, 1.0, 0.99, 0.90, 0.83])


def power_load(seed: int, *, start: str = "2018-01-01", end: str = "2026-03-31",
               depth: float = 0.40, depth_sd: float = 0.12, sigma: float = 0.025,
               phi: float = 0.8, season_peak: int | None = None,
               growth: float = 0.04, recovery: int = 20,
               country: str | None = None) -> pd.DataFrame:
    """One power-load-like series (``unique_id, ds, y``); see the module docstring.

    ``season_peak`` (a day of the year) replaces the yearly seasonality by
    ``0.15 cos(2 pi (doy - season_peak) / 365.25)``: with 110 or 290 the season rises or
    falls steeply through LNY, with 330 it falls from a late-November peak (parcels after
    their year-end peak), with 20 LNY sits at its peak. ``growth`` is the level's growth
    per year on the log scale (0.29: +34% a year, a new hub's ramp-up). ``recovery``: the
    LNY day by which the restart is complete (35: an industrial load whose factories
    reopen over five weeks, past the models' LNY window). ``country`` (e.g. "CN"): its
    public holidays outside LNY-10..LNY+``recovery`` run at 0.8 of a working day, and its
    weekend make-up working days at a working day's level.
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, end)
    t = np.arange(len(ds)) / 365.25
    doy = ds.day_of_year.to_numpy()
    if season_peak is None:
        season = (0.15 * np.cos(2 * np.pi * (doy - 200) / 365.25)
                  + 0.075 * np.cos(4 * np.pi * (doy - 20) / 365.25))
    else:
        season = 0.15 * np.cos(2 * np.pi * (doy - season_peak) / 365.25)
    off = days_to_lny(ds)
    lny_year = lny_year_of(ds, off)
    years = np.arange(lny_year.min(), lny_year.max() + 1)
    d = dict(zip(years, depth * np.exp(rng.normal(0, depth_sd, len(years)))))
    dd = np.array([d[y] for y in lny_year])
    lny = np.ones(len(ds))
    ramp = (off >= -10) & (off < 0)
    lny[ramp] = 1 - (1 - np.sqrt(dd[ramp])) * (off[ramp] + 11) / 10
    trough = (off >= 0) & (off <= 6)
    lny[trough] = dd[trough]
    back = (off > 6) & (off <= recovery)
    lny[back] = dd[back] + (1 - dd[back]) * (off[back] - 6) / (recovery - 6)
    e = np.zeros(len(ds))
    z = rng.normal(0, sigma, len(ds))
    for i in range(1, len(ds)):
        e[i] = phi * e[i - 1] + z[i]
    week = WEEKDAY[ds.day_of_week]
    if country is not None:
        cal = holiday_calendar(country, ds[0], ds[-1])
        week = np.where(np.isin(ds.date, list(cal["workdays"])), 1.0, week)
        off_lny = (off >= -10) & (off <= recovery)
        week = np.where(np.isin(ds.date, list(cal["holidays"])) & ~off_lny, 0.8, week)
    y = 1e5 * np.exp(growth * t + season + e) * week * lny
    return pd.DataFrame({"unique_id": f"power_{seed}", "ds": ds, "y": np.round(y)})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--paths", type=int, default=200)
    ap.add_argument("--modes", default="full,cut13,cut25,partial")
    ap.add_argument("--season-peak", type=int, default=None,
                    help="day of the year of a one-harmonic season's peak (default: the "
                         "two-harmonic season of the module docstring)")
    ap.add_argument("--growth", type=float, default=0.04,
                    help="the level's growth per year, log scale (default: 0.04)")
    ap.add_argument("--recovery", type=int, default=20,
                    help="LNY day by which the restart is complete (default: 20)")
    ap.add_argument("--country", default=None,
                    help="a holidays country code (e.g. CN): its holidays and make-up "
                         "working days shape the series, and the models learn them "
                         "(default: none)")
    ap.add_argument("--unit", type=float, default=None,
                    help="divide the series by this, unrounded: a measurement (default: "
                         "counts)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # short-history notes: expected here
    df = pd.concat([power_load(s, season_peak=args.season_peak, growth=args.growth,
                               recovery=args.recovery, country=args.country)
                    for s in range(args.seeds)],
                   ignore_index=True)
    if args.unit is not None:
        df["y"] = df.y / args.unit
    models = ["auto", ANCHOR]
    for mode in args.modes.split(","):
        t0, c0 = time.perf_counter(), time.process_time()
        res, refused, _ = run_case(df, [2024, 2025, 2026], models=models, country=args.country,
                                   lead=28, mode=mode, n_paths=args.paths, extra={})
        season = "" if args.season_peak is None else f", season peak on day {args.season_peak}"
        if args.growth != 0.04:
            season += f", growth {args.growth} a year (log)"
        if args.unit is not None:
            season += f", divided by {args.unit:g} (a measurement)"
        if args.recovery != 20:
            season += f", restart complete on LNY+{args.recovery}"
        if args.country is not None:
            season += f", {args.country} holidays and make-up days"
        print(f"\n#### power-load stand-in{season}, {args.seeds} seeds, LNY 2024-2026, lead 28, "
              f"history {mode}, {args.paths} paths: {time.perf_counter() - t0:.1f} s wall, "
              f"{time.process_time() - c0:.1f} s CPU\n")
        print(markdown(summary(res, refused, models)))


if __name__ == "__main__":
    main()
