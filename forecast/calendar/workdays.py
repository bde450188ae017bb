"""Working days, public holidays and promise deadlines.

One source of public-holiday facts (:func:`holiday_calendar`, from the ``holidays``
package) serves the demand models' holiday features, the working-day calendar of the
delivery promise and the wage premium of the capacity model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

__all__ = ["WorkCalendar", "holiday_calendar", "promise_deadlines", "supported_countries"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    """Country codes the ``holidays`` package knows ("HK", "TW", "CN", ...)."""
    return frozenset(holidays.list_supported_countries())


def _check_country(country) -> str:
    if not isinstance(country, str) or country not in supported_countries():
        raise ValueError(f"country must be a holidays country code such as 'HK', 'TW' or "
                         f"'CN', got {country!r}")
    return country


# Hong Kong's *general* holidays (what shops, offices and parcel networks observe) are the
# ``holidays`` package's public (statutory) plus optional categories; statutory alone
# misses Good Friday, the day after it and Easter Monday's neighbours.
_CATEGORIES = {"HK": ("public", "optional")}


@lru_cache(maxsize=256)
def _calendar(country: str, y0: int, y1: int) -> dict:
    kwargs = {"categories": _CATEGORIES[country]} if country in _CATEGORIES else {}
    cal = holidays.country_holidays(country, years=range(y0, y1 + 1), **kwargs)
    makeup = frozenset(d for d in getattr(cal, "weekend_workdays", ()) if y0 <= d.year <= y1)
    return {"holidays": dict(cal), "workdays": makeup}


def holiday_calendar(country: str, start, end) -> dict:
    """Public holidays and make-up working days of ``country`` from ``start`` to ``end``.

    The one source of holiday facts for the models, the promise calendar and the wage
    premium. Hong Kong uses its general holidays (statutory + the ``holidays`` package's
    optional category, e.g. Good Friday); mainland China adds its weekend make-up working
    days.

    Parameters
    ----------
    country : str
        A ``holidays`` country code.
    start, end : date-like
        The years of ``start`` through ``end`` are included (whole years).

    Returns
    -------
    dict
        ``{"holidays": {datetime.date: name}, "workdays": frozenset of datetime.date}``
        (shared and cached: do not modify).

    Examples
    --------
    >>> cal = holiday_calendar("HK", "2026-04-01", "2026-04-30")
    >>> sorted(d.day for d in cal["holidays"] if d.month == 4)
    [3, 4, 5, 6, 7]
    >>> sorted(d.isoformat() for d in holiday_calendar("CN", "2026-01-01", "2026-12-31")["workdays"])[:2]
    ['2026-01-04', '2026-02-14']
    """
    country = _check_country(country)
    return _calendar(country, pd.Timestamp(start).year, pd.Timestamp(end).year)


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days count as working days for the delivery promise.

    Parameters
    ----------
    region : str, default "HK"
        A ``holidays`` country code. ``"HK"``: Hong Kong general holidays; ``"CN"``:
        mainland statutory holidays with the weekend make-up working days (``调休``)
        counted as working days; any other code: that country's public holidays.
    workweek : str
        Working weekdays, e.g. ``"Mon-Sat"`` (default; parcel networks deliver on Saturdays)
        or ``"Mon-Fri"``. Make-up working days count whatever their weekday.

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
        if not isinstance(self.region, str) or self.region not in supported_countries():
            raise ValueError(f"WorkCalendar.region must be a holidays country code such as "
                             f"'HK', 'CN' or 'TW', got {self.region!r}")
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
        cal = holiday_calendar(self.region, ds.min(), ds.max())
        dates = ds.date
        weekday_ok = np.isin(ds.day_of_week, sorted(self.weekdays))
        is_off = np.fromiter((d in cal["holidays"] for d in dates), bool, len(dates))
        is_makeup = np.fromiter((d in cal["workdays"] for d in dates), bool, len(dates))
        return (weekday_ok & ~is_off) | is_makeup


def _as_calendar(calendar: str | WorkCalendar) -> WorkCalendar:
    if isinstance(calendar, WorkCalendar):
        return calendar
    if isinstance(calendar, str):
        return WorkCalendar(calendar)
    raise ValueError(f"calendar must be a country code such as 'HK' or a WorkCalendar, got "
                     f"{calendar!r}")


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
    calendar : str or WorkCalendar, default "HK"
        A country code (working week Mon-Sat) or a :class:`WorkCalendar`.

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

