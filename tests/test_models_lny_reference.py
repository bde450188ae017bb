import numpy as np
import pandas as pd

from forecast.calendar import days_to_lny
from forecast.models.lny_reference import local_lny_reference, relevel_lny_effects

DS = pd.date_range("2024-12-01", periods=120)  # LNY 2025-01-29 at day 59
OFF = days_to_lny(DS)
WINDOW = (-28, 21)


def test_the_level_is_interpolated_between_both_sides_and_held_flat_from_one():
    r = np.where(OFF < 0, -0.2, -0.1)
    inside = (OFF >= WINDOW[0]) & (OFF <= WINDOW[1])
    both = local_lny_reference(DS, r, np.ones(120), WINDOW)
    assert (both[~inside] == 0).all()
    assert np.all(np.diff(both[inside]) > 0)  # from the before side's -0.2 to the after's -0.1
    assert -0.2 < both[inside].min() < both[inside].max() < -0.1
    w = np.where(OFF < WINDOW[0] - 6, 0.0, 1.0)  # six days before the window: too few
    one = local_lny_reference(DS, r, w, WINDOW)
    assert np.allclose(one[inside], -0.1)
    none = local_lny_reference(DS, r, np.where(inside, 1.0, 0.0), WINDOW)
    assert (none == 0).all()


def test_relevelled_effects_give_up_the_level_to_the_residual():
    # two phases over offsets 0..3 (columns: phase 0, phase 1, then 4 deviations)
    groups = {"phase": slice(0, 2), "dev": slice(2, 6)}
    dev_phase = np.array([0, 0, 1, 1])
    seen = np.array([True, True, True, False])
    beta = np.array([-0.5, -0.3, 0.01, -0.01, 0.02, 0.0])
    dev_days = np.array([0, 1, 2, 3, -1])
    X = np.zeros((5, 6))
    for i, d in enumerate(dev_days[:4]):
        X[i, dev_phase[d]] = X[i, 2 + d] = 1
    level = np.array([-0.2, -0.2, -0.1, -0.1, 0.0])
    new = relevel_lny_effects(beta, groups, level, np.ones(5), dev_days, dev_phase, seen)
    assert np.allclose(X @ new - X @ beta, [0.2, 0.2, 0.1, 0.1, 0.0])
    assert new[5] == 0.0  # an unseen day's deviation stays at the prior; it moves with its phase
