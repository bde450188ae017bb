"""The PDF briefing: a 3-page A4 decision summary for a manager.

Page 1 holds the title, the date, the recommendation in one sentence, the decision table
(recommended plan next to the alternatives) and the headline figure; page 2 the other key
figures; page 3 the assumptions, definitions and provenance. A provenance footer is on
every page. The PDF is compiled with Typst (the ``typst`` PyPI package, no LaTeX and no
browser); all text travels as JSON data, never spliced into Typst source.

Chinese hub names need a CJK font, which Typst does not embed. The briefing uses Noto Sans
CJK from the ``noto-cjk-sans-otc`` PyPI package when it is installed (or a font file you
pass). Without one it never prints empty boxes: series names fall back to their ASCII
``unique_id``, other CJK text is replaced by ``?``, the PDF says so on page 1 and a
:class:`BriefingFontWarning` is issued.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

from forecast.report.briefing_data import FIGURE_TEXT, briefing_data, format_window
from forecast.report.provenance import Provenance
from forecast.report.typography import (
    CjkFont,
    check_number,
    find_cjk_font,
    format_count,
    format_workers,
    format_money,
    format_percent,
)

__all__ = [
    "PlanOutcome",
    "BriefingFigures",
    "Briefing",
    "BriefingFontWarning",
    "render_briefing",
]

_TEMPLATE = Path(__file__).with_name("briefing.typ")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MAX_ASSUMPTIONS, _MAX_TEXT, _MAX_ALTERNATIVES = 12, 400, 3


class BriefingFontWarning(UserWarning):
    """Text needed a CJK font that is not available; an ASCII fallback was printed."""


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

    def __post_init__(self) -> None:
        _check_text("PlanOutcome.name", self.name, allow_empty=False, name=True)
        if isinstance(self.headcount, bool) or int(self.headcount) != self.headcount:
            raise ValueError(f"PlanOutcome.headcount must be an int, got {self.headcount!r}")
        if self.headcount < 0:
            raise ValueError(f"PlanOutcome.headcount must be >= 0, got {self.headcount}")
        object.__setattr__(self, "headcount", int(self.headcount))
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            check_number(f"PlanOutcome.{f.name}", value)
            if value < 0 or (f.name.startswith("p_") and value > 1):
                allowed = "[0, 1]" if f.name.startswith("p_") else ">= 0"
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

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (str, os.PathLike)):
                raise ValueError(f"BriefingFigures.{f.name} must be a path, got {value!r}")
            object.__setattr__(self, f.name, Path(value))

    def check(self) -> None:
        """Raise ValueError naming the first figure that is missing or not a PNG."""
        for f in fields(self):
            path = getattr(self, f.name)
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
        Key assumptions, one sentence each (at most 12).
    volume_mean, volume_lo, volume_hi : float, optional
        Forecast parcels in the window and its ``volume_level`` % interval.
    headline_figure : {"staffing_tradeoff", "fan_chart", "late_parcels", "cost_exceedance"}
        Figure shown on page 1.
    recommendation_text : str, optional
        Replaces the generated one-sentence recommendation.

    Examples
    --------
    >>> import datetime as dt
    >>> plan = PlanOutcome("Recommended", 1500, 0.91, 12e3, 20e3, 1.1e6, 2.0e6, 5e6, 0.3)
    >>> b = Briefing("LNY 2026 staffing", dt.date(2026, 1, 5), "Total network", "total",
    ...              dt.date(2026, 2, 14), dt.date(2026, 2, 27), 0.95, 5e6, plan,
    ...              BriefingFigures("f.png", "l.png", "c.png", "s.png"),
    ...              Provenance("0.1.0", "ab" * 32, "cd" * 32, 42))
    >>> b.recommendation_sentence().split(":")[0]
    'Keep 1,500 staff on duty over the holiday (14 Feb 2026 to 27 Feb 2026)'
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
    recommendation_text: str | None = None
    network_label: str = "Network"

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
        check_number("Briefing.on_time_target", self.on_time_target)
        if not 0 < self.on_time_target <= 1:
            raise ValueError(
                f"Briefing.on_time_target must be in (0, 1], got {self.on_time_target}"
            )
        check_number("Briefing.budget", self.budget)
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
                check_number(f"Briefing.{name}", value)
            if not 0 <= self.volume_lo <= self.volume_mean <= self.volume_hi:
                raise ValueError(
                    "Briefing volume must satisfy 0 <= volume_lo <= volume_mean <= volume_hi"
                )
        if not 0 < self.volume_level < 100:
            raise ValueError(f"Briefing.volume_level must be in (0, 100), got {self.volume_level}")
        if self.headline_figure not in FIGURE_TEXT:
            raise ValueError(
                f"Briefing.headline_figure must be one of {sorted(FIGURE_TEXT)}, "
                f"got {self.headline_figure!r}"
            )
        if self.recommendation_text is not None:
            _check_text("Briefing.recommendation_text", self.recommendation_text,
                        allow_empty=False)
        _check_text("Briefing.network_label", self.network_label, allow_empty=False)

    def recommendation_sentence(self) -> str:
        """The recommendation in one sentence (``recommendation_text`` if given)."""
        if self.recommendation_text is not None:
            return self.recommendation_text
        r = self.recommended
        return (
            f"Keep {format_workers(r.headcount)} staff on duty over the holiday "
            f"({format_window(self)}): {format_percent(r.p_on_time)} chance of delivering "
            f"at least {format_percent(self.on_time_target)} of parcels on time, about "
            f"{format_count(r.late_mean)} late parcels ({format_count(r.late_worst10)} in the worst 10% of "
            f"holidays) and "
            f"{format_money(r.compensation_mean)} expected compensation ("
            f"{format_money(r.compensation_worst10)} in the worst 10%); {format_percent(r.p_over_budget)} risk of "
            f"exceeding the {format_money(self.budget)} budget."
        )


def _check_text(field: str, value: object, *, allow_empty: bool, name: bool = False) -> None:
    """Text fields must be str. A name (``name=True``) may be of any length, the PDF shows
    it shortened with an ellipsis; other text is limited to what fits the page."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ValueError(f"{field} must be a non-empty str, got {value!r}")
    if not name and len(value) > _MAX_TEXT:
        raise ValueError(f"{field} is {len(value)} characters; at most {_MAX_TEXT} fit the "
                         "briefing")


