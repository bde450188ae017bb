"""The data contract: load and validate daily volume histories.

Every frame in the package is long and tidy: ``unique_id`` (series, e.g. a hub), ``ds``
(daily ``datetime64``) and ``y`` (float, >= 0). This module is the one edge where input is
checked; errors name the file, column, row and value at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.paths import DEMO_PATH

__all__ = ["DataError", "DEMO_PATH", "load_history"]

#: The embedded synthetic demo data set (see ``data/README.md``).

_POLICIES = ("error", "zero", "interpolate")
_PARQUET_MAGIC = b"PAR1"


class DataError(ValueError):
    """Input data that breaks the ``unique_id, ds, y`` contract."""


@dataclass(frozen=True)
class _Source:
    """Where rows came from, so that errors can point at them."""

    name: str  # file path or "input frame"
    line_offset: int  # row i of the frame is line i + offset of the file (CSV: 2)
    series: str = "series"  # name of a single series without an id column

    def where(self, i: int) -> str:
        unit = "line" if self.line_offset == 2 else "row"
        return f"{unit} {i + self.line_offset}"


def load_history(
    source,
    *,
    id_col: str = "unique_id",
    ds_col: str = "ds",
    y_col: str = "y",
    na: str = "error",
    gaps: str = "error",
) -> pd.DataFrame:
    """Load a daily history from CSV, Parquet or a DataFrame and validate it.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        A ``.csv`` or ``.parquet`` file, or a frame. A source without an id column is one
        series, named after the file stem (``"series"`` for a frame).
    id_col, ds_col, y_col : str
        Column names in the source; the result always uses ``unique_id, ds, y``.
    na : {"error", "zero", "interpolate"}
        Policy for missing ``y`` values. ``"zero"`` treats them as no volume;
        ``"interpolate"`` fills linearly in time within each series (ends: nearest value).
    gaps : {"error", "zero", "interpolate"}
        Policy for missing dates inside a series; filled days get ``y`` as for ``na``.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (str), ``ds`` (datetime64), ``y`` (float64), sorted by
        ``unique_id, ds``, one row per series and day, no gaps.

    Raises
    ------
    DataError
        Naming the file, column, row and value at fault.

    Examples
    --------
    >>> df = pd.DataFrame({"ds": ["2024-01-01", "2024-01-02"], "y": [10, 12]})
    >>> load_history(df).to_dict("list")["y"]
    [10.0, 12.0]
    """
    for name, value in (("na", na), ("gaps", gaps)):
        if value not in _POLICIES:
            raise ValueError(f"{name} must be one of {_POLICIES}, got {value!r}")
    raw, src = _read(source)
    if raw.empty:
        raise DataError(f"{src.name}: no rows")
    missing = [c for c in (ds_col, y_col) if c not in raw.columns]
    if missing:
        found = list(raw.columns)
        sep = next((c for c in ";\t|" if len(found) == 1 and c in str(found[0])), None)
        hint = (f": the file seems separated by {sep!r}; save it comma-separated" if sep else
                f": rename the columns to {ds_col} (the date) and {y_col} (the day's volume), "
                "or pass ds_col= and y_col= to load_history")
        raise DataError(f"{src.name}: missing column(s) {missing}; found {found}{hint}")
    if id_col in raw.columns:
        ids = raw[id_col].astype(str).str.strip()
        blank = (ids == "") | raw[id_col].isna().to_numpy()
        if blank.any():
            i = _first_bad(blank.to_numpy())
            raise DataError(f"{src.name}: column {id_col!r}, {src.where(i)}: empty series name")
    elif id_col != "unique_id":  # asked for explicitly: a typo must not merge every series
        one = (" (a file without a series column is one series: leave --id-col / id_col "
               "at its default, unique_id)") if set(raw.columns) <= {ds_col, y_col} else ""
        raise DataError(f"{src.name}: no column {id_col!r} for the series; found "
                        f"{list(raw.columns)}{one}")
    else:
        ids = src.series
    df = pd.DataFrame({"unique_id": ids, "ds": _parse_dates(raw[ds_col], src, ds_col)})
    df["y"] = _parse_values(raw[y_col], src, y_col, allow_nan=na != "error")
    _check_duplicates(df, src, series_col=id_col in raw.columns)
    df = df.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    df, is_gap = _fill_gaps(df, src, gaps)
    missing = df["y"].isna().to_numpy()
    if missing.any():
        zero = missing & (np.where(is_gap, gaps, na) == "zero")
        df.loc[zero, "y"] = 0.0
        df["y"] = df.groupby("unique_id", sort=False)["y"].transform(
            lambda s: s.interpolate(limit_direction="both")
        )
        empty = df.loc[df["y"].isna(), "unique_id"].unique()
        if len(empty):
            raise DataError(f"{src.name}: series {empty[0]!r} has no value to interpolate from")
    return df


def _read(source) -> tuple[pd.DataFrame, _Source]:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), _Source("input frame", 1)
    if not isinstance(source, (str, Path)):
        raise DataError(f"expected a file path or a DataFrame, got {type(source).__name__}")
    path = Path(source)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected a CSV or Parquet file")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head[:4] == _PARQUET_MAGIC or path.suffix.lower() in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path), _Source(str(path), 1, path.stem)
        except Exception as exc:  # pyarrow raises many types
            raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
    if b"\x00" in head:
        raise DataError(f"{path}: binary content; expected a CSV or Parquet file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        return frame, _Source(str(path), 2, path.stem)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _parse_dates(col: pd.Series, src: _Source, name: str) -> pd.Series:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        raise DataError(f"{src.name}: column {name!r} has time-zone-aware timestamps; "
                        "expected plain daily dates such as 2024-02-10")
    text = col.astype(str).str.strip()
    # ISO 8601 only: "mixed" would read 03/02/2024 month-first here and day-first there,
    # silently scrambling DD/MM/YYYY files without any duplicate or gap to show for it.
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if getattr(parsed.dt, "tz", None) is not None:
        i = _first_bad(parsed.notna().to_numpy())
        raise DataError(f"{src.name}: column {name!r}, {src.where(i)}: {col.iloc[i]!r} has "
                        "a time-zone offset; expected plain daily dates such as 2024-02-10")
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise DataError(
            f"{src.name}: column {name!r}, {src.where(i)}: cannot parse {col.iloc[i]!r} "
            f"as a date ({int(bad.sum())} bad value(s)); use ISO dates like 2024-02-10"
        )
    has_time = (parsed != parsed.dt.normalize()).to_numpy()
    if has_time.any():
        i = _first_bad(has_time)
        raise DataError(
            f"{src.name}: column {name!r}, {src.where(i)}: {col.iloc[i]!r} has a time of "
            "day; expected daily data (one date per row)"
        )
    return parsed.astype("datetime64[ns]")


def _parse_values(col: pd.Series, src: _Source, name: str, *, allow_nan: bool) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col):
        values, blank = col.astype("float64"), col.isna().to_numpy()
    else:
        text = col.astype(object).where(col.notna(), "").astype(str).str.strip()
        blank = text.isin(["", "nan", "NaN", "NA", "null", "None"]).to_numpy()
        values = pd.to_numeric(text.mask(blank, "nan"), errors="coerce").astype("float64")
    missing = values.isna().to_numpy()
    not_number = missing & ~blank
    if not_number.any():
        i = _first_bad(not_number)
        raise DataError(
            f"{src.name}: column {name!r}, {src.where(i)}: {_shown(col.iloc[i])} is not a number"
        )
    if missing.any() and not allow_nan:
        i = _first_bad(missing)
        raise DataError(
            f"{src.name}: column {name!r}, {src.where(i)}: missing value "
            f"({int(missing.sum())} in all); pass na='zero' or na='interpolate' to fill (CLI: --na)"
        )
    bad = (~np.isfinite(values.to_numpy()) & ~missing) | (values.to_numpy() < 0)
    if bad.any():
        i = _first_bad(bad)
        raise DataError(
            f"{src.name}: column {name!r}, {src.where(i)}: {_shown(col.iloc[i])} is not allowed; "
            "volumes must be finite and >= 0"
        )
    return values


def _shown(value) -> str:
    """A cell as the user wrote it: text quoted, numbers plain (not ``np.float64(-1.0)``)."""
    return repr(value.item() if hasattr(value, "item") and not isinstance(value, str) else value)


def _check_duplicates(df: pd.DataFrame, src: _Source, *, series_col: bool) -> None:
    dup = df.duplicated(["unique_id", "ds"]).to_numpy()
    if dup.any():
        i = _first_bad(dup)
        hint = ("one row per series and day is expected: sum or drop the repeated rows"
                if series_col else "if the file holds several series, name their column "
                "with --id-col (id_col=)")
        raise DataError(
            f"{src.name}: {src.where(i)}: duplicate (unique_id, ds) = "
            f"({df['unique_id'].iloc[i]!r}, {df['ds'].iloc[i].date()}); "
            f"{int(dup.sum())} duplicate row(s); {hint}"
        )


def _gap_report(df: pd.DataFrame) -> list[tuple[str, pd.Timestamp, int]]:
    """(unique_id, first missing day, number of missing days) for each gap."""
    out = []
    for uid, g in df.groupby("unique_id", sort=False):
        step = g["ds"].diff().dt.days.to_numpy()[1:]
        for k in np.flatnonzero(step > 1):
            out.append((uid, g["ds"].iloc[k] + pd.Timedelta(days=1), int(step[k] - 1)))
    return out


def _fill_gaps(df: pd.DataFrame, src: _Source, gaps: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Reindex each series to every day; also return which rows were added."""
    report = _gap_report(df)
    if not report:
        return df, np.zeros(len(df), dtype=bool)
    if gaps == "error":
        uid, first, n = report[0]
        total = sum(r[2] for r in report)
        raise DataError(
            f"{src.name}: series {uid!r} is not daily: {n} missing day(s) from "
            f"{first.date()} ({len(report)} gap(s), {total} missing day(s) in all); "
            "pass gaps='zero' or gaps='interpolate' to fill (CLI: --gaps)"
        )
    parts = []
    for uid, g in df.groupby("unique_id", sort=False):
        full = pd.date_range(g["ds"].iloc[0], g["ds"].iloc[-1], freq="D")
        y = g.set_index("ds")["y"].reindex(full)
        gap = ~full.isin(g["ds"])
        parts.append(pd.DataFrame({"unique_id": uid, "ds": full, "y": y.to_numpy(),
                                   "_gap": gap}))
    out = pd.concat(parts, ignore_index=True)
    return out.drop(columns="_gap"), out["_gap"].to_numpy(dtype=bool)
