"""Per-hub work in one process and on a Dask LocalCluster: same seed, same numbers."""

import numpy as np
import pandas as pd
import pytest

from forecast.config import PlanConfig
from forecast.data import DEMO_PATH, load_history
from forecast.cluster import dask_client
from forecast.distributed import run_network
from forecast.network_scenario import network_hubs, volume_shares
from forecast.network_scenario import NetworkScenario

CONFIG = PlanConfig(model="lunar-naive", n_paths=40, backtest_lny=0, seed=3)


@pytest.fixture(scope="module")
def history():
    return load_history(DEMO_PATH)


@pytest.fixture(scope="module")
def network():
    return NetworkScenario.from_toml(DEMO_PATH.parent / "scenario.toml")


@pytest.fixture(scope="module")
def client():
    import distributed  # a declared dependency: missing is a failure, not a skip

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def local(history, network):
    return run_network(history, network, CONFIG)


def test_the_hubs_are_every_series_but_the_total(history, network):
    hubs = network_hubs(history, network)
    assert hubs == ["chek-lap-kok", "kowloon-bay", "kwai-chung", "tsing-yi"]
    assert sum(volume_shares(history, hubs).values()) == pytest.approx(1.0)


def test_one_and_two_workers_give_identical_summaries(history, network, local, client):
    on_dask = run_network(history, network, CONFIG, client=client)
    pd.testing.assert_frame_equal(local.hub_table(), on_dask.hub_table())
    pd.testing.assert_frame_equal(local.plan.decision_table(), on_dask.plan.decision_table())
    np.testing.assert_array_equal(local.total_paths, on_dask.total_paths)
    assert local.plan.allocation == on_dask.plan.allocation


def test_the_network_total_is_the_sum_of_the_hub_paths(local):
    totals = local.total_paths.sum(axis=1)
    assert np.mean(totals) == pytest.approx(local.forecasts["window_demand_mean"].sum())
    assert local.plan.recommended.per_path["demand"].to_numpy() == pytest.approx(totals)


def test_a_broken_hub_is_reported_and_skipped(history, network, client):
    short = history[history["unique_id"] == "tsing-yi"].tail(20).assign(unique_id="tiny")
    late = history[history["unique_id"] == "kwai-chung"].assign(
        unique_id="future", ds=lambda d: d["ds"] + pd.Timedelta(days=400))
    broken = pd.concat([history, short, late], ignore_index=True)
    run = run_network(broken, network, CONFIG, client=client)
    assert set(run.skipped) == {"future", "tiny"}
    assert "not before the window's start" in run.skipped["future"]
    assert not run.skipped["tiny"].startswith("ValueError")  # the message, for people
    assert "(--lny 20" in run.skipped["future"]  # the LNY it could plan
    table = run.hub_table()
    assert table.loc["tiny", "status"].startswith("left out: ")
    assert (table.drop(["tiny", "future"])["status"] == "planned").all()
    assert any("tiny" in w for w in run.plan.warnings)
    # the budget risk of the 4 planned hubs is against their share of the budget
    shares = volume_shares(broken, ["chek-lap-kok", "future", "kowloon-bay", "kwai-chung",
                                    "tiny", "tsing-yi"])
    held = network.budget * (1 - shares["future"] - shares["tiny"])
    assert run.plan.recommended.budget == pytest.approx(held) and held < network.budget
    assert any(f"share of the budget, HK${held:,.0f} of HK$" in w for w in run.plan.warnings)
    from forecast.report.network_tables import network_recommendation

    text = network_recommendation(run, CONFIG, network.base)
    assert text.startswith("Network of 4 of 6 hubs (partial): keep ")
    assert "Left out: future, tiny" in text


def test_a_hub_table_naming_no_hub_is_refused(history):
    network = NetworkScenario.from_dict({"hubs": {"blue-line": {"programme.workers": 9}}})
    with pytest.raises(ValueError, match=r"\[hubs.blue-line\] names no hub.*'tsing-yi'"):
        run_network(history, network, CONFIG)


def test_no_plannable_hub_is_one_clear_error(history, network):
    tiny = history[history["unique_id"] == "tsing-yi"].tail(5).assign(unique_id="tiny")
    with pytest.raises(ValueError, match="no hub could be planned: tiny: "):
        run_network(tiny, network, CONFIG)


def test_workers_and_scheduler_exclude_each_other():
    with pytest.raises(ValueError, match="not both"):
        with dask_client(workers=2, scheduler="tcp://x:1"):
            pass
    with dask_client() as c:
        assert c is None


def test_a_network_plan_is_cached_as_data_and_reloaded_equal(tmp_path, monkeypatch):
    import numpy as np
    import pandas as pd

    from forecast import distributed
    from forecast.config import PlanConfig

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path))
    cfg = PlanConfig(model="lunar-naive", n_paths=40, backtest_lny=0, seed=5)
    first = distributed.network_from_files(cfg)
    monkeypatch.setattr(distributed, "run_network", lambda *a, **k: pytest.fail("recomputed"))
    again = distributed.network_from_files(cfg)
    pd.testing.assert_frame_equal(again.plan.decision_table(), first.plan.decision_table())
    pd.testing.assert_frame_equal(again.hub_table(), first.hub_table(), check_dtype=False)
    assert again.plan.allocation == first.plan.allocation and again.plan.hubs == first.plan.hubs
    assert np.array_equal(again.total_paths, first.total_paths)