def render_briefing(
    briefing: Briefing,
    out_pdf: str | os.PathLike[str],
    *,
    cjk_font: str | os.PathLike[str] | None = "auto",
    tmp_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Compile the briefing to a 3-page A4 PDF with Typst.

    Parameters
    ----------
    briefing : Briefing
        What to show.
    out_pdf : str or path-like
        Output file; its directory must exist.
    cjk_font : "auto", path or None
        Font file for Chinese text. ``"auto"`` uses
        :func:`~forecast.report.typography.find_cjk_font`; ``None`` renders without one.
        Characters no font can show degrade visibly (series name -> ``series_id``, other
        text -> ``?``), with a note on page 1 and a :class:`BriefingFontWarning`.
    tmp_dir : path, optional
        Existing folder for Typst's temporary working folder (default: the system's).
        ``forecast run`` passes its publication's private folder, so that a killed run
        leaves nothing in the system's temporary directory.

    Returns
    -------
    pathlib.Path
        ``out_pdf``. The PDF is reproducible: the same briefing gives the same bytes.

    Raises
    ------
    ValueError
        If a figure is missing or not a PNG, the output directory does not exist, or
        ``cjk_font`` is not a readable font file.

    Examples
    --------
    >>> import datetime as dt, tempfile, pathlib
    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = plt.plot([1, 2]); plt.savefig(tmp / "f.png"); plt.close()
    >>> figs = BriefingFigures(*[tmp / "f.png"] * 4)
    >>> plan = PlanOutcome("Recommended", 1500, 0.91, 12e3, 20e3, 1.1e6, 2.0e6, 5e6, 0.3)
    >>> b = Briefing("LNY 2026 staffing", dt.date(2026, 1, 5), "Total network", "total",
    ...              dt.date(2026, 2, 14), dt.date(2026, 2, 27), 0.95, 5e6, plan, figs,
    ...              Provenance("0.1.0", "ab" * 32, "cd" * 32, 42))
    >>> render_briefing(b, tmp / "briefing.pdf").stat().st_size > 10_000
    True
    """
    import typst

    if not isinstance(briefing, Briefing):
        raise ValueError(f"render_briefing expects a Briefing, got {type(briefing).__name__}")
    out_pdf = Path(out_pdf)
    if not out_pdf.parent.is_dir():
        raise ValueError(f"render_briefing: output directory {out_pdf.parent} does not exist")
    briefing.figures.check()
    if isinstance(cjk_font, str) and cjk_font == "auto":
        found = find_cjk_font()
        font = CjkFont.load(found) if found is not None else None
    else:
        font = CjkFont.load(cjk_font) if cjk_font is not None else None
    data, notices = briefing_data(briefing, font)
    for notice in notices:
        warnings.warn(f"briefing: {notice}", BriefingFontWarning, stacklevel=2)
    midnight = dt.datetime.combine(briefing.date, dt.time(), dt.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="forecast-briefing-", dir=tmp_dir) as tmp:
        root = Path(tmp)
        shutil.copyfile(_TEMPLATE, root / "briefing.typ")
        for f in fields(briefing.figures):
            shutil.copyfile(getattr(briefing.figures, f.name), root / f"fig_{f.name}.png")
        (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        try:
            pdf = typst.compile(
                str(root / "briefing.typ"),
                root=str(root),
                font_paths=[str(font.path.parent)] if font is not None else [],
                ignore_system_fonts=True,  # same fonts, same PDF, on every machine
                sys_inputs={"data": "data.json"},
                timestamp=int(midnight.timestamp()),
            )
        except Exception as exc:  # typst.TypstError carries Typst's diagnostics
            raise RuntimeError(f"render_briefing: Typst could not compile: {exc}") from exc
        partial = root / "briefing.pdf"  # written whole, then renamed: never half a PDF
        partial.write_bytes(pdf)
        shutil.move(partial, out_pdf)
    return out_pdf
