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
from dataclasses import fields
from pathlib import Path

from forecast.report.briefing_data import briefing_data
from forecast.report.briefing_model import Briefing, BriefingFigures, PlanOutcome
from forecast.report.provenance import Provenance
from forecast.report.typography import CjkFont, find_cjk_font

__all__ = [  # the data model lives in forecast.report.briefing_model, re-exported here
    "PlanOutcome",
    "BriefingFigures",
    "Briefing",
    "BriefingFontWarning",
    "render_briefing",
]

_TEMPLATE = Path(__file__).with_name("briefing.typ")


class BriefingFontWarning(UserWarning):
    """Text needed a CJK font that is not available; an ASCII fallback was printed."""


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
    ...              Provenance("0.1.0", "ab" * 32, "cd" * 32, 42),
    ...              recommendation_text="Keep 1,500 staff on duty.")
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
            if getattr(briefing.figures, f.name) is not None:
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
