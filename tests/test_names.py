"""Hostile or unusual names reach every sink safely: CSV, figures, terminal, PDF."""

from __future__ import annotations

import datetime as dt
import warnings

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402

from forecast.cli import main  # noqa: E402
from forecast.data import DEMO_PATH  # noqa: E402
from forecast.config import DEFAULT_SCENARIO_PATH, PlanConfig  # noqa: E402
from forecast.plan import plan_from_files  # noqa: E402
from forecast.report import job, plots  # noqa: E402
from forecast.report.briefing import BriefingFontWarning, render_briefing  # noqa: E402
from forecast.report.names import csv_cell, plot_text, shorten, terminal_text  # noqa: E402

HOSTILE = {
    "formula": '=HYPERLINK("http://x","y")',
    "mathtext": "$\\foo$",
    "chinese": "沙田",
    "long": ("Kwai Chung container terminal sorting centre " * 11).strip(),  # ~500 chars
    "ansi": "hub\x1b[31m red\x1b[0m",
    "bidi": "hub \u202egnp.exe",
    "underscore": "_nolegend_",
}


def _inputs(tmp_path, name):
    history = pd.read_csv(DEMO_PATH)
    history = history[history["unique_id"].isin(["total", "kwai-chung"])]
    history["unique_id"] = history["unique_id"].replace({"total": name})
    data = tmp_path / "history.csv"
    history.to_csv(data, index=False)
    toml = DEFAULT_SCENARIO_PATH.read_text(encoding="utf-8").replace(
        'unique_id = "total"', f"unique_id = {_toml_str(name)}", 1)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(toml, encoding="utf-8")
    return data, scenario


def _toml_str(text: str) -> str:
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}"
                         for ch in text) + '"'


#: the names that exercise a different sink each (the others are covered by the fast tests)
END_TO_END = ("formula", "mathtext", "chinese", "long")


@pytest.mark.slow
@pytest.mark.parametrize("name", [HOSTILE[k] for k in END_TO_END], ids=END_TO_END)
def test_a_planned_hub_of_any_name_reaches_csv_figures_and_pdf(tmp_path, name):
    data, scenario = _inputs(tmp_path, name)
    run = plan_from_files(PlanConfig(data_path=str(data), scenario_path=str(scenario),
                                     model="lunar-naive", n_paths=60, backtest_lny=0),
                          cache=False)
    assert run.unique_id == name
    figures = job._figures(run, tmp_path / "figures")
    for fig in (plots.plot_history(run.history), plots.plot_lny_overlay(run.history, name)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # no missing glyph for a control char
            fig.savefig(tmp_path / "extra.png")  # drawing parses the text: no mathtext error
    csvs = job._tables(run, tmp_path / "tables")
    forecast_csv = next(p for p in csvs if p.name == "forecast.csv")
    cells = pd.read_csv(forecast_csv, dtype=str, keep_default_na=False)["unique_id"]
    assert set(cells) == {csv_cell(name)}
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BriefingFontWarning)
        briefing = job._briefing(run, figures, dt.date(2026, 1, 5))
        pdf = render_briefing(briefing, tmp_path / "briefing.pdf")
    assert pdf.stat().st_size > 10_000
    assert briefing.network_label == "Site"  # one series planned alone: not "Network: <id>"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    for text in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text
    for text in ("total", "沙田", "a=b", "", " x"):
        assert csv_cell(text) == text
    assert csv_cell(-3.5) == -3.5


def test_figure_text_is_literal():
    fig = matplotlib.figure.Figure()
    ax = fig.subplots()
    ax.plot([0, 1], label=plot_text("_x"))
    ax.set_title(plot_text("$\\foo$ costs HK$ 5"))
    ax.legend()
    fig.canvas.draw()  # raises on bad mathtext
    assert ax.get_legend().get_texts()[0].get_text() == " _x"


def test_terminal_text_escapes_controls_and_keeps_one_line():
    shown = terminal_text("a\x1b[2Jb\nc\rd\u202ee\u2028f\x00 沙田")
    assert shown.isprintable() and "沙田" in shown and "\\x1b" in shown and "\\u202e" in shown


def test_shorten_uses_an_ellipsis():
    assert shorten("x" * 500, 60) == "x" * 59 + "\u2026"
    with pytest.raises(ValueError, match="width"):
        shorten("x", 1)


def test_forecast_validate_shows_control_characters_escaped(tmp_path, capsys):
    frame = pd.read_csv(DEMO_PATH)
    names = {"total": "hub\x1b[31m red", "kwai-chung": "two\nlines",
             "tsing-yi": "rtl \u202eevil", "kowloon-bay": "沙田"}
    frame["unique_id"] = frame["unique_id"].replace(names)
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[31m" in out and "two\\nlines" in out and "沙田" in out
    assert out.count("\n") == 1 + 5  # a header line and one line per series


def test_an_unknown_planned_hub_is_refused_before_computing(tmp_path, monkeypatch, capsys):
    data, scenario = _inputs(tmp_path, "沙田")
    scenario.write_text(scenario.read_text(encoding="utf-8").replace(
        'unique_id = "沙田"', 'unique_id = "Sha Tin"'), encoding="utf-8")
    monkeypatch.setattr(job, "start_plan", lambda *a, **k: pytest.fail("computed first"))
    assert main(["run", "--data", str(data), "--config", str(scenario),
                 "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Sha Tin'" in err and "沙田" in err
    assert not (tmp_path / "out").exists()
