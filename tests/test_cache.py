"""forecast.cache: data-only entries, checksummed; damage is one warning and a miss."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from forecast import cache
from forecast.cache import CacheWarning

KEY = "0123456789abcdef" * 4


def _items():
    paths = pd.DataFrame({
        "unique_id": ["total"] * 4,
        "ds": pd.date_range("2026-01-20", periods=4),
        "sample_id": [0, 0, 1, 1],
        "y": [1.5, 2.5, np.nan, 4.0],
    })
    return {"paths": paths, "late": np.linspace(0.0, 1e6, 1000), "ids": np.array(["a", "沙田"]),
            "flags": np.array([True, False])}


def _save(root):
    return cache.save(KEY, _items(), {"seed": 3, "model": "lunar-naive", "n": [1, 2]},
                      root=root)


def _load_warned(root):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cache.load(KEY, root=root)
    return result, [w for w in caught if issubclass(w.category, CacheWarning)], caught


class _Boom:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, flag):
        self.flag = flag

    def __reduce__(self):
        return (open, (self.flag, "w"))


def test_round_trip_keeps_frames_arrays_and_meta(tmp_path):
    entry = _save(tmp_path)
    assert entry == tmp_path / KEY and entry.is_dir()
    items, meta = cache.load(KEY, root=tmp_path)
    assert meta == {"seed": 3, "model": "lunar-naive", "n": [1, 2]}
    expected = _items()
    pd.testing.assert_frame_equal(items["paths"], expected["paths"])
    for name in ("late", "ids", "flags"):
        np.testing.assert_array_equal(items[name], expected[name])
        assert items[name].dtype == expected[name].dtype
    assert not any(p.suffix in (".pkl", ".pickle") for p in entry.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp left


def test_missing_entry_is_a_silent_miss(tmp_path):
    result, warned, caught = _load_warned(tmp_path)
    assert result is None and not caught


def test_root_argument_env_variable_and_user_default(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "env"))
    assert cache.cache_dir() == tmp_path / "env"
    _save(None)
    assert (tmp_path / "env" / KEY).is_dir()
    assert cache.cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(cache.CACHE_ENV)
    assert cache.cache_dir().name == "forecast"


def _flip_inside_array(entry):
    path = entry / "arrays.npz"
    data = bytearray(path.read_bytes())
    mid = len(data) // 2  # inside the 8,000 bytes of the float array
    data[mid:mid + 4] = bytes(b ^ 0xFF for b in data[mid:mid + 4])
    path.write_bytes(bytes(data))


def _random_bytes(entry):
    path = entry / "paths.parquet"
    data = bytearray(path.read_bytes())
    at = len(data) // 3
    data[at:at + 64] = np.random.default_rng(0).bytes(64)
    path.write_bytes(bytes(data))


def _truncate(entry):
    for path in entry.iterdir():
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _truncate_index(entry):
    path = entry / "entry.json"
    path.write_bytes(path.read_bytes()[:40])


def _plant_pickle_inside(entry):
    (entry / "arrays.npz").write_bytes(pickle.dumps(_Boom(str(entry.parent / "PWNED"))))


def _plant_pickle_as_entry(entry):
    import shutil

    shutil.rmtree(entry)
    entry.write_bytes(pickle.dumps(_Boom(str(entry.parent / "PWNED"))))


def _plant_extra_file(entry):
    (entry / "plan.pkl").write_bytes(pickle.dumps(_Boom(str(entry.parent / "PWNED"))))


def _foreign_index(entry):
    (entry / "entry.json").write_text('{"format": "something-else"}')


def _forged_object_array(entry):
    """A consistent entry (checksums recomputed) whose npz holds a pickled object array."""
    import json

    from forecast.cache import _checksum, _digest

    with (entry / "arrays.npz").open("wb") as fh:
        np.savez(fh, late=np.array([_Boom(str(entry.parent / "PWNED"))], dtype=object),
                 ids=np.array(["a"]), flags=np.array([True]))
    index = json.loads((entry / "entry.json").read_text())
    del index["checksum"]
    path = entry / "arrays.npz"
    index["files"]["arrays.npz"] = {"size": path.stat().st_size, "sha256": _digest(path)}
    index["checksum"] = _checksum(index)
    (entry / "entry.json").write_text(json.dumps(index))


@pytest.mark.parametrize("damage", [
    _flip_inside_array, _random_bytes, _truncate, _truncate_index, _plant_pickle_inside,
    _plant_pickle_as_entry, _plant_extra_file, _foreign_index, _forged_object_array,
], ids=lambda f: f.__name__.strip("_"))
def test_damaged_entry_is_one_warning_and_a_miss_and_runs_no_code(tmp_path, damage):
    entry = _save(tmp_path)
    damage(entry)
    result, warned, caught = _load_warned(tmp_path)
    assert result is None
    assert len(warned) == 1 and len(caught) == 1, [str(w.message) for w in caught]
    message = str(warned[0].message)
    assert "discarded" in message and KEY[:16] in message and "\n" not in message
    assert not (tmp_path / "PWNED").exists()  # nothing was unpickled
    assert not entry.exists() and not entry.is_symlink()  # removed: recomputed next time
    _save(tmp_path)  # and it can be stored again
    assert cache.load(KEY, root=tmp_path) is not None


def test_a_symlinked_entry_is_not_followed(tmp_path):
    elsewhere = _save(tmp_path / "other")
    (tmp_path / "store").mkdir()
    os.symlink(elsewhere, tmp_path / "store" / KEY)
    result, warned, _ = _load_warned(tmp_path / "store")
    assert result is None and len(warned) == 1
    assert elsewhere.is_dir()  # the link was removed, not its target


def test_a_second_writer_keeps_the_first_entry(tmp_path):
    first = _save(tmp_path)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in first.iterdir())
    assert _save(tmp_path) == first
    assert sorted((p.name, p.stat().st_mtime_ns) for p in first.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == [KEY]


@pytest.mark.parametrize("key, frames, meta, match", [
    ("../etc", {}, {}, "cache key"),
    ("ABCDEF12", {}, {}, "cache key"),
    (KEY, {"../x": np.zeros(1)}, {}, "name"),
    (KEY, {".hidden": np.zeros(1)}, {}, "name"),
    (KEY, {"a": [1, 2]}, {}, "DataFrame or an ndarray"),
    (KEY, {"a": np.array([object()])}, {}, "dtype object"),
    (KEY, {"a": pd.DataFrame({0: [1]})}, {}, "column name"),
    (KEY, {"a": pd.DataFrame({"x": [object()]})}, {}, "Parquet"),
    (KEY, {}, {"x": float("nan")}, "JSON"),
    (KEY, {}, {"x": object()}, "JSON"),
    (KEY, {}, [1], "mapping"),
])
def test_bad_input_is_a_value_error_and_writes_nothing(tmp_path, key, frames, meta, match):
    with pytest.raises(ValueError, match=match):
        cache.save(key, frames, meta, root=tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_the_command_line_shows_a_discarded_entry_as_one_line(tmp_path, capsys):
    import warnings as w

    from forecast.cli import _one_line_warning

    entry = _save(tmp_path)
    _truncate(entry)
    with w.catch_warnings(record=True) as caught:
        w.simplefilter("always")
        assert cache.load(KEY, root=tmp_path) is None
    (message,) = caught
    text = _one_line_warning(message.message, message.category, message.filename,
                             message.lineno)
    assert text.startswith("forecast: warning: forecast cache: discarded entry")
    assert text.count("\n") == 1


def test_saving_over_a_file_planted_in_place_of_the_entry_replaces_it(tmp_path):
    entry = tmp_path / KEY
    entry.write_bytes(pickle.dumps(_Boom(str(tmp_path / "PWNED"))))
    assert _save(tmp_path) == entry and entry.is_dir()
    assert cache.load(KEY, root=tmp_path) is not None and not (tmp_path / "PWNED").exists()
