"""Backtest the demand models around LNY on the real series in ../shared/data (not in the repo).

Usage::

    .venv/bin/python benchmarks/backtest_real.py [--paths 200] [--models a,b,...]
        [--cases all] [--modes full,cut13,cut25,partial] [--leads 28,330] [--all-series] [--per-fold]

For each file (HK immigration ``total``, LNY 2024-2026, ``HK`` holidays; Kaohsiung metro
``total``, LNY 2023-2025, ``TW`` holidays), each history mode and each lead:

- ``full``: every day before the forecast origin;
- ``cut13``: only the 13 months (396 days) before the origin (a new hub's history);
- ``cut25``: only the 25 months (760 days) before the origin (two past LNYs; not in the
  default modes);
- ``partial`` (lead 28 only): the history starts 22 days before the previous LNY, so its
  only LNY window is partial (11.5-12.5 months: the case ``auto`` used to refuse);
- lead 28: origin LNY-28, horizon 56 days; lead 330: origin LNY-330, horizon 345 days
  (the LNY window LNY-7..LNY+14 lies 323-344 days ahead: next year's LNY from this year's
  data).

One backtest per LNY year, so that a model that refuses a fold is counted (``refused``)
instead of aborting the table. Printed per case: ``compare`` columns, folds answered and
refused, and ``ratio`` = scaled CRPS / the anchor's (``prophet-window`` with the hand-made
LNY window -14..+14, measured in the same run).
"""

from __future__ import annotations

import argparse
import inspect
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.backtest import BacktestResult, backtest, compare
from forecast.calendar import lunar_new_year
from forecast.models import make_model

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASES = [  # file, series, LNY years, holiday country
    ("hk_immd_daily_passengers.csv", "total", [2024, 2025, 2026], "HK"),
    ("kaohsiung_metro_daily_ridership.csv", "total", [2023, 2024, 2025], "TW"),
]
#: The anchor every ratio is taken against: Prophet with a hand-made LNY window -14..+14.
ANCHOR = "prophet-window"
ANCHOR_OPTIONS = {"window": (-14, 14)}
LEADS = {28: (-28, 56), 330: (-330, 345)}  # lead -> (origin offset, horizon)
CUT_DAYS = {"cut13": 396, "cut25": 760}


def data_dir(path: Path, files=tuple(f for f, *_ in CASES)) -> Path:
    """``path`` if it holds ``files`` (the shared files), else exit naming ``--data``."""
    if not all((path / f).is_file() for f in files):
        raise SystemExit(f"no shared data in {path}: pass --data DIR, the folder holding "
                         + " and ".join(sorted(set(files))) + " (../shared/data beside "
                         "the repository by default)")
    return path


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
    rows = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in r]
            for r in df.itertuples(index=False)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def random_kw(fn, seed: int) -> dict:
    """``rng=`` for the current API, ``seed=`` for the one before (same script, both runs)."""
    if "rng" in inspect.signature(fn).parameters:
        return {"rng": np.random.default_rng(seed)}
    return {"seed": seed}


def build(alias: str, country: str, extra: dict):
    opts = {"country": country, **extra}
    if alias == ANCHOR:
        opts.update(ANCHOR_OPTIONS)
    if alias == "lunar-naive":
        opts.pop("country")
    return make_model(alias, **opts)


def run_case(df, years, *, models, country, lead, mode, n_paths, extra, seed=0):
    """Backtest year by year; returns (BacktestResult or None, refusals, seconds)."""
    offset, horizon = LEADS[lead]
    daily, windows, fits, refused = [], [], [], []
    t0 = time.perf_counter()
    warnings.filterwarnings("ignore", message=".*no past LNY backtest fold.*")
    warnings.filterwarnings("ignore", message=".*(seen|yearly seasonality).*")
    for year in years:
        lny = pd.Timestamp(lunar_new_year(year))
        origin = lny + pd.Timedelta(days=offset)
        if mode in CUT_DAYS:
            hist = df[df.ds >= origin - pd.Timedelta(days=CUT_DAYS[mode])]
        elif mode == "partial":
            prev = pd.Timestamp(lunar_new_year(year - 1))
            hist = df[df.ds >= prev - pd.Timedelta(days=22)]
        elif mode == "full":
            hist = df
        else:
            raise SystemExit(f"unknown mode {mode!r}: full, partial or {', '.join(CUT_DAYS)}")
        for alias in models:
            try:
                res = backtest(hist, [build(alias, country, extra)], lny_years=[year],
                               origin_offset=offset, horizon=horizon, n_paths=n_paths,
                               **random_kw(backtest, seed))
            except ValueError as exc:
                refused.append((alias, year, str(exc)[:160]))
                continue
            daily.append(res.daily)
            windows.append(res.windows)
            fits.append(res.fits)
    wall = time.perf_counter() - t0
    if not daily:
        return None, refused, wall
    return BacktestResult(pd.concat(daily, ignore_index=True), pd.concat(windows, ignore_index=True),
                          pd.concat(fits, ignore_index=True)), refused, wall


