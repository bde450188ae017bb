import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from forecast.cli import main
from forecast.data import DEMO_PATH


def test_validate_good_file_exits_0(capsys):
    assert main(["validate", str(DEMO_PATH)]) == 0
    out = capsys.readouterr().out
    assert "5 series" in out and "2024-02-10" in out and out.count(", counts)") == 5


def test_validate_says_which_series_is_a_measurement(tmp_path, capsys):
    import pandas as pd

    df = pd.read_csv(DEMO_PATH)
    df = df[df.unique_id == "total"].assign(y=lambda d: d.y / 1e5)  # in units of 1e5
    df.to_csv(tmp_path / "gwh.csv", index=False)
    assert main(["validate", str(tmp_path / "gwh.csv")]) == 0
    out = capsys.readouterr().out
    assert "mean 1/day, a measurement (not integer-valued))" in out  # 1.002 to 3 figures


@pytest.mark.parametrize(
    "content, match",
    [
        (b"ds,y\n2024-01-01,1\n2024-01-01,2\n", "duplicate"),
        (b"ds,y\n2024-01-01,x\n", "not a number"),
        (b"ds,y\n2024-01-01,-1\n", "not allowed"),
        (b"ds,y\n2024-01-01,\n", "missing value"),
        (b"ds,y\n2024-01-01,1\n2024-01-09,1\n", "not daily"),
        (b"date,y\n2024-01-01,1\n", "missing column"),
        (b"ds,y\nyesterday,1\n", "cannot parse"),
        (b"ds,y\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary content"),
    ],
)
def test_validate_bad_input_one_line_exit_2(tmp_path, capsys, content, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_validate_warns_but_passes_without_past_lny(tmp_path, capsys):
    path = tmp_path / "short.csv"
    path.write_text("ds,y\n2024-03-05,1\n2024-03-06,2\n")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "no part of a Lunar New Year window (LNY-28..LNY+21)" in err
    assert "forecast run cannot plan it" in err


def test_validate_names_every_short_series_or_counts_the_rest(tmp_path, capsys):
    path = tmp_path / "six.csv"
    ds = pd.date_range("2024-01-01", periods=200)
    pd.concat([pd.DataFrame({"s": f"s{i}", "ds": ds, "y": 5.0}) for i in range(6)]).to_csv(
        path, index=False)
    assert main(["validate", str(path), "--id-col", "s"]) == 0
    err = capsys.readouterr().err
    assert "6 series shorter" in err and "s0, s1, s2, s3, s4 and 1 more;" in err


def test_usage_errors_exit_2(capsys):
    assert main(["nope"]) == 2
    assert main(["validate", "/does/not/exist.csv"]) == 2
    assert capsys.readouterr().err.count("\n") == 2


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "forecast", "validate", "/nonexistent"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("forecast: error:")


def test_workers_without_network_is_one_line_exit_2(capsys):
    assert main(["run", "--workers", "2", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "add --network" in err


@pytest.mark.parametrize("argv, says", [
    (["--paths", "5"], "n_paths (CLI: --paths) must be an integer >= 10, got 5"),
    (["--budget-risk", "2"], "budget_risk (CLI: --budget-risk) must be a probability"),
    (["--backtest-lny", "-1"], "backtest_lny (CLI: --backtest-lny) must be an integer >= 0"),
    (["--lny", "1850"], "lny_year (CLI: --lny) must be a year in 1901..2099"),
])
def test_a_bad_option_names_its_flag(tmp_path, capsys, argv, says):
    assert main(["run", *argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err


def test_a_scenario_series_not_in_the_data_says_how_to_choose_one(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text('unique_id = "Sha Tin"\n')
    assert main(["run", "--config", str(scenario), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "'Sha Tin' is not a series" in err and "top of the scenario file (--config)" in err


def test_network_mistakes_are_refused_before_computing(tmp_path, monkeypatch, capsys):
    from forecast.report import job

    monkeypatch.setattr(job, "start_plan", lambda *a, **k: pytest.fail("computed first"))
    assert main(["run", "--network", "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--workers must be an integer >= 1, got 0" in capsys.readouterr().err
    scenario = tmp_path / "s.toml"
    scenario.write_text('[hubs.blue-line]\n"programme.workers" = 9\n')
    assert main(["run", "--network", "--config", str(scenario), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[hubs.blue-line] names no hub" in err


def test_run_help_documents_the_network_flags(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--network" in out and "--workers" in out and "--scheduler" in out


def test_backtest_prints_and_writes_a_plain_table(tmp_path, capsys):
    out = tmp_path / "bt.csv"
    status = main(["backtest", "--years", "2025", "--models", "lunar-naive", "--series", "total",
                   "--paths", "20", "--out", str(out)])
    assert status == 0
    text = capsys.readouterr().out
    assert text.lstrip().startswith("model") and "e+" not in text and "lunar-naive" in text
    header = out.read_text().splitlines()[0].split(",")
    assert header[:3] == ["model", "crps", "scaled_crps"]


def test_backtest_defaults_to_the_supported_years_and_warns_once_per_text(monkeypatch,
                                                                        capsys):
    import importlib
    import warnings

    bt = importlib.import_module("forecast.backtest")
    real, years = bt.backtest, []

    def noisy(df, models, *, lny_years=None, **kw):
        for _ in range(3):
            warnings.warn("a fold's note")
        years.append(lny_years)  # those with two years of history before LNY-28
        return real(df, models, lny_years=[2025], **kw)

    monkeypatch.setattr(bt, "backtest", noisy)
    assert main(["backtest", "--models", "lunar-naive", "--series", "total",
                 "--paths", "10"]) == 0
    assert years == [[2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]]  # two years before
    err = capsys.readouterr().err
    assert err.count("a fold's note") == 1 and "a fold's note (3 times)" in err
    monkeypatch.undo()
    # the default years hold the 15 months lunar-naive needs (from a year on, they did not)
    assert main(["backtest", "--models", "lunar-naive", "--paths", "10"]) == 0
    assert main(["backtest", "--years", "1999"]) == 2
    err = capsys.readouterr().err
    assert "supports LNY years [2016, 2017," in err and "2025] (lny_years; CLI: --years)" in err


def test_backtest_of_a_series_not_in_the_file_lists_the_ones_there(capsys):
    status = main(["backtest", "--series", "Total", "--years", "2025"])
    err = capsys.readouterr().err
    assert status == 2
    assert "--series ['Total']: no such series in" in err
    assert "series there: ['chek-lap-kok', 'kowloon-bay', 'kwai-chung', 'total', 'tsing-yi']" in err


def test_run_plans_the_next_lny_when_the_history_runs_into_the_scenarios(tmp_path,
                                                                       monkeypatch, capsys):
    """A history past the start of the scenario's window (LNY 2026) plans LNY 2027 by
    default, saying so; an explicit --lny is kept."""
    from forecast.data import load_history
    from forecast.report import job

    seen = []
    monkeypatch.setattr(job, "run_job", lambda config, out, **k: seen.append(config)
                        or Path(out) / "manifest.json")
    later = load_history(DEMO_PATH)
    later["ds"] += pd.Timedelta(days=70)  # to 2026-03-11
    data = tmp_path / "later.csv"
    later.to_csv(data, index=False)
    assert main(["run", "--data", str(data), "--out", str(tmp_path / "o")]) == 0
    assert seen[-1].lny_year == 2027
    assert ("planning the next LNY, 2027 (--lny YEAR or lny_year = YEAR plans another)"
            in capsys.readouterr().err)
    assert main(["run", "--data", str(data), "--lny", "2026", "--out", str(tmp_path / "o")]) == 0
    assert seen[-1].lny_year == 2026 and "planning the next" not in capsys.readouterr().err
    assert main(["run", "--out", str(tmp_path / "o")]) == 0  # the demo: its own LNY
    assert seen[-1].lny_year == 0 and seen[-1].series == "total"


def test_run_plans_the_series_asked_for_or_a_files_only_one(tmp_path, monkeypatch, capsys):
    from forecast.data import load_history
    from forecast.report import job

    seen = []
    monkeypatch.setattr(job, "run_job", lambda config, out, **k: seen.append(config)
                        or Path(out) / "manifest.json")
    assert main(["run", "--series", "kowloon-bay", "--out", str(tmp_path / "o")]) == 0
    assert seen[-1].series == "kowloon-bay"
    assert main(["run", "--series", "nope", "--out", str(tmp_path / "o")]) == 2
    assert "--series 'nope' is not a series of" in capsys.readouterr().err
    one = load_history(DEMO_PATH)
    one = one[one["unique_id"] == "tsing-yi"][["ds", "y"]]  # no series column
    one.to_csv(tmp_path / "mysite.csv", index=False)
    assert main(["run", "--data", str(tmp_path / "mysite.csv"), "--out",
                 str(tmp_path / "o")]) == 0
    assert seen[-1].series == "mysite"
    assert "planning 'mysite', the only series of" in capsys.readouterr().err
    assert main(["run", "--data", str(tmp_path / "mysite.csv"), "--series", "nope", "--out",
                 str(tmp_path / "o")]) == 2  # named: never swapped for the file's series
    mixed = load_history(DEMO_PATH)
    later = mixed["unique_id"] == "total"
    mixed.loc[later, "ds"] += pd.Timedelta(days=70)  # the total runs into the window, the hub not
    mixed.to_csv(tmp_path / "mixed.csv", index=False)
    assert main(["run", "--data", str(tmp_path / "mixed.csv"), "--series", "kowloon-bay",
                 "--out", str(tmp_path / "o")]) == 0
    assert seen[-1].lny_year == 0  # the planned series' own end decides
    assert main(["run", "--network", "--series", "kowloon-bay", "--out",
                 str(tmp_path / "o")]) == 2  # a hub is no network total
    assert "but 'total' carried more over the last year" in capsys.readouterr().err
