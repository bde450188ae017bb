"""`forecast run` end to end: plan, notebooks, figures, CSVs, PDF briefing, manifest."""

import json

import pytest
from pypdf import PdfReader

from forecast.cli import main
from forecast.report.job import NOTEBOOKS


@pytest.mark.slow
def test_forecast_run_publishes_everything(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["run", "--out", str(out), "--model", "lunar-naive", "--paths", "60",
                   "--backtest-lny", "1", "--quiet"])
    assert status == 0, capsys.readouterr().err
    for name in NOTEBOOKS:
        nb = json.loads((out / "notebooks" / f"{name}.ipynb").read_text())
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
        assert outputs and not any(o["output_type"] == "error" for o in outputs), name
        assert (out / "notebooks" / f"{name}.html").stat().st_size > 10_000
    pdf = PdfReader(out / "briefing.pdf")
    assert 2 <= len(pdf.pages) <= 4
    page1 = pdf.pages[0].extract_text()
    for words in ("Recommend", "Late parcels", "Compensation", "holiday-programme workers"):
        assert words in page1, words
    for table in ("decision", "tradeoff", "scenarios", "tornado", "forecast", "backtest"):
        assert (out / "tables" / f"{table}.csv").stat().st_size > 50, table
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["version"]
    listed = {a["path"] for a in manifest["artefacts"]}
    assert "briefing.pdf" in listed and "tables/decision.csv" in listed
    assert len(listed) >= 4 * 2 + 1 + 9


def test_forecast_run_bad_input_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[staffing]\nbaseline = -5\n")
    assert main(["run", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "baseline" in err
    assert main(["run", "--model", "nope"]) == 2
