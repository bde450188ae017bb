"""Execute planner notebooks with papermill and publish them as notebooks and HTML.

:func:`publish` runs several notebooks with the same parameters (in order, or several at
once with ``jobs``), shows one line per notebook with its timing on stderr, exports each executed notebook to self-contained
HTML and returns the timings for the manifest. A failing cell becomes one
:class:`NotebookError` naming the notebook, the cell and the error, not a long traceback.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from forecast.report.kernel import kernel_manager_class, run_interruptible

__all__ = [
    "NotebookError",
    "PublishResult",
    "execute_notebook",
    "export_html",
    "notebook_parameters",
    "publish",
]


class NotebookError(RuntimeError):
    """A notebook cell raised; names the notebook, the cell and the error.

    Attributes
    ----------
    notebook : str
        File name of the notebook.
    cell : int or None
        Execution count of the failing cell, when papermill reports it.
    ename, evalue : str
        Exception type and message raised in the cell.
    """

    def __init__(self, notebook: str, cell: int | None, ename: str, evalue: str) -> None:
        self.notebook, self.cell, self.ename, self.evalue = notebook, cell, ename, evalue
        where = f"cell [{cell}]" if cell is not None else "a cell"
        super().__init__(f"notebook {notebook} failed in {where}: {ename}: {evalue}")


@dataclass(frozen=True)
class PublishResult:
    """What :func:`publish` produced.

    Attributes
    ----------
    notebooks : tuple of Path
        Executed notebooks, in run order.
    html : tuple of Path
        HTML exports (empty if ``html=False``).
    timings : dict
        Seconds per notebook, keyed by notebook stem (e.g. ``"01-history"``).
    """

    notebooks: tuple[Path, ...]
    html: tuple[Path, ...]
    timings: dict[str, float]

    @property
    def artefacts(self) -> tuple[Path, ...]:
        """All published files, for :func:`~forecast.report.provenance.write_manifest`."""
        return self.notebooks + self.html


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, str]:
    """Names and annotated types declared in a notebook's ``parameters`` cell(s).

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> spec = {"kernelspec": {"name": "python3", "display_name": "Python 3",
    ...                        "language": "python"}}
    >>> nb = nbformat.v4.new_notebook(metadata=spec)
    >>> cell = nbformat.v4.new_code_cell("n_paths: int = 100  # sample paths")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb.cells.append(cell)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> nbformat.write(nb, path)
    >>> notebook_parameters(path)
    {'n_paths': 'int'}
    """
    import papermill

    path = _existing(path, "notebook")
    try:
        found = papermill.inspect_notebook(str(path))
    except SyntaxError as exc:
        raise ValueError(f"notebook {path.name}: parameters cell is not valid Python: {exc}")
    except ValueError as exc:  # e.g. no kernelspec in the notebook's metadata
        raise ValueError(f"notebook {path.name}: {exc}") from None
    return {name: p["inferred_type_name"] for name, p in found.items()}


def execute_notebook(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    parameters: Mapping[str, object],
    *,
    cwd: str | os.PathLike[str],
    kernel_name: str = "python3",
    progress: bool = True,
    runtime_folder: str | os.PathLike[str] | None = None,
) -> Path:
    """Execute a notebook with papermill, injecting ``parameters``.

    The kernel always runs on this interpreter (see :mod:`forecast.report.kernel`), and
    Ctrl-C stops it at once. The executed copy carries no timestamps, papermill metadata
    or random cell ids, so the same inputs give the same bytes.

    Parameters
    ----------
    src, dst : str or path-like
        Source notebook and where to write the executed copy (its directory must exist).
    parameters : Mapping
        Values to inject; every name must be declared in the notebook's cell tagged
        ``parameters``.
    cwd : str or path-like
        Working directory of the kernel (relative paths in the notebook resolve here).
    kernel_name : str
        Kernel name recorded in the notebook (default ``"python3"``); the kernel itself is
        always this interpreter, whatever kernelspec of that name the user has.
    progress : bool
        Show papermill's per-cell progress bar on stderr.
    runtime_folder : path, optional
        Existing folder for the kernel's connection file (default: Jupyter's).

    Returns
    -------
    pathlib.Path
        ``dst``.

    Raises
    ------
    ValueError
        Missing files, no ``parameters`` cell, or an undeclared parameter name.
    NotebookError
        A cell raised (``dst`` still holds the notebook up to the failure), or the kernel
        died or did not start.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> spec = {"kernelspec": {"name": "python3", "display_name": "Python 3",
    ...                        "language": "python"}}
    >>> nb = nbformat.v4.new_notebook(metadata=spec)
    >>> cell = nbformat.v4.new_code_cell("n: int = 1")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb.cells += [cell, nbformat.v4.new_code_cell("print(n * 2)")]
    >>> nbformat.write(nb, tmp / "nb.ipynb")
    >>> out = execute_notebook(tmp / "nb.ipynb", tmp / "out.ipynb", {"n": 21}, cwd=tmp,
    ...                        progress=False)
    >>> nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"]
    '42\\n'
    """
    src = _existing(src, "notebook")
    dst = Path(dst)
    cwd = Path(cwd)
    if not dst.parent.is_dir():
        raise ValueError(f"execute_notebook: output directory {dst.parent} does not exist")
    if not cwd.is_dir():
        raise ValueError(f"execute_notebook: cwd {cwd} is not an existing directory")
    declared = notebook_parameters(src)
    if parameters and not declared:
        raise ValueError(f"notebook {src.name} has no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(
            f"notebook {src.name} does not declare parameter(s) {unknown}; "
            f"declared: {sorted(declared)}"
        )
    run_interruptible(lambda: _execute(src, dst, parameters, cwd=cwd,
                                       kernel_name=kernel_name, progress=progress,
                                       runtime_folder=runtime_folder))
    return dst


def _execute(src: Path, dst: Path, parameters: Mapping[str, object], *, cwd: Path,
             kernel_name: str, runtime_folder, progress: bool = False) -> None:
    """Run papermill on ``src`` (in the calling thread); see :func:`execute_notebook`."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(Path(src).resolve()),
            str(Path(dst).resolve()),
            parameters=dict(parameters),
            # the kernel starts in ``cwd``; papermill's own ``cwd=`` would chdir the whole
            # process, which notebooks run at once in threads corrupt (one restores the
            # other's folder, later deleted: the process is left in a missing directory)
            resources={"metadata": {"path": str(Path(cwd).resolve())}},
            kernel_name=kernel_name,
            language="python",
            progress_bar=progress,
            log_output=False,
            kernel_manager_class=kernel_manager_class(runtime_folder),
        )
    except PapermillExecutionError as exc:
        raise NotebookError(src.name, exc.exec_count, exc.ename, exc.evalue) from None
    except (RuntimeError, OSError, TimeoutError) as exc:  # the kernel died or never started
        evalue = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise NotebookError(src.name, None, type(exc).__name__, evalue[:200]) from None
    _normalise(dst)


