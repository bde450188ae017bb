"""The sections of a planning :class:`~forecast.scenario.Scenario`: window, open backlog,
promise, staffing, programme, productivity, attendance, operations, compensation, labour.

Each is a frozen dataclass validated on construction; a bad value is a ``ValueError``
naming ``section.field`` and what is allowed. Money is in HK$; offsets are days from LNY.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from forecast.calendar import supported_countries
from forecast.fields import (
    check_choice,
    check_date,
    check_dated_values,
    check_number,
    check_offsets,
    check_pairs,
    set_field,
)

__all__ = ["Window", "Backlog", "Promise", "Staffing", "Programme", "Productivity",
           "Attendance", "Operations", "Compensation", "Labour"]


@dataclass(frozen=True)
class Window:
    """Planning window ``start .. end`` (inclusive); the queue at ``start`` holds the
    :class:`Backlog` (empty by default)."""

    start: dt.date = dt.date(2026, 1, 20)
    end: dt.date = dt.date(2026, 3, 20)

    def __post_init__(self):
        check_date(self, "start")
        check_date(self, "end")
        if not 0 <= (self.end - self.start).days <= 365:
            raise ValueError("window.end must lie 0..365 days after window.start")


@dataclass(frozen=True)
class Backlog:
    """The queue open at ``window.start``: [arrival date, parcels] pairs, each date before
    ``window.start`` (at most ``MAX_BACKLOG_DAYS`` days before). For re-planning mid-holiday;
    :mod:`forecast.simulation` says how these parcels are queued and scored."""

    parcels: tuple[tuple[dt.date, float], ...] = ()

    def __post_init__(self):
        check_dated_values(self, "parcels", "parcels")


@dataclass(frozen=True)
class Promise:
    """Delivery promise: within ``working_days`` working days of ``calendar``.

    ``calendar`` is any ``holidays`` country code ("HK": Hong Kong general holidays; "CN":
    with the mainland's weekend make-up working days; "TW", "SG", ...), ``workweek`` the
    working weekdays.
    """

    working_days: int = 3
    calendar: str = "HK"
    workweek: str = "Mon-Sat"

    def __post_init__(self):
        check_number(self, "working_days", lo=0, hi=30, integer=True)
        if not isinstance(self.calendar, str) or self.calendar not in supported_countries():
            raise ValueError(f"promise.calendar must be a holidays country code such as "
                             f"'HK', 'CN' or 'TW', got {self.calendar!r}")
        check_choice(self, "workweek", ("Mon-Fri", "Mon-Sat", "Mon-Sun"))


@dataclass(frozen=True)
class Staffing:
    """Baseline workers rostered per operating day, with optional per-date overrides."""

    baseline: float = 1500.0
    overrides: tuple[tuple[dt.date, float], ...] = ()

    def __post_init__(self):
        check_number(self, "baseline", lo=0)
        check_dated_values(self, "overrides", "workers")


@dataclass(frozen=True)
class Programme:
    """Holiday programme: ``workers`` paid a bonus to stay on duty from ``start`` to ``end``.

    Programme workers are on duty on top of whoever of the baseline roster turns up.
    """

    workers: float = 1500.0
    start: dt.date = dt.date(2026, 2, 10)
    end: dt.date = dt.date(2026, 2, 23)
    bonus_per_worker_day: float = 238.0

    def __post_init__(self):
        check_number(self, "workers", lo=0)
        check_date(self, "start")
        check_date(self, "end")
        if self.start > self.end:
            raise ValueError("programme.start must be <= programme.end")
        check_number(self, "bonus_per_worker_day", lo=0)


@dataclass(frozen=True)
class Productivity:
    """Parcels per attending worker-day: lognormal per path with this mean and CV."""

    mean: float = 120.0
    cv: float = 0.08

    def __post_init__(self):
        check_number(self, "mean", lo=0, lo_open=True)
        check_number(self, "cv", lo=0, hi=2)


@dataclass(frozen=True)
class Attendance:
    """Share of rostered workers who turn up: Beta per path and day with these means.

    ``concentration`` is the Beta's ``a + b`` (larger: less day-to-day noise; ``inf``:
    deterministic). ``lny`` applies to the baseline roster from ``lny_start`` to
    ``lny_end`` (LNY offsets), ``programme`` to programme workers.
    """

    normal: float = 0.95
    lny: float = 0.40
    programme: float = 0.97
    lny_start: int = -5
    lny_end: int = 6
    concentration: float = 200.0

    def __post_init__(self):
        for name in ("normal", "lny", "programme"):
            check_number(self, name, lo=0, hi=1)
        check_offsets(self, "lny_start", "lny_end")
        check_number(self, "concentration", lo=0, lo_open=True)


@dataclass(frozen=True)
class Operations:
    """``"shutdown"``: no capacity on LNY offsets ``closure_start..closure_end``;
    ``"keep-running"``: operate every day."""

    mode: str = "keep-running"
    closure_start: int = 0
    closure_end: int = 2

    def __post_init__(self):
        check_choice(self, "mode", ("shutdown", "keep-running"))
        check_offsets(self, "closure_start", "closure_end")


@dataclass(frozen=True)
class Compensation:
    """Per late parcel: ``flat`` plus each tier's extra once that many working days late,
    capped at ``cap_per_parcel``; ``claim_rate`` of late parcels are compensated."""

    flat: float = 20.0
    tiers: tuple[tuple[int, float], ...] = ((2, 20.0), (3, 25.0))
    cap_per_parcel: float = 65.0
    claim_rate: float = 1.0

    def __post_init__(self):
        check_number(self, "flat", lo=0)
        check_number(self, "cap_per_parcel", lo=0)
        check_number(self, "claim_rate", lo=0, hi=1)
        clean = []
        for item in check_pairs(self, "tiers", "of [working_days_late, extra] pairs"):
            try:
                probe = _Tier(*item)
            except ValueError as exc:
                raise ValueError(f"compensation.tiers {list(item)}: {exc}") from None
            clean.append((probe.days_late, probe.extra))
        days = [d for d, _ in clean]
        if len(set(days)) != len(days):
            raise ValueError(f"compensation.tiers must not repeat a day count, got {days}")
        set_field(self, "tiers", tuple(sorted(clean)))

    def per_parcel(self, days_late: int) -> float:
        """Compensation for one parcel ``days_late`` working days late (0 if on time).

        Examples
        --------
        >>> [Compensation().per_parcel(k) for k in range(5)]
        [0.0, 20.0, 40.0, 65.0, 65.0]
        """
        if days_late < 1:
            return 0.0
        owed = self.flat + sum(extra for k, extra in self.tiers if k <= days_late)
        return float(min(owed, self.cap_per_parcel))


@dataclass(frozen=True)
class _Tier:
    days_late: int
    extra: float

    def __post_init__(self):
        check_number(self, "days_late", lo=2, hi=30, integer=True)
        check_number(self, "extra", lo=0)


@dataclass(frozen=True)
class Labour:
    """Daily wage per attending worker; ``holiday_premium`` multiplies it on Hong Kong
    public holidays (always Hong Kong's, whatever ``promise.calendar`` is: staff work there).
    """

    daily_wage: float = 750.0
    holiday_premium: float = 2.0

    def __post_init__(self):
        check_number(self, "daily_wage", lo=0)
        check_number(self, "holiday_premium", lo=1)
