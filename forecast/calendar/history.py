"""What a history covers: dates, volume and the LNYs it contains."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.calendar.lny import days_to_lny, lny_dates
from forecast.data import DataError

__all__ = ["LNY_REACH", "in_lny_window", "lny_window_days", "summarize_history", "require_past_lny"]

#: Days from LNY of the window around it whose effects the demand models learn.
LNY_REACH = (-28, 21)


def in_lny_window(ds, reach: tuple[int, int] = LNY_REACH) -> np.ndarray:
    """Whether each day of ``ds`` lies in an LNY window (``reach`` days from an LNY).

    Examples
    --------
    >>> in_lny_window(pd.date_range("2025-02-19", periods=3)).tolist()  # LNY 2025-01-29 + 21
    [True, False, False]
    """
    off = days_to_lny(pd.DatetimeIndex(ds))
    return (off >= reach[0]) & (off <= reach[1])


def lny_window_days(ds, reach: tuple[int, int] = LNY_REACH) -> int:
    """Number of days of ``ds`` inside an LNY window (:func:`in_lny_window`).

    Examples
    --------
    >>> lny_window_days(pd.date_range("2025-02-19", periods=3))  # LNY 2025-01-29 + 21..23
    1
    """
    return int(in_lny_window(ds, reach).sum())


def summarize_history(df: pd.DataFrame) -> pd.DataFrame:
    """One row per series: first and last day, days, mean volume, LNYs covered.

    A LNY is *covered* when the history contains LNY day itself.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "hub", "ds": pd.date_range("2024-01-01", "2024-03-01"),
    ...                    "y": 1.0})
    >>> summarize_history(df)[["unique_id", "days", "lny_covered"]].to_dict("records")
    [{'unique_id': 'hub', 'days': 61, 'lny_covered': '2024-02-10'}]
    """
    rows = []
    for uid, g in df.groupby("unique_id", sort=True):
        first, last = g["ds"].iloc[0], g["ds"].iloc[-1]
        lnys = [d for d in lny_dates(first, last) if first <= d <= last]
        rows.append(
            {
                "unique_id": uid,
                "first": first.date(),
                "last": last.date(),
                "days": len(g),
                "mean_y": float(g["y"].mean()),
                "n_lny": len(lnys),
                "lny_window_days": lny_window_days(g["ds"]),
                "lny_covered": ", ".join(str(d.date()) for d in lnys) or "none",
            }
        )
    return pd.DataFrame(rows)


def require_past_lny(df: pd.DataFrame, *, strict: bool = True) -> None:
    """Check that every series holds at least part of a past LNY window (:data:`LNY_REACH`).

    The demand models refuse a series without one (they cannot learn an LNY effect);
    ``forecast validate`` calls this with ``strict=False`` (a warning).

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "hub", "ds": pd.date_range("2024-03-05", periods=90),
    ...                    "y": 1.0})
    >>> require_past_lny(df)
    Traceback (most recent call last):
    ...
    forecast.data.DataError: no part of a Lunar New Year window (LNY-28..LNY+21) in series 'hub' (2024-03-05..2024-06-02): the demand models need at least part of one to learn LNY effects, and forecast run cannot plan it
    """
    summary = summarize_history(df)
    short = summary[summary["lny_window_days"] == 0]
    if short.empty:
        return
    names = ", ".join(f"{r.unique_id!r} ({r.first}..{r.last})" for r in short.itertuples())
    msg = (f"no part of a Lunar New Year window (LNY{LNY_REACH[0]:+d}..LNY{LNY_REACH[1]:+d}) "
           f"in series {names}: the demand models need at least part of one to learn LNY "
           f"effects, and forecast run cannot plan {'it' if len(short) == 1 else 'them'}")
    if strict:
        raise DataError(msg)
    warnings.warn(msg, stacklevel=2)
