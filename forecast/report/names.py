"""Names (hubs, scenarios, files) made safe for each place they are shown.

A name is any non-empty text a user chose; it is data, never markup or code. Each sink
has its own escaping, applied where the name leaves the package:

========== ================================================================================
sink       what is done
========== ================================================================================
CSV        a cell starting with ``= + - @``, a tab or a carriage return gets a leading
           ``'`` (OWASP's advice against formula injection); quoting is pandas' own
figures    ``$`` is escaped (no mathtext), a leading ``_`` is kept visible in legends,
           control characters are shown escaped as on a terminal, long names shortened
terminal   control and invisible format characters are shown escaped (``\\x1b``,
           ``\\n``, ``\\u202e``); the text stays one line
PDF        long names are shortened with an ellipsis (see :func:`shorten`); characters no
           font covers become ``?`` (:func:`forecast.report.typography.printable`)
========== ================================================================================
"""

from __future__ import annotations

import unicodedata

import pandas as pd

__all__ = ["csv_cell", "csv_frame", "markdown", "plot_text", "shorten", "terminal_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ELLIPSIS = "\u2026"


def csv_cell(value: object) -> object:
    """Neutralise a text cell that a spreadsheet would run as a formula.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x","y")'), csv_cell("沙田"), csv_cell(-5)
    ('\\'=HYPERLINK("http://x","y")', '沙田', -5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, column name and index label neutralised.

    Numbers, dates and booleans are left as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["@SUM(A1)", "total"], "y": [-1.0, 2.0]})
    >>> csv_frame(df)["unique_id"].tolist(), csv_frame(df)["y"].tolist()
    (["'@SUM(A1)", 'total'], [-1.0, 2.0])
    """
    out = frame.copy()
    for i, col in enumerate(out.columns):
        if _is_text(out.iloc[:, i].dtype):
            out.isetitem(i, out.iloc[:, i].map(csv_cell))
    out.columns = [csv_cell(c) for c in out.columns]
    if _is_text(out.index.dtype):
        out.index = out.index.map(csv_cell).rename(csv_cell(out.index.name))
    return out


def _is_text(dtype) -> bool:
    return dtype == object or isinstance(dtype, pd.StringDtype)


def plot_text(name: object, width: int = 60) -> str:
    """A name as matplotlib text: shown literally, never as mathtext or a hidden label;
    control characters escaped (see :func:`terminal_text`), shortened to ``width``.

    Examples
    --------
    >>> print(plot_text("$x$ costs"), plot_text("_hidden"), sep="|")
    \\$x\\$ costs| _hidden
    """
    text = shorten(terminal_text(name), width).replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def terminal_text(text: object) -> str:
    """Text for a terminal line: control and format characters shown as escapes.

    Examples
    --------
    >>> terminal_text("hub\\x1b[31m red\\nnext"), terminal_text("沙田")
    ('hub\\\\x1b[31m red\\\\nnext', '沙田')
    """
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            out.append(repr(ch)[1:-1] if ch not in "'\"" else ch)
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, width: int, *, words: bool = False) -> str:
    """``text`` cut to at most ``width`` characters, ending with an ellipsis if cut; with
    ``words``, after its last whole word that fits, unless that drops more than half.

    Examples
    --------
    >>> shorten("Sha Tin sorting centre", 10), shorten("沙田", 10)
    ('Sha Tin s…', '沙田')
    >>> shorten("raise the budget or lower the bonus; of the least", 42, words=True)
    'raise the budget or lower the bonus; of…'
    """
    if width < 2:
        raise ValueError(f"shorten: width must be >= 2, got {width}")
    if len(text) <= width:
        return text
    end = text.rfind(" ", 0, width) if words else -1
    return text[: end if end >= width // 2 else width - 1].rstrip() + _ELLIPSIS


def markdown(text: str):
    """``text`` as a notebook's Markdown output, every ``$`` kept literal.

    Jupyter reads the text between two dollar signs as maths: "HK$ 3.3M expected, HK$ 32.5M"
    would print " 3.3M expected, HK" in italics, without its spaces.

    Examples
    --------
    >>> print(markdown("HK$ 3.3M expected, HK$ 32.5M").data)
    HK\\$ 3.3M expected, HK\\$ 32.5M
    """
    from IPython.display import Markdown

    return Markdown(text.replace("$", "\\$"))
