"""Lunar New Year dates, LNY phases, and working-day calendars.

Every model and the capacity model share this one notion of *when* Lunar New Year (LNY)
falls, which phases surround it, and which days count as working days for the delivery
promise ("within three working days").

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

import warnings

import holidays
import numpy as np
import pandas as pd
from holidays.calendars.chinese import _ChineseLunisolar

from forecast.data import DataError

__all__ = [
    "LnyPhase",
    "DEFAULT_LNY_PHASES",
    "WorkCalendar",
    "lunar_new_year",
    "lny_dates",
    "days_to_lny",
    "lny_phase_frame",
    "lny_holiday_table",
    "lny_phase_table",
    "promise_deadlines",
    "summarize_history",
    "require_past_lny",
]

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


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days count as working days for the delivery promise.

    Parameters
    ----------
    region : {"HK", "CN"}
        ``"HK"``: Hong Kong general holidays from ``holidays.HongKong``.
        ``"CN"``: mainland China statutory holidays, with the weekend make-up working days
        (``调休``) counted as working days.
    workweek : str
        Working weekdays, e.g. ``"Mon-Sat"`` (default; parcel networks deliver on Saturdays)
        or ``"Mon-Fri"``. Ignored for make-up working days in ``"CN"``.

    Examples
    --------
    >>> WorkCalendar("HK").is_working(pd.to_datetime(["2024-02-10", "2024-02-14"])).tolist()
    [False, True]
    """

    region: str = "HK"
    workweek: str = "Mon-Sat"

    def __post_init__(self) -> None:
        if not isinstance(self.workweek, str):
            raise ValueError(f"WorkCalendar.workweek must be a string like 'Mon-Sat', got "
                             f"{self.workweek!r}")
        if self.region not in ("HK", "CN"):
            raise ValueError(f"WorkCalendar.region must be 'HK' or 'CN', got {self.region!r}")
        self.weekdays  # validates workweek

    @property
    def weekdays(self) -> frozenset[int]:
        """Working weekdays as integers (Monday = 0)."""
        try:
            first, last = (_WEEKDAYS.index(x.strip().title()) for x in self.workweek.split("-"))
        except ValueError:
            raise ValueError(
                f"WorkCalendar.workweek must look like 'Mon-Sat' or 'Mon-Fri', got "
                f"{self.workweek!r}"
            ) from None
        if first > last:
            raise ValueError(f"WorkCalendar.workweek {self.workweek!r} runs backwards")
        return frozenset(range(first, last + 1))

    def is_working(self, ds) -> np.ndarray:
        """Boolean array: is each date a working day?"""
        ds = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
        if len(ds) == 0:
            return np.zeros(0, dtype=bool)
        off, makeup = _holiday_sets(self.region, ds.min().year, ds.max().year)
        dates = ds.date
        weekday_ok = np.isin(ds.day_of_week, sorted(self.weekdays))
        is_off = np.fromiter((d in off for d in dates), bool, len(dates))
        is_makeup = np.fromiter((d in makeup for d in dates), bool, len(dates))
        return (weekday_ok & ~is_off) | is_makeup


@lru_cache(maxsize=64)
def _holiday_sets(region: str, y0: int, y1: int) -> tuple[frozenset, frozenset]:
    years = range(y0, y1 + 1)
    cal = holidays.HongKong(years=years) if region == "HK" else holidays.China(years=years)
    return frozenset(cal.keys()), frozenset(getattr(cal, "weekend_workdays", ()))


def _as_calendar(calendar: str | WorkCalendar) -> WorkCalendar:
    if isinstance(calendar, WorkCalendar):
        return calendar
    if isinstance(calendar, str):
        return WorkCalendar(calendar)
    raise ValueError(f"calendar must be 'HK', 'CN' or a WorkCalendar, got {calendar!r}")


def promise_deadlines(ds, working_days: int = 3, calendar: str | WorkCalendar = "HK"):
    """Last on-time delivery day for parcels arriving on each date.

    A parcel that arrives on day ``d`` is on time if delivered by the ``working_days``-th
    working day *after* ``d`` (the arrival day itself is never counted, even when it is a
    working day). ``working_days=0`` means same day.

    Parameters
    ----------
    ds : array-like of dates
        Arrival dates.
    working_days : int, default 3
        The promise, in working days.
    calendar : {"HK", "CN"} or WorkCalendar, default "HK"

    Returns
    -------
    pandas.DatetimeIndex
        The deadline for each arrival date.

    Examples
    --------
    >>> promise_deadlines(["2021-02-11"]).strftime("%Y-%m-%d").tolist()  # LNY 2021: 12 Feb
    ['2021-02-18']
    """
    if isinstance(working_days, bool) or not isinstance(working_days, (int, np.integer)):
        raise ValueError(f"working_days must be an int, got {working_days!r}")
    if not 0 <= working_days <= 30:
        raise ValueError(f"working_days must lie in 0..30, got {working_days}")
    cal = _as_calendar(calendar)
    ds = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    if len(ds) == 0 or working_days == 0:
        return ds
    start = (ds - ds.min()).days.to_numpy()
    span = 7 * working_days + 21  # grown below if the working week is sparse
    while True:
        grid = pd.date_range(ds.min(), ds.max() + pd.Timedelta(days=span))
        working = cal.is_working(grid)
        count = np.cumsum(working)  # working days on or before grid[i]
        positions = np.flatnonzero(working)
        # index of the k-th working day strictly after day i: positions[count[i] + k - 1]
        target = count[start] + working_days - 1
        if len(positions) and target.max() < len(positions):
            return grid[positions[target]]
        if span > 3 * 366:
            raise ValueError(f"fewer than {working_days} working days within three years "
                             f"of {ds.max().date()} in {cal}")
        span *= 2


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
