"""Optional: run the per-county unit of work on dask.distributed (``pip install -e .[distributed]``).

The unit of work is :func:`junheng_lib.run.runner.run_county`, a plain picklable function of a
:class:`~junheng_lib.run.runner.CountyTask`; dask only schedules it. On a real cluster, point
``address`` at the scheduler (``tcp://host:8786``); the data folder and the output folder must be
on a file system every worker sees (the same paths), and every worker needs this package installed.
"""
from __future__ import annotations

from typing import Callable, Iterator

__all__ = ["run_on_dask"]


def run_on_dask(fn: Callable, tasks, workers: int = 2, address: str | None = None,
                on_error: Callable | None = None) -> Iterator:
    """Submit ``fn(task)`` for every task to a dask cluster and yield the results as they complete.

    ``fn`` is the runner's unit of work (:func:`junheng_lib.run.runner.run_county`), passed in so that
    this module never imports the runner (no import cycle).
    A task whose future fails (its worker died more often than dask retries, an error outside the
    unit of work) yields ``on_error(task, exception)`` and the others go on (without ``on_error``
    the error is raised).
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("需要安装可选依赖：pip install -e \".[distributed]\"") from e

    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        tasks = list(tasks)
        futures = client.map(fn, tasks, pure=False)
        task_of = {f.key: t for f, t in zip(futures, tasks)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as e:  # noqa: BLE001 - one county's failure, said by the caller
                if on_error is None:
                    raise
                yield on_error(task_of[fut.key], e)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
