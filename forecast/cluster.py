"""Where per-hub work runs: in this process, or on a ``dask.distributed`` cluster.

:func:`dask_client` opens the cluster of ``forecast run --workers N`` / ``--scheduler``;
:func:`executor` gives the one interface (``submit``, ``gather``) that
:mod:`forecast.distributed` uses with or without a client.
"""

from __future__ import annotations

import contextlib

__all__ = ["dask_client", "executor"]


class _Local:
    """The executor without Dask: calls run at once, in this process."""

    def submit(self, fn, *args):
        return fn(*args)

    def gather(self, items):
        return list(items)


class _Dask:
    def __init__(self, client) -> None:
        self.client = client

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def gather(self, items):
        return self.client.gather(list(items))


def executor(client=None):
    """``submit(fn, *args)`` / ``gather(items)`` on ``client``, or at once in this process
    (``client=None``)."""
    return _Local() if client is None else _Dask(client)


#: How long ``--scheduler`` waits for the scheduler to answer.
CONNECT_TIMEOUT = "20s"


@contextlib.contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None):
    """A Dask client for the run, or None (``workers`` and ``scheduler`` both unset).

    ``workers``: a ``LocalCluster`` of that many single-threaded worker processes, closed on
    exit; ``scheduler``: connect to an existing cluster at that address (left running).
    """
    if workers is not None and scheduler is not None:
        raise ValueError("give --workers (a local cluster) or --scheduler (an existing "
                         "cluster), not both")
    if workers is None and scheduler is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as err:  # a timeout too: nothing listens there
            raise OSError(f"--scheduler {scheduler}: no Dask scheduler answered in "
                          f"{CONNECT_TIMEOUT} ({err}); start one (dask scheduler) or use --workers N for a "
                          "local cluster") from err
        with client:
            yield client
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be an integer >= 1, got {workers!r}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client
