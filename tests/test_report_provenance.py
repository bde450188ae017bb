"""Tests for forecast.report.provenance."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from forecast.hashing import config_hash, file_hash, frame_hash
from forecast.report.provenance import Provenance, write_manifest


def history():
    return pd.DataFrame({
        "unique_id": ["total"] * 3 + ["hub_a"] * 3,
        "ds": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"] * 2),
        "y": [10.0, 11.5, 0.0, 1.0, 2.0, 3.0],
    })


def test_frame_hash_is_a_pinned_content_digest():
    # Pinned: a change here silently invalidates every published manifest.
    assert frame_hash(history()) == (
        "afad9f45b45462fa2ef30c66036e8ed2ba715f879b2b6a2714d43bc1fb7ce447")


def test_frame_hash_ignores_index_and_int_float_but_sees_content():
    df = history()
    base = frame_hash(df)
    assert frame_hash(df.set_index(np.arange(10, 16))) == base
    assert frame_hash(df.assign(y=df["y"].astype("float32"))) == base
    assert frame_hash(df.assign(y=df["y"].where(df["y"] != 0.0, -0.0))) == base
    assert frame_hash(df.assign(y=df["y"] + 1e-9)) != base
    assert frame_hash(df[["ds", "unique_id", "y"]]) != base  # column order is content
    assert frame_hash(df.iloc[::-1]) != base  # row order is content
    assert frame_hash(df.rename(columns={"y": "value"})) != base
    assert frame_hash(df.assign(unique_id=df["unique_id"].astype("category"))) == base


def test_config_hash_is_canonical():
    a = {"seed": 1, "plan": {"headcount": 1500, "days": (1, 2)}, "start": dt.date(2026, 2, 1)}
    b = {"start": "2026-02-01", "plan": {"days": [1, 2], "headcount": np.int64(1500)}, "seed": 1}
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash({**a, "seed": 2})
    with pytest.raises(ValueError, match="non-finite"):
        config_hash({"x": float("nan")})
    with pytest.raises(ValueError, match="cannot hash"):
        config_hash({"x": object()})


def test_file_hash_matches_sha256(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    assert file_hash(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    with pytest.raises(ValueError, match="not an existing file"):
        file_hash(tmp_path / "nope")


def test_write_manifest_lists_artefacts_and_rejects_strays(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("b\n")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    kw = dict(version="0.1.0", config_hash="ab" * 32, data_hash="cd" * 32, seed=3)
    path = write_manifest(tmp_path, timings={"02": 2.00049, "01": 1}, **kw,
                          artefacts=[tmp_path / "sub" / "b.csv", "a.pdf"])
    text = path.read_text()
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert [a["path"] for a in data["artefacts"]] == ["a.pdf", "sub/b.csv"]
    assert data["artefacts"][0] == {"path": "a.pdf", "sha256": file_hash(tmp_path / "a.pdf"),
                                    "size": 4}
    assert data["timings"] == {"01": 1.0, "02": 2.0} and data["total_seconds"] == 3.0
    assert data["settings"] == {} and data["warnings"] == []
    with_all = json.loads(write_manifest(tmp_path, timings={}, artefacts=[], **kw,
                                         settings={"country": "TW"},
                                         warnings=("a warning",)).read_text())
    assert with_all["settings"] == {"country": "TW"} and with_all["warnings"] == ["a warning"]
    assert write_manifest(tmp_path, timings={"02": 2.00049, "01": 1}, **kw,
                          artefacts=["sub/b.csv", "a.pdf"]).read_text() == text
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("x")
    with pytest.raises(ValueError, match="outside out_dir"):
        write_manifest(tmp_path, timings={}, artefacts=[outside], **kw)
    with pytest.raises(ValueError, match="not an existing file"):
        write_manifest(tmp_path, timings={}, artefacts=["gone.txt"], **kw)
    with pytest.raises(ValueError, match="timing"):
        write_manifest(tmp_path, timings={"x": -1}, artefacts=[], **kw)
    with pytest.raises(ValueError, match="seed"):
        write_manifest(tmp_path, timings={}, artefacts=[], **{**kw, "seed": -1})


def test_provenance_validates():
    with pytest.raises(ValueError, match="hex digest"):
        Provenance("0.1.0", "not-hex", "cd" * 32, 1)
    with pytest.raises(ValueError, match="seed"):
        Provenance("0.1.0", "ab" * 32, "cd" * 32, True)
