"""Lunar New Year dates, LNY phases, the LNY window and the LNY backtest folds.

Every model, the backtest and the capacity model share this one notion of *when* Lunar New
Year (LNY) falls, which phases surround it, which window the planner totals, and where a
backtest fold starts and ends.

Conventions
-----------
- Offsets are in days relative to LNY day 1 (the first day of the first lunar month):
  offset 0 is LNY day, -1 is the eve, +1 the second day.
- A phase covers offsets ``start .. end`` inclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from holidays.calendars.chinese import _ChineseLunisolar

__all__ = [
    "LnyPhase",
    "DEFAULT_LNY_PHASES",
    "WINDOW",
    "ORIGIN_OFFSET",
    "HORIZON",
    "lunar_new_year",
    "lny_dates",
    "days_to_lny",
    "lny_year_of",
    "lny_phase_frame",
    "lny_holiday_table",
    "lny_phase_table",
    "LnyFold",
    "lny_folds",
]

#: Offsets (days from LNY, inclusive) of the LNY window whose total the planner cares about.
WINDOW: tuple[int, int] = (-7, 14)
#: A backtest fold starts ``ORIGIN_OFFSET`` days from LNY and runs ``HORIZON`` days.
ORIGIN_OFFSET, HORIZON = -28, 56

_FIRST_YEAR, _LAST_YEAR = 1901, 2099
_LUNISOLAR = _ChineseLunisolar()
# Erratum to the holidays package, which uses UTC+8 for every year: until 1929 China used
# Beijing local mean time (UTC+7:46), and the new moon of 3 Feb 1916 fell just before local
# midnight (lunardate and lunar-python agree). The only differing year in 1901-2099.
_ERRATA = {1916: dt.date(1916, 2, 3)}


@dataclass(frozen=True)
class LnyPhase:
    """A named run of days around LNY, ``start .. end`` days from LNY day (inclusive).

    Examples
    --------
    >>> LnyPhase("eve", -1, -1).length
    1
    """

    name: str
    start: int
    end: int
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"LnyPhase.name must be a non-empty identifier, got {self.name!r}")
        if self.start > self.end:
            raise ValueError(
                f"LnyPhase {self.name!r}: start ({self.start}) must be <= end ({self.end})"
            )
        if abs(self.start) > 60 or abs(self.end) > 60:
            raise ValueError(f"LnyPhase {self.name!r}: offsets must lie within -60..60 days")

    @property
    def length(self) -> int:
        """Number of days in the phase."""
        return self.end - self.start + 1


#: The default LNY phase table used by every model and by the demo data generator.
DEFAULT_LNY_PHASES: tuple[LnyPhase, ...] = (
    LnyPhase("gift_surge", -21, -11, "pre-holiday gift and stock-up surge"),
    LnyPhase("cutoff", -10, -2, "mainland shippers' order cut-off: inbound volume falls"),
    LnyPhase("eve", -1, -1, "LNY eve: offices close early"),
    LnyPhase("closure", 0, 3, "public-holiday closure days (LNY day 1 to 4)"),
    LnyPhase("restart", 4, 10, "restart ramp: mainland shippers resume, backlog released"),
)


def _check_phases(phases: tuple[LnyPhase, ...]) -> tuple[LnyPhase, ...]:
    phases = tuple(phases)
    names = [p.name for p in phases]
    if len(set(names)) != len(names):
        raise ValueError(f"LNY phase names must be unique, got {names}")
    covered = sorted((p.start, p.end, p.name) for p in phases)
    for (s0, e0, n0), (s1, _e1, n1) in zip(covered, covered[1:]):
        if s1 <= e0:
            raise ValueError(f"LNY phases {n0!r} and {n1!r} overlap (offset {s1})")
    return phases


def lunar_new_year(year: int) -> dt.date:
    """Return the Gregorian date of Lunar New Year (first day of the first lunar month).

    Parameters
    ----------
    year : int
        Gregorian year, 1901 to 2099.

    Returns
    -------
    datetime.date

    Examples
    --------
    >>> lunar_new_year(2024)
    datetime.date(2024, 2, 10)
    """
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise ValueError(f"year must be an int, got {type(year).__name__}")
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValueError(f"year must lie in {_FIRST_YEAR}..{_LAST_YEAR}, got {year}")
    return _lny_cached(int(year))


@lru_cache(maxsize=None)
def _lny_cached(year: int) -> dt.date:
    if year in _ERRATA:
        return _ERRATA[year]
    date, exact = _LUNISOLAR.lunar_new_year_date(year)
    if not exact:  # the holidays package estimates outside its table
        raise ValueError(f"no exact Lunar New Year date for {year}")
    return date


def lny_dates(start: str | dt.date, end: str | dt.date) -> pd.DatetimeIndex:
    """LNY days of every year from ``start``'s year to ``end``'s year (inclusive).

    Examples
    --------
    >>> lny_dates("2024-06-01", "2025-01-01").strftime("%Y-%m-%d").tolist()
    ['2024-02-10', '2025-01-29']
    """
    y0, y1 = pd.Timestamp(start).year, pd.Timestamp(end).year
    return pd.DatetimeIndex([lunar_new_year(y) for y in range(y0, y1 + 1)])


def days_to_lny(ds) -> np.ndarray:
    """Signed offset of each date from the nearest LNY day (negative: before it).

    Examples
    --------
    >>> days_to_lny(pd.to_datetime(["2024-02-09", "2024-02-10", "2024-02-12"])).tolist()
    [-1, 0, 2]
    """
    ds = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    if len(ds) == 0:
        return np.zeros(0, dtype=np.int64)
    anchors = lny_dates(ds.min() - pd.Timedelta(days=400), ds.max() + pd.Timedelta(days=400))
    a = anchors.values.astype("datetime64[D]").astype(np.int64)
    d = ds.values.astype("datetime64[D]").astype(np.int64)
    idx = np.searchsorted(a, d)
    before, after = a[np.clip(idx - 1, 0, len(a) - 1)], a[np.clip(idx, 0, len(a) - 1)]
    to_prev, to_next = d - before, d - after
    return np.where(np.abs(to_prev) < np.abs(to_next), to_prev, to_next)


def lny_year_of(ds, off: np.ndarray | None = None) -> np.ndarray:
    """The year of the nearest LNY of each date (the LNY whose offset :func:`days_to_lny`
    gives; pass ``off`` if already computed).

    Examples
    --------
    >>> lny_year_of(pd.to_datetime(["2024-12-20", "2025-01-29", "2025-06-01"])).tolist()
    [2025, 2025, 2025]
    """
    ds = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    off = days_to_lny(ds) if off is None else off
    return (ds - pd.to_timedelta(off, unit="D")).year.to_numpy()


def lny_phase_frame(ds, phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES) -> pd.DataFrame:
    """Model features for each date: ``days_to_lny`` and a 0/1 column per phase.

    Examples
    --------
    >>> f = lny_phase_frame(pd.to_datetime(["2024-02-09", "2024-02-10"]))
    >>> f[["days_to_lny", "eve", "closure"]].to_numpy().tolist()
    [[-1, 1, 0], [0, 0, 1]]
    """
    phases = _check_phases(phases)
    offset = days_to_lny(ds)
    cols = {"days_to_lny": offset}
    for p in phases:
        cols[p.name] = ((offset >= p.start) & (offset <= p.end)).astype(np.int64)
    return pd.DataFrame(cols, index=pd.DatetimeIndex(pd.to_datetime(ds)))


def lny_holiday_table(
    start, end, phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES
) -> pd.DataFrame:
    """LNY phases as a Prophet holiday table (``holiday, ds, lower_window, upper_window``).

    Each phase is one row per year, anchored on its first day, with ``upper_window``
    covering the rest of the phase (Prophet then fits one effect per day of the phase).
    """
    phases = _check_phases(phases)
    rows = [
        (p.name, lny + pd.Timedelta(days=p.start), 0, p.end - p.start)
        for lny in lny_dates(start, end)
        for p in phases
    ]
    return pd.DataFrame(rows, columns=["holiday", "ds", "lower_window", "upper_window"])


def lny_phase_table(phases: tuple[LnyPhase, ...] = DEFAULT_LNY_PHASES) -> pd.DataFrame:
    """The phase table as a frame: ``phase, start, end, days, description``.

    Examples
    --------
    >>> lny_phase_table()["phase"].tolist()[:2]
    ['gift_surge', 'cutoff']
    """
    phases = _check_phases(phases)
    return pd.DataFrame(
        [(p.name, p.start, p.end, p.length, p.description) for p in phases],
        columns=["phase", "start", "end", "days", "description"],
    )



@dataclass(frozen=True)
class LnyFold:
    """One backtest fold anchored on a past LNY.

    Attributes
    ----------
    lny : pandas.Timestamp
        The LNY day the fold is anchored on.
    origin : pandas.Timestamp
        First forecast day (``lny + origin_offset``); the training history ends the day
        before.
    n_train : int
        Days of history before ``origin``.
    n_test : int
        Observed days from ``origin`` on, at most the horizon.
    offsets : numpy.ndarray, shape (horizon,)
        Days from LNY of every forecast day.
    """

    lny: pd.Timestamp
    origin: pd.Timestamp
    n_train: int
    n_test: int
    offsets: np.ndarray

    def window_mask(self, window: tuple[int, int] = WINDOW) -> np.ndarray:
        """Boolean (horizon,): which forecast days lie in the LNY window."""
        return (self.offsets >= window[0]) & (self.offsets <= window[1])


def lny_folds(ds, *, origin_offset: int = ORIGIN_OFFSET, horizon: int = HORIZON,
              window: tuple[int, int] = WINDOW, min_train_days: int = 365,
              full_horizon: bool = False) -> list[LnyFold]:
    """The backtest folds a daily history supports, oldest first.

    A fold needs ``min_train_days`` of history before its origin ``LNY + origin_offset``
    and the whole LNY ``window`` observed (with ``full_horizon``, every one of the
    ``horizon`` days). The one rule for folds used by calibration, the backtest and the
    plan.

    Parameters
    ----------
    ds : array-like of dates
        The history's days (daily, sorted, no gaps).
    origin_offset, horizon : int
        First forecast day relative to LNY, and days forecast.
    window : (int, int)
        LNY window (offsets, inclusive); must lie inside the horizon.
    min_train_days : int
        Shortest training history.
    full_horizon : bool
        Require every horizon day observed, not only the window.

    Returns
    -------
    list of LnyFold

    Raises
    ------
    ValueError
        If the window does not lie inside the horizon.

    Examples
    --------
    >>> ds = pd.date_range("2020-01-01", "2023-12-31")
    >>> [(f.lny.year, f.n_train) for f in lny_folds(ds)]
    [(2021, 380), (2022, 734), (2023, 1089)]
    """
    if not origin_offset <= window[0] or not window[1] < origin_offset + horizon:
        raise ValueError(f"the LNY window {window} must lie inside the horizon: offsets "
                         f"{origin_offset}..{origin_offset + horizon - 1}")
    ds = pd.DatetimeIndex(pd.to_datetime(ds))
    if len(ds) == 0:
        return []
    first, last = ds[0], ds[-1]
    offsets = np.arange(horizon) + origin_offset
    need = horizon - 1 if full_horizon else window[1] - origin_offset
    out = []
    for lny in lny_dates(first, last):
        origin = lny + pd.Timedelta(days=origin_offset)
        n_train = int((origin - first).days)
        if n_train < min_train_days or origin + pd.Timedelta(days=need) > last:
            continue
        n_test = min(horizon, int((last - origin).days) + 1)
        out.append(LnyFold(lny, origin, n_train, n_test, offsets))
    return out
