"""Backtest every model around LNY on the real series in ../shared/data (not in the repo).

Usage::

    .venv/bin/python benchmarks/backtest_real.py [--paths 200] [--models a,b,...] [--all-series]

Prints one comparison table per file (markdown), the per-year scaled CRPS, and the wall
time of the whole backtest. Series and LNY years are the ones named in issue 3; with
``--all-series`` every series of each file is backtested (a check on series the models
were not developed on), with scaled CRPS, daily coverage and window coverage per series.
``--options`` (JSON) is merged into every model's options, for one-off experiments.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from forecast.backtest import backtest, compare
from forecast.models import MODEL_ALIASES

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASES = [  # file, series, LNY years, holiday country
    ("hk_immd_daily_passengers.csv", "total", [2024, 2025, 2026], "HK"),
    ("kaohsiung_metro_daily_ridership.csv", "total", [2023, 2024, 2025], "TW"),
]


def load(path: Path, series: str | None) -> pd.DataFrame:
    """One series of a shared file, or every series (``series=None``)."""
    raw = pd.read_csv(path)
    if series is not None:
        raw = raw[raw.series == series]
    return pd.DataFrame({"unique_id": raw.series, "ds": pd.to_datetime(raw.ds),
                         "y": raw.y.astype(float)}).reset_index(drop=True)


def markdown(df: pd.DataFrame) -> str:
    """A pipe table (no tabulate dependency)."""
    cols = [str(c) for c in df.columns]
    rows = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in r] for r in df.itertuples(index=False)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=200)
    ap.add_argument("--models", default=",".join(MODEL_ALIASES))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cases", default="all", help="comma-separated file names, or all")
    ap.add_argument("--all-series", action="store_true",
                    help="every series of each file, not only the headline one")
    ap.add_argument("--options", default="{}",
                    help='JSON model options merged into every model\'s, e.g. \'{"trend_damping": 0}\'')
    args = ap.parse_args()
    models = args.models.split(",")
    for file, series, years, country in CASES:
        if args.cases != "all" and file not in args.cases.split(","):
            continue
        if args.all_series:
            series = None
        df = load(args.data / file, series)
        t0 = time.perf_counter()
        res = backtest(df, models, lny_years=years, n_paths=args.paths, seed=0,
                       options={"*": {"country": country, **json.loads(args.options)}})
        wall = time.perf_counter() - t0
        print(f"\n### {file} `{series or 'every series'}`, LNY {years}, origin LNY-28, horizon 56, "
              f"{args.paths} paths: {wall:.1f} s\n")
        print(markdown(compare(res)))
        d = res.daily
        key = "unique_id" if args.all_series else "lny_year"
        per = d.groupby(["model", key]).apply(lambda g: g.crps.mean() / g.y.mean(),
                                              include_groups=False)
        print(f"\nscaled CRPS per {key}\n")
        print(markdown(per.unstack().reset_index()))
        if args.all_series:
            cov = d.groupby(["model", "unique_id"]).in_80.mean().unstack()
            print("\ndaily 80% coverage per series\n")
            print(markdown(cov.reset_index()))
            win = res.windows.groupby(["model", "unique_id"]).in_80.mean().unstack()
            print("\nLNY-window coverage (80%) per series\n")
            print(markdown(win.reset_index()))


if __name__ == "__main__":
    main()