def _normalise(path: Path) -> None:
    """Drop what differs between two runs with the same inputs: papermill's timings and
    paths, execution timestamps, the injected cell's random id."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    nbformat.write(nb, path)


def export_html(ipynb: str | os.PathLike[str], html: str | os.PathLike[str]) -> Path:
    """Export an executed notebook to one self-contained HTML file.

    Figures are embedded as base64 PNGs and no script or style sheet is loaded from the
    network (no MathJax or require.js from a CDN), so the file opens offline.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> spec = {"kernelspec": {"name": "python3", "display_name": "Python 3",
    ...                        "language": "python"}}
    >>> nb = nbformat.v4.new_notebook(metadata=spec)
    >>> nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    >>> nbformat.write(nb, tmp / "nb.ipynb")
    >>> "Title" in export_html(tmp / "nb.ipynb", tmp / "nb.html").read_text()
    True
    """
    import nbformat
    from nbconvert import HTMLExporter

    ipynb = _existing(ipynb, "notebook")
    html = Path(html)
    if not html.parent.is_dir():
        raise ValueError(f"export_html: output directory {html.parent} does not exist")
    exporter = HTMLExporter(
        template_name="lab",
        embed_images=True,
        mathjax_url="",
        require_js_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
    )
    exporter.exclude_anchor_links = True
    notebook = nbformat.read(ipynb, as_version=4)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": ipynb.stem}})
    html.write_text(body, encoding="utf-8")
    return html


def publish(
    notebooks: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    parameters: Mapping[str, object],
    *,
    cwd: str | os.PathLike[str] | None = None,
    kernel_name: str = "python3",
    html: bool = True,
    progress: bool = True,
    runtime_folder: str | os.PathLike[str] | None = None,
    jobs: int = 1,
) -> PublishResult:
    """Execute notebooks in order and publish them (``.ipynb`` and ``.html``) to ``out_dir``.

    Parameters
    ----------
    notebooks : sequence of path
        Notebooks to run, in order; file names must be distinct.
    out_dir : str or path-like
        Output directory (created if missing).
    parameters : Mapping
        One set of parameters for all notebooks; each notebook receives the names its
        ``parameters`` cell declares. A name that no notebook declares is a ValueError.
    cwd : path, optional
        Kernel working directory; default ``out_dir``.
    kernel_name : str
        Jupyter kernel to run.
    html : bool
        Also export each executed notebook to HTML.
    progress : bool
        Print one line per notebook with its timing to stderr.
    runtime_folder : path, optional
        Existing folder for the kernels' connection files.
    jobs : int
        Notebooks executed at once, each in its own kernel (``forecast run --workers N``
        uses N). They must not depend on one another's outputs; the planner notebooks
        only reload the plan computed before them.

    Returns
    -------
    PublishResult
        Executed notebooks, HTML files and seconds per notebook.

    Raises
    ------
    NotebookError
        The first failing notebook (in the given order); notebooks not yet started are
        not run.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> spec = {"kernelspec": {"name": "python3", "display_name": "Python 3",
    ...                        "language": "python"}}
    >>> nb = nbformat.v4.new_notebook(metadata=spec)
    >>> cell = nbformat.v4.new_code_cell("seed: int = 0")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb.cells += [cell, nbformat.v4.new_code_cell("seed + 1")]
    >>> nbformat.write(nb, tmp / "01-demo.ipynb")
    >>> result = publish([tmp / "01-demo.ipynb"], tmp / "out", {"seed": 3}, progress=False)
    >>> [p.name for p in result.artefacts]
    ['01-demo.ipynb', '01-demo.html']
    """
    sources = [_existing(nb, "notebook") for nb in notebooks]
    names = [src.name for src in sources]
    if not sources:
        raise ValueError("publish: no notebooks given")
    if len(set(names)) != len(names):
        raise ValueError(f"publish: notebook file names must be distinct, got {names}")
    declared = {src: notebook_parameters(src) for src in sources}
    unused = sorted(set(parameters) - set().union(*map(set, declared.values())))
    if unused:
        raise ValueError(f"publish: no notebook declares parameter(s) {unused}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cwd = out_dir if cwd is None else Path(cwd)
    if not cwd.is_dir():
        raise ValueError(f"publish: cwd {cwd} is not an existing directory")
    own = {src: {k: v for k, v in parameters.items() if k in declared[src]} for src in sources}
    done: list[Path] = []

    def one(src: Path) -> tuple[Path, Path | None, float]:
        start = time.perf_counter()
        dst = out_dir / src.name
        try:
            _execute(src, dst, own[src], cwd=cwd, kernel_name=kernel_name,
                     runtime_folder=runtime_folder)
        except NotebookError:
            _say(progress, f"  notebook {src.stem}: FAILED after "
                 f"{time.perf_counter() - start:.1f} s (partial notebook: {dst})")
            raise
        page = export_html(dst, dst.with_suffix(".html")) if html else None
        seconds = time.perf_counter() - start
        done.append(dst)
        _say(progress, f"  notebook {len(done)} of {len(sources)}, {src.stem}: {seconds:.1f}s")
        return dst, page, seconds

    def run_all() -> list[tuple[Path, Path | None, float]]:
        if jobs == 1:
            return [one(src) for src in sources]
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="notebook") as pool:
            futures = [pool.submit(one, src) for src in sources]
            try:
                return [f.result() for f in futures]
            except NotebookError:
                for f in futures:
                    f.cancel()
                raise

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"publish: jobs must be an integer >= 1, got {jobs!r}")
    results = run_interruptible(run_all)
    return PublishResult(tuple(r[0] for r in results),
                         tuple(r[1] for r in results if r[1] is not None),
                         {src.stem: r[2] for src, r in zip(sources, results)})


def _say(enabled: bool, line: str) -> None:
    if enabled:
        print(line, file=sys.stderr, flush=True)


def _existing(path: str | os.PathLike[str], what: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path} does not exist")
    return path
