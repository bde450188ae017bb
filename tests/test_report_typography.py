"""Tests for forecast.report.typography: number formats for a manager, CJK fonts."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecast.report.typography import (
    CJK_FAMILY,
    CjkFont,
    find_cjk_font,
    format_count,
    format_workers,
    format_money,
    format_percent,
    printable,
)

_UNIT = {"": 1.0, "k": 1e3, "M": 1e6, "B": 1e9}
_STEP = {"": 1.0, "k": 1e3, "M": 1e5, "B": 1e8}  # what the last printed digit is worth
_MONEY = re.compile(r"HK\$ (-?)([0-9,]+(?:\.[0-9])?)([kMB]?)")


def parse_money(text: str) -> tuple[float, str, str]:
    """``"HK$ -1.2M"`` -> (-1.2e6, "1.2", "M"); fails the test on any other shape."""
    match = _MONEY.fullmatch(text)
    assert match, f"{text!r} is not 'HK$ <number><k|M|B>'"
    sign, mantissa, unit = match.groups()
    value = float(mantissa.replace(",", "")) * _UNIT[unit]
    return (-value if sign else value), mantissa, unit


def test_money_count_percent_are_formatted_for_a_manager():
    assert format_money(1_234_567) == "HK$ 1.2M"
    assert format_money(5e6) == "HK$ 5.0M"
    assert format_money(999_999) == "HK$ 1.0M"
    assert format_money(849_600) == "HK$ 850k"
    assert format_money(9_999.4) == "HK$ 9,999"
    assert format_money(9_999.5) == "HK$ 10k"
    assert format_money(999_950_000) == "HK$ 1.0B"
    assert format_money(999_949_999) == "HK$ 999.9M"
    assert format_money(-2.5e9) == "HK$ -2.5B"
    assert format_money(950, currency="CNY") == "CNY 950"
    assert format_count(1234567.4) == "1,230,000"  # volumes: three significant figures
    assert format_count(987.4) == "987" and format_workers(1234) == "1,234"  # headcounts exact
    assert [format_percent(p) for p in (0, 0.004, 0.006, 0.5, 0.994, 0.996, 1)] == [
        "< 1%", "< 1%", "1%", "50%", "99%", "> 99%", "> 99%"]


def test_zero_negative_huge_and_numpy_values():
    assert (format_money(0), format_count(0), format_percent(0.0)) == ("HK$ 0", "0", "< 1%")
    assert format_money(-849_600) == "HK$ -850k"
    assert format_money(-5e6) == "HK$ -5.0M"
    assert format_count(1e15) == "1,000,000,000,000,000"
    assert parse_money(format_money(2.5e12))[0] == 2.5e12
    assert format_money(np.float64(5e6)) == "HK$ 5.0M"
    assert format_count(np.int64(1500)) == "1,500"
    assert format_percent(np.float64(0.873)) == "87%"


@pytest.mark.parametrize("fn", [format_money, format_count, format_percent, format_workers])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"),
                                 np.float64("nan"), None, "12", True])
def test_non_numbers_and_non_finite_values_are_refused(fn, bad):
    if fn is format_percent and isinstance(bad, float) and np.isnan(bad):
        assert fn(bad) == "n/a"  # a probability with nothing to judge
        return
    name = {format_money: "amount", format_count: "count", format_percent: "p",
            format_workers: "workers"}[fn]
    with pytest.raises(ValueError, match=rf"^{name} must be (a number|finite)"):
        fn(bad)


@pytest.mark.parametrize("p", [-0.01, 1.01, 100])
def test_percent_outside_zero_one_is_refused(p):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        format_percent(p)


@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_money_reads_back_to_within_its_last_printed_digit(amount):
    value, _, unit = parse_money(format_money(amount))
    assert abs(value - amount) <= _STEP[unit] / 2 + 1e-9 * abs(amount)


@given(st.floats(min_value=0.0, max_value=1.0))
def test_percent_reads_back_to_within_half_a_point(p):
    text = format_percent(p)
    if text in ("< 1%", "> 99%"):
        assert (p < 0.01) if text == "< 1%" else (p > 0.99)
    else:
        assert abs(float(text.rstrip("%")) - 100 * p) <= 0.5 + 1e-9


@pytest.mark.parametrize("amount", [999_500, 999_949])
def test_money_switches_unit_before_the_mantissa_reaches_1000(amount):
    _, mantissa, unit = parse_money(format_money(amount))
    assert float(mantissa.replace(",", "")) < 1000 or unit == "B", format_money(amount)


def test_money_that_rounds_to_zero_has_no_minus_sign():
    assert format_money(-0.4) == "HK$ 0"


@pytest.mark.parametrize("p", [0.005, 0.995])
def test_percent_never_prints_certainty_for_a_probability_strictly_inside(p):
    assert format_percent(p) not in ("0%", "100%")


def test_printable():
    assert printable("沙田 hub", None) == "? hub"  # one '?' per run of missing characters
    assert printable("a沙b田葵c", None) == "a?b?c"
    assert printable("Ωмир é", None) == "Ωмир é"  # the base font is trusted for these
    only_sha = CjkFont(Path("x.ttc"), "X", frozenset(map(ord, "沙")))
    assert printable("沙田 hub", only_sha) == "沙? hub"
    assert printable("", None) == ""


def test_the_declared_cjk_font_is_installed_and_covers_hub_names():
    font_path = find_cjk_font()
    assert font_path is not None, "noto-cjk-sans-otc is a declared dependency"
    assert font_path.is_file() and font_path.suffix in (".ttc", ".otc", ".otf", ".ttf")
    font = CjkFont.load(font_path)
    assert font.family == CJK_FAMILY
    assert all(font.covers(ch) for ch in "沙田葵涌青衣九龍灣赤鱲角")
    assert printable("沙田 hub", font) == "沙田 hub"
    assert not font.covers("\U000F0000")  # private use plane: not in any CJK font


def test_cjk_font_load_refuses_what_typst_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="not an existing font file"):
        CjkFont.load(tmp_path / "missing.ttc")
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font")
    with pytest.raises(ValueError, match="not a font file Typst can read"):
        CjkFont.load(fake)


def test_parse_money_helper_rejects_other_shapes():
    # the property test above is only as good as this parser
    assert parse_money("HK$ -1.2M") == (-1.2e6, "1.2", "M")
    assert parse_money("HK$ 9,999") == (9999.0, "9,999", "")
    for text in ("HK$ 1.2 M", "HK$1.2M", "HK$ 1.25M", "HK$ nan"):
        with pytest.raises(AssertionError):
            parse_money(text)
    assert math.isclose(parse_money("HK$ 2500.0B")[0], 2.5e12)
