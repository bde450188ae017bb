"""Tests for forecast.capacity: the fluid FIFO kernels against a parcel-by-parcel reference."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.capacity import backlog, late_volume, queue_outcomes


def reference_late(arrivals, capacity, due):
    """Parcel-by-parcel FIFO: integer parcels, one at a time, oldest first (one path)."""
    n_days = len(arrivals)
    queue = deque()  # arrival day of each waiting parcel
    late = np.zeros(n_days)
    for day in range(n_days):
        queue.extend([day] * int(arrivals[day]))
        for _ in range(int(capacity[day])):
            if not queue:
                break
            arrived = queue.popleft()
            if day > due[arrived]:
                late[arrived] += 1
    for arrived in queue:  # still waiting at the end of the horizon
        if due[arrived] < n_days:
            late[arrived] += 1
    return late, len(queue)


def random_case(rng, n_paths, n_days, per_path):
    arrivals = rng.integers(0, 20, size=(n_paths, n_days)).astype(float)
    shape = (n_paths, n_days) if per_path else (n_days,)
    capacity = rng.integers(0, 25, size=shape).astype(float)
    due = np.arange(n_days) + rng.integers(0, 6, size=n_days)
    return arrivals, capacity, due


@pytest.mark.parametrize("per_path", [False, True])
def test_exact_against_reference_on_thousands_of_paths(per_path):
    rng = np.random.default_rng(4)
    arrivals, capacity, due = random_case(rng, 3000, 12, per_path)
    late = late_volume(arrivals, capacity, due)
    back = backlog(arrivals, capacity)
    for p in range(len(arrivals)):
        cap = capacity[p] if per_path else capacity
        expected, waiting = reference_late(arrivals[p], cap, due)
        np.testing.assert_array_equal(late[p], expected)
        assert back[p, -1] == waiting


@settings(max_examples=1000, deadline=None)
@given(
    n_days=st.integers(1, 20),
    seed=st.integers(0, 2**32 - 1),
    per_path=st.booleans(),
    n_paths=st.integers(1, 4),
)
def test_hypothesis_matches_reference(n_days, seed, per_path, n_paths):
    arrivals, capacity, due = random_case(np.random.default_rng(seed), n_paths, n_days, per_path)
    late = late_volume(arrivals, capacity, due)
    for p in range(n_paths):
        cap = capacity[p] if per_path else capacity
        np.testing.assert_array_equal(late[p], reference_late(arrivals[p], cap, due)[0])


def test_blocks_larger_than_one_give_same_answer_as_row_by_row():
    rng = np.random.default_rng(1)
    arrivals, capacity, due = random_case(rng, 5000, 30, True)  # > one 2048-path block
    late = late_volume(arrivals, capacity, due)
    for p in (0, 2047, 2048, 4999):
        alone = late_volume(arrivals[p:p + 1], capacity[p:p + 1], due)[0]
        np.testing.assert_array_equal(late[p], alone)


def test_invariants_on_fluid_volumes():
    rng = np.random.default_rng(2)
    arrivals = rng.gamma(2.0, 50.0, size=(200, 40))
    capacity = rng.gamma(2.0, 50.0, size=40)
    due = np.arange(40) + 3
    late = late_volume(arrivals, capacity, due)
    assert (late >= 0).all()
    assert (late <= arrivals + 1e-9).all()
    assert (late[:, due >= 40] == 0).all()
    # more capacity never makes anything later (monotone FIFO)
    assert (late_volume(arrivals, capacity * 1.2, due) <= late + 1e-9).all()


def test_zero_late_when_capacity_covers_demand():
    arrivals = np.random.default_rng(3).uniform(0, 100, size=(50, 30))
    late = late_volume(arrivals, arrivals.max(axis=0), np.arange(30))
    assert (late == 0).all()
    assert (backlog(arrivals, arrivals.max(axis=0)) == 0).all()


def test_no_capacity_means_everything_due_in_horizon_is_late():
    arrivals = np.full((2, 5), 7.0)
    due = np.array([1, 2, 3, 4, 9])
    late = late_volume(arrivals, np.zeros(5), due)
    np.testing.assert_array_equal(late, [[7, 7, 7, 7, 0]] * 2)


def test_queue_outcomes_matches_separate_calls():
    rng = np.random.default_rng(5)
    arrivals, capacity, due = random_case(rng, 100, 20, True)
    dues = np.stack([due, due + 1, due + 3])
    back, late = queue_outcomes(arrivals, capacity, dues)
    np.testing.assert_array_equal(back, backlog(arrivals, capacity))
    for k in range(3):
        np.testing.assert_array_equal(late[k], late_volume(arrivals, capacity, dues[k]))
    assert (np.diff(late.sum(axis=(1, 2))) <= 0).all()  # longer promise, fewer late


def test_out_argument_is_filled_and_returned():
    arrivals, capacity, due = random_case(np.random.default_rng(6), 3, 5, False)
    out = np.empty((3, 5))
    assert late_volume(arrivals, capacity, due, out=out) is out
    with pytest.raises(ValueError, match="out must be"):
        late_volume(arrivals, capacity, due, out=np.empty((5, 3)))


def test_empty_inputs():
    assert late_volume(np.zeros((0, 5)), np.zeros(5), np.arange(5)).shape == (0, 5)
    assert backlog(np.zeros((2, 0)), np.zeros(0)).shape == (2, 0)


@pytest.mark.parametrize(
    ("arrivals", "capacity", "due", "match"),
    [
        ([[1.0, -1.0]], [1.0, 1.0], [0, 1], "arrivals must be finite and >= 0"),
        ([[1.0, np.nan]], [1.0, 1.0], [0, 1], "arrivals must be finite"),
        ([[1.0, np.inf]], [1.0, 1.0], [0, 1], "arrivals must be finite"),
        ([1.0, 1.0], [1.0, 1.0], [0, 1], "2-D"),
        ([[1.0, 1.0]], [1.0, 1.0, 1.0], [0, 1], "capacity must have shape"),
        ([[1.0, 1.0]], [1.0, -2.0], [0, 1], "capacity must be finite and >= 0"),
        ([[1.0, 1.0]], [1.0, 1.0], [0], r"due must have shape \(2,\)"),
        ([[1.0, 1.0]], [1.0, 1.0], [1, 0], r"due\[1\] = 0"),
        ([[1.0, 1.0]], [1.0, 1.0], [0.5, 1.5], "integer"),
    ],
)
def test_bad_input_names_the_problem(arrivals, capacity, due, match):
    with pytest.raises(ValueError, match=match):
        late_volume(arrivals, capacity, due)
