"""What a history covers: dates, volume and the LNYs it contains."""

from __future__ import annotations

import warnings

import pandas as pd

from forecast.calendar.lny import lny_dates
from forecast.data import DataError

__all__ = ["summarize_history", "require_past_lny"]


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
                "lny_covered": ", ".join(str(d.date()) for d in lnys) or "none",
            }
        )
    return pd.DataFrame(rows)


def require_past_lny(df: pd.DataFrame, *, n: int = 1, strict: bool = True) -> None:
    """Check that every series contains at least ``n`` past LNY days.

    Models that learn LNY effects call this with ``strict=True`` (a
    :class:`~forecast.data.DataError`); ``forecast validate`` calls it with
    ``strict=False`` (a warning).

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "hub", "ds": pd.date_range("2024-03-01", periods=90),
    ...                    "y": 1.0})
    >>> require_past_lny(df)
    Traceback (most recent call last):
    ...
    forecast.data.DataError: history too short: need >= 1 past Lunar New Year(s) in series 'hub' (2024-03-01..2024-05-29)
    """
    summary = summarize_history(df)
    short = summary[summary["n_lny"] < n]
    if short.empty:
        return
    names = ", ".join(f"{r.unique_id!r} ({r.first}..{r.last})" for r in short.itertuples())
    msg = f"history too short: need >= {n} past Lunar New Year(s) in series {names}"
    if strict:
        raise DataError(msg)
    warnings.warn(msg, stacklevel=2)
