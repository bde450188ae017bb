"""The data contract between Python and the Typst template ``briefing.typ``.

:func:`briefing_data` turns a :class:`~forecast.report.briefing_model.Briefing` into the JSON
document the template reads: every string already worded and formatted for a manager,
every character printable with the available fonts. Typst never sees user text as markup.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from forecast.report.briefing_model import FIGURE_TEXT, OWN_PAGE_FIGURES, Briefing
from forecast.report.names import shorten
from forecast.report.typography import (
    BASE_FONT,
    CjkFont,
    format_count,
    format_money,
    format_percent,
    format_workers,
    printable,
)

__all__ = ["briefing_data", "format_window"]

_NAME_WIDTH, _PLAN_WIDTH = 60, 30  # characters of a name that fit its place on the page

def format_window(b: Briefing) -> str:
    """The planning window as ``10 Feb 2026 to 24 Feb 2026``."""
    return f"{b.window_start:%d %b %Y} to {b.window_end:%d %b %Y}"


def _table(b: Briefing) -> dict[str, object]:
    plans = (b.recommended, *b.alternatives)
    target = format_percent(b.on_time_target)
    rows = [
        ("Holiday-programme workers", [format_workers(p.headcount) for p in plans]),
        (f"Chance of >= {target} on time (parcels arriving on programme days)",
         [format_percent(p.p_on_time) for p in plans]),
        ("Late parcels in the window, expected", [format_count(p.late_mean) for p in plans]),
        *([("Parcels on time over the whole window, expected",
            [format_percent(p.on_time_share) for p in plans])]
          if all(p.on_time_share is not None for p in plans) else []),
        ("Late parcels, worst 10% (average)", [format_count(p.late_worst10) for p in plans]),
        ("Compensation in the window, expected",
         [format_money(p.compensation_mean) for p in plans]),
        ("Compensation, worst 10% (average)",
         [format_money(p.compensation_worst10) for p in plans]),
        ("Labour cost in the window, expected", [format_money(p.labour_cost) for p in plans]),
        ("Total cost (labour + compensation), expected",
         [format_money(p.expected_total_cost) for p in plans]),
        (f"Chance programme bonus + compensation exceed the {format_money(b.budget)} budget",
         [format_percent(p.p_over_budget) for p in plans]),
    ]
    return {
        "header": ["Plan", *[shorten(p.name, _PLAN_WIDTH) for p in plans]],
        "rows": [[label, *values] for label, values in rows],
        "note": "Worst 10% (average): the mean over the 1 in 10 simulated futures that turn "
        "out worst. The window is the whole planning window; the on-time chance judges the "
        "parcels arriving on the holiday programme's days, the on-time share those of every "
        "day.",
    }


#: Text width of the briefing's pages (A4 less 2 x 1.7 cm margins), and the tallest a
#: page's own figure may be.
_TEXT_WIDTH_CM, _MAX_FIGURE_CM = 17.6, 15.0


def _fit_height(png) -> str:
    r"""Height in cm, as text like every value of the data, of a PNG shown at the text
    width, at most :data:`_MAX_FIGURE_CM`: a chart of 4 hubs takes 7 cm of the page, one
    of 30 hubs is shrunk to fit.

    >>> import struct, tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.png"
    >>> _ = f.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", 1350, 537))
    >>> _fit_height(f)
    '7.0'
    """
    with open(png, "rb") as fh:
        head = fh.read(24)
    width, height = struct.unpack(">II", head[16:24]) if len(head) == 24 else (0, 0)
    if not width or not height:
        raise ValueError(f"briefing figure {png}: not a PNG with a width and a height")
    return f"{min(_TEXT_WIDTH_CM * height / width, _MAX_FIGURE_CM):.1f}"


def briefing_data(b: Briefing, font: CjkFont | None) -> tuple[dict[str, object], list[str]]:
    """The JSON data the Typst template reads, and notices about degraded text.

    Examples
    --------
    >>> import datetime as dt
    >>> from forecast.report.briefing_model import Briefing, BriefingFigures, PlanOutcome
    >>> from forecast.report.provenance import Provenance
    >>> plan = PlanOutcome("Recommended", 1500, 0.91, 12e3, 20e3, 1.1e6, 2.0e6, 5e6, 0.3)
    >>> b = Briefing("LNY", dt.date(2026, 1, 5), "沙田", "hub_st", dt.date(2026, 2, 14),
    ...              dt.date(2026, 2, 27), 0.95, 5e6, plan,
    ...              BriefingFigures("f.png", "l.png", "c.png", "s.png"),
    ...              Provenance("0.1.0", "ab" * 32, "cd" * 32, 42), recommendation_text="Keep")
    >>> data, notices = briefing_data(b, None)
    >>> data["series"], data["table"]["rows"][0]
    ('hub_st', ['Holiday-programme workers', '1,500'])
    """
    notices: list[str] = []
    series = shorten(b.series, _NAME_WIDTH)
    series_id = shorten(b.series_id, _NAME_WIDTH)
    if printable(series, font) != series:
        series = series_id
        notices.append(
            f"series {series_id!r} is shown by its id because its name has characters "
            "no installed font can show (pip install noto-cjk-sans-otc)."
        )
    volume = None
    if b.volume_mean is not None:
        volume = (
            f"Parcels arriving in the planning window: {format_count(b.volume_mean)} "
            f"({b.volume_level}% interval {format_count(b.volume_lo)} to "
            f"{format_count(b.volume_hi)})."
        )

    def fig(key: str) -> dict[str, str]:
        title, caption = FIGURE_TEXT[key]
        return {"path": f"fig_{key}.png", "title": title, "caption": caption}

    p = b.provenance
    data = {
        "title": b.title,
        "date": f"{b.date:%d %b %Y}",
        "series": series,
        "network_label": b.network_label,
        "window": format_window(b),
        "recommendation": b.recommendation_text,
        "facts": list(b.facts),
        "warnings": list(b.warnings),
        "rule": b.rule_text,
        "roster": {
            "text": b.roster_text,
            "table": [list(row) for row in b.roster_table],
            "figure": fig("roster") if b.figures.roster is not None else None,
        },
        "network": {"text": b.network_text,
                    "table": [list(row) for row in b.network_table],
                    "figure": ({**fig("hubs"), "height_cm": _fit_height(b.figures.hubs)}
                               if b.figures.hubs is not None else None)},
        "scope_note": b.scope_note,
        "volume": volume,
        "table": _table(b),
        "figures": {
            "headline": fig(b.headline_figure),
            "others": [fig(k) for k in FIGURE_TEXT
                       if k != b.headline_figure and k not in OWN_PAGE_FIGURES],
        },
        "assumptions": list(b.assumptions),
        "definitions": [
            f"On time means delivered within the promised working days; the target is "
            f"{format_percent(b.on_time_target)} of the parcels arriving on the holiday "
            "programme's days.",
            "Probabilities and worst-10% values come from simulated holiday periods that combine "
            "demand uncertainty with the staffing plan's capacity.",
            "Money is in Hong Kong dollars (HK$), rounded: k = thousand, M = million, B = billion.",
        ],
        "provenance": [
            ["Package version", f"forecast {p.version}"],
            ["Configuration hash (sha256)" + (", network plan" if b.scope_note else ""),
             p.config_hash],
            ["Data hash (sha256)" + (", every series" if b.scope_note else ""), p.data_hash],
            ["Random seed", str(p.seed)],
            ["Series id", shorten(b.series_id, 2 * _NAME_WIDTH)],
        ],
        "footer": f"{b.title} · {p.footer()}",
    }
    data, replaced = _map_text(data, lambda t: printable(t, font))
    if replaced:
        notices.append(
            "characters that no installed font can show are printed as '?' "
            "(pip install noto-cjk-sans-otc for Chinese)."
        )
    data, _ = _map_text(data, lambda t: t.replace("HK$ ", "HK$\u00a0"))  # no line break
    data["notices"] = notices
    data["fonts"] = [BASE_FONT] + ([font.family] if font is not None else [])
    return data, notices


def _map_text(value: object, fn: Callable[[str], str]) -> tuple[object, bool]:
    """Apply ``fn`` to every string in nested lists and dicts; report any change."""
    if isinstance(value, str):
        new = fn(value)
        return new, new != value
    if isinstance(value, list):
        pairs = [_map_text(v, fn) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    if isinstance(value, dict):
        pairs = {k: _map_text(v, fn) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(c for _, c in pairs.values())
    return value, False
