"""Reading a scenario file: its TOML table, or one line naming the file and what is wrong."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

__all__ = ["read_toml"]


def read_toml(path: str | Path) -> dict:
    """The table of a TOML file; a ``ValueError`` naming the file, and the line it could not
    read (with a hint when it holds a date that is not YYYY-MM-DD)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = ""
        found = re.search(r"at line (\d+)", str(exc))
        if found:
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            n = int(found.group(1))
            if 0 < n <= len(lines):
                where = f"; line {n}: {lines[n - 1].strip()!r}"
                if _bad_date(lines[n - 1]):
                    where += " (dates are YYYY-MM-DD, e.g. 2026-03-20)"
        raise ValueError(f"{path}: not valid TOML ({exc}){where}") from None


def _bad_date(line: str) -> bool:
    """Whether ``line`` holds a date that is not a valid YYYY-MM-DD (2026-20-03, 31/12/2025).

    Examples
    --------
    >>> _bad_date("end = 2026-20-03"), _bad_date("start = 2026-02-01,"), _bad_date("d = 1/2/2026")
    (True, False, True)
    """
    if re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", line):
        return True
    for found in re.findall(r"\b\d{4}-\d{1,2}-\d{1,2}\b", line):
        try:
            dt.date.fromisoformat(found)
        except ValueError:
            return True
    return False
