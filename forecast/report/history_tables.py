"""Tables of a history for notebook 01: what it covers, and each past LNY's effects."""

from __future__ import annotations

import pandas as pd

from forecast.calendar import (
    DEFAULT_LNY_PHASES, LnyPhase, days_to_lny, lny_year_of, summarize_history,
)
from forecast.report.typography import format_count

__all__ = ["history_table", "lny_effects_by_year", "lny_relative"]


def lny_relative(df: pd.DataFrame, unique_id: str) -> pd.DataFrame:
    """Each day of one series relative to its LNY: ``lny_year, offset, y, ratio``.

    ``ratio`` is ``y`` over that LNY year's baseline, the mean of days LNY-49 .. LNY-22
    (four ordinary weeks before the gift surge); years whose baseline is not fully in the
    history are left out.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> r = lny_relative(generate_demo(), "total")
    >>> int(r["lny_year"].min()), r.loc[r["offset"] == 0, "ratio"].between(0.2, 0.4).all()
    (2017, np.True_)
    """
    s = df[df["unique_id"] == unique_id].set_index("ds")["y"]
    if s.empty:
        raise ValueError(f"unique_id {unique_id!r} is not in the data")
    off = days_to_lny(s.index)
    frame = pd.DataFrame({"lny_year": lny_year_of(s.index, off),
                          "offset": off, "y": s.to_numpy()})
    in_base = frame["offset"].between(-49, -22)
    base = frame[in_base].groupby("lny_year")["y"].agg(["mean", "size"])
    base = base.loc[base["size"] == 28, "mean"]
    frame = frame[frame["lny_year"].isin(base.index)].reset_index(drop=True)
    return frame.assign(ratio=frame["y"] / frame["lny_year"].map(base))


def lny_effects_by_year(df: pd.DataFrame, unique_id: str, *,
                        phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES) -> pd.DataFrame:
    """Observed LNY phase multipliers per year: phase mean / pre-LNY baseline mean.

    The baseline is that of :func:`lny_relative`. Years whose phases are not fully in the
    history are left out. Rows: ``lny_year``, then one column per phase.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> t = lny_effects_by_year(generate_demo(), "total")
    >>> round(float(t["closure"].median()), 1)
    0.3
    """
    rel = lny_relative(df, unique_id)
    last = max(p.end for p in phases)
    rows = []
    for year, g in rel.groupby("lny_year"):
        if g["offset"].max() < last:
            continue
        row = {"lny_year": int(year)}
        for p in phases:
            row[p.name] = float(g.loc[g["offset"].between(p.start, p.end), "ratio"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast.calendar.summarize_history` for people: the mean a day to three
    significant figures (:func:`~forecast.report.typography.format_count`), one row per series.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "y": [123456.0] * 3 + [0.3] * 3,
    ...                    "ds": list(pd.date_range("2024-01-01", periods=3)) * 2})
    >>> history_table(df)["mean a day"].tolist()
    ['123,000', '0.3']
    """
    frame = summarize_history(history)
    mean = frame.pop("mean_y")
    frame.insert(4, "mean a day", mean.map(format_count))
    return frame.set_index("unique_id")
