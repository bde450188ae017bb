"""Tests for forecast.report.publish (papermill execution, HTML export, manifest)."""

from __future__ import annotations

import json

import nbformat
import pytest

from forecast.hashing import file_hash
from forecast.report.provenance import MANIFEST_NAME, write_manifest
from forecast.report.publish import (
    NotebookError,
    execute_notebook,
    notebook_parameters,
    publish,
)

PARAMETERS = "seed: int = 0  # RNG seed\nlabel: str = 'default'  # series name\n"
PLOT = (
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "%matplotlib inline\nfig, ax = plt.subplots(figsize=(2, 1), dpi=40)\n"
    "ax.plot([0, seed]);\nplt.show()"
)


def write_notebook(path, *cells, parameters=PARAMETERS):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {path.stem}"))
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


def stream_text(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream")


def test_notebook_parameters_reads_the_tagged_cell(tmp_path):
    path = write_notebook(tmp_path / "report_a.ipynb", "x = 1")
    assert notebook_parameters(path) == {"seed": "int", "label": "str"}


@pytest.mark.slow  # two Jupyter kernels and two HTML exports: about 6 s
def test_publish_injects_parameters_exports_html_and_feeds_the_manifest(tmp_path):
    first = write_notebook(tmp_path / "01-report.ipynb", "print(f'seed={seed} label={label}')",
                           PLOT)
    second = write_notebook(tmp_path / "02-report.ipynb", "print(seed * 2)",
                            parameters="seed: int = 0  # RNG seed")
    out = tmp_path / "out"
    result = publish([first, second], out, {"seed": 7, "label": "沙田"}, progress=True)

    assert [p.name for p in result.notebooks] == ["01-report.ipynb", "02-report.ipynb"]
    assert set(result.timings) == {"01-report", "02-report"}
    assert all(t > 0 for t in result.timings.values())
    nb1 = nbformat.read(out / "01-report.ipynb", as_version=4)
    injected = [c for c in nb1.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "seed = 7" in injected[0].source
    assert "seed=7 label=沙田" in stream_text(nb1)
    assert any("image/png" in o.get("data", {}) for c in nb1.cells if c.cell_type == "code"
               for o in c.outputs)
    nb2 = nbformat.read(out / "02-report.ipynb", as_version=4)
    assert stream_text(nb2) == "14\n"  # only its declared parameter was injected

    html = (out / "01-report.html").read_text()
    assert "data:image/png;base64" in html and "seed=7 label=沙田" in html
    assert 'src="http' not in html and "<title>01-report</title>" in html

    manifest = write_manifest(out, version="0.1.0", config_hash="ab" * 32,
                              data_hash="cd" * 32, seed=7, timings=result.timings,
                              artefacts=result.artefacts)
    data = json.loads(manifest.read_text())
    assert [a["path"] for a in data["artefacts"]] == sorted(
        ["01-report.ipynb", "01-report.html", "02-report.ipynb", "02-report.html"])
    for entry in data["artefacts"]:
        assert entry["sha256"] == file_hash(out / entry["path"])
        assert entry["size"] == (out / entry["path"]).stat().st_size
    assert data["seed"] == 7 and set(data["timings"]) == set(result.timings)
    # the manifest sits next to what it lists, and nothing else was published
    assert manifest == out / MANIFEST_NAME
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [a["path"] for a in data["artefacts"]] + [MANIFEST_NAME])
    # listing the whole directory again (old manifest included) does not list the manifest
    again = write_manifest(out, version="0.1.0", config_hash="ab" * 32, data_hash="cd" * 32,
                           seed=7, timings=result.timings, artefacts=sorted(out.iterdir()))
    assert json.loads(again.read_text())["artefacts"] == data["artefacts"]


def test_failing_notebook_names_notebook_and_cell_error_and_stops(tmp_path, capsys):
    bad = write_notebook(tmp_path / "01-bad.ipynb", "x = 1", "1 / (seed - seed)")
    later = write_notebook(tmp_path / "02-later.ipynb", "print('ran')")
    with pytest.raises(NotebookError) as info:
        publish([bad, later], tmp_path / "out", {"seed": 1}, progress=True)
    message = str(info.value)
    assert "01-bad.ipynb" in message and "ZeroDivisionError" in message
    assert "\n" not in message and len(message) < 300
    # execution count as shown in the executed notebook: injected, parameters, x = 1, fail
    assert info.value.cell == 4 and info.value.ename == "ZeroDivisionError"
    assert not (tmp_path / "out" / "02-later.ipynb").exists()
    assert "01-bad: FAILED" in capsys.readouterr().err


def test_parameter_names_are_checked_before_running(tmp_path):
    nb = write_notebook(tmp_path / "report_a.ipynb", "x = 1")
    with pytest.raises(ValueError, match=r"no notebook declares parameter\(s\) \['sead'\]"):
        publish([nb], tmp_path / "out", {"sead": 1}, progress=False)
    with pytest.raises(ValueError, match="does not declare parameter"):
        execute_notebook(nb, tmp_path / "o.ipynb", {"n_paths": 1}, cwd=tmp_path)
    bare = write_notebook(tmp_path / "report_b.ipynb", "x = 1", parameters=None)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        execute_notebook(bare, tmp_path / "o.ipynb", {"seed": 1}, cwd=tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        publish([tmp_path / "missing.ipynb"], tmp_path / "out", {}, progress=False)
    assert not (tmp_path / "out").exists()  # nothing is created before the checks pass


def test_notebooks_run_at_once_give_the_same_notebooks_in_the_given_order(tmp_path):
    sources = [write_notebook(tmp_path / f"0{i}-nb.ipynb", f"print(seed * {i})")
               for i in (1, 2, 3)]
    one = publish(sources, tmp_path / "one", {"seed": 7}, html=False, progress=False)
    two = publish(sources, tmp_path / "two", {"seed": 7}, html=False, progress=False, jobs=2)
    assert [p.name for p in two.notebooks] == ["01-nb.ipynb", "02-nb.ipynb", "03-nb.ipynb"]
    assert list(two.timings) == ["01-nb", "02-nb", "03-nb"]
    for a, b in zip(one.notebooks, two.notebooks):
        assert file_hash(a) == file_hash(b)
    assert stream_text(nbformat.read(two.notebooks[2], as_version=4)) == "21\n"


def test_notebooks_run_at_once_start_in_cwd_and_leave_the_process_where_it_was(tmp_path):
    """papermill's own cwd= chdirs the whole process; two notebooks in threads once left it
    in a deleted folder (later tests failed on os.getcwd())."""
    import os

    sources = [write_notebook(tmp_path / f"0{i}-nb.ipynb",
                              f"import os, time\nopen('made-by-{i}', 'w').close()\n"
                              "time.sleep(0.3)\nprint(os.getcwd())") for i in (1, 2, 3)]
    work = tmp_path / "work"
    work.mkdir()
    import threading

    here, seen, done = os.getcwd(), set(), threading.Event()

    def watch():  # the process's folder while the notebooks run: never changed
        while not done.is_set():
            seen.add(os.getcwd())
            done.wait(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = publish(sources, tmp_path / "out", {"seed": 1}, cwd=work, html=False,
                         progress=False, jobs=2)
    finally:
        done.set()
        watcher.join()
    assert seen == {here} and os.getcwd() == here
    assert sorted(p.name for p in work.iterdir()) == ["made-by-1", "made-by-2", "made-by-3"]
    printed = {stream_text(nbformat.read(nb, as_version=4)).strip() for nb in result.notebooks}
    assert printed == {str(work.resolve())}


def test_a_failing_notebook_among_several_at_once_is_named(tmp_path):
    good = write_notebook(tmp_path / "01-good.ipynb", "print('ok')")
    bad = write_notebook(tmp_path / "02-bad.ipynb", "1 / (seed - seed)")
    with pytest.raises(NotebookError, match="02-bad.ipynb"):
        publish([good, bad], tmp_path / "out", {"seed": 1}, progress=False, jobs=2)
    with pytest.raises(ValueError, match="jobs must be an integer >= 1"):
        publish([good], tmp_path / "out", {}, progress=False, jobs=0)
