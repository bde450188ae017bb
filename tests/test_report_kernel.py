"""Notebooks run on this interpreter, whatever kernelspecs the user has."""

from __future__ import annotations

import json
import sys

import nbformat

from forecast.report.publish import execute_notebook


def test_a_user_kernelspec_named_python3_does_not_change_the_interpreter(tmp_path,
                                                                           monkeypatch):
    user = tmp_path / "user-jupyter"
    spec = user / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({  # another interpreter: dies at once
        "argv": ["/bin/false", "-f", "{connection_file}"], "display_name": "Other Python",
        "language": "python"}))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(user))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().find_kernel_specs()["python3"] == str(spec)  # it would win

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    cell = nbformat.v4.new_code_cell("n: int = 0")
    cell.metadata["tags"] = ["parameters"]
    nb.cells += [cell, nbformat.v4.new_code_cell("import sys\nprint(sys.executable, n)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, tmp_path / "nb.ipynb")
    out = execute_notebook(tmp_path / "nb.ipynb", tmp_path / "out.ipynb", {"n": 3},
                           cwd=tmp_path, progress=False, runtime_folder=tmp_path)
    text = nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"]
    assert text == f"{sys.executable} 3\n"
    assert not list(tmp_path.glob("kernel-*.json"))  # its connection file is cleaned up


def test_the_executed_notebook_has_no_timestamps_or_random_ids(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    cell = nbformat.v4.new_code_cell("n: int = 0")
    cell.metadata["tags"] = ["parameters"]
    nb.cells += [cell, nbformat.v4.new_code_cell("print(n)")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    runs = [execute_notebook(tmp_path / "nb.ipynb", tmp_path / f"out{i}.ipynb", {"n": 1},
                             cwd=tmp_path, progress=False).read_bytes() for i in range(2)]
    assert runs[0] == runs[1]
    text = runs[0].decode()
    assert "papermill" not in text and "start_time" not in text and "iopub" not in text
    assert '"id": "injected-parameters"' in text
