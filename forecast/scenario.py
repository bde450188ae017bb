"""Planning scenario: the assumptions behind a capacity simulation, as one frozen object.

A :class:`Scenario` describes; :func:`forecast.simulation.simulate` computes. Every field
is an assumption and ``data/scenario.toml`` documents its source. Scenarios load from TOML
(:meth:`Scenario.from_toml`), round-trip through the plain nested dict papermill injects
(:meth:`Scenario.to_dict` / :meth:`Scenario.from_dict`, dotted keys such as
``"programme.workers"`` accepted too) and have a stable :meth:`Scenario.config_hash`.

Money is in HK$. Offsets are days relative to LNY day 1 of the planning window's LNY.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

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
           "Attendance", "Operations", "Compensation", "Labour", "Scenario", "MAX_BACKLOG_DAYS"]


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


_SECTIONS = {
    "window": Window, "backlog": Backlog, "promise": Promise, "staffing": Staffing,
    "programme": Programme,
    "productivity": Productivity, "attendance": Attendance, "operations": Operations,
    "compensation": Compensation, "labour": Labour,
}
_TOP = ("unique_id", "budget", "demand_uplift")
_MAX_DEADLINE = 30  # working days: the longest promise forecast.calendar.promise_deadlines takes
#: Oldest backlog cohort accepted, in days before ``window.start``.
MAX_BACKLOG_DAYS = 60


@dataclass(frozen=True)
class Scenario:
    """Everything a capacity simulation assumes; see ``data/scenario.toml`` for sources.

    Parameters
    ----------
    window, backlog, promise, staffing, programme, productivity, attendance, operations,
    compensation, labour
        Sub-configurations (defaults: the demo network over LNY 2026, empty queue at the
        window's start).
    unique_id : str
        Which series of the sample paths to plan for.
    budget : float
        Programme budget in HK$; compared with programme bonus + compensation.
    demand_uplift : float
        Multiplier on every arrival path (a stress test; 1 = the forecast as is). It does
        not apply to ``backlog.parcels`` (counted parcels, not a forecast).

    Examples
    --------
    >>> s = Scenario.from_dict({"programme.workers": 1200, "operations": {"mode": "shutdown"}})
    >>> s.programme.workers, s.operations.mode, Scenario.from_dict(s.to_dict()) == s
    (1200.0, 'shutdown', True)
    """

    window: Window = field(default_factory=Window)
    backlog: Backlog = field(default_factory=Backlog)
    promise: Promise = field(default_factory=Promise)
    staffing: Staffing = field(default_factory=Staffing)
    programme: Programme = field(default_factory=Programme)
    productivity: Productivity = field(default_factory=Productivity)
    attendance: Attendance = field(default_factory=Attendance)
    operations: Operations = field(default_factory=Operations)
    compensation: Compensation = field(default_factory=Compensation)
    labour: Labour = field(default_factory=Labour)
    unique_id: str = "total"
    budget: float = 5_000_000.0
    demand_uplift: float = 1.0

    def __post_init__(self):
        for name, cls in _SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise ValueError(f"scenario.{name} must be a {cls.__name__}")
        if not isinstance(self.unique_id, str) or not self.unique_id:
            raise ValueError(
                f"scenario.unique_id must be a non-empty string, got {self.unique_id!r}"
            )
        check_number(self, "budget", lo=0)
        check_number(self, "demand_uplift", lo=0, lo_open=True, hi=10)
        self._check_across_sections()

    def _check_across_sections(self):
        """Cross-field checks: dates inside the window, backlog dates just before it;
        deadlines the calendar can compute."""
        w = self.window
        inside = f"inside window.start .. window.end ({w.start} .. {w.end})"
        lo, hi = (w.start - dt.timedelta(days=n) for n in (MAX_BACKLOG_DAYS, 1))
        stray = [str(d) for d, _ in self.backlog.parcels if not lo <= d <= hi]
        if stray:
            raise ValueError(f"backlog.parcels dates {stray} must lie before window.start, at "
                             f"most {MAX_BACKLOG_DAYS} days before it ({lo} .. {hi})")
        for name in ("start", "end"):
            day = getattr(self.programme, name)
            if not w.start <= day <= w.end:
                raise ValueError(f"programme.{name} {day} must lie {inside}")
        outside = [str(d) for d, _ in self.staffing.overrides if not w.start <= d <= w.end]
        if outside:
            raise ValueError(f"staffing.overrides dates {outside} must lie {inside}")
        # the latest compensation threshold is working_days + days_late - 1 working days
        # after arrival, and promise_deadlines computes at most 30
        last = max([1, *(k for k, _ in self.compensation.tiers)])
        if self.promise.working_days + last - 1 > _MAX_DEADLINE:
            raise ValueError(
                f"promise.working_days ({self.promise.working_days}) + the largest "
                f"compensation.tiers days_late ({last}) - 1 must be <= {_MAX_DEADLINE} "
                "working days"
            )

    @classmethod
    def from_dict(cls, mapping: dict) -> Scenario:
        """Build from a nested dict (TOML layout) and/or dotted keys (``"labour.daily_wage"``)."""
        if not isinstance(mapping, dict):
            raise ValueError(f"a scenario must be a mapping, got {type(mapping).__name__}")
        nested: dict = {}
        for key, value in mapping.items():
            section, dot, name = str(key).partition(".")
            if dot:
                nested.setdefault(section, {})
                if not isinstance(nested[section], dict):
                    raise ValueError(f"scenario.{section} must be a table")
                nested[section][name] = value
            elif isinstance(value, dict):
                nested.setdefault(key, {}).update(value)
            else:
                nested[key] = value
        allowed = list(_SECTIONS) + list(_TOP)
        unknown = sorted(set(nested) - set(allowed))
        if unknown:
            raise ValueError(f"unknown scenario key(s) {unknown}; allowed: {allowed}")
        kwargs = {k: nested[k] for k in _TOP if k in nested}
        for name, sub in _SECTIONS.items():
            table = nested.get(name, {})
            if not isinstance(table, dict):
                raise ValueError(f"scenario.{name} must be a table, got {table!r}")
            names = [f.name for f in dataclasses.fields(sub)]
            bad = sorted(set(table) - set(names))
            if bad:
                raise ValueError(f"unknown key(s) {bad} in [{name}]; allowed: {names}")
            kwargs[name] = sub(**table)
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file (missing keys take the defaults).

        A ``[hubs]`` table (per-hub changes of a network plan, read by
        :class:`forecast.network_scenario.NetworkScenario`) is not part of the scenario and
        is left out here.
        """
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
            table.pop("hubs", None)
            return cls.from_dict(table)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None

    def to_dict(self, *, flat: bool = False) -> dict:
        """Plain nested dict (JSON/TOML/papermill friendly); ``flat``: dotted keys."""
        out = {k: getattr(self, k) for k in _TOP}
        for name in _SECTIONS:
            out[name] = {
                f.name: _plain(getattr(getattr(self, name), f.name))
                for f in dataclasses.fields(getattr(self, name))
            }
        if not flat:
            return out
        flat_out = {k: out[k] for k in _TOP}
        for name in _SECTIONS:
            flat_out.update({f"{name}.{k}": v for k, v in out[name].items()})
        return flat_out

    def config_hash(self) -> str:
        """Stable 16-hex-digit hash of the scenario's content (for provenance).

        An empty ``backlog`` is left out, so that a scenario without one hashes as it did
        before the section existed.
        """
        content = self.to_dict()
        if not self.backlog.parcels:
            del content["backlog"]
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def updated(self, changes: dict) -> Scenario:
        """A copy with ``changes`` (dotted or nested keys) applied and re-validated.

        Examples
        --------
        >>> Scenario().updated({"productivity.mean": 90}).productivity.mean
        90.0
        """
        if not isinstance(changes, dict):
            raise ValueError(f"changes must be a mapping, got {type(changes).__name__}")
        merged = self.to_dict()
        for key, value in changes.items():
            section, dot, name = str(key).partition(".")
            if dot:
                if section not in _SECTIONS:
                    raise ValueError(f"unknown scenario section {section!r}")
                if not isinstance(merged[section], dict):
                    raise ValueError(f"scenario.{section} must be a table, got "
                                     f"{merged[section]!r}")
                merged[section][name] = value
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
        return Scenario.from_dict(merged)


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
