"""Summary tables for the notebooks and the briefing (tidy in, tidy out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.calendar import DEFAULT_LNY_PHASES, LnyPhase, days_to_lny

__all__ = ["lny_effects_by_year"]


def lny_effects_by_year(df: pd.DataFrame, unique_id: str, *,
                        phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES) -> pd.DataFrame:
    """Observed LNY phase multipliers per year: phase mean / pre-LNY baseline mean.

    The baseline is days LNY-49 .. LNY-22. Years whose window is not fully in the history
    are left out. Rows: ``lny_year``, then one column per phase.

    Examples
    --------
    >>> from forecast.synthetic import generate_demo
    >>> t = lny_effects_by_year(generate_demo(), "total")
    >>> round(float(t["closure"].median()), 1)
    0.3
    """
    s = df[df["unique_id"] == unique_id].set_index("ds")["y"]
    if s.empty:
        raise ValueError(f"unique_id {unique_id!r} is not in the data")
    off = days_to_lny(s.index)
    year = (s.index - pd.to_timedelta(off, unit="D")).year.to_numpy()
    rows = []
    for y in sorted(set(year)):
        sel = year == y
        o, v = off[sel], s.to_numpy()[sel]
        base = v[(o >= -49) & (o <= -22)]
        if len(base) < 28 or o.max() < max(p.end for p in phases):
            continue
        row = {"lny_year": int(y)}
        for p in phases:
            row[p.name] = float(np.mean(v[(o >= p.start) & (o <= p.end)]) / base.mean())
        rows.append(row)
    return pd.DataFrame(rows)
