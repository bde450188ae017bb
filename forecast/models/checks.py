"""Checks of the inputs every model takes: tidy frames, series, streams, levels, options.

Validated once, where a model receives them (:meth:`forecast.models.base.ForecastModel.fit`
and friends); every error names what was wrong and what is allowed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["check_frame", "check_series", "check_rng", "check_levels", "check_options",
           "check_positive"]


def check_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A clean copy of a tidy ``unique_id, ds, y`` frame, sorted by series and day.

    Parameters
    ----------
    df : DataFrame
        Columns ``unique_id, ds, y`` (others are dropped); ``y`` finite and >= 0.

    Returns
    -------
    DataFrame
        ``unique_id`` (str), ``ds`` (datetime64), ``y`` (float).

    Raises
    ------
    ValueError
        If a column is missing, the frame is empty, or a ``y`` is negative or not finite
        (the first bad row is named).

    Examples
    --------
    >>> check_frame(pd.DataFrame({"unique_id": [1], "ds": ["2024-01-01"], "y": [3]})).dtypes.tolist()
    [dtype('O'), dtype('<M8[ns]'), dtype('float64')]
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ValueError(f"df is missing column(s) {sorted(missing)}; need unique_id, ds, y")
    if df.empty:
        raise ValueError("df is empty: nothing to fit")
    out = df[["unique_id", "ds", "y"]].copy()
    out["unique_id"] = out["unique_id"].astype(str).astype(object)
    out["ds"] = pd.to_datetime(out["ds"]).astype("datetime64[ns]")
    out["y"] = out["y"].astype(float)
    if out["y"].isna().any() or (out["y"] < 0).any() or not np.isfinite(out["y"]).all():
        bad = out[~(out["y"] >= 0) | ~np.isfinite(out["y"])].iloc[0]
        raise ValueError(
            f"y must be finite and >= 0; series {bad.unique_id!r} has y={bad.y} on "
            f"{bad.ds.date()} (load data with forecast.data.load_history)"
        )
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def check_series(uid: str, ds: pd.DatetimeIndex, y: np.ndarray) -> None:
    """``ValueError`` unless one series is daily without gaps and not constant."""
    if len(ds) > 1 and (np.diff(ds.values).astype("timedelta64[D]") != np.timedelta64(1, "D")).any():
        raise ValueError(f"series {uid!r}: ds must be daily with no gaps or duplicates")
    if np.all(y == y[0]):
        raise ValueError(
            f"series {uid!r} is constant (every y = {y[0]:g}): there is no pattern to "
            "model; forecast it by hand or drop it"
        )


def check_rng(rng) -> np.random.Generator:
    """``rng`` itself, or a fresh Generator for ``None``; anything else is a ``ValueError``.

    Examples
    --------
    >>> check_rng(np.random.default_rng(0)).integers(10)
    np.int64(8)
    >>> check_rng(0)
    Traceback (most recent call last):
    ...
    ValueError: rng must be a numpy.random.Generator or None, got int; pass np.random.default_rng(seed)
    """
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}; "
                         "pass np.random.default_rng(seed)")
    return rng


def check_levels(level) -> tuple[int, ...]:
    """Central interval levels in percent: ints in 1..99.

    Examples
    --------
    >>> check_levels([80, 95])
    (80, 95)
    """
    levels = tuple(level)
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, (int, np.integer)) or not 0 < lv < 100:
            raise ValueError(f"level must hold ints in 1..99, got {level!r}")
    return levels


def check_options(cls: type, options: dict, *, alias: str | None = None) -> None:
    """``ValueError`` naming the allowed hyperparameters if ``options`` holds another.

    Examples
    --------
    >>> from forecast.models import LunarNaive
    >>> check_options(LunarNaive, {"colour": "red"})
    Traceback (most recent call last):
    ...
    ValueError: LunarNaive: unknown option(s) ['colour']; allowed: ['lag', 'level_days']
    """
    allowed = cls.param_names()
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"{alias or cls.__name__}: unknown option(s) {unknown}; allowed: "
                         f"{sorted(allowed)}")


def check_positive(name: str, value) -> int:
    """``value`` as an int if it is a positive int, else a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)
