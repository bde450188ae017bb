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
import difflib
import hashlib
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from forecast.fields import check_number
from forecast.scenario_files import read_toml
from forecast.scenario_sections import (
    Attendance,
    Backlog,
    Compensation,
    Labour,
    Operations,
    Productivity,
    Programme,
    Promise,
    Staffing,
    Window,
)

__all__ = ["Window", "Backlog", "Promise", "Staffing", "Programme", "Productivity",
           "Attendance", "Operations", "Compensation", "Labour", "Scenario", "MAX_BACKLOG_DAYS",
           "lny_shift", "shift_dates"]


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

    @property
    def lny(self) -> dt.date:
        """The LNY day inside the planning window.

        Raises
        ------
        ValueError
            If the window holds no LNY day (this package plans LNY staffing), or two.

        Examples
        --------
        >>> Scenario().lny
        datetime.date(2026, 2, 17)
        """
        from forecast.calendar import lny_dates

        w = self.window
        inside = [d.date() for d in lny_dates(w.start, w.end) if w.start <= d.date() <= w.end]
        if len(inside) != 1:
            what = "contains no Lunar New Year day" if not inside else \
                f"holds two Lunar New Years ({inside[0]} and {inside[1]})"
            raise ValueError(f"the planning window {w.start} .. {w.end} {what}; this package "
                             "plans the staffing of one LNY: set [window] start and end around "
                             "it")
        return inside[0]

    def for_lny(self, year: int) -> Scenario:
        """This scenario moved to the LNY of ``year``: every date (window, programme,
        staffing overrides, backlog) moves by the days from this scenario's LNY to that
        one, so each keeps its offset to LNY (weekdays may change).

        Raises
        ------
        ValueError
            ``year`` outside 1901..2099, or no LNY in the window.

        Examples
        --------
        >>> s = Scenario().for_lny(2027)  # LNY 2026-02-17 -> 2027-02-06: 354 days later
        >>> s.lny, s.window.start, s.programme.start
        (datetime.date(2027, 2, 6), datetime.date(2027, 1, 9), datetime.date(2027, 1, 30))
        """
        days = lny_shift(self.lny, year)
        if not days:
            return self
        merged = self.to_dict()
        merged.update({name: {k: shift_dates(v, days) for k, v in merged[name].items()}
                       for name in _DATED})
        moved = Scenario.from_dict(merged)
        w = moved.window
        try:
            moved.lny
        except ValueError:  # the LNYs' spacing moved the window off its LNY, or past 2099
            raise ValueError(f"the scenario cannot be moved to LNY {year}: its window would be "
                             f"{w.start} .. {w.end}; shorten it to the weeks around its LNY"
                             ) from None
        return moved

    def first_year_after(self, day) -> int | None:
        """The first LNY year this scenario can be moved to (:meth:`for_lny`) whose window
        starts after ``day`` (e.g. a history's last day), or None before 2100.

        Examples
        --------
        >>> Scenario().first_year_after(dt.date(2026, 3, 1))
        2027
        """
        day = dt.date.fromisoformat(str(day)[:10])
        for year in range(self.lny.year + 1, 2100):
            try:
                if self.for_lny(year).window.start > day:
                    return year
            except ValueError:  # the window does not fit around that LNY: try the next
                continue
        return None

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
            raise ValueError(f"unknown scenario key(s) {unknown}{_did_you_mean(unknown, allowed)}"
                             f"; allowed: {allowed}")
        kwargs = {k: nested[k] for k in _TOP if k in nested}
        for name, sub in _SECTIONS.items():
            table = nested.get(name, {})
            if not isinstance(table, dict):
                raise ValueError(f"scenario.{name} must be a table, got {table!r}")
            names = [f.name for f in dataclasses.fields(sub)]
            bad = sorted(set(table) - set(names))
            if bad:
                raise ValueError(f"unknown key(s) {bad} in [{name}]{_did_you_mean(bad, names)}; "
                                 f"allowed: {names}")
            kwargs[name] = sub(**table)
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Load a scenario from a TOML file (missing keys take the defaults).

        A ``[hubs]`` table (per-hub changes of a network plan, read by
        :class:`forecast.network_scenario.NetworkScenario`) is not part of the scenario and
        is left out here.
        """
        table = read_toml(path)
        table.pop("hubs", None)
        try:
            return cls.from_dict(table)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None

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


#: The sections whose values hold dates (moved by :meth:`Scenario.for_lny`).
_DATED = ("window", "programme", "staffing", "backlog")


def lny_shift(lny: dt.date, year: int) -> int:
    """Days from ``lny`` to the LNY of ``year`` (a ValueError naming the range otherwise).

    Examples
    --------
    >>> lny_shift(dt.date(2026, 2, 17), 2027)
    354
    """
    from forecast.calendar import lunar_new_year

    if isinstance(year, bool) or not isinstance(year, numbers.Integral) \
            or not 1901 <= year <= 2099:
        raise ValueError(f"the LNY year to plan must be an integer in 1901..2099, got {year!r}")
    return (lunar_new_year(int(year)) - lny).days


def shift_dates(value, days: int):
    """``value`` with every date in it (a ``datetime.date``, a string that is an ISO date as
    a scenario accepts one, or such items of lists and tuples, e.g. ``[[date, workers],
    ...]``) moved by ``days``; ISO strings come back as ``YYYY-MM-DD``.

    Examples
    --------
    >>> shift_dates([["2026-02-10", 5.0], ["20260211", 6.0]], 3)
    [['2026-02-13', 5.0], ['2026-02-14', 6.0]]
    """
    if isinstance(value, list | tuple):
        return type(value)(shift_dates(v, days) for v in value)
    if isinstance(value, dt.date):  # a datetime too (a scenario keeps its date)
        return value + dt.timedelta(days=days)
    if isinstance(value, str):
        try:
            return (dt.date.fromisoformat(value.strip()) + dt.timedelta(days=days)).isoformat()
        except ValueError:
            return value
    return value


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _did_you_mean(unknown, allowed) -> str:
    """`` (did you mean 'programme'?)`` for the first unknown key close to an allowed one."""
    for key in unknown:
        close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1, cutoff=0.6)
        if close:
            return f" (did you mean {close[0]!r} for {key!r}?)"
    return ""
