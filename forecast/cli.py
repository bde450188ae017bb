"""The ``forecast`` command line.

Every command turns a bad input into one line on stderr and exit status 2, never a
traceback. Exit status 1 is kept for unexpected internal errors.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from forecast import __version__
from forecast.data import DEMO_PATH, load_history, require_past_lny, summarize_history

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _cmd_validate(args: argparse.Namespace) -> int:
    df = load_history(args.file, id_col=args.id_col, na=args.na, gaps=args.gaps)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        require_past_lny(df, strict=False)
    summary = summarize_history(df)
    print(f"{args.file}: {len(summary)} series, {len(df):,} rows - OK")
    for row in summary.itertuples():
        print(
            f"  {row.unique_id}: {row.first} .. {row.last} ({row.days:,} days, "
            f"mean {row.mean_y:,.0f}/day); LNY covered: {row.n_lny} ({row.lny_covered})"
        )
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="forecast", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a history file against the data contract")
    p.add_argument("file", nargs="?", default=str(DEMO_PATH),
                   help="CSV or Parquet with ds, y (and unique_id); default: the demo data")
    p.add_argument("--id-col", default="unique_id", help="series column (default unique_id)")
    p.add_argument("--na", default="error", choices=("error", "zero", "interpolate"),
                   help="policy for missing y values (default: error)")
    p.add_argument("--gaps", default="error", choices=("error", "zero", "interpolate"),
                   help="policy for missing days (default: error)")
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``forecast`` command; return its exit status."""
    try:
        args = _build_parser().parse_args(argv)
        return args.func(args)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # DataError is a ValueError
        print(f"forecast: error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("forecast: interrupted", file=sys.stderr)
        return 130
