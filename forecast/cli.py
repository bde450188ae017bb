"""The ``forecast`` command line.

Every command turns a bad input into one line on stderr and exit status 2, never a
traceback. Exit status 1 is kept for unexpected internal errors. Ctrl-C is one line,
``forecast: interrupted``, and exit status 130 (SIGTERM: ``forecast: terminated``, 143).
Names from the user's files are printed with control characters escaped.
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
import threading
import warnings
from collections import Counter
from pathlib import Path

from forecast import __version__
from forecast.paths import DEFAULT_SCENARIO_PATH, DEMO_PATH

# Everything heavier (pandas, the models, the report) is imported by the command that needs
# it, so that `forecast --help` answers at once.

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every clean-up on the way runs."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


def _cmd_validate(args: argparse.Namespace) -> int:
    from forecast.calendar import require_past_lny, summarize_history
    from forecast.data import load_history
    from forecast.models import is_count
    from forecast.models.regression import MIN_HISTORY_DAYS
    from forecast.report.names import terminal_text
    from forecast.report.typography import format_count

    df = load_history(args.file, id_col=args.id_col, na=args.na, gaps=args.gaps)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        require_past_lny(df, strict=False)
    summary = summarize_history(df)
    counts = {uid: is_count(g.to_numpy(float)) for uid, g in df.groupby("unique_id")["y"]}
    print(terminal_text(f"{args.file}: {len(summary)} series, {len(df):,} rows - OK"))
    for row in summary.itertuples():
        kind = "counts" if counts[row.unique_id] else "a measurement (not integer-valued)"
        print(terminal_text(
            f"  {row.unique_id}: {row.first} .. {row.last} ({row.days:,} days, "
            f"mean {format_count(row.mean_y)}/day, {kind}); LNY covered: "
            f"{row.n_lny} ({row.lny_covered})"
        ))
    short = summary[summary["days"] < MIN_HISTORY_DAYS]
    if len(short):
        print(terminal_text(
            f"forecast: warning: {len(short)} series shorter than the {MIN_HISTORY_DAYS} days "
            f"every model but lunar-naive needs (lunar-naive: about 15 months): "
            f"{', '.join(map(str, short['unique_id'][:5]))}"
            + (f" and {len(short) - 5} more" if len(short) > 5 else "")
            + "; forecast run cannot plan them"),
            file=sys.stderr)
    for w in caught:
        print(terminal_text(f"forecast: warning: {w.message}"), file=sys.stderr)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from forecast.plan import PlanConfig, load_inputs, planned_scenario, settle_inputs
    from forecast.report.job import run_job
    from forecast.report.names import terminal_text

    for label, path in (("--data", args.data), ("--config", args.config)):
        if not Path(path).is_file():
            raise ValueError(f"{label} {path}: no such file")
    config = PlanConfig(data_path=str(Path(args.data).resolve()),
                        scenario_path=str(Path(args.config).resolve()), id_col=args.id_col,
                        model=args.model, country=args.country, na=args.na, gaps=args.gaps,
                        n_paths=args.paths, seed=args.seed, backtest_lny=args.backtest_lny,
                        target=args.target, alpha=args.alpha, budget_risk=args.budget_risk,
                        tail_limit=args.tail_limit, lny_year=args.lny, series=args.series)
    history, scenario = load_inputs(config)  # fail on bad input before any work starts
    config, notes = settle_inputs(config, history, scenario, network=args.network,
                                  source=args.data)
    for note in notes:
        print(terminal_text(f"forecast: {note}"), file=sys.stderr)
    if (args.workers is not None or args.scheduler) and not args.network:
        raise ValueError("--workers and --scheduler run the per-hub work of a network plan: "
                         "add --network")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be an integer >= 1, got {args.workers}")
    if args.network:
        from forecast.network_scenario import NetworkScenario, check_hub_overrides

        check_hub_overrides(planned_scenario(NetworkScenario.from_toml(config.scenario_path),
                                             config), set(map(str, history["unique_id"])),
                            where=args.config)
    manifest = run_job(config, args.out, progress=not args.quiet, html=not args.no_html,
                       own_tmp=True, network=args.network, workers=args.workers,
                       scheduler=args.scheduler)
    print(f"published to {manifest.parent} (see {manifest.name})")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from forecast.backtest import backtest, backtest_years, compare
    from forecast.plan_forecast import BACKTEST_TRAIN_DAYS
    from forecast.data import load_history

    df = load_history(args.file, id_col=args.id_col, na=args.na, gaps=args.gaps)
    if args.series:
        missing = sorted(set(args.series) - set(df["unique_id"]))
        if missing:
            raise ValueError(f"--series {missing}: no such series in {args.file}; series "
                             f"there: {sorted(map(str, df['unique_id'].unique()))}")
        df = df[df["unique_id"].isin(args.series)]
    years = args.years or backtest_years(df, origin_offset=args.origin, horizon=args.horizon,
                                         min_train_days=BACKTEST_TRAIN_DAYS)
    if not years:
        raise ValueError(f"{args.file}: no LNY with {BACKTEST_TRAIN_DAYS} days of history "
                         f"before its origin (LNY{args.origin:+d}) and its window observed, "
                         "as forecast run's backtest asks: pass --years")
    with warnings.catch_warnings(record=True) as caught:  # each fold warns: say each once
        warnings.simplefilter("always", UserWarning)  # ours; others as filtered before
        try:
            result = backtest(df, args.models, lny_years=years, horizon=args.horizon,
                              origin_offset=args.origin, n_paths=args.paths,
                              rng=np.random.default_rng(args.seed),
                              options={"*": {"country": args.country}}, progress=True)
        finally:  # said even when a fold fails
            for text, n in Counter(str(w.message) for w in caught).items():
                print(_one_line(f"forecast: warning: {text}"
                                + (f" ({n} times)" if n > 1 else "")), file=sys.stderr)
    table = compare(result)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.out:
        table.to_csv(args.out, index=False, lineterminator="\n")
        print(f"written to {args.out}")
    return 0


def _fill_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--na", default="error", choices=("error", "zero", "interpolate"),
                   help="policy for missing y values (default: error)")
    p.add_argument("--gaps", default="error", choices=("error", "zero", "interpolate"),
                   help="policy for missing days (default: error)")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="forecast", description="Lunar New Year parcel-volume forecasts "
                     "and holiday staffing plans. Bad input: one line on stderr, exit 2.")
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a history file against the data contract")
    p.add_argument("file", nargs="?", default=str(DEMO_PATH),
                   help="CSV or Parquet with ds, y (and unique_id); default: the demo data")
    p.add_argument("--id-col", default="unique_id", help="series column (default unique_id)")
    _fill_options(p)
    p.set_defaults(func=_cmd_validate)

    from forecast.models import MODEL_ALIASES  # light: no model library is imported here
    from forecast.config import PlanConfig

    default = {f.name: f.default for f in dataclasses.fields(PlanConfig)}
    p = sub.add_parser("run", help="compute the LNY staffing plan and publish the report")
    p.add_argument("--config", default=str(DEFAULT_SCENARIO_PATH),
                   help="scenario TOML (default: data/scenario.toml)")
    p.add_argument("--data", default=str(DEMO_PATH), help="history file (default: demo data)")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--id-col", default=default["id_col"],
                   help="series column of the history (default unique_id)")
    p.add_argument("--seed", type=int, default=default["seed"],
                   help="seed of every random draw (default %(default)s)")
    p.add_argument("--model", default=default["model"], choices=MODEL_ALIASES,
                   help="demand model (default: %(default)s)")
    p.add_argument("--country", default=default["country"],
                   help="public holidays the models learn: HK, TW, CN, ... (default %(default)s)")
    p.add_argument("--paths", type=int, default=default["n_paths"],
                   help="demand sample paths (default %(default)s)")
    p.add_argument("--backtest-lny", type=int, default=default["backtest_lny"],
                   help="most recent past LNYs the history supports to backtest the models "
                        "on (default %(default)s; 0 skips)")
    p.add_argument("--target", type=float, default=default["target"],
                   help="on-time share to reach (default %(default)s)")
    p.add_argument("--alpha", type=float, default=default["alpha"],
                   help="probability of reaching it (default %(default)s)")
    p.add_argument("--budget-risk", type=float, default=default["budget_risk"],
                   help="largest acceptable P(programme bonus + compensation > budget) "
                        "(default %(default)s)")
    p.add_argument("--tail-limit", type=float, default=default["tail_limit"],
                   help="largest acceptable mean compensation (HK$) of the worst 10%% of "
                        "futures (default 0: no limit)")
    p.add_argument("--lny", type=int, default=default["lny_year"], metavar="YEAR",
                   help="plan the LNY of YEAR: every date of --config (window, programme, "
                        "staffing overrides, backlog, hubs) moves by the days between its "
                        "LNY and that one, keeping its offset to LNY (default: the "
                        "scenario's own LNY or, when the history already runs into its "
                        "window, the first LNY after the history)")
    p.add_argument("--series", default=default["series"], metavar="NAME",
                   help="the series of --data to plan (with --network: the network total) "
                        "in place of the scenario's unique_id (default: the scenario's, or "
                        "the file's only series)")
    p.add_argument("--network", action="store_true",
                   help="also plan every hub: each series of --data except the scenario's "
                        "unique_id (the network total, which notebooks 02-04 and pages 3-4 "
                        "still plan) gets its own model, paths and queue; per-hub changes "
                        "come from [hubs.<unique_id>] tables of --config (roster baseline "
                        "and its overrides, programme workers and budget default to the "
                        "scenario's times the hub's share of the last year's volume); adds "
                        "tables/hubs.csv, tables/network.csv and a network page, and page 1 "
                        "recommends the network's split. A hub that cannot be planned is left out with a "
                        "warning naming it")
    p.add_argument("--workers", type=int, default=None,
                   help="with --network: run the per-hub work on a local Dask cluster of N "
                        "worker processes (same numbers for any N at one seed)")
    p.add_argument("--scheduler", default=None,
                   help="with --network: run the per-hub work on the Dask cluster at this "
                        "address (e.g. tcp://10.0.0.5:8786)")
    _fill_options(p)
    p.add_argument("--no-html", action="store_true", help="skip the HTML exports")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("backtest", help="backtest demand models on past LNYs")
    p.add_argument("file", nargs="?", default=str(DEMO_PATH), help="history file")
    p.add_argument("--id-col", default="unique_id", help="series column (default unique_id)")
    p.add_argument("--series", nargs="+", help="only these series")
    p.add_argument("--country", default="HK",
                   help="public holidays the models learn: HK, TW, CN, ... (default HK)")
    p.add_argument("--models", nargs="+", default=list(MODEL_ALIASES), choices=MODEL_ALIASES,
                   help="models to backtest (default: all of them)")
    p.add_argument("--years", nargs="+", type=int,
                   help="LNY years to test (default: every LNY with two years of history "
                        "before its origin and its window observed, as forecast run's "
                        "backtest)")
    p.add_argument("--origin", type=int, default=-28, help="origin, days from LNY (-28)")
    p.add_argument("--horizon", type=int, default=56, help="days forecast (56)")
    p.add_argument("--paths", type=int, default=200, help="paths per fold (200)")
    p.add_argument("--seed", type=int, default=0)
    _fill_options(p)
    p.add_argument("--out", help="also write the table to this CSV")
    p.set_defaults(func=_cmd_backtest)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``forecast`` command; return its exit status."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    format_before, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = format_before
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings on the terminal: one line each, no source line."""
    return _one_line(f"forecast: warning: {message}") + "\n"


def _main(argv: list[str] | None) -> int:
    try:
        args = _build_parser().parse_args(argv)
        return args.func(args)
    except _UsageError as exc:
        print(_one_line(str(exc)), file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # DataError is a ValueError
        print(_one_line(f"forecast: error: {exc}"), file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from forecast.report.publish import NotebookError

        if not isinstance(exc, NotebookError):
            raise
        print(_one_line(f"forecast: error: {exc}"), file=sys.stderr)
        return 2
    except _Terminated:
        print("forecast: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("forecast: interrupted", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    from forecast.report.names import terminal_text

    return terminal_text(text.replace("\n", " "))
