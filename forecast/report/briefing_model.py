"""What the PDF briefing shows: the plans compared, the figures, the facts and provenance.

:class:`Briefing` (with :class:`PlanOutcome` and :class:`BriefingFigures`) is validated on
construction, so that a wrong value is refused before anything is rendered.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, fields
from pathlib import Path

from forecast.report.provenance import Provenance
from forecast.statistics import check_finite_number

__all__ = ["FIGURE_TEXT", "OWN_PAGE_FIGURES", "MAX_TEXT", "MAX_NETWORK_TEXT", "PlanOutcome",
           "BriefingFigures", "Briefing"]

#: Title and caption of each key figure, keyed by ``BriefingFigures`` field.
FIGURE_TEXT = {
    "fan_chart": ("Demand forecast", "Daily parcels: median with 50%, 80% and 95% bands; LNY phases shaded."),
    "late_parcels": ("Late parcels", "Distribution of parcels delivered after the promise."),
    "cost_exceedance": (
        "Cost risk",
        "Probability that compensation, and programme bonus + compensation, exceed each "
        "amount (log scales); dashed: the budget.",
    ),
    "staffing_tradeoff": (
        "Staffing trade-off",
        "Expected total cost and on-time probability by holiday headcount.",
    ),
    "roster": (
        "Roster by LNY phase",
        "Daily capacity of the roster (mean, 80% interval) against the parcels arriving "
        "(median, 80% interval); bars: late parcels by arrival day.",
    ),
    "hubs": (
        "By hub",
        "Parcels arriving at each hub over the planning window (mean and 80% interval of "
        "its forecast), and its holiday-programme workers as planned and as recommended.",
    ),
}
#: Figures of their own page (not in the list of other figures): the roster's, the network's.
OWN_PAGE_FIGURES = ("roster", "hubs")

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MAX_ASSUMPTIONS, _MAX_ALTERNATIVES = 14, 3
#: Characters of one page-1 text (the recommendation, each warning and fact).
MAX_TEXT = 400
#: Characters of the network page's sentence (that page has more room than page 1).
MAX_NETWORK_TEXT = 600
_MAX_FACTS, _MAX_WARNINGS, _MAX_RULE = 5, 4, 1200


@dataclass(frozen=True)
class PlanOutcome:
    """Simulated outcome of one holiday staffing plan over the planning window.

    Parameters
    ----------
    name : str
        Plan name shown in the table header, e.g. ``"Recommended"``.
    headcount : int
        Staff on duty over the LNY holiday.
    p_on_time : float
        Probability that the on-time share reaches the target.
    late_mean, late_worst10 : float
        Expected late parcels, and their average over the worst 10% of simulated holidays
        (CVaR90: late parcels are heavy-tailed, most holidays have none).
    compensation_mean, compensation_worst10 : float
        Expected late-delivery compensation (HK$), and its average over the worst 10%.
    labour_cost : float
        Cost of the holiday staffing (HK$).
    p_over_budget : float
        Probability that programme bonus plus compensation exceed the budget.
    on_time_share : float, optional
        Expected share of the window's parcels delivered on time (all days, not only the
        programme's): page 1's chance judges programme days, and a roster short outside
        them would otherwise go unseen there.

    Examples
    --------
    >>> plan = PlanOutcome("Recommended", 1500, 0.91, 12e3, 20e3, 1.1e6, 2.0e6, 5e6, 0.3)
    >>> plan.expected_total_cost
    6100000.0
    """

    name: str
    headcount: int
    p_on_time: float
    late_mean: float
    late_worst10: float
    compensation_mean: float
    compensation_worst10: float
    labour_cost: float
    p_over_budget: float
    on_time_share: float | None = None

    def __post_init__(self) -> None:
        _check_text("PlanOutcome.name", self.name, allow_empty=False, name=True)
        if isinstance(self.headcount, bool) or int(self.headcount) != self.headcount:
            raise ValueError(f"PlanOutcome.headcount must be an int, got {self.headcount!r}")
        if self.headcount < 0:
            raise ValueError(f"PlanOutcome.headcount must be >= 0, got {self.headcount}")
        object.__setattr__(self, "headcount", int(self.headcount))
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            if value is None and f.name == "on_time_share":
                continue
            check_finite_number(f"PlanOutcome.{f.name}", value)
            share = f.name.startswith("p_") or f.name == "on_time_share"
            if value < 0 or (share and value > 1):
                allowed = "[0, 1]" if share else ">= 0"
                raise ValueError(f"PlanOutcome.{f.name} must be {allowed}, got {value}")
            object.__setattr__(self, f.name, float(value))

    @property
    def expected_total_cost(self) -> float:
        """Labour cost plus expected compensation (HK$)."""
        return self.labour_cost + self.compensation_mean


@dataclass(frozen=True)
class BriefingFigures:
    """PNG files of the four key figures (checked when the briefing is rendered).

    Examples
    --------
    >>> BriefingFigures("fan.png", "late.png", "cost.png", "staff.png").fan_chart
    PosixPath('fan.png')
    """

    fan_chart: Path
    late_parcels: Path
    cost_exceedance: Path
    staffing_tradeoff: Path
    roster: Path | None = None  # the per-phase roster chart (page 2), optional
    hubs: Path | None = None  # the network page's chart of the hubs, optional

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in OWN_PAGE_FIGURES:
                continue
            if not isinstance(value, (str, os.PathLike)):
                raise ValueError(f"BriefingFigures.{f.name} must be a path, got {value!r}")
            object.__setattr__(self, f.name, Path(value))

    def check(self) -> None:
        """Raise ValueError naming the first figure that is missing or not a PNG."""
        for f in fields(self):
            path = getattr(self, f.name)
            if path is None:
                continue
            if not path.is_file():
                raise ValueError(f"briefing figure {f.name!r}: file {path} does not exist")
            with path.open("rb") as fh:
                if fh.read(8) != _PNG_MAGIC:
                    raise ValueError(f"briefing figure {f.name!r}: {path} is not a PNG file")


@dataclass(frozen=True)
class Briefing:
    """Everything the PDF briefing shows; build it from the planning results.

    Parameters
    ----------
    title : str
        Document title.
    date : datetime.date
        Date the briefing is for (passed in; the renderer never reads the clock).
    series : str
        Display name of the network or hub; any Unicode (e.g. Chinese); long names are
        shortened with an ellipsis.
    series_id : str
        ``unique_id`` of the series (any Unicode), printed when the fonts cannot show
        ``series``.
    window_start, window_end : datetime.date
        Planning window (inclusive).
    on_time_target : float
        Target share of parcels delivered within the promise, e.g. ``0.95``.
    budget : float
        Programme budget (HK$), compared with programme bonus plus compensation.
    recommended : PlanOutcome
        The recommended plan (first column of the decision table).
    figures : BriefingFigures
        The four key figures.
    provenance : Provenance
        Package version, config hash, data hash and seed.
    alternatives : tuple of PlanOutcome
        Up to three plans to compare with, e.g. shutdown as usual.
    assumptions : tuple of str
        Key assumptions, one sentence each (at most 14).
    volume_mean, volume_lo, volume_hi : float, optional
        Forecast parcels in the window and its ``volume_level`` % interval.
    headline_figure : {"staffing_tradeoff", "fan_chart", "late_parcels", "cost_exceedance"}
        Figure shown on page 1.
    recommendation_text : str
        The recommendation, at most 400 characters (see
        :func:`forecast.report.tables.recommendation`).
    network_label : str
        What ``series`` is: "Network" (the hubs planned together), "Site" (one series
        planned alone, which may be a network's total).
    facts : tuple of str
        Up to 5 key facts for page 1, each naming its scope and units.
    warnings : tuple of str
        Up to 4 sanity warnings, shown prominently on page 1.
    rule_text : str
        How the recommendation is chosen (page 2).
    roster_text, roster_table : str, tuple of tuple of str
        The roster by LNY phase on page 2: one sentence, and a table whose first row is
        the header (at most 14 rows of at most 8 cells).
    network_text, network_table : str, tuple of tuple of str
        The network page (when the network is planned): one sentence, and a table of the
        hubs whose first row is the header (at most 32 rows of at most 8 cells).
    scope_note : str
        When the pages after the network page plan something else than page 1 (the
        network total as one site): one sentence saying so, at the top of those pages.

    Examples
    --------
    >>> import datetime as dt
    >>> plan = PlanOutcome("Recommended", 1500, 0.91, 12e3, 20e3, 1.1e6, 2.0e6, 5e6, 0.3)
    >>> b = Briefing("LNY 2026 staffing", dt.date(2026, 1, 5), "Total network", "total",
    ...              dt.date(2026, 2, 14), dt.date(2026, 2, 27), 0.95, 5e6, plan,
    ...              BriefingFigures("f.png", "l.png", "c.png", "s.png"),
    ...              Provenance("0.1.0", "ab" * 32, "cd" * 32, 42),
    ...              recommendation_text="Keep 1,500 staff on duty.")
    >>> b.facts, b.series_id
    ((), 'total')
    """

    title: str
    date: dt.date
    series: str
    series_id: str
    window_start: dt.date
    window_end: dt.date
    on_time_target: float
    budget: float
    recommended: PlanOutcome
    figures: BriefingFigures
    provenance: Provenance
    alternatives: tuple[PlanOutcome, ...] = ()
    assumptions: tuple[str, ...] = ()
    volume_mean: float | None = None
    volume_lo: float | None = None
    volume_hi: float | None = None
    volume_level: int = 80
    headline_figure: str = "staffing_tradeoff"
    recommendation_text: str = ""
    network_label: str = "Network"
    facts: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    rule_text: str = ""
    roster_text: str = ""
    roster_table: tuple[tuple[str, ...], ...] = ()
    network_text: str = ""
    network_table: tuple[tuple[str, ...], ...] = ()
    scope_note: str = ""

    def __post_init__(self) -> None:
        _check_text("Briefing.title", self.title, allow_empty=False)
        _check_text("Briefing.series", self.series, allow_empty=False, name=True)
        _check_text("Briefing.series_id", self.series_id, allow_empty=False, name=True)
        for name in ("date", "window_start", "window_end"):
            value = getattr(self, name)
            if isinstance(value, dt.datetime):  # also pandas.Timestamp
                value = value.date()
            if not isinstance(value, dt.date):
                raise ValueError(f"Briefing.{name} must be a datetime.date, got {value!r}")
            object.__setattr__(self, name, value)
        if self.window_end < self.window_start:
            raise ValueError(
                f"Briefing.window_end {self.window_end} is before window_start {self.window_start}"
            )
        check_finite_number("Briefing.on_time_target", self.on_time_target)
        if not 0 < self.on_time_target <= 1:
            raise ValueError(
                f"Briefing.on_time_target must be in (0, 1], got {self.on_time_target}"
            )
        check_finite_number("Briefing.budget", self.budget)
        if self.budget < 0:
            raise ValueError(f"Briefing.budget must be >= 0, got {self.budget}")
        for name, kind in (("recommended", PlanOutcome), ("figures", BriefingFigures),
                           ("provenance", Provenance)):
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"Briefing.{name} must be a {kind.__name__}")
        object.__setattr__(self, "alternatives", tuple(self.alternatives))
        if len(self.alternatives) > _MAX_ALTERNATIVES or not all(
            isinstance(a, PlanOutcome) for a in self.alternatives
        ):
            raise ValueError(
                f"Briefing.alternatives must be at most {_MAX_ALTERNATIVES} PlanOutcome objects"
            )
        if isinstance(self.assumptions, str):
            raise ValueError("Briefing.assumptions must be a sequence of str, not one str")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        if len(self.assumptions) > _MAX_ASSUMPTIONS:
            raise ValueError(
                f"Briefing.assumptions: at most {_MAX_ASSUMPTIONS} items fit the briefing"
            )
        for i, text in enumerate(self.assumptions):
            _check_text(f"Briefing.assumptions[{i}]", text, allow_empty=False)
        volume = (self.volume_mean, self.volume_lo, self.volume_hi)
        if any(v is not None for v in volume):
            for name, value in zip(("volume_mean", "volume_lo", "volume_hi"), volume):
                check_finite_number(f"Briefing.{name}", value)
            if not 0 <= self.volume_lo <= self.volume_mean <= self.volume_hi:
                raise ValueError(
                    "Briefing volume must satisfy 0 <= volume_lo <= volume_mean <= volume_hi"
                )
        if not 0 < self.volume_level < 100:
            raise ValueError(f"Briefing.volume_level must be in (0, 100), got {self.volume_level}")
        if self.headline_figure not in FIGURE_TEXT or self.headline_figure in OWN_PAGE_FIGURES:
            raise ValueError(
                f"Briefing.headline_figure must be one of "
                f"{sorted(set(FIGURE_TEXT) - set(OWN_PAGE_FIGURES))}, "
                f"got {self.headline_figure!r}"
            )
        _check_text("Briefing.recommendation_text", self.recommendation_text,
                    allow_empty=False)
        _check_text("Briefing.rule_text", self.rule_text, allow_empty=True, limit=_MAX_RULE)
        _check_text("Briefing.roster_text", self.roster_text, allow_empty=True)
        table = tuple(tuple(row) for row in self.roster_table)
        if len(table) > 14 or any(len(r) != len(table[0]) or len(r) > 8 for r in table):
            raise ValueError("Briefing.roster_table must be at most 14 rows of the same "
                             "length, at most 8 cells each")
        for row in table:
            for cell in row:
                _check_text("Briefing.roster_table cell", cell, allow_empty=True, limit=80)
        object.__setattr__(self, "roster_table", table)
        _check_text("Briefing.network_text", self.network_text, allow_empty=True,
                    limit=MAX_NETWORK_TEXT)
        _check_text("Briefing.scope_note", self.scope_note, allow_empty=True)
        table = tuple(tuple(row) for row in self.network_table)
        if len(table) > 32 or any(len(r) != len(table[0]) or len(r) > 8 for r in table):
            raise ValueError("Briefing.network_table must be at most 32 rows of the same "
                             "length, at most 8 cells each")
        for row in table:
            for cell in row:
                _check_text("Briefing.network_table cell", cell, allow_empty=True, limit=80)
        object.__setattr__(self, "network_table", table)
        for name, limit in (("facts", _MAX_FACTS), ("warnings", _MAX_WARNINGS)):
            items = getattr(self, name)
            if isinstance(items, str):
                raise ValueError(f"Briefing.{name} must be a sequence of str, not one str")
            object.__setattr__(self, name, tuple(items))
            if len(getattr(self, name)) > limit:
                raise ValueError(f"Briefing.{name}: at most {limit} items fit page 1")
            for i, text in enumerate(getattr(self, name)):
                _check_text(f"Briefing.{name}[{i}]", text, allow_empty=False)
        _check_text("Briefing.network_label", self.network_label, allow_empty=False)


def _check_text(field: str, value: object, *, allow_empty: bool, name: bool = False,
                limit: int = MAX_TEXT) -> None:
    """Text fields must be str. A name (``name=True``) may be of any length, the PDF shows
    it shortened with an ellipsis; other text is limited to what fits the page."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ValueError(f"{field} must be a non-empty str, got {value!r}")
    if not name and len(value) > limit:
        raise ValueError(f"{field} is {len(value)} characters; at most {limit} fit the "
                         "briefing")
