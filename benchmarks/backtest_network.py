"""Network coherence on the real series in ../shared/data (issue 11): joint vs independent hubs.

Usage::

    .venv/bin/python benchmarks/backtest_network.py [--paths 500] [--seed 0] [--cases all]

Two small networks whose total is observed: HK immigration (``arrivals_total`` +
``departures_total`` = ``total``, LNY 2024-2026, ``HK`` holidays) and Kaohsiung metro
(``red_line`` + ``orange_line`` ~ ``total``, LNY 2023-2025, ``TW`` holidays). Per LNY year,
origin LNY-28, horizon 56 days, every series' history before the origin; one
``make_model("auto", country=...)`` fitted on the two hubs and the total (one state per
series). Three forecasts of the total, each scored against the observed ``total``:

- ``joint``: the sum along ``sample_id`` of the hub paths drawn from one
  :func:`forecast.models.joint.shared_draws` (``series_paths(uid, ..., shared=...)``);
- ``independent``: the sum of hub paths drawn with one stream per hub;
- ``auto-total``: ``auto``'s paths of the total itself.

Scores: scaled CRPS (mean daily CRPS / mean actual over the case's days), daily 80%
coverage, 80% coverage of the LNY-window total (LNY-7..LNY+14, one per fold), ``ratio`` =
scaled CRPS / ``auto-total``'s, ``window_sd_ratio`` = sd of the window total over
``auto-total``'s (mean over folds). ``--folds`` also prints every fold's window totals and the
correlation of the two hubs' window errors.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from backtest_real import data_dir

from forecast.calendar import WINDOW, lunar_new_year
from forecast.models import make_model
from forecast.models.joint import shared_draws
from forecast.models.scores import score_paths, window_scores

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASES = {  # name -> file, hubs, total, LNY years, holiday country
    "HK immigration": ("hk_immd_daily_passengers.csv", ("arrivals_total", "departures_total"),
                       "total", (2024, 2025, 2026), "HK"),
    "Kaohsiung metro": ("kaohsiung_metro_daily_ridership.csv", ("red_line", "orange_line"),
                        "total", (2023, 2024, 2025), "TW"),
}
ORIGIN, HORIZON = -28, 56
METHODS = ("joint", "independent", "auto-total")


def load(path: Path, series) -> pd.DataFrame:
    raw = pd.read_csv(path)
    raw = raw[raw.series.isin(series)]
    return pd.DataFrame({"unique_id": raw.series, "ds": pd.to_datetime(raw.ds),
                         "y": raw.y.astype(float)}).reset_index(drop=True)


def run_fold(df, hubs, total, year, country, *, n_paths, seed):
    """Paths of the total by each method for one LNY year, and the actual total."""
    lny = pd.Timestamp(lunar_new_year(year))
    origin = lny + pd.Timedelta(days=ORIGIN)
    train = df[df.ds < origin]
    days = pd.date_range(origin, periods=HORIZON)
    actual = (df[(df.unique_id == total) & df.ds.isin(days)].set_index("ds").y
              .reindex(days).to_numpy())
    fit_rng, joint_rng, indep_rng, total_rng = np.random.default_rng([seed, year]).spawn(4)
    model = make_model("auto", country=country).fit(train, rng=fit_rng)
    shared = shared_draws(joint_rng, n_paths, HORIZON)
    hub_joint = {u: model.series_paths(u, HORIZON, n_paths, shared=shared) for u in hubs}
    hub_indep = {u: model.series_paths(u, HORIZON, n_paths, rng=r)
                 for u, r in zip(hubs, indep_rng.spawn(len(hubs)))}
    paths = {"joint": sum(hub_joint.values()), "independent": sum(hub_indep.values()),
             "auto-total": model.series_paths(total, HORIZON, n_paths, rng=total_rng)}
    seen = np.isfinite(actual)  # LNY 2026: the file ends 8 days before the horizon does
    offsets = (days - lny).days.to_numpy()[seen]
    mask = (offsets >= WINDOW[0]) & (offsets <= WINDOW[1])
    hub_actual = {u: df[(df.unique_id == u) & df.ds.isin(days)].y.to_numpy() for u in hubs}
    return ({k: p[:, seen] for k, p in paths.items()}, actual[seen], mask,
            {u: p[:, seen] for u, p in hub_joint.items()}, hub_actual)


def score(paths, actual, mask) -> dict:
    s = score_paths(actual, paths)
    w = window_scores(actual, paths, mask)
    return {"crps": s["crps"], "y": actual, "in_80": s["in_80"], "win_in_80": w["in_80"],
            "win_actual": w["actual"], "win_lo": w["lo_80"], "win_med": w["median"],
            "win_hi": w["hi_80"], "win_sd": float(paths[:, mask].sum(axis=1).std())}


def table(rows: list[dict]) -> pd.DataFrame:
    """One row per case and method, plus ``overall`` (mean over cases, folds summed).

    ``window_sd_ratio``: the sd of the paths' LNY-window total over ``auto-total``'s, mean
    over folds (1: the method spreads the network total as much as a model of the total).
    """
    df = pd.DataFrame(rows)
    ref_sd = df[df.method == "auto-total"].set_index(["case", "year"]).win_sd
    df["sd_ratio"] = df.win_sd / pd.MultiIndex.from_frame(df[["case", "year"]]).map(ref_sd)
    out = []
    for (case, method), g in df.groupby(["case", "method"], sort=False):
        crps, y = np.concatenate(g.crps.tolist()), np.concatenate(g.y.tolist())
        out.append({"case": case, "method": method, "scaled_crps": crps.mean() / y.mean(),
                    "coverage_80": np.concatenate(g.in_80.tolist()).mean(),
                    "window_coverage_80": g.win_in_80.mean(),
                    "window_sd_ratio": g.sd_ratio.mean(), "n_folds": len(g)})
    t = pd.DataFrame(out)
    overall = t.groupby("method", sort=False).agg(
        scaled_crps=("scaled_crps", "mean"), coverage_80=("coverage_80", "mean"),
        window_coverage_80=("window_coverage_80", "mean"),
        window_sd_ratio=("window_sd_ratio", "mean"), n_folds=("n_folds", "sum"))
    t = pd.concat([t, overall.reset_index().assign(case="overall")], ignore_index=True)
    ref = t[t.method == "auto-total"].set_index("case").scaled_crps
    t["ratio"] = t.scaled_crps / t.case.map(ref)
    return t[["case", "method", "scaled_crps", "ratio", "coverage_80", "window_coverage_80",
              "window_sd_ratio", "n_folds"]]


def markdown(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    rows = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in r]
            for r in df.itertuples(index=False)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cases", default="all", help="comma-separated case names, or all")
    ap.add_argument("--folds", action="store_true", help="print every fold's window totals")
    args = ap.parse_args()
    data_dir(args.data, [file for file, *_ in CASES.values()])
    warnings.filterwarnings("ignore", message=".*(seen|yearly seasonality|backtest fold).*")
    t0, c0 = time.perf_counter(), time.process_time()
    rows, folds = [], []
    for case, (file, hubs, total, years, country) in CASES.items():
        if args.cases != "all" and case not in args.cases.split(","):
            continue
        df = load(args.data / file, (*hubs, total))
        for year in years:
            paths, actual, mask, hub_paths, hub_actual = run_fold(
                df, hubs, total, year, country, n_paths=args.paths, seed=args.seed)
            for method in METHODS:
                rows.append({"case": case, "method": method, "year": year,
                             **score(paths[method], actual, mask)})
            errs = {u: np.log(hub_actual[u][mask].sum() / np.median(p[:, mask].sum(axis=1)))
                    for u, p in hub_paths.items()}
            folds.append({"case": case, "year": year, **{f"log_err_{u}": e
                                                        for u, e in errs.items()}})
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"\n{args.paths} paths, seed {args.seed}; {platform.machine()} {os.cpu_count()} "
          f"cores, python {platform.python_version()}; wall {wall:.0f} s, CPU {cpu:.0f} s\n")
    print(markdown(table(rows)))
    if args.folds:
        f = pd.DataFrame(rows)[["case", "year", "method", "win_actual", "win_lo", "win_med",
                                "win_hi", "win_in_80", "win_sd"]]
        print("\n" + markdown(f))
        print("\n" + markdown(pd.DataFrame(folds)))


if __name__ == "__main__":
    main()
