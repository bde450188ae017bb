"""Prophet-based models and the auto ensemble (slower: Stan fits)."""

import numpy as np
import pandas as pd
import pytest

from forecast.models import AutoModel, ShortHistoryWarning, make_model
from forecast.models.testing import TOY_LNY_TRUTH, toy_history

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def toy():
    return toy_history(years=3, seed=11)


def test_prophet_contract_recovery_and_determinism(toy):
    m = make_model("prophet", calibrate=False).fit(toy)
    a, b = m.sample_paths(14, n_paths=50, rng=np.random.default_rng(2)), m.sample_paths(14, n_paths=50, rng=np.random.default_rng(2))
    pd.testing.assert_frame_equal(a, b)
    assert (a.y >= 0).all() and a.ds.min() == toy.ds.max() + pd.Timedelta(days=1)
    eff = m.lny_effects_.set_index("phase").multiplier
    for phase, truth in TOY_LNY_TRUTH.items():
        assert abs(eff[phase] / truth - 1) < 0.2, (phase, eff[phase])


@pytest.mark.parametrize("alias", ["prophet-builtin", "prophet-window"])
def test_references_are_seeded_and_non_negative(toy, alias):
    m = make_model(alias).fit(toy)
    before = np.random.get_state()[1].copy()
    a, b = m.sample_paths(10, n_paths=30, rng=np.random.default_rng(4)), m.sample_paths(10, n_paths=30, rng=np.random.default_rng(4))
    pd.testing.assert_frame_equal(a, b)
    assert (a.y >= 0).all()
    assert (np.random.get_state()[1] == before).all()  # numpy's global state is restored


def test_auto_with_two_past_lnys():
    df = toy_history(years=2, end="2025-12-31", seed=5)  # LNY 2024 and 2025 only
    # its only LNY fold saw one LNY: calibrated on recent folds instead, and it says so
    with pytest.warns(ShortHistoryWarning, match="like the final fit"):
        m = AutoModel().fit(df, rng=np.random.default_rng(0))
    assert np.isclose(m.weights_.weight.sum(), 1.0)
    p = m.sample_paths(21, n_paths=40, rng=np.random.default_rng(0))
    assert len(p) == 21 * 40 and (p.y >= 0).all()
    assert sorted(p.sample_id.unique()) == list(range(40))
