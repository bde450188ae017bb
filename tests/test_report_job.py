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
    for words in ("Recommend", "Late parcels", "Compensation", "Holiday-programme workers"):
        assert words in page1, words
    for table in ("decision", "tradeoff", "scenarios", "tornado", "forecast", "backtest"):
        assert (out / "tables" / f"{table}.csv").stat().st_size > 50, table
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["version"]
    assert manifest["settings"]["model"] == "lunar-naive"  # and the country, paths, ...
    assert manifest["settings"]["country"] == "HK" and manifest["settings"]["n_paths"] == 60
    assert isinstance(manifest["warnings"], list)
    assert "lunar-naive, learning HK public holidays" in " ".join(
        " ".join(p.extract_text().split()) for p in pdf.pages)
    listed = {a["path"] for a in manifest["artefacts"]}
    assert "briefing.pdf" in listed and "tables/decision.csv" in listed
    assert len(listed) >= 4 * 2 + 1 + 9
    _same_figures_everywhere(out, pdf, page1)


def _same_figures_everywhere(out, pdf, page1):
    """The PDF, the CSVs and the executed notebooks of one run state the same figures."""
    import pandas as pd

    from forecast.report.typography import format_money, format_percent

    rec = pd.read_csv(out / "tables" / "decision.csv").set_index("plan").loc["recommended"]
    workers = f"{int(round(rec['programme_workers'])):,}"
    flat = " ".join(page1.split()).replace("\u00a0", " ")
    stated = [f"{workers} holiday-programme workers" in flat or f"Closest: {workers}" in flat,
              format_percent(rec["p_on_time"]) in flat,
              format_money(rec["compensation_mean"]) in flat,
              format_percent(rec["p_over_budget"]) in flat]
    assert all(stated), (stated, flat[:600])
    # notebook 04 prints the same recommendation sentence as page 1 of the PDF
    nb = json.loads((out / "notebooks" / "04-briefing.ipynb").read_text())
    texts = ["".join(o["data"]["text/markdown"]) for c in nb["cells"] if c["cell_type"] == "code"
             for o in c["outputs"] if "text/markdown" in o.get("data", {})]
    sentence = " ".join(texts[0].split()).replace("\\$", "$")  # Markdown keeps "$" literal
    assert sentence.replace("HK$ ", "HK$") in flat.replace("HK$ ", "HK$"), (sentence, flat)
    # notebook 03's trade-off table and tables/tradeoff.csv list the same headcounts
    curve = pd.read_csv(out / "tables" / "tradeoff.csv")
    assert int(round(rec["programme_workers"])) in set(curve["workers"])
    nb3 = json.loads((out / "notebooks" / "03-capacity.ipynb").read_text())
    html = [("".join(o["data"]["text/html"])) for c in nb3["cells"] if c["cell_type"] == "code"
            and "tradeoff_table" in "".join(c["source"]) for o in c["outputs"]]
    assert html and all(f"<th>{w}</th>" in html[0] for w in curve["workers"].astype(int))


