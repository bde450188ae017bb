"""Same data, config, seed and date: the same bytes in every artefact."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from forecast.cli import main
from forecast.plan import PlanConfig
from forecast.report import job, tables


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_runs_with_one_seed_give_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(job, "NOTEBOOKS", ("04-briefing",))
    config = PlanConfig(model="lunar-naive", n_paths=60, backtest_lny=1, backtest_paths=20)
    runs = []
    for name in ("a", "b"):  # different folders: no path may leak into an artefact
        job.run_job(config, tmp_path / name, progress=False, html=True,
                    date=dt.date(2026, 1, 5))
        runs.append(_files(tmp_path / name))
    a, b = runs
    # 1 notebook + HTML, 7 figures, 10 tables, the PDF, the manifest
    assert a.keys() == b.keys() and len(a) == 2 + 7 + 10 + 1 + 1, sorted(a)
    differ = sorted(k for k in a if a[k] != b[k])
    assert differ in ([], ["manifest.json"])
    manifests = [json.loads(r["manifest.json"]) for r in runs]
    for m in manifests:  # only the clearly separated timings differ
        assert m.pop("timings") and m.pop("total_seconds") >= 0
    assert manifests[0] == manifests[1]
    backtest = pd.read_csv(tmp_path / "a" / "tables" / "backtest.csv")
    assert len(backtest) and "seconds" not in backtest.columns
    notebook = a["notebooks/04-briefing.ipynb"].decode()
    assert str(tmp_path) not in notebook and "papermill" not in notebook


def test_backtest_scores_have_no_wall_clock_and_keep_their_columns_when_skipped():
    scores = pd.DataFrame({"model": ["a"], "crps": [1.0], "seconds": [0.3]})
    run = SimpleNamespace(backtest=scores)
    assert list(tables.backtest_scores(run).columns) == ["model", "crps"]
    skipped = tables.backtest_scores(SimpleNamespace(backtest=pd.DataFrame()))
    assert skipped.empty and list(skipped.columns) == list(tables.BACKTEST_COLUMNS)


@pytest.mark.slow
def test_backtest_lny_0_skips_the_backtest(tmp_path, capsys, monkeypatch):
    # notebook 02 shows the backtest table: the one that failed on a skipped backtest
    monkeypatch.setattr(job, "NOTEBOOKS", ("02-demand-forecast",))
    status = main(["run", "--out", str(tmp_path / "out"), "--model", "lunar-naive",
                   "--paths", "60", "--backtest-lny", "0", "--no-html", "--quiet"])
    assert status == 0, capsys.readouterr().err
