"""The models' API contract: hyperparameters, randomness, module structure."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast.models as fm
from forecast.backtest import backtest
from forecast.models import MODEL_ALIASES, AutoModel, StateSpaceModel, make_model
from forecast.models.testing import toy_history

ROOT = Path(fm.__file__).resolve().parent


@pytest.fixture(scope="module")
def toy():
    return toy_history(years=4, seed=3)


@pytest.mark.parametrize("alias", MODEL_ALIASES)
def test_hyperparameters_are_explicit_keywords_and_clone_keeps_them(alias):
    m = make_model(alias)
    cls = type(m)
    sig = inspect.signature(cls.__init__)
    assert not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    assert set(m.get_params()) == set(cls.param_names()) and m.get_params()
    c = m.clone()
    assert type(c) is cls and c.alias == alias and c.get_params() == m.get_params()
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['colour'\]; allowed: \["):
        m.clone(colour="red")
    with pytest.raises(ValueError, match="allowed: "):
        make_model(alias, colour="red")


def test_clone_overrides_and_repr_show_non_defaults():
    m = make_model("statespace", half_life_days=365.0)
    assert m.clone(calibrate=False).calibrate is False
    assert m.clone().half_life_days == 365.0
    assert repr(m) == "StateSpaceModel(alias='statespace', half_life_days=365.0)"
    assert make_model("statespace-recent").level_days == 56


def test_rng_must_be_a_generator(toy):
    with pytest.raises(ValueError, match="numpy.random.Generator"):
        StateSpaceModel(calibrate=False).fit(toy, rng=0)
    m = StateSpaceModel(calibrate=False).fit(toy)
    with pytest.raises(ValueError, match="numpy.random.Generator"):
        m.sample_paths(5, rng=7)


def test_same_rng_same_numbers_and_another_rng_changes_calibration(toy):
    def run(seed):
        rng = np.random.default_rng(seed)
        m = StateSpaceModel(max_folds=2).fit(toy, rng=rng)
        return m.calibration_, m.sample_paths(10, n_paths=50, rng=rng)

    cal_a, paths_a = run(1)
    cal_b, paths_b = run(1)
    cal_c, paths_c = run(2)
    pd.testing.assert_frame_equal(cal_a, cal_b)
    pd.testing.assert_frame_equal(paths_a, paths_b)
    # calibration draws its backtest paths from the fit's stream: another seed changes it
    assert cal_a.cov80_before.iloc[0] != cal_c.cov80_before.iloc[0]
    assert not np.allclose(paths_a.y, paths_c.y)


def test_series_streams_do_not_depend_on_other_series(toy):
    """A series' paths depend on the rng and its position in sorted order, not on the
    other series' data."""
    other = toy_history(years=4, seed=9, unique_id="zz", level=900.0)
    one = StateSpaceModel(calibrate=False).fit(toy).sample_paths(
        5, n_paths=20, rng=np.random.default_rng(4))
    two = StateSpaceModel(calibrate=False).fit(pd.concat([toy, other])).sample_paths(
        5, n_paths=20, rng=np.random.default_rng(4))
    a = one.y.to_numpy()
    b = two[two.unique_id == "toy"].y.to_numpy()
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("alias", ["statespace", "lunar-naive", "auto"])
def test_a_measurement_gets_the_same_forecast_in_any_unit(toy, alias):
    gwh = toy.assign(y=toy.y / 1000 + 0.01)  # not integer-valued: a measurement
    runs = [make_model(alias, country="HK").fit(d, rng=np.random.default_rng(0))
            for d in (gwh, gwh.assign(y=gwh.y * 1000), gwh.assign(y=gwh.y / 1000))]
    for dependence in ("joint", "independent"):
        paths = [m.sample_paths(30, n_paths=100, rng=np.random.default_rng(1),
                                dependence=dependence).y.to_numpy() for m in runs]
        np.testing.assert_allclose(paths[1], paths[0] * 1000, rtol=1e-6)
        np.testing.assert_allclose(paths[2], paths[0] / 1000, rtol=1e-6)
    units = runs[0].models_[0].units_ if alias == "auto" else runs[0].units_
    assert units == {"toy": 1e5}


