"""A level step weeks before a history's end: is the forecast at the new level?

Usage::

    .venv/bin/python benchmarks/level_steps.py [--data DIR] [--series total]

On the Kaohsiung metro file of ../shared/data (its full history, to 2025-06-22), the last
``days`` days of one series are multiplied by ``factor`` (rounded: still counts), as a site
that gained or lost a client would be. ``statespace`` (no calibration) is fitted with and
without the step; printed per case: the mean of the paths over the next 4 weeks and over
days 90-120, each divided by the unstepped forecast times ``factor`` (1.00: forecast at the
new level), and the model's first note (the step it found, if any). 300 paths, seed 0.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from backtest_real import DATA, data_dir, load, markdown

from forecast.models.statespace import StateSpaceModel, clear_fit_cache

FILE = "kaohsiung_metro_daily_ridership.csv"
CASES = [(f, d) for f in (0.7, 1.4, 2.0) for d in (30, 45, 60, 75, 90)]


def mean_path(df, *, n_paths: int = 300, h: int = 120):
    """Mean over paths per day, and the fitted model's notes."""
    clear_fit_cache()  # each case fitted cold
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = StateSpaceModel(country="TW", calibrate=False).fit(df, rng=np.random.default_rng(0))
    p = m.sample_paths(h, n_paths=n_paths, rng=np.random.default_rng(0))
    return p.groupby("ds").y.mean().to_numpy(), m.fallbacks(m.states_[df.unique_id.iloc[0]])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--series", default="total")
    args = ap.parse_args()
    df = load(data_dir(args.data, (FILE,)) / FILE, args.series)
    t0, c0 = time.perf_counter(), time.process_time()
    base, _ = mean_path(df)
    rows = []
    for factor, days in CASES:
        stepped = df.copy()
        stepped.loc[stepped.index[-days:], "y"] = np.round(stepped.y.iloc[-days:] * factor)
        got, notes = mean_path(stepped)
        ratio = got / base / factor
        rows.append({"factor": factor, "last days": days,
                     "next 4 weeks": round(float(ratio[:28].mean()), 3),
                     "days 90-120": round(float(ratio[90:].mean()), 3),
                     "note": notes[0][:70] if notes else ""})
    print(f"#### {FILE} `{args.series}`, statespace, 300 paths: "
          f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU\n")
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
