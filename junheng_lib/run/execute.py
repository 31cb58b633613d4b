"""Executing a report notebook with papermill, on a kernel reused between notebooks, or started ahead.

:class:`NotebookExecutor` is what the runner calls for each task (``executor(task, out_nb,
parameters)``): it runs the template notebook with papermill on an IPC kernel
(:mod:`junheng_lib.run.kernels`) — the one the previous notebook ran on, reset, when the runner says
more will follow (``expect_more``), or one started ahead while the previous notebook ran — and
writes the executed notebook once, at the end (a registered papermill engine: the supported seam,
papermill issues #326 and #616). One executor per process; it holds that process's kernels, nothing
is shared between processes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import papermill as pm
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError

from junheng_lib.render.page import prepare_html
from junheng_lib.run import kernels
from junheng_lib.run.tasks import CountyTask
from junheng_lib.util.paths import notebook

__all__ = ["NotebookExecutor", "KERNEL_ENV", "START_TIMEOUT", "ENGINE", "NOTEBOOKS_PER_KERNEL"]

#: environment of the kernels started by the runner (a glyph no font has is drawn as 〓 by
#: plots.chart_text and never fails a report; the tests make tofu an error in our own charts)
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
#: seconds a kernel may take to start
START_TIMEOUT = 60
#: papermill engine that writes the executed notebook once, at the end
ENGINE = "junheng"
#: notebooks one kernel runs, reset between them (:func:`kernels.reset`), before a fresh kernel takes
#: over: the imports are paid once per kernel, not once per report, and what a kernel may accumulate
#: over a long run stays bounded
NOTEBOOKS_PER_KERNEL = 20


class SaveAtEndEngine(NBClientEngine):
    """papermill's engine, writing the executed notebook once at the end — also after an error or a
    dead kernel, for diagnosis — instead of at every cell's start and end (≈ 80 writes of a growing
    notebook, about half a second per report)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        path, nb_man.output_path = nb_man.output_path, None
        try:
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        finally:
            nb_man.output_path = path  # papermill's notebook_complete writes it once


papermill_engines.register(ENGINE, SaveAtEndEngine)


def kernel_env() -> dict:
    """The environment of a report kernel: this process's and :data:`KERNEL_ENV`."""
    return {**os.environ, **KERNEL_ENV}


def kernel_start_failure(e: Exception, nb_path: Path) -> bool:
    """True when no cell ran (the kernel did not start or died at once)."""
    if isinstance(e, PapermillExecutionError):
        return False
    try:
        nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
        return not any(c.get("execution_count") for c in nb.get("cells", []))
    except (OSError, ValueError):
        return True


class NotebookExecutor:
    """Runs report notebooks in this process.

    A notebook that ran through leaves its kernel reset (:func:`kernels.reset`: a fresh namespace and
    execution count, the modules still imported) for the next notebook, when :attr:`expect_more`
    says another follows, up to :data:`NOTEBOOKS_PER_KERNEL` notebooks; with ``prewarm``, a fresh
    kernel is started ahead (and imports what the template imports) while the last notebook of a
    kernel runs. A kernel whose notebook failed is never reused. A kernel asked to stop is ended after
    the HTML conversion (:meth:`settle`); :meth:`close` ends every kernel of this executor."""

    def __init__(self, prewarm: bool = True, notebooks_per_kernel: int = NOTEBOOKS_PER_KERNEL):
        self.prewarm = prewarm
        self.notebooks_per_kernel = notebooks_per_kernel
        self.expect_more = False
        self.warm = kernels.WarmKernel()
        self.stopping: list = []
        self.running = None  # the kernel of the notebook being executed

    def start_ahead(self, template: str) -> None:
        """Start the kernel of a notebook of ``template`` now (used before the data are read)."""
        if self.prewarm:
            path = notebook(template)
            self.warm.prepare(path.parent, kernel_env(), kernels.warm_up_code(path))

    def __call__(self, task: CountyTask, out_nb: Path, parameters: dict) -> None:
        template = notebook(task.template)
        cwd, env = template.parent, kernel_env()
        last: Exception | None = None
        for attempt in (1, 2):  # one retry when the kernel dies before running a cell
            km = self.warm.take(cwd, env) if attempt == 1 else None
            if km is None:
                km = kernels.start(cwd, env)
            self.running = km
            km.notebooks_run += 1
            last_of_kernel = km.notebooks_run >= self.notebooks_per_kernel
            if attempt == 1 and self.expect_more and last_of_kernel:
                self.start_ahead(task.template)
            prepare_html()
            ran = False
            try:
                pm.execute_notebook(str(template), str(out_nb), parameters=parameters, engine_name=ENGINE,
                                    kernel_name=kernels.KERNEL_NAME, cwd=str(cwd), progress_bar=False,
                                    execution_timeout=task.timeout, start_timeout=START_TIMEOUT, km=km)
                ran = True
                return
            except Exception as e:  # noqa: BLE001 - classified below
                last = e
                if attempt == 1 and kernel_start_failure(e, out_nb):
                    continue
                raise
            finally:
                self.running = None
                if ran and self.expect_more and not last_of_kernel and self.warm.km is None and kernels.reset(km):
                    self.warm.keep(km, cwd, env)
                else:
                    self.stopping.append(km)
                    kernels.request_stop(km)
        raise last  # pragma: no cover

    def settle(self) -> None:
        """End the kernels asked to stop (they had the HTML conversion to exit on their own)."""
        while self.stopping:
            kernels.finish_stop(self.stopping.pop())

    def close(self) -> None:
        """Shut down the kernel started ahead and never used, and every kernel still stopping."""
        self.warm.discard()
        self.settle()

    def kill(self) -> None:
        """Kill every kernel of this executor at once — the running one, the one started ahead and
        those stopping — without waiting on any (Ctrl-C; a pool worker told to end)."""
        found = [self.running, self.warm.km, *self.stopping]
        self.running, self.warm.km, self.warm.key, self.stopping = None, None, None, []
        for km in found:
            if km is not None:
                kernels.kill_now(km)
