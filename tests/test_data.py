import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.data import DataError, load_history


def _write(tmp_path, text, name="h.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_csv_with_and_without_unique_id(tmp_path):
    one = load_history(_write(tmp_path, "ds,y\n2024-01-01,5\n2024-01-02,6\n", "hub.csv"))
    assert one["unique_id"].unique().tolist() == ["hub"]
    assert one["y"].dtype == np.float64 and one["ds"].dtype.kind == "M"
    many = load_history(
        _write(tmp_path, "unique_id,ds,y\nb,2024-01-02,1\nb,2024-01-01,2\na,2024-01-01,3\n")
    )
    assert many[["unique_id", "y"]].values.tolist() == [["a", 3.0], ["b", 2.0], ["b", 1.0]]


def test_loads_parquet_named_after_the_file(tmp_path):
    path = tmp_path / "hubA.parquet"
    pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=3), "y": [1, 2, 3]}).to_parquet(path)
    loaded = load_history(path)
    assert loaded["y"].tolist() == [1.0, 2.0, 3.0]
    assert loaded["unique_id"].unique().tolist() == ["hubA"]


def test_day_first_dates_are_rejected_not_scrambled(tmp_path):
    ds = pd.date_range("2024-01-01", "2024-12-31")
    path = tmp_path / "ddmm.csv"
    pd.DataFrame({"ds": ds.strftime("%d/%m/%Y"), "y": 1.0}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"line 2: cannot parse '01/01/2024'"):
        load_history(path)


def test_time_zone_aware_dates_are_a_data_error(tmp_path):
    path = _write(tmp_path, "ds,y\n2024-01-01T00:00:00+08:00,1\n")
    with pytest.raises(DataError, match="time-zone"):
        load_history(path)
    frame = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=2, tz="Asia/Hong_Kong"),
                          "y": 1.0})
    with pytest.raises(DataError, match="time-zone"):
        load_history(frame)


def test_all_missing_series_cannot_be_interpolated(tmp_path):
    path = _write(tmp_path, "unique_id,ds,y\na,2024-01-01,1\nb,2024-01-01,\nb,2024-01-02,\n")
    with pytest.raises(DataError, match="series 'b' has no value to interpolate from"):
        load_history(path, na="interpolate")


def test_explicit_id_column_must_exist_and_names_must_not_be_blank(tmp_path):
    path = _write(tmp_path, "hub,ds,y\na,2024-01-01,1\n,2024-01-01,2\n")
    with pytest.raises(DataError, match="no column 'hubb'") as caught:
        load_history(path, id_col="hubb")
    assert "is one series" not in str(caught.value)  # it has a series column: a typo
    one = _write(tmp_path, "ds,y\n2024-01-01,1\n", name="one.csv")
    with pytest.raises(DataError, match="a file without a series column is one series: leave "
                                        "--id-col / id_col at its default, unique_id"):
        load_history(one, id_col="series")
    with pytest.raises(DataError, match="column 'hub', line 3: empty series name"):
        load_history(path, id_col="hub")


@pytest.mark.parametrize(
    "text, match",
    [
        ("ds,volume\n2024-01-01,1\n", r"missing column\(s\) \['y'\]"),
        ("date,y\n2024-01-01,1\n", r"\['ds'\]; found \['date', 'y'\]: rename the columns to ds"),
        ("ds;y\n2024-01-01;1\n", "seems separated by ';'; save it comma-separated"),
        ("ds,y\n2024-01-01,1\n2024-13-45,2\n", r"column 'ds', line 3: cannot parse '2024-13-45'"),
        ("ds,y\n2024-01-01,1\n2024-01-01,2\n", r"line 3: duplicate \(unique_id, ds\).*--id-col"),
        ("unique_id,ds,y\na,2024-01-01,1\na,2024-01-01,2\n",
         r"line 3: duplicate .*one row per series and day is expected: sum or drop"),
        ("ds,y\n2024-01-01,1\n2024-01-02,abc\n", r"column 'y', line 3: 'abc' is not a number"),
        ("ds,y\n2024-01-01,1\n2024-01-02,-4\n", r"column 'y', line 3: '-4' is not allowed"),
        ("ds,y\n2024-01-01,1\n2024-01-02,\n", r"column 'y', line 3: missing value"),
        ("ds,y\n2024-01-01,1\n2024-01-02,inf\n", r"line 3: 'inf' is not allowed"),
        ("ds,y\n2024-01-01,1\n2024-01-05,2\n", r"not daily: 3 missing day\(s\) from 2024-01-02"),
        ("ds,y\n2024-01-01 10:00,1\n", r"line 2: '2024-01-01 10:00' has a time of day"),
        ("ds,y\n", r"no rows"),
        ("", r"empty file"),
    ],
)
def test_bad_csv_errors_name_file_column_row_value(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=match) as info:
        load_history(path)
    assert str(path) in str(info.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_history(tmp_path / "absent.csv")
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x7fELF\x00\x01\x02")
    with pytest.raises(DataError, match="binary content"):
        load_history(binary)
    with pytest.raises(DataError, match="Parquet"):
        load_history(_write(tmp_path, "not parquet", "x.parquet"))
    with pytest.raises(DataError, match="DataFrame"):
        load_history(42)


def test_fill_policies_are_explicit(tmp_path):
    path = _write(tmp_path, "ds,y\n2024-01-01,2\n2024-01-02,\n2024-01-05,8\n")
    zero = load_history(path, na="zero", gaps="zero")
    assert zero["y"].tolist() == [2, 0, 0, 0, 8]
    interp = load_history(path, na="interpolate", gaps="interpolate")
    assert interp["y"].tolist() == [2, 3.5, 5, 6.5, 8]
    with pytest.raises(ValueError, match="na must be one of"):
        load_history(path, na="drop")


_values = st.lists(
    st.one_of(st.floats(0, 1e7, allow_nan=False), st.integers(0, 10**7)), min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(values=_values, start=st.dates(pd.Timestamp("1990-01-01").date(),
                                      pd.Timestamp("2090-01-01").date()))
def test_property_valid_frames_round_trip(values, start):
    frame = pd.DataFrame({"ds": pd.date_range(start, periods=len(values)), "y": values})
    out = load_history(frame.sample(frac=1.0, random_state=0))
    assert out["ds"].is_monotonic_increasing
    np.testing.assert_allclose(out["y"].to_numpy(), np.asarray(values, dtype=float))


@settings(max_examples=60, deadline=None)
@given(values=_values, bad_at=st.integers(0, 59), bad=st.sampled_from([-1.0, np.inf, "x"]))
def test_property_one_bad_value_is_reported_at_its_row(values, bad_at, bad):
    bad_at = bad_at % len(values)
    y = list(values)
    y[bad_at] = bad
    frame = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=len(y)), "y": y})
    with pytest.raises(DataError, match=f"row {bad_at + 1}:"):
        load_history(frame)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 40), drop=st.integers(1, 38))
def test_property_gap_filling_restores_every_day(n, drop):
    drop = 1 + drop % (n - 2)  # never the first or last day
    ds = pd.date_range("2024-01-01", periods=n).delete(drop)
    frame = pd.DataFrame({"ds": ds, "y": 1.0})
    with pytest.raises(DataError, match="not daily"):
        load_history(frame)
    filled = load_history(frame, gaps="zero")
    assert len(filled) == n and filled["y"].sum() == n - 1


def test_a_bad_number_in_a_frame_is_shown_as_written():
    with pytest.raises(DataError, match=r"row 1: -1.0 is not allowed"):
        load_history(pd.DataFrame({"ds": ["2024-01-01"], "y": [-1.0]}))
