"""Atomic publishing: build a report in a folder beside its target, then swap it in.

:class:`Staging` is a context manager around one publication into ``target``:

- before any computing it checks that ``target`` can be replaced (an existing folder must
  be an earlier report, i.e. hold a ``manifest.json`` of this package; the parent must be
  writable) and creates a hidden staging folder beside it, ``.<name>.forecast-<token>``,
  with a private work folder inside for temporary files (kernel connection files, the PDF
  step, the plan shared by the notebooks);
- :meth:`Staging.commit` verifies every artefact listed in the staged manifest, deletes the
  work folder, flushes the files to disk and swaps the staged folder into place with one
  atomic rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames that the next
  run repairs if interrupted between them);
- leaving the block without a commit (an error, Ctrl-C, SIGTERM) deletes the staging.

A run killed with SIGKILL cannot clean up after itself: its staging folder stays hidden
beside the target and the next publication into the same target removes it. A lock file
held for the run's life tells stale leftovers from a concurrent live run.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from forecast.hashing import file_hash

__all__ = ["Staging", "temporary_files", "verify_report"]

_MANIFEST = "manifest.json"
_WORK = ".work"
_PNG = b"\x89PNG\r\n\x1a\n"


class Staging:
    """One atomic publication into ``target`` (see the module docstring).

    Parameters
    ----------
    target : str or path-like
        The report folder to create or replace.

    Attributes
    ----------
    path : pathlib.Path
        Where to build the report (the future ``target``).
    work : pathlib.Path
        Private folder for temporary files; deleted before the swap.

    Raises
    ------
    ValueError
        ``target`` is a file, a folder that is not a report of this package, or cannot be
        written (checked on entering, before any computing).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with Staging(target) as stage:
    ...     _ = (stage.path / "manifest.json").write_text('{"package": "forecast", "artefacts": []}')
    ...     _ = stage.commit()
    >>> sorted(p.name for p in target.parent.iterdir())
    ['out']
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(os.path.abspath(target))
        self._token = secrets.token_hex(6)
        self._created: list[Path] = []
        self._lock_fd: int | None = None
        self._committed = False

    @property
    def _prefix(self) -> str:
        return f".{self.target.name}.forecast-"

    @property
    def path(self) -> Path:
        return self.target.parent / f"{self._prefix}{self._token}"

    @property
    def work(self) -> Path:
        return self.path / _WORK

    @property
    def _lock(self) -> Path:
        return self.target.parent / f"{self._prefix}{self._token}.lock"

    @property
    def _old(self) -> Path:
        return self.target.parent / f"{self._prefix}{self._token}.old"

    def __enter__(self) -> Staging:
        check_target(self.target)
        parent = self.target.parent
        missing = []
        for folder in (parent, *parent.parents):
            if folder.exists():
                break
            missing.append(folder)
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self._created.append(folder)
            _clean_stale(parent, self._prefix, self.target)
            self._lock_fd = os.open(self._lock, os.O_CREAT | os.O_RDWR | os.O_EXCL, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path.mkdir()
            self.work.mkdir(mode=0o700)
        except OSError as exc:
            self._cleanup()
            raise ValueError(f"--out {self.target}: cannot write beside it in {parent} "
                             f"({exc.strerror or exc})") from None
        except BaseException:
            self._cleanup()
            raise
        return self

    def commit(self) -> Path:
        """Verify the staged report and swap it into ``target``; return ``target``."""
        shutil.rmtree(self.work)
        verify_report(self.path)
        _fsync_tree(self.path)
        try:
            os.rename(self.path, self.target)  # no earlier report (or an empty folder)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
                raise
            if not _exchange(self.path, self.target):
                os.rename(self.target, self._old)  # fallback: repaired by _clean_stale
                os.rename(self.path, self.target)
                shutil.rmtree(self._old, ignore_errors=True)
        _fsync_dir(self.target.parent)
        self._committed = True
        return self.target

    def __exit__(self, *exc_info) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        # after a commit, self.path holds the previous report (exchanged out): delete it too
        _rmtree(self.path)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
            self._lock.unlink(missing_ok=True)
        if not self._committed:
            for folder in reversed(self._created):
                try:
                    folder.rmdir()
                except OSError:
                    break


def check_target(target: Path) -> None:
    """Raise ValueError unless ``target`` is missing, empty or an earlier report."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ValueError(f"--out {target} exists and is not a folder; choose a folder name")
    if not target.exists():
        return
    if any(target.iterdir()) and not _is_report(target / _MANIFEST):
        raise ValueError(f"--out {target} is a folder that holds no forecast report "
                         f"({_MANIFEST} missing); refusing to replace it: choose a new or "
                         "empty folder")
    for folder in (target, target.parent):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ValueError(f"--out {target}: {folder} is not writable")


def _is_report(manifest: Path) -> bool:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("package") == "forecast"


def verify_report(folder: str | os.PathLike[str]) -> None:
    """Check a built report: every artefact in its manifest exists with its sha256 and size.

    Notebooks must be valid ``.ipynb`` JSON, PNGs and PDFs must be whole files.

    Raises
    ------
    ValueError
        Naming the first artefact that is missing, altered or malformed.
    """
    folder = Path(folder)
    manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    for item in manifest["artefacts"]:
        path = folder / item["path"]
        if not path.is_file() or path.stat().st_size != item["size"]:
            raise ValueError(f"report check: {item['path']} is missing or has another size")
        if file_hash(path) != item["sha256"]:
            raise ValueError(f"report check: {item['path']} does not match its sha256")
        _check_format(path)


def _check_format(path: Path) -> None:
    data = path.read_bytes()
    if path.suffix == ".png" and not data.startswith(_PNG):
        raise ValueError(f"report check: {path.name} is not a whole PNG file")
    if path.suffix == ".pdf" and not (data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]):
        raise ValueError(f"report check: {path.name} is not a whole PDF file")
    if path.suffix == ".ipynb":
        import nbformat

        try:
            nbformat.validate(nbformat.reads(data.decode("utf-8"), as_version=4))
        except Exception as exc:  # nbformat raises several types for a bad notebook
            raise ValueError(f"report check: {path.name} is not a valid notebook "
                             f"({type(exc).__name__})") from None


def _clean_stale(parent: Path, prefix: str, target: Path) -> None:
    """Remove leftovers of earlier runs into ``target`` whose process is gone."""
    for lock in parent.glob(f"{prefix}*.lock"):
        token = lock.name[len(prefix):-len(".lock")]
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live run holds it
        try:
            _remove_run(parent, prefix, token, target)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
    for path in parent.glob(f"{prefix}*"):  # staged or old folders without a lock file
        if path.name.endswith(".lock"):
            continue
        token = path.name[len(prefix):].removesuffix(".old")
        if not (parent / f"{prefix}{token}.lock").exists():
            _remove_run(parent, prefix, token, target)


def _remove_run(parent: Path, prefix: str, token: str, target: Path) -> None:
    old = parent / f"{prefix}{token}.old"
    if old.is_dir() and not target.exists():
        os.rename(old, target)  # killed between the two renames of the fallback swap
    for path in (parent / f"{prefix}{token}", old):
        if path.is_dir() and not path.is_symlink():
            _rmtree(path)


def _rmtree(path: Path, *, tries: int = 10, wait: float = 0.3) -> None:
    """Remove a folder, again while it still exists: after Ctrl-C the notebook kernel,
    interrupted with this process, may still write into it while it is removed (a full
    test run once found such a folder left behind)."""
    for _ in range(tries):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        time.sleep(wait)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def temporary_files(folder: Path, enabled: bool):
    """While active (if ``enabled``), temporary files of this process and its children go
    to ``folder``."""
    if not enabled:
        yield
        return
    folder.mkdir()
    before = tempfile.tempdir, os.environ.get("TMPDIR")
    had_stan = "cmdstanpy" in sys.modules
    tempfile.tempdir = os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = before[0]
        if before[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = before[1]
        if not had_stan:
            _move_stan_tmpdir(folder)


def _move_stan_tmpdir(folder: Path) -> None:
    """cmdstanpy (Prophet's) makes its temporary folder once, when first imported, and its
    modules keep their own copy of the path: first imported inside ``folder``, it would be
    deleted with the run, and every later Prophet fit of this process would fail. Point
    them all at a new folder in the usual place (cmdstanpy removes it at exit)."""
    inside = [m for name, m in list(sys.modules.items())
              if (name == "cmdstanpy" or name.startswith("cmdstanpy."))
              and str(getattr(m, "_TMPDIR", "")).startswith(str(folder))]
    if inside:
        fresh = tempfile.mkdtemp()
        for module in inside:
            module._TMPDIR = fresh