def test_forecast_run_bad_input_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[staffing]\nbaseline = -5\n")
    assert main(["run", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "baseline" in err
    assert main(["run", "--model", "nope"]) == 2


@pytest.mark.slow
def test_forecast_run_plans_the_network_on_two_dask_workers(tmp_path, capsys, monkeypatch):
    """The whole job on a LocalCluster of two processes: every hub and the network are
    published, with the numbers the same config gives in one process."""
    import pandas as pd

    from forecast.config import PlanConfig
    from forecast.distributed import run_network
    from forecast.network_scenario import NetworkScenario
    from forecast.plan import load_inputs, run_plan
    from forecast.report.names import csv_frame

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))  # nothing reused
    out = tmp_path / "out"
    options = ["--model", "lunar-naive", "--paths", "40", "--backtest-lny", "0", "--seed", "4"]
    status = main(["run", "--out", str(out), *options, "--no-html", "--network",
                   "--workers", "2"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "on the cluster, beside the hubs" in err and "2 at once" in err
    nb5 = json.loads((out / "notebooks" / "05-network.ipynb").read_text())
    assert not any(o["output_type"] == "error" for c in nb5["cells"]
                   if c["cell_type"] == "code" for o in c["outputs"])
    config = PlanConfig(model="lunar-naive", n_paths=40, backtest_lny=0, seed=4)
    history, scenario = load_inputs(config)
    here = run_network(history, NetworkScenario.from_toml(config.scenario_path), config)
    hubs = pd.read_csv(out / "tables" / "hubs.csv").set_index("unique_id")
    assert list(hubs.index) == ["chek-lap-kok", "kowloon-bay", "kwai-chung", "tsing-yi"]
    expected = csv_frame(here.hub_table())
    assert (hubs["programme_workers"] == expected["programme_workers"]).all()
    decision = pd.read_csv(out / "tables" / "decision.csv").set_index("plan")
    single = run_plan(history, scenario, config)
    assert decision.loc["recommended", "p_on_time"] == pytest.approx(
        single.decision_table().loc["recommended", "p_on_time"], abs=1e-4)
    # the manifest names what was published: the hubs and the network options count too
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config_hash"] != single.provenance["config_hash"]
    assert manifest["data_hash"] != single.provenance["data_hash"]
    pdf = PdfReader(out / "briefing.pdf")
    assert "Network of 4 hubs" in " ".join(pdf.pages[0].extract_text().split())
    # the network page shows the hubs' chart below their table
    assert (out / "figures" / "hubs.png").is_file()
    assert "By hub." in pdf.pages[1].extract_text() and len(pdf.pages[1].images) == 1


def test_the_notebooks_get_the_settled_series_and_lny(tmp_path, monkeypatch):
    """Notebook 01 studies the series planned (it once got a parameter it did not declare)
    and declares what settling reads, so that it does not settle again (and warn in the
    published notebook) where ``forecast run`` already has."""
    from forecast.config import PlanConfig
    from forecast.report import job
    from forecast.report.publish import notebook_parameters

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    seen = {}

    def published(notebooks, target, parameters, **kw):
        seen.update(parameters)
        raise KeyboardInterrupt  # the parameters are all this test needs

    monkeypatch.setattr(job, "publish", published)
    config = PlanConfig(series="kowloon-bay", model="lunar-naive", n_paths=30, backtest_lny=0)
    with pytest.raises(KeyboardInterrupt):
        job.run_job(config, tmp_path / "out", progress=False, html=False)
    assert seen["series"] == "kowloon-bay" and seen["lny_year"] == 0
    declared = notebook_parameters(job.NOTEBOOKS_DIR / "01-history.ipynb")
    assert {"data_path", "scenario_path", "id_col", "na", "gaps", "lny_year",
            "series"} <= set(declared)


def test_page1_warnings_are_cut_to_fit_instead_of_failing_the_briefing():
    """A network prefix on a 390-character warning once made the PDF step fail at 407."""
    from forecast.report.briefing_model import MAX_TEXT
    from forecast.report.job import _page1

    cut = _page1(["w " * 300] * 6)
    assert len(cut) == 4 and all(len(w) <= MAX_TEXT and w.endswith("…") for w in cut)
    # cut after a whole word (page 1 once ended "lower the bonus; of th…")
    long = "No headcount meets every target; " + "the bonus is over the budget, " * 13
    (short,) = _page1([long])
    kept = short.removesuffix("…")
    assert len(short) <= MAX_TEXT < len(long) and long.startswith(kept) and long[len(kept)] == " "
    (path,) = _page1(["Hub 'sha-tin' left out: its file " + "x" * 500])  # no space late on
    assert len(path) == MAX_TEXT and path.endswith("xx…")
    assert _page1(["short"]) == ("short",)
    # more than four: none is dropped without a word (the fifth once was)
    five = _page1([f"warning {i}" for i in range(5)])
    assert five[:3] == ("warning 0", "warning 1", "warning 2")
    assert five[3] == ('2 more warnings, printed by forecast run and listed in manifest.json '
                       '("warnings"): warning 3')


def test_page1_volumes_are_those_of_the_plan_it_recommends(tmp_path, monkeypatch):
    """Page 1 once printed the total's arrivals above a table of the hubs' late parcels;
    with hubs that are not the total (here one hub doubled) the two disagreed."""
    from forecast.config import PlanConfig
    from forecast.distributed import run_network
    from forecast.network_scenario import NetworkScenario
    from forecast.plan import load_inputs, run_plan
    from forecast.report.job import AS_ONE_SITE, _facts, _volumes

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    config = PlanConfig(model="lunar-naive", n_paths=40, backtest_lny=0, seed=1)
    history, scenario = load_inputs(config)
    history.loc[history["unique_id"] == "kwai-chung", "y"] *= 2
    run = run_plan(history, scenario, config)
    net = run_network(history, NetworkScenario.from_toml(config.scenario_path), config)
    hubs = net.plan.recommended.per_path["demand"]
    mean, lo, hi = _volumes(run, net)
    assert mean == pytest.approx(hubs.mean()) and lo <= mean <= hi
    assert mean > 1.1 * run.recommended.per_path["demand"].mean()  # not the total's
    assert _volumes(run, None)[0] == pytest.approx(run.recommended.per_path["demand"].mean())
    facts = _facts(run, net)
    assert facts[0].startswith(f"Volumes of the {AS_ONE_SITE} (total):")
    assert not any(f.startswith("Monte Carlo error") for f in facts)


def test_csv_headcounts_are_whole_numbers_when_they_are():
    import pandas as pd

    from forecast.report.job import _whole_workers

    frame = pd.DataFrame({"programme_workers": [1500.0, float("nan")],
                          "flat_workers": [1.5, 2.0], "late": [3.0, 4.0]})
    out = _whole_workers(frame)  # a hub left out has no headcount: an empty cell
    assert out["programme_workers"].dtype == "Int64" and out["late"].dtype == "float64"
    assert out.to_csv(index=False).splitlines()[1:] == ["1500,1.5,3.0", ",2.0,4.0"]
    assert out["flat_workers"].dtype == "float64"  # 1.5 workers a day is a mean: kept


def test_work_without_steps_of_its_own_says_it_is_still_running(capsys):
    import time

    from forecast.report.job import _heartbeat

    with _heartbeat(True, "network", every=0.01):
        time.sleep(0.3)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 2 and all(line.startswith("  ... network: still working, ")
                                   for line in lines)
    with _heartbeat(False, "network", every=0.01):
        time.sleep(0.05)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="every must be > 0"):
        with _heartbeat(True, "network", every=0):
            pass

