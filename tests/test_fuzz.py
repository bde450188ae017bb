"""Fuzzing the edges: the history loader, the scenario parser and names.

Every generated input is either accepted (and then meets the contract) or refused with a
``ValueError`` (``DataError`` is one) -- never another exception. The number of cases per
property comes from the hypothesis profile in ``conftest.py`` (1,000 when ``CI=true``).
The bad inputs tried and the answers given are listed in ``docs/bad-inputs.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata

import matplotlib
import matplotlib.figure
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import load_history
from forecast.report.names import csv_cell, csv_frame, plot_text, shorten, terminal_text
from forecast.report.typography import printable
from forecast.scenario import _SECTIONS, _TOP, Scenario

from conftest import FUZZ_EXAMPLES

# every fuzz target: FUZZ_EXAMPLES generated cases (1,000 in CI); the scratch folder is a
# module fixture, shared by the cases on purpose
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

pytestmark = pytest.mark.slow  # 1,000 cases per target in CI: the full suite, not the fast lane

HOSTILE_TEXT = ['=HYPERLINK("http://x","y")', "$\\foo$", "沙田", "\x1b[31m", "a\nb", "\u202e",
                "", " ", "nan", "NULL", "\x00", "a,b", '"', "total", "-1", "1e309", "\ud7ff"]
names = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))


# --- the loader ------------------------------------------------------------------------

dates = st.one_of(
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat),
    st.sampled_from(["2024-02-30", "03/02/2024", "2024-01-01T12:00", "2024-01-01+08:00",
                     "2024-01-01 00:00:00", "", "yesterday", "20240101", "2024-W01-1"]),
    st.text(max_size=12),
)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["", "nan", "NA", "null", "-0", "1e309", "1,000", "0x10", " 5 ", "True"]),
    st.text(max_size=8),
)
headers = st.sampled_from(["unique_id,ds,y", "ds,y", "unique_id,ds", "id,ds,y", "y,ds,unique_id",
                           "unique_id,ds,y,extra", "unique_id,unique_id,ds,y", ""])


def _field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


@st.composite
def csv_files(draw) -> bytes:
    header = draw(headers)
    n = draw(st.integers(0, 12))
    ids = draw(st.lists(names, min_size=1, max_size=3))
    start = draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)))
    rows = []
    for i in range(n):
        regular = draw(st.booleans())
        ds = (start + dt.timedelta(days=i)).isoformat() if regular else draw(dates)
        y = str(draw(st.integers(0, 10**6))) if regular else draw(values)
        rows.append(",".join(_field(v) for v in (draw(st.sampled_from(ids)), ds, y)))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join([header, *rows])
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])),
                       errors="replace")
    if draw(st.booleans()):  # damage: cut or splice random bytes
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at + draw(st.integers(0, 8)):]
    return data


def _check_contract(df: pd.DataFrame) -> None:
    assert list(df.columns) == ["unique_id", "ds", "y"]
    assert df["y"].dtype == np.float64 and np.isfinite(df["y"]).all() and (df["y"] >= 0).all()
    assert not df.duplicated(["unique_id", "ds"]).any()
    for _, g in df.groupby("unique_id"):
        assert (g["ds"].diff().dropna() == pd.Timedelta(days=1)).all()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=csv_files(), suffix=st.sampled_from([".csv", ".txt", "", ".parquet"]),
       na=st.sampled_from(["error", "zero", "interpolate"]),
       gaps=st.sampled_from(["error", "zero", "interpolate"]))
def test_loader_accepts_or_refuses_any_file_with_a_value_error(scratch, data, suffix, na, gaps):
    path = scratch / f"history{suffix}"
    path.write_bytes(data)
    try:
        df = load_history(path, na=na, gaps=gaps)
    except ValueError as exc:
        assert str(exc)
        return
    _check_contract(df)


cells = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
                  st.text(max_size=10), st.dates().map(pd.Timestamp),
                  st.datetimes(timezones=st.just(dt.timezone.utc)).map(pd.Timestamp))


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    columns = draw(st.lists(st.sampled_from(["unique_id", "ds", "y", "id", "x"]), min_size=1,
                            max_size=4, unique=True))
    return pd.DataFrame({c: draw(st.lists(cells, min_size=n, max_size=n)) for c in columns})


@FUZZ
@given(frame=frames(), parquet=st.booleans(), id_col=st.sampled_from(["unique_id", "id", "zz"]))
def test_loader_accepts_or_refuses_any_frame_or_parquet_with_a_value_error(
        scratch, frame, parquet, id_col):
    source = frame
    if parquet:
        source = scratch / "frame.parquet"
        try:
            frame.to_parquet(source)
        except Exception:  # pyarrow cannot store this mix: not the loader's input then
            return
    try:
        df = load_history(source, id_col=id_col)
    except ValueError as exc:
        assert str(exc)
        return
    _check_contract(df)


# --- the scenario parser ----------------------------------------------------------------

_FIELDS = {name: [f for f in cls.__dataclass_fields__] for name, cls in _SECTIONS.items()}
scalars = st.one_of(
    st.integers(-10**25, 10**25), st.sampled_from([10**400, -10**400, 2**63, -2**63 - 1]), st.floats(), st.booleans(), st.text(max_size=10),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from(["2026-02-01", "2026-13-01", "shutdown", "keep-running", "HK", "Mon-Sat"]),
)
toml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=2)),
    max_leaves=6)


@st.composite
def scenario_dicts(draw) -> dict:
    out: dict = {}
    for key in draw(st.lists(st.sampled_from([*_TOP, "nope"]), max_size=3, unique=True)):
        out[key] = draw(toml_values)
    for section in draw(st.lists(st.sampled_from([*_SECTIONS, "extra"]), max_size=4,
                                 unique=True)):
        keys = _FIELDS.get(section, ["x"]) + ["bogus"]
        chosen = draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
        out[section] = {k: draw(toml_values) for k in chosen}
    return out


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml(mapping: dict) -> str:
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in mapping.items()
             if not isinstance(v, dict)]
    for key, table in mapping.items():
        if isinstance(table, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


@FUZZ
@given(mapping=scenario_dicts(), damage=st.one_of(st.none(), st.tuples(st.integers(0, 400),
                                                                      st.binary(max_size=8))))
def test_scenario_toml_is_accepted_or_refused_with_a_value_error(scratch, mapping, damage):
    data = _toml(mapping).encode("utf-8", errors="surrogatepass")
    if damage is not None:
        at, junk = damage
        data = data[:at] + junk + data[at:]
    path = scratch / "scenario.toml"
    path.write_bytes(data)
    try:
        scenario = Scenario.from_toml(path)
    except ValueError as exc:
        assert str(exc)
        return
    assert Scenario.from_dict(scenario.to_dict()) == scenario


changes = st.dictionaries(
    st.one_of(st.sampled_from([f"{s}.{f}" for s, fs in _FIELDS.items() for f in fs]),
              st.sampled_from([*_TOP, *_SECTIONS, "x.y", "window.start.x", ""]),
              st.text(max_size=8)),
    toml_values, max_size=4)


@FUZZ
@given(change=changes)
def test_scenario_updated_accepts_or_refuses_with_a_value_error(change):
    try:
        scenario = Scenario().updated(change)
    except ValueError as exc:
        assert str(exc)
        return
    assert Scenario.from_dict(scenario.to_dict()) == scenario


# --- names ------------------------------------------------------------------------------

_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


@FUZZ
@given(text=st.text())
def test_names_are_safe_at_every_sink(text):
    shown = terminal_text(text)
    assert not any(unicodedata.category(c) in _INVISIBLE for c in shown)
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell == text == ""
    assert not matplotlib.cbook.is_math_text(plot_text(text))
    assert len(plot_text(text)) <= 61
    for width in (2, 10, 60):
        short = shorten(text, width)
        assert len(short) <= width and (short == text or short.endswith("\u2026"))
    pdf = printable(text, None)
    assert not any(unicodedata.category(c) in _INVISIBLE for c in pdf)


@FUZZ
@given(frame=st.lists(st.tuples(st.text(max_size=10), st.floats(allow_nan=False)), max_size=8))
def test_csv_frame_neutralises_every_text_cell(frame):
    df = pd.DataFrame(frame, columns=["unique_id", "y"]).set_index("unique_id", drop=False)
    out = csv_frame(df)
    for cell in [*out["unique_id"], *out.index, *out.columns]:
        assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out["y"].tolist() == df["y"].tolist()  # numbers untouched


@settings(max_examples=25)  # each renders a figure
@given(text=st.text(min_size=1, max_size=40))
def test_any_name_draws_in_a_figure(text):
    fig = matplotlib.figure.Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], label=plot_text(text))
    ax.set_title(plot_text(text))
    ax.legend()
    fig.canvas.draw()
