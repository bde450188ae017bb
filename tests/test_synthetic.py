import numpy as np
import pandas as pd

from forecast.calendar import lny_phase_frame
from forecast.data import DEMO_PATH, load_history
from forecast.synthetic import DEMO_TRUTH, demo_events, generate_demo, write_demo


def test_regeneration_reproduces_committed_file_byte_for_byte(tmp_path):
    fresh = write_demo(tmp_path / "demo.csv")
    assert fresh.read_bytes() == DEMO_PATH.read_bytes()


def test_demo_data_meets_contract_and_total_is_sum_of_hubs():
    df = load_history(DEMO_PATH)
    wide = df.pivot(index="ds", columns="unique_id", values="y")
    hubs = list(DEMO_TRUTH["hubs"])
    np.testing.assert_array_equal(wide[hubs].sum(axis=1), wide["total"])
    assert (df["y"] >= 0).all()


def test_generator_is_deterministic_and_seed_sensitive():
    a, b = generate_demo(seed=1), generate_demo(seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert not generate_demo(seed=2)["y"].equals(a["y"])


def test_lny_phase_truth_is_visible_in_the_data():
    df = generate_demo()
    total = df[df.unique_id == "total"].set_index("ds")["y"]
    phases = lny_phase_frame(total.index)
    # ordinary days: the 4 weeks before the gift surge, same weekday mix, no typhoon
    base = total[(phases.days_to_lny >= -49) & (phases.days_to_lny <= -22)].mean()
    for name, truth in DEMO_TRUTH["lny_phases"].items():
        ratio = total[phases[name] == 1].mean() / base
        assert abs(ratio / truth - 1) < 0.12, (name, ratio, truth)


def test_typhoon_days_drop_volume():
    df = generate_demo()
    total = df[df.unique_id == "total"].set_index("ds")["y"]
    events = demo_events()
    assert len(events) >= 5
    ratio = total[events["ds"]].to_numpy() / total.rolling(15, center=True).median()[
        events["ds"]
    ].to_numpy()
    assert np.median(ratio) < 0.3
