"""The Jupyter kernel that runs the planner notebooks, and stopping it on Ctrl-C.

Notebooks always run on this interpreter (``sys.executable``), whatever kernelspecs the user
has installed: a user-level ``python3`` kernelspec pointing at another Python must not
change which code computes the report. The kernel's connection file goes to a folder the
caller chooses (the publication's private work folder), its stderr to ``/dev/null`` (its
start-up chatter is not the user's business; cell errors reach us through the protocol).

:func:`run_interruptible` runs notebook execution in a worker thread, so that Ctrl-C
(or SIGTERM) reaches the main thread as ``KeyboardInterrupt`` at once: the running
kernels are killed and the interrupt propagates, with no kernel traceback printed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec

__all__ = ["kernel_manager_class", "run_interruptible"]

T = TypeVar("T")
_RUNNING: set[AsyncKernelManager] = set()
_LOCK = threading.Lock()


class _OwnKernelManager(AsyncKernelManager):
    """A kernel on ``sys.executable``; connection file in ``runtime_folder``."""

    runtime_folder: str | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._kernel_spec = KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (ipykernel)", language="python", env={},
        )
        if self.runtime_folder is not None:
            self.connection_file = os.path.join(self.runtime_folder,
                                                f"kernel-{uuid.uuid4().hex}.json")

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw.setdefault("stderr", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        with _LOCK:
            _RUNNING.add(self)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        with _LOCK:
            _RUNNING.discard(self)
        await super()._async_cleanup_resources(restart=restart)


def kernel_manager_class(runtime_folder: str | os.PathLike[str] | None = None) -> type:
    """A kernel manager class for nbclient / papermill that runs on this interpreter.

    Parameters
    ----------
    runtime_folder : path, optional
        Existing folder for the kernels' connection files (default: Jupyter's runtime
        folder).

    Examples
    --------
    >>> cls = kernel_manager_class()
    >>> cls().kernel_spec.argv[0] == sys.executable
    True
    """
    folder = None if runtime_folder is None else str(Path(runtime_folder))
    return type("OwnKernelManager", (_OwnKernelManager,), {"runtime_folder": folder})


def _kill_kernels() -> None:
    with _LOCK:
        running = list(_RUNNING)
    for km in running:
        process = getattr(km.provisioner, "process", None)
        if process is None or process.poll() is not None:
            continue
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the kernel leads its own session
        except OSError:
            try:
                process.kill()
            except OSError:
                pass


def run_interruptible(fn: Callable[[], T]) -> T:
    """Call ``fn()`` in a worker thread; on Ctrl-C kill its kernels and re-raise.

    Exceptions of ``fn`` are re-raised in the caller. On ``KeyboardInterrupt`` (in the
    main thread) every kernel started through :func:`kernel_manager_class` is killed, the
    worker is given a few seconds to unwind silently, and the interrupt propagates.

    Examples
    --------
    >>> run_interruptible(lambda: 6 * 7)
    42
    """
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller, never printed by threading
            box["error"] = exc

    worker = threading.Thread(target=work, name="forecast-notebooks", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except BaseException:
        previous = logging.root.manager.disable
        logging.disable(logging.CRITICAL)  # the dying kernel's complaints are expected
        try:
            _kill_kernels()
            worker.join(10)
        finally:
            logging.disable(previous)
        raise
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