def summary(res: BacktestResult, refused, models) -> pd.DataFrame:
    t = compare(res)[["model", "scaled_crps", "coverage_80", "coverage_95",
                      "window_coverage_80", "wape", "n_folds", "seconds"]]
    t["refused"] = [sum(r[0] == m for r in refused) for m in t.model]
    anchor = t.loc[t.model == ANCHOR, "scaled_crps"]
    t["ratio"] = t.scaled_crps / float(anchor.iloc[0]) if len(anchor) else np.nan
    missing = [m for m in models if m not in set(t.model)]
    extra = pd.DataFrame({"model": missing, "refused": [sum(r[0] == m for r in refused)
                                                          for m in missing]})
    return pd.concat([t, extra], ignore_index=True) if missing else t


def per_fold(res: BacktestResult) -> pd.DataFrame:
    """Per model and LNY year: daily 80% coverage and mean log bias of the median
    (``log(median / actual)``, > 0: too high) before the LNY window (LNY-28..LNY-8), in it
    (LNY-7..LNY+14) and after, and whether the window total was covered."""
    d = res.daily.copy()
    d["part"] = pd.cut(d["offset"], [-10**6, -8, 14, 10**6], labels=["pre", "window", "post"])
    d["bias"] = np.log(d["median"] / d["y"].clip(lower=1))
    keys = ["model", "unique_id", "lny_year"]
    g = d.groupby([*keys, "part"], observed=True)
    t = pd.concat({"cov80": g["in_80"].mean(), "bias": g["bias"].mean()}, axis=1).unstack("part")
    t.columns = [f"{a}_{b}" for a, b in t.columns]
    t["cov80"] = d.groupby(keys)["in_80"].mean()
    t["scaled_crps"] = d.groupby(keys)["crps"].mean() / d.groupby(keys)["y"].mean()
    t["window_in_80"] = res.windows.set_index(keys)["in_80"]
    return t.reset_index()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=200)
    ap.add_argument("--models", default=f"auto,{ANCHOR},prophet-builtin,lunar-naive")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cases", default="all", help="comma-separated file names, or all")
    ap.add_argument("--modes", default="full,cut13,partial")
    ap.add_argument("--leads", default="28,330")
    ap.add_argument("--all-series", action="store_true",
                    help="every series of each file, not only the headline one")
    ap.add_argument("--per-fold", action="store_true",
                    help="also print each LNY year's coverage and bias before, in and after "
                         "the LNY window")
    ap.add_argument("--options", default="{}",
                    help="JSON options merged into every model's (one-off experiments)")
    args = ap.parse_args()
    data = data_dir(args.data)
    models = args.models.split(",")
    extra = json.loads(args.options)
    for file, series, years, country in CASES:
        if args.cases != "all" and file not in args.cases.split(","):
            continue
        df = load(data / file, None if args.all_series else series)
        for lead in map(int, args.leads.split(",")):
            for mode in args.modes.split(","):
                if mode == "partial" and lead != 28:
                    continue
                res, refused, wall = run_case(df, years, models=models, country=country,
                                              lead=lead, mode=mode, n_paths=args.paths,
                                              extra=extra)
                print(f"\n#### {file} `{series if not args.all_series else 'every series'}`, "
                      f"LNY {years}, lead {lead} (origin LNY{LEADS[lead][0]:+d}, horizon "
                      f"{LEADS[lead][1]}), history {mode}, {args.paths} paths: {wall:.1f} s\n")
                if res is not None:
                    print(markdown(summary(res, refused, models)))
                    if args.per_fold:
                        print("\n" + markdown(per_fold(res)))
                for alias, year, msg in refused:
                    print(f"- refused: {alias} LNY {year}: {msg}")


if __name__ == "__main__":
    main()