def test_network_from_files_settles_the_lny_as_forecast_run_network_does(tmp_path,
                                                                       monkeypatch):
    from forecast import distributed

    later = load_history(DEMO_PATH)
    later["ds"] += pd.Timedelta(days=70)  # every series to 2026-03-11, into LNY 2026's window
    later.to_csv(tmp_path / "later.csv", index=False)
    seen = []

    def planned(history, network, config, **kw):
        seen.append((network, config))
        raise KeyboardInterrupt  # the inputs are all this test needs

    monkeypatch.setattr(distributed, "run_network", planned)
    cfg = PlanConfig(data_path=str(tmp_path / "later.csv"), model="lunar-naive", n_paths=40)
    with pytest.warns(UserWarning, match="planning the next LNY, 2027"):
        with pytest.raises(KeyboardInterrupt):
            distributed.network_from_files(cfg, cache_plan=False)
    network, config = seen[0]
    assert network.base.lny.year == 2027 and config.lny_year == 2027
    assert config.series == "total"
    with pytest.raises(ValueError, match="'kowloon-bay' as the network total .* carried more"):
        distributed.network_from_files(PlanConfig(series="kowloon-bay"), cache_plan=False)


def test_start_plan_settles_a_one_series_file_as_forecast_run_does(tmp_path, monkeypatch):
    from forecast import distributed

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    one = load_history(DEMO_PATH).query("unique_id == 'tsing-yi'")[["ds", "y"]]
    one.to_csv(tmp_path / "mysite.csv", index=False)
    config = PlanConfig(data_path=str(tmp_path / "mysite.csv"), model="lunar-naive",
                        n_paths=30, backtest_lny=0)
    with pytest.warns(UserWarning, match="planning 'mysite', the only series of"):
        run = distributed.start_plan(config)()
    assert run.unique_id == "mysite"


def test_the_single_series_plan_runs_on_the_cluster_and_is_cached_here(
        tmp_path, monkeypatch, client):
    from dataclasses import replace

    from forecast import distributed
    from forecast.plan import cached_plan, load_inputs, run_plan

    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path))
    config = replace(CONFIG, n_paths=60)
    history, scenario = load_inputs(config)
    assert cached_plan(history, scenario, config) is None
    wait = distributed.start_plan(config, client=client)
    on_cluster = wait()
    here = run_plan(history, scenario, config)
    pd.testing.assert_frame_equal(on_cluster.decision_table(), here.decision_table())
    assert on_cluster.recommendation == here.recommendation
    again = cached_plan(history, scenario, config)  # what the notebooks reload
    pd.testing.assert_frame_equal(again.decision_table(), here.decision_table())
    # cached: a second start neither computes here nor submits to the cluster
    monkeypatch.setattr(distributed, "run_plan", lambda *a, **k: pytest.fail("recomputed"))
    assert distributed.start_plan(config, client=None)().recommendation == here.recommendation


def test_hubs_that_do_not_add_up_to_the_total_are_named_in_a_warning(history, network):
    doubled = pd.concat([history, history[history["unique_id"] == "total"].assign(
        unique_id="total-copy")], ignore_index=True)  # a "hub" that repeats the total
    net = run_network(doubled, network, CONFIG)
    assert "total-copy" in net.plan.hubs[-1].unique_id or any(
        h.unique_id == "total-copy" for h in net.plan.hubs)
    assert net.plan.warnings[0].startswith("The hubs' volume over the last 365 days is 2.00x")
    assert not any("do not add up" in w for w in run_network(history, network,
                                                              CONFIG).plan.warnings)


@pytest.mark.slow
def test_a_hub_fit_warning_reaches_the_client_once_with_the_hub_name(history, network):
    short = history[(history["unique_id"] != "tsing-yi")
                    | (history["ds"] > history["ds"].max() - pd.Timedelta(days=380))]
    config = PlanConfig(model="statespace", n_paths=40, backtest_lny=0, seed=3)
    # worker processes of one thread each, as `forecast run --workers 2` starts them
    with dask_client(workers=2) as client, pytest.warns(UserWarning) as caught:
        run_network(short, network, config, client=client)
    mine = [str(w.message) for w in caught if "yearly seasonality" in str(w.message)]
    assert mine and all(m.startswith("hub 'tsing-yi': ") for m in mine)
    assert len(mine) == len(set(mine))


def test_an_unreachable_scheduler_is_named_with_its_flag_and_the_way_out(monkeypatch):
    from forecast import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(OSError, match=r"--scheduler tcp://127.0.0.1:1: no Dask scheduler "
                                      r"answered in 1s .*use --workers N"):
        with cluster.dask_client(scheduler="tcp://127.0.0.1:1"):
            pass