def test_a_count_with_an_interpolated_day_keeps_integer_paths(toy):
    """One definition of a count (:func:`is_count`) for the unit and the paths' rounding."""
    filled = toy.assign(y=toy.y.where(toy.index != 40, toy.y.iloc[39:42:2].mean() + 0.25))
    m = StateSpaceModel(calibrate=False).fit(filled)
    y = m.sample_paths(10, n_paths=20, rng=np.random.default_rng(0)).y.to_numpy()
    assert m.units_ == {"toy": 1.0} and np.all(y == np.round(y))


def test_which_series_is_a_measurement_and_its_unit():
    from forecast.models.zeros import measurement_unit

    rng = np.random.default_rng(0)
    y = rng.gamma(20.0, 0.1, 700)  # ~2 a day, not integer-valued
    assert measurement_unit(y) == 1e6
    assert measurement_unit(y * 1e4) == 1e2 and measurement_unit(y * 1e7) == 1.0
    counts = np.round(y * 1000)
    assert measurement_unit(counts) == 1.0
    counts[5] += 0.5  # a day filled by interpolation leaves a count a count
    assert measurement_unit(counts) == 1.0
    for share, unit in ((0.05, 1e6), (0.15, 1.0)):  # scattered zeros: intermittent above 10%
        assert measurement_unit(np.where(rng.random(700) < share, 0.0, y)) == unit
    closed = y.copy()
    closed[:90] = 0.0  # not yet open: from the first positive day
    closed[300:400] = 0.0  # a closed run
    closed[np.arange(700) % 7 == 3] = 0.0  # a closed weekday
    assert measurement_unit(closed) == 1e6
    assert measurement_unit(np.full(50, 1e-305)) == 1e300  # no overflow


def test_backtest_is_reproducible_and_names_supported_years(toy):
    kw = {"lny_years": [2025], "n_paths": 30}
    a = backtest(toy, ["lunar-naive"], rng=np.random.default_rng(5), **kw).daily
    b = backtest(toy, ["lunar-naive"], rng=np.random.default_rng(5), **kw).daily
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match=r"supports LNY years \[2022, 2023, 2024, 2025\]"):
        backtest(toy, ["lunar-naive"], lny_years=[2019], rng=np.random.default_rng(0))


def test_auto_selection_has_one_row_per_series_and_component(toy):
    m = AutoModel(components=("statespace", "statespace-recent")).fit(
        toy, rng=np.random.default_rng(0))
    sel = m.selection_
    assert sel.model.tolist() == ["statespace", "statespace-recent"]
    assert (sel.n_folds >= 2).all() and np.isclose(sel.weight.sum(), 1.0)
    assert sel[["scaled_crps", "coverage_80", "window_coverage_80"]].notna().all().all()
    # the scores are the components' own calibration records, not a second backtest
    cal = m.models_[0].calibration_
    assert sel.scaled_crps.iloc[0] == cal.scaled_crps_after.iloc[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("forecast"):
            yield node.module, [a.name for a in node.names]


def test_no_private_name_is_imported_across_modules():
    files = [*ROOT.glob("*.py"), ROOT.parent / "backtest.py"]
    bad = [(f.name, mod, n) for f in files for mod, names in _imports(f)
           for n in names if n.startswith("_")]
    assert bad == []


def test_models_have_no_import_cycle():
    graph = {}
    for f in ROOT.glob("*.py"):
        mod = "forecast.models" + ("" if f.stem == "__init__" else f".{f.stem}")
        graph[mod] = {m for m, _n in _imports(f) if m.startswith("forecast.models")}

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n)))
                   for n in graph.get(start, ()))

    cyclic = [m for m in graph if m != "forecast.models" and reaches(m, m)]
    assert cyclic == []
    # and nothing inside a function imports lazily from the package (a hidden cycle); the
    # package's __init__ is the exception: its exports load on first use (a fast CLI)
    for f in ROOT.glob("*.py"):
        if f.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.FunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.ImportFrom)
                         and (n.module or "").startswith("forecast.models")]
                assert inner == [], (f.name, node.name)


def test_model_aliases_are_the_registry():
    from forecast import models

    assert set(models.MODEL_ALIASES) == set(models._registry())
