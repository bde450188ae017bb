"""Text for a manager: number formats, and the fonts that can show it.

Numbers are formatted the way a planning manager reads them (``HK$ 1.2M``, ``12,345``,
``87%``). Typst embeds no CJK font, so Chinese hub names need one from a PyPI package
(Noto Sans CJK from ``noto-cjk-sans-otc``) or a file the caller passes. Characters that no
available font covers are replaced by ``?`` -- visibly, never as empty boxes (tofu).
The base font (Libertinus Serif, embedded in Typst) is trusted for Latin, Greek and
Cyrillic text; every other character is checked against the CJK font's character map.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecast.statistics import check_finite_number, format_count, percent_text

__all__ = ["format_money", "format_count", "format_workers", "format_percent", "find_cjk_font",
           "CjkFont"]

#: Typst family of the body text (embedded in the typst package).
BASE_FONT = "Libertinus Serif"
#: Preferred face of the Noto Sans CJK collection: Hong Kong glyph forms.
CJK_FAMILY = "Noto Sans CJK HK"

def format_money(amount: float, *, currency: str = "HK$") -> str:
    """Format an amount for a manager: ``HK$ 1.2M``, ``HK$ 850k``, ``HK$ 950``.

    Examples
    --------
    >>> format_money(1_234_567), format_money(850_000), format_money(5e6), format_money(950)
    ('HK$ 1.2M', 'HK$ 850k', 'HK$ 5.0M', 'HK$ 950')
    """
    check_finite_number("amount", amount)
    value = abs(float(amount))
    # pick the unit from the value as it will print, so that 999,600 is "1.0M", not "1000k"
    if value >= 999_950_000:
        text = f"{value / 1e9:.1f}B"
    elif value >= 999_500:
        text = f"{value / 1e6:.1f}M"
    elif value >= 9_999.5:
        text = f"{value / 1e3:.0f}k"
    else:
        text = f"{value:,.0f}"
    sign = "-" if amount < 0 and text.strip("0.,") != "" else ""  # never "HK$ -0"
    return f"{currency} {sign}{text}"


def format_workers(workers: float) -> str:
    """Format a headcount exactly (a decision, not an estimate): ``1,234``.

    Examples
    --------
    >>> format_workers(1234), format_workers(778.0)
    ('1,234', '778')
    """
    check_finite_number("workers", workers)
    return f"{float(workers):,.0f}"


def format_percent(p: float) -> str:
    """Format a probability or share as a percentage for a manager.

    Monte Carlo estimates of 0 or 1 are shown as ``< 1%`` / ``> 99%``, never as
    certainty.

    Examples
    --------
    >>> format_percent(0.873), format_percent(0.0), format_percent(1.0), format_percent(math.nan)
    ('87%', '< 1%', '> 99%', 'n/a')
    """
    if isinstance(p, (int, float)) and math.isnan(p):
        return "n/a"  # nothing to judge (see forecast.statistics.prob_at_least)
    check_finite_number("p", p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"format_percent expects a value in [0, 1], got {p}")
    return percent_text(p)


def find_cjk_font() -> Path | None:
    """Return the Noto Sans CJK font file shipped by ``noto-cjk-sans-otc``, if installed.

    Examples
    --------
    >>> find_cjk_font().suffix in (".ttc", ".otc", ".otf", ".ttf")
    True
    """
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


@dataclass(frozen=True)
class CjkFont:
    """A CJK font file, the Typst family to ask for, and the code points it covers.

    Examples
    --------
    >>> CjkFont.load(find_cjk_font()).covers("沙")  # noto-cjk-sans-otc is a dependency
    True
    """

    path: Path
    family: str
    covered: frozenset[int]

    @classmethod
    def load(cls, path: str | Path) -> CjkFont:
        """Read a font file (``.ttf``, ``.otf``, ``.ttc``); ValueError if Typst cannot."""
        import typst
        from fontTools.ttLib import TTFont

        path = Path(path).resolve()
        if not path.is_file():
            raise ValueError(f"CJK font {path} is not an existing font file")
        found = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(path.parent)]
        ).fonts()
        faces = {f.family: f.index for f in found if Path(f.path).resolve() == path}
        if not faces:
            raise ValueError(f"CJK font {path} is not a font file Typst can read")
        family = CJK_FAMILY if CJK_FAMILY in faces else sorted(faces)[0]
        font = TTFont(path, fontNumber=faces[family], lazy=True)
        try:
            covered = frozenset(font.getBestCmap() or ())
        finally:
            font.close()
        return cls(path, family, covered)

    def covers(self, ch: str) -> bool:
        """True if the font has a glyph for the character ``ch``."""
        return ord(ch) in self.covered


def printable(text: str, font: CjkFont | None) -> str:
    """Replace each run of characters that no available font can show by one ``?``.

    The base font is trusted for Latin, Greek, Cyrillic and general punctuation; any other
    character must be covered by ``font``. Control and invisible format characters (e.g.
    bidirectional overrides) are never printed.

    Examples
    --------
    >>> printable("沙田 hub", None), printable("x\u202ey", None)
    ('? hub', 'x?y')
    """

    def missing(ch: str) -> bool:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return True
        code = ord(ch)
        if code < 0x0530 or 0x1E00 <= code < 0x2070:
            return False
        return font is None or not font.covers(ch)

    runs = itertools.groupby(text, key=missing)
    return "".join("?" if bad else "".join(chars) for bad, chars in runs)
