"""Validators for the fields of frozen config dataclasses (used in ``__post_init__``).

Each checks one field of ``obj`` in place, coerces it (numbers to float or int, ISO
strings to dates) and raises a ``ValueError`` naming ``section.field`` and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math


def set_field(obj, name, value):
    object.__setattr__(obj, name, value)


def _where(obj, name: str) -> str:
    section = type(obj).__name__
    return name if section.startswith("_") else f"{section.lower()}.{name}"


def check_number(obj, name, *, lo=None, hi=None, lo_open=False, integer=False):
    """Coerce field ``name`` to float (or int) and check ``lo <= value <= hi``."""
    value = getattr(obj, name)
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{_where(obj, name)} must be {kind}, got {value!r}")
    try:
        float(value)
    except OverflowError:  # an int beyond the float range (TOML integers have no limit)
        raise ValueError(f"{_where(obj, name)} must be a finite number, got an integer of "
                         f"{len(str(abs(value)))} digits") from None
    if integer and not float(value).is_integer():
        raise ValueError(f"{_where(obj, name)} must be {kind}, got {value!r}")
    value = int(value) if integer else float(value)
    if math.isnan(value) or (lo is not None and (value <= lo if lo_open else value < lo)) or (
        hi is not None and value > hi
    ):
        bounds = [f"{'>' if lo_open else '>='} {lo}"] if lo is not None else []
        bounds += [f"<= {hi}"] if hi is not None else []
        raise ValueError(f"{_where(obj, name)} must be {' and '.join(bounds)}, got {value!r}")
    set_field(obj, name, value)


def check_date(obj, name):
    value = getattr(obj, name)
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{_where(obj, name)} must be an ISO date, got {value!r}") from None
    if not isinstance(value, dt.date):
        raise ValueError(f"{_where(obj, name)} must be a date, got {value!r}")
    set_field(obj, name, value)


def check_choice(obj, name, allowed):
    value = getattr(obj, name)
    if value not in allowed:
        raise ValueError(f"{_where(obj, name)} must be one of {list(allowed)}, got {value!r}")


def check_offsets(obj, lo_name, hi_name):
    check_number(obj, lo_name, lo=-60, hi=60, integer=True)
    check_number(obj, hi_name, lo=-60, hi=60, integer=True)
    if getattr(obj, lo_name) > getattr(obj, hi_name):
        raise ValueError(f"{_where(obj, lo_name)} must be <= {_where(obj, hi_name)}")


def check_pairs(obj, name, form, *, mapping=False):
    """Items of a list-of-pairs field (or, if ``mapping``, a table) as 2-tuples.

    ``form`` describes the allowed form in the error, e.g. ``"[[date, workers], ...]"``.
    """
    value = getattr(obj, name)
    if mapping and isinstance(value, dict):
        return list(value.items())
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        allowed = f"a table or a list {form}" if mapping else f"a list {form}"
        raise ValueError(f"{_where(obj, name)} must be {allowed}, got {value!r}")
    for item in value:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"{_where(obj, name)} must be a list {form}, got item {item!r}")
    return [tuple(item) for item in value]


class _Item:
    """One entry of a list-of-pairs field, checked by the validators above (errors name
    the entry's attribute only; the caller prefixes the field)."""

    def __init__(self, **values):
        self.__dict__.update(values)


def check_dated_values(obj, name, what):
    """Field ``name``: a table ``{date: value}`` or a list of [date, value] pairs, values
    finite and >= 0 (``what`` names them), no date repeated; stored sorted as (date, float)
    pairs."""
    clean = []
    for day, value in check_pairs(obj, name, f"of [date, {what}] pairs", mapping=True):
        item = _Item(date=day, **{what: value})
        try:
            check_date(item, "date")
            check_number(item, what, lo=0)
            if not math.isfinite(getattr(item, what)):
                raise ValueError(f"{what} must be finite, got {getattr(item, what)!r}")
        except ValueError as exc:
            raise ValueError(f"{_where(obj, name)}[{day!r}]: {exc}") from None
        clean.append((item.date, getattr(item, what)))
    days = [d for d, _ in clean]
    if len(set(days)) != len(days):
        repeated = sorted({str(d) for d in days if days.count(d) > 1})
        raise ValueError(f"{_where(obj, name)} must not repeat a date, got {repeated} "
                         "more than once")
    set_field(obj, name, tuple(sorted(clean)))
