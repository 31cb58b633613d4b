"""The report run: every county's notebook (papermill), then each year's roll-up.

:func:`run_reports` is the main job. It reads and validates the data once, writes each county's
slice of the validated tables into the run's private folder (:meth:`~junheng_lib.data.dataset.Dataset.write_slice`),
and hands each notebook the path of its slice as a parameter (``data_slice``): no cache is found
through the environment, nothing is shared between processes but files named in the task.

The unit of work, :func:`run_county`, is a plain picklable function of a
:class:`~junheng_lib.run.tasks.CountyTask`: it executes the notebook in a staging folder
``.run-<pid>-<host>-…`` (the notebook writes its side files there too), converts it to
self-contained HTML without code (:func:`junheng_lib.render.html.notebook_to_html`), and swaps all
of them into place as one unit with a manifest (:mod:`junheng_lib.run.outputs`): a killed run never
leaves a half-written or mixed report, and a missing, changed or foreign file makes the county run
again. A failing county leaves ``<name>.failed.ipynb``, its previous outputs are moved to
``过期报告/`` and it does not stop the others; the run ends with a summary and a non-zero exit status.

Tasks run one after the other in this process, in a local process pool (``workers``), or on
dask.distributed. Each process has one :class:`~junheng_lib.run.execute.NotebookExecutor`, which
starts its next kernel while the current report runs. Pool workers end when the runner dies
(:func:`~junheng_lib.run.cleanup.die_with_parent`); staging and socket folders of dead runs are
removed by the next run (:func:`~junheng_lib.run.cleanup.clean_leftovers`).

Nothing outdated is left looking current: a Word template is tried once before any work
(:func:`~junheng_lib.render.docx.check_template_renders`); the reports of a county no longer in a
year's data are moved to ``过期报告/`` (said on standard error); ``index.json`` stops calling the
counties being re-run current before their files are swapped. Ctrl-C ends the pool workers (SIGTERM:
each kills its kernels) or this process's kernels at once, removes what they left, and raises
KeyboardInterrupt (the command line says one Chinese line and exits with 130).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing as mp
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterable

from papermill.exceptions import PapermillExecutionError
from tqdm.auto import tqdm

from junheng_lib.analysis.ledger_years import check_prior, read_ledgers
from junheng_lib.analysis.units import rollup_units
from junheng_lib.data.dataset import check_request, load
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.standards import read_standard
from junheng_lib.evaluation import evaluate_counties
from junheng_lib.render.docx import check_template_renders
from junheng_lib.render.page import notebook_to_html
from junheng_lib.rules.indicators import RULES
from junheng_lib.rules.options import Options
from junheng_lib.run.cleanup import (
    STAGE_PREFIX,
    clean_leftovers,
    die_with_parent,
    kill_children,
    owner_prefix,
)
from junheng_lib.run.distributed import run_on_dask
from junheng_lib.run.execute import NotebookExecutor
from junheng_lib.run.hashing import input_hashes
from junheng_lib.run.outputs import (
    FAILED_SUFFIX,
    MANIFEST_SUFFIX,
    OUTPUT_SUFFIXES,
    RESULTS_SUFFIX,
    STALE_DIR,
    check_unit,
    commit_unit,
    invalidate_index,
    read_manifest,
    retire_unit,
    set_aside,
    unit_stems,
    write_index,
)
from junheng_lib.run.tasks import (
    COUNTY,
    ROLLUP,
    ROLLUP_STEM,
    CountyTask,
    TaskResult,
    notebook_parameters,
)
from junheng_lib.util.fileio import OutputError, atomic_write_text, os_error_in, reason
from junheng_lib.util.names import NameClash, file_stems, safe_name, without_controls

__all__ = ["run_reports", "run_tasks", "run_county", "Execute", "CountyTask", "TaskResult"]

#: what runs a task's notebook: ``execute(task, executed_notebook_path, parameters)``; by default a
#: :class:`~junheng_lib.run.execute.NotebookExecutor` (papermill). Tests pass a stand-in.
Execute = Callable[[CountyTask, Path, dict], None]


#: counties evaluated together by the runner before their reports run (bounds its memory)
EVALUATE_CHUNK = 100

def _adopt(stage: Path, produced_stem: str, stem: str) -> list[str]:
    """The output files in ``stage``, renamed from the stem the notebook used to the unit's ``stem``."""
    names = []
    for p in sorted(stage.iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        name = p.name
        if produced_stem != stem and name.startswith(f"{produced_stem}."):
            name = stem + name[len(produced_stem):]
            p.replace(stage / name)
        if any(name == f"{stem}{s}" for s in OUTPUT_SUFFIXES):
            names.append(name)
    return names


def relative_paths(nb_path: Path, params: dict, out: Path, template: str, stem: str) -> None:
    """The executed notebook without this machine's paths: the folders papermill injected
    (``data_dir``, ``output_dir``, ``results_dir``) and recorded in its metadata become paths relative
    to the report's folder (``.`` for the report folder itself), the template and output its file names;
    ``data_slice`` (the run's own file, removed at its end) becomes "". A report is handed over; where it was computed is in its 说明 as file names and hashes."""
    subst = {}
    for key in ("output_dir", "results_dir", "data_dir", "data_slice"):
        p = params.get(key)
        if not p or not os.path.isabs(p):
            continue
        if key == "output_dir":
            rel = "."
        elif key == "data_slice":     # removed with the run: the notebook run again reads data_dir
            rel = ""
        else:
            try:
                rel = Path(os.path.relpath(p, out.resolve())).as_posix()
            except ValueError:        # another drive (Windows)
                rel = Path(p).name
        subst[p] = rel
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    pm = nb.get("metadata", {}).get("papermill", {})
    if pm.get("input_path"):
        pm["input_path"] = Path(pm["input_path"]).name
    if pm.get("output_path"):
        pm["output_path"] = f"{stem}.ipynb"
    for k, v in list(pm.get("parameters", {}).items()):
        if isinstance(v, str) and v in subst:
            pm["parameters"][k] = subst[v]
    for cell in nb.get("cells", []):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for p, rel in sorted(subst.items(), key=lambda kv: -len(kv[0])):
                src = src.replace(repr(p), repr(rel)).replace(json.dumps(p), json.dumps(rel))
            cell["source"] = src
    atomic_write_text(nb_path, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")  # never half-written


def run_county(task: CountyTask, execute: Execute | None = None) -> TaskResult:
    """Execute one report notebook; on success its outputs (``<name>.ipynb``, ``.html`` and the side
    files ``.results.json``, ``.docx``, ``.xlsx`` or ``全市汇总.xlsx``) replace the previous ones as one
    unit with the manifest ``<name>.manifest.json``; on failure keep ``<name>.failed.ipynb``.

    ``execute`` runs the notebook (default: a papermill executor of its own, closed at the end)."""
    own = execute is None
    if own:
        execute = NotebookExecutor(prewarm=False)
    t0 = time.perf_counter()
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = task.name
    failed_nb = out / f"{stem}{FAILED_SUFFIX}"
    stage = Path(tempfile.mkdtemp(prefix=owner_prefix(STAGE_PREFIX), dir=out))
    tmp_nb = stage / f"{stem}.ipynb"
    params = {"data_dir": task.data_dir, "year": int(task.year), "output_dir": str(stage.resolve()), **task.options}
    declared = notebook_parameters(task.template)
    for name in ("docx_template", "issuer", "data_slice", "rollup", "standards"):  # only to a notebook that declares them
        if getattr(task, name) and name in declared:
            params[name] = getattr(task, name)
    if task.template == ROLLUP:
        params["results_dir"] = str(out.resolve())
    else:
        params["county"] = task.county
    try:
        execute(task, tmp_nb, params)
        relative_paths(tmp_nb, params, out, task.template, stem)
        notebook_to_html(tmp_nb, stage / f"{stem}.html", title=task.title)
        names = _adopt(stage, safe_name(task.county), stem)
        meta = {"county": task.county, "year": int(task.year), "kind": task.kind, "inputs_sha256": task.input_hash,
                "template": task.template}
        outputs = commit_unit(out, stem, stage, names, meta)
        failed_nb.unlink(missing_ok=True)
        return TaskResult(task.county, True, time.perf_counter() - t0, [str(p) for p in outputs], task=task)
    except Exception as e:  # noqa: BLE001 - one county's failure must not stop the others
        kept = _keep_failed(tmp_nb, failed_nb)
        return TaskResult(task.county, False, time.perf_counter() - t0, [str(failed_nb)] if kept else [],
                          _short_error(e, stage, out), task=task)
    finally:
        settle = getattr(execute, "settle", None)
        if own:
            execute.close()
        elif settle is not None:
            settle()  # the kernel, if it has not ended during the HTML conversion
        shutil.rmtree(stage, ignore_errors=True)


def _keep_failed(tmp_nb: Path, failed_nb: Path) -> bool:
    """Keep a failed run's executed notebook as ``<stem>.failed.ipynb`` — whole or not at all: a
    notebook cut short (a full disk) is dropped, and so is the record of an earlier failure (it would
    be taken for this run's). True when it was kept."""
    try:
        nb = json.loads(tmp_nb.read_text(encoding="utf-8"))
        whole = isinstance(nb, dict) and isinstance(nb.get("cells"), list)
    except (OSError, ValueError):
        whole = False
    try:
        if whole:
            os.replace(tmp_nb, failed_nb)   # a rename within the output folder's file system: atomic
            return True
        failed_nb.unlink(missing_ok=True)
    except OSError:
        pass
    return False


_ERRNO = re.compile(r"\[Errno (\d+)\][^'\n]*(?:'([^'\n]+)')?")


def _short_error(e: Exception, stage: Path | None = None, out: Path | None = None) -> str:
    """What went wrong, for the run's summary: a file the machine refused in Chinese, naming the file
    where it lands (the report folder, not the staging folder it was written in) or the folder."""
    if isinstance(e, PapermillExecutionError):
        text = e.evalue if e.ename in ("OutputError", "DataError") else f"{e.ename}: {e.evalue}"
        m = _ERRNO.search(e.evalue or "") if e.ename in _OS_ERRORS else None
        if m:  # an operating-system error in the notebook: said in Chinese, its text kept
            text = _os_text(OSError(int(m.group(1)), os.strerror(int(m.group(1))), m.group(2)), out) + f"（{text}）"
    elif isinstance(e, OutputError):
        text = str(e)
    elif (err := os_error_in(e)) is not None:
        text = _os_text(err, out)
    else:
        text = f"{type(e).__name__}: {e}"
    if stage is not None and out is not None:
        for where in {str(stage.resolve()), str(stage.absolute()), str(stage)}:
            text = text.replace(where + os.sep, str(out.resolve()) + os.sep)
    return text[:500]


def _os_text(err: OSError, out: Path | None) -> str:
    if err.filename:
        return f"无法读写“{err.filename}”：{reason(err)}"
    if out is not None:
        return f"无法写入报告文件夹“{out.resolve()}”中的文件：{reason(err)}"
    return f"文件读写失败：{reason(err)}"


#: the names an operating-system error has in a notebook's traceback
_OS_ERRORS = {"OSError", "IOError", "PermissionError", "FileNotFoundError", "IsADirectoryError", "NotADirectoryError",
              "FileExistsError", "BlockingIOError"}


def run_tasks(tasks: list[CountyTask], workers: int = 1, progress: bool = True, scheduler: str = "local",
              address: str | None = None, execute: Execute | None = None, more_after: bool = False,
              ready: Callable[[list[CountyTask]], Iterable[list[CountyTask]]] | None = None) -> list[TaskResult]:
    """Run tasks one after the other in this process (``workers`` 1), in a local process pool, or on
    dask.distributed (``scheduler="dask"``: ``address`` of a running scheduler, or a LocalCluster of
    ``workers`` processes); results in completion order.

    One after the other, ``execute`` (default: a new :class:`NotebookExecutor`) runs every notebook;
    a :class:`NotebookExecutor` starts the next kernel ahead, and with ``more_after`` it keeps one
    started for the caller's next notebooks. In the pool, each worker has its own executor (``execute``
    then names what each worker uses; with the ``fork`` start method it need not be picklable). The
    previous outputs of a task that failed are moved to ``过期报告/`` (:func:`outputs.retire_unit`).

    ``ready`` turns the tasks into batches as they become ready to run (the runner's
    :func:`_hand_over`: a batch's slices and evaluations written); in the pool, a batch is submitted
    as soon as it is ready, while the workers run the ones before. Default: all tasks, as given."""
    batches = ready(tasks) if ready is not None else iter([tasks])
    bar = tqdm(total=len(tasks), desc="生成报告", unit="份", disable=not progress or not tasks, file=sys.stderr)
    results: list[TaskResult] = []
    try:
        if scheduler == "dask" and tasks:
            tasks = [t for b in batches for t in b]
            def lost(task, e):  # the worker died (or dask gave up on it): this county failed, the rest go on
                return TaskResult(task.county, False, 0.0, [], _short_error(e), task=task)
            for r in run_on_dask(run_county, tasks, workers=workers, address=address, on_error=lost):
                results.append(_settle(r))
                bar.set_postfix_str(r.county)
                bar.update()
        elif workers <= 1:
            ex = execute if execute is not None else NotebookExecutor()
            try:
                k = 0
                for batch in batches:
                    for t in batch:
                        k += 1
                        bar.set_postfix_str(t.county)
                        if isinstance(ex, NotebookExecutor):
                            ex.expect_more = k < len(tasks) or more_after
                        results.append(_settle(run_county(t, ex)))
                        bar.update()
            except BaseException:  # Ctrl-C: the kernels end now, no orderly shutdown is waited for
                with _shielded():
                    _kill(ex)
                raise
            finally:
                if execute is None:
                    ex.close()
        else:
            # fork where available: workers inherit the runner's imports (papermill, nbconvert) instead
            # of paying for them again (the runner has started no kernel and no thread that matters)
            fork = "fork" in mp.get_all_start_methods()
            ctx = mp.get_context("fork" if fork else "spawn")
            # tasks not started yet, and workers busy: a worker starts its next kernel ahead only when
            # more tasks wait than idle workers will take
            counts = ctx.Array("i", [len(tasks), 0])
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                       initargs=(os.getpid(), counts, workers, execute))
            try:
                futs = {}
                for batch in batches:   # each batch submitted when ready; the pool runs the ones before
                    futs.update({pool.submit(_run_in_pool, t): t for t in batch})
                for f in as_completed(futs):
                    try:
                        results.append(_settle(f.result()))
                    except Exception as e:  # noqa: BLE001 - a dead worker process
                        results.append(_settle(TaskResult(futs[f].county, False, 0.0, [], _short_error(e),
                                                          task=futs[f])))
                    bar.set_postfix_str(futs[f].county)
                    bar.update()
            except BaseException:  # Ctrl-C (or an error of this process): the workers and their kernels end now
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        bar.close()
    return results


class _Worker:
    """What a pool worker process holds: its executor and the pool's shared counts."""

    def __init__(self, counts, workers: int, execute: Execute | None):
        self.counts, self.workers = counts, workers
        self.execute = execute if execute is not None else NotebookExecutor()


#: this pool worker's state (set by the pool's initializer, in the worker process only)
_worker: _Worker | None = None


#: seconds a pool worker told to end (SIGTERM) has before it is killed
STOP_WAIT = 10.0


def _kill(execute) -> None:
    """Kill the kernels of an executor at once (one with a ``kill`` method), never raising."""
    kill = getattr(execute, "kill", None)
    if kill is not None:
        try:
            kill()
        except Exception:  # noqa: BLE001
            pass


@contextlib.contextmanager
def _shielded():
    """A further Ctrl-C is ignored while the run ends its children (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old if old is not None else signal.default_int_handler)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a process pool now: every worker is told to end (SIGTERM: it kills its kernels and exits),
    killed if it has not within :data:`STOP_WAIT` seconds; the tasks not started are cancelled."""
    with _shielded():
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            with contextlib.suppress(Exception):
                p.join(STOP_WAIT)
                if p.is_alive():
                    p.kill()
                    p.join(STOP_WAIT)


def _ignore_signal(signum, frame) -> None:
    """A pool worker's SIGINT (Ctrl-C reaches the whole process group): the runner decides, and tells
    the worker to end (SIGTERM) — no KeyboardInterrupt or traceback in the worker."""


def _end_worker(signum, frame) -> None:
    """A pool worker's SIGTERM: kill its kernels (and any other child, e.g. a kernel still starting),
    then end at once."""
    w = _worker
    if w is not None:
        _kill(w.execute)
    kill_children()
    os._exit(128 + signum)


def _init_worker(parent_pid: int, counts, workers: int, execute: Execute | None) -> None:
    """Pool worker initializer: die with the runner; Ctrl-C is the runner's to handle, SIGTERM ends
    the worker and its kernels at once; shut down the kernel started ahead at a normal exit."""
    global _worker
    from multiprocessing import util

    die_with_parent(parent_pid)
    if hasattr(signal, "SIGTERM") and os.name == "posix":
        signal.signal(signal.SIGINT, _ignore_signal)  # a handler, not SIG_IGN: kernels do not inherit it
        signal.signal(signal.SIGTERM, _end_worker)
    _worker = _Worker(counts, workers, execute)
    close = getattr(_worker.execute, "close", None)
    if close is not None:
        util.Finalize(None, close, exitpriority=100)  # runs when the worker exits normally


def _run_in_pool(task: CountyTask) -> TaskResult:
    w = _worker
    if w is None:  # pragma: no cover - not started by run_tasks
        return run_county(task)
    with w.counts.get_lock():
        w.counts[0] -= 1
        w.counts[1] += 1
        more = w.counts[0] > w.workers - w.counts[1]  # more waiting than idle workers will take
    if isinstance(w.execute, NotebookExecutor):
        w.execute.expect_more = more
    try:
        return run_county(task, w.execute)
    finally:
        with w.counts.get_lock():
            w.counts[1] -= 1


def _settle(r: TaskResult) -> TaskResult:
    """A failed task's previous outputs are set aside — unless they are intact and made from the very
    same inputs (a forced re-run that failed): then they are still the current report."""
    if not r.ok and r.task is not None and not _up_to_date(r.task):
        r.retired = [str(p) for p in retire_unit(r.task.out_dir, r.task.name)]
    return r


def _up_to_date(task: CountyTask) -> bool:
    """The task's outputs are complete, unchanged and made from the task's inputs (its manifest)."""
    return bool(task.input_hash) and check_unit(task.out_dir, task.name, task.input_hash, task.county,
                                                task.year) is None


def _index_entries(folder: Path, year: int, counties: list[str], stems: dict, hashes: dict,
                   failed: set) -> list[dict]:
    """Status of every county of a year folder (see :mod:`junheng_lib.run.outputs`), for ``index.json``."""
    entries = []
    for c in counties:
        stem = stems[c]
        e = {"county": c, "stem": stem}
        h = hashes.get((year, c))  # none: not asked for and without outputs (see run_reports)
        if h is not None and check_unit(folder, stem, h, c, year) is None:
            e["status"] = "current"
            if (year, c) not in failed:  # an earlier failure is superseded
                (folder / f"{stem}{FAILED_SUFFIX}").unlink(missing_ok=True)
            files = read_manifest(folder, stem)["files"]
            if f"{stem}{RESULTS_SUFFIX}" in files:
                e["results"] = f"{stem}{RESULTS_SUFFIX}"
                e["results_sha256"] = files[e["results"]]
        elif (year, c) in failed:
            e["status"] = "failed"
        else:
            e["status"] = "outdated" if (folder / f"{stem}{MANIFEST_SUFFIX}").exists() else "missing"
        entries.append(e)
    return entries


def _stems(ds, order: list[str], reserved: list[str]) -> dict:
    """File stem of every county of the data (``order``: all years, so that a county keeps its name
    across years), none of them a roll-up's (``reserved``)."""
    try:
        return file_stems(order, reserved=reserved)
    except NameClash as e:
        raise DataError([DataIssue(str(ds.files["schools"]), str(e))]) from None


def run_reports(data: str | None = None, years: list[int] | None = None, counties: list[str] | None = None,
                out: str = "reports", workers: int = 1, options: Options | None = None, rollup: bool = True,
                progress: bool = True, force: bool = False, scheduler: str = "local",
                address: str | None = None, docx_template: str | None = None, issuer: str | None = None,
                standards: str | None = None,
                execute: Execute | None = None, ledger: list[str] | None = None) -> int:
    """The main job: every requested county report (default: all counties, latest year), then the
    roll-up of each year from the counties' current results (``index.json``).

    ``data`` is a data folder or a schools file; ``docx_template`` a Word template for the .docx
    (default junheng's; checked before any work: :class:`junheng_lib.render.docx.TemplateError`),
    ``issuer`` the issuing unit on its cover and 落款; ``execute`` what runs each notebook (default
    papermill, see :func:`run_tasks`). Returns the process exit status: 0 when every report was
    written, 1 otherwise.

    ``ledger``: last year's county workbooks the bureaus filled in (files, or folders of them), each
    matched to its county by the county its 整改台账 sheet names
    (:func:`junheng_lib.analysis.ledger_years.read_ledgers`); one year only, the year after theirs.
    """
    word = {}
    if docx_template:  # tried once, before any work: a template that cannot make a report stops the run here
        path = check_template_renders(docx_template)
        word["docx_template"] = str(path)
        word["docx_template_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    issuer = _clean_issuer(issuer)
    if issuer:
        word["issuer"] = issuer
    standard = None
    if standards:  # read once, before any work: a malformed file stops the run here (DataError)
        std_path = Path(standards).resolve()
        standard = read_standard(std_path)
        word["standards"] = str(std_path)
        word["standards_sha256"] = hashlib.sha256(std_path.read_bytes()).hexdigest()
    task_word = {k: word[k] for k in ("docx_template", "issuer", "standards") if k in word}

    source = Path(data).resolve() if data else None  # the kernels read this same path (their cwd differs)
    data_dir = str(source) if source else ""
    root = Path(out)
    local = workers <= 1 and scheduler != "dask"
    # one after the other, this process runs every notebook: its first kernel boots while the data are read
    executor = execute if execute is not None or not local else NotebookExecutor()
    run_dir: Path | None = None
    folders: dict = {}
    interrupted = False
    try:
        if isinstance(executor, NotebookExecutor):
            executor.start_ahead(COUNTY)
        options = options or Options()
        ds = load(source)  # validates once, up front: a data error stops the run before any output
        years = years or [max(ds.years)]
        if ledger:  # before any work: a workbook of another county or year stops the run here
            if len(years) > 1:
                raise DataError([DataIssue("--ledger", "给出上年整改台账时只能生成一个学年的报告（--year）")])
            prior = read_ledgers(ledger)
            check_prior(prior, years[0], counties or ds.counties_list)
            ds = dataclasses.replace(ds, prior_ledger=prior)
        # a year, a county, or a county asked for by name without schools in the year: a data error
        for note in check_request(ds.schools, years, counties) + ds.name_notices():
            print(note, file=sys.stderr)
        order = ds.counties_list  # every county of the data, all years (sorted once)
        wanted = list(dict.fromkeys(counties or order))  # a county given twice runs once
        # the roll-ups of each year by administrative level (with --county: those counties' cities)
        units = {y: rollup_units(ds.schools, y, wanted=counties or None) for y in years}
        unit_stems_all = list(dict.fromkeys([ROLLUP_STEM, *(u.stem for y in years for u in rollup_units(ds.schools, y))]))
        stems = _stems(ds, order, unit_stems_all)
        folders = {y: root / str(y) for y in years}
        # hashes of the counties asked for and of those with outputs to check (not of every county)
        asked = set(wanted)
        hashed = [c for c in order if c in asked
                  or any((folders[y] / f"{stems[c]}{MANIFEST_SUFFIX}").exists() for y in years)]
        hashes = input_hashes(ds, years, hashed, options, rollup=rollup,
                              extra={k: v for k, v in word.items() if k not in ("docx_template", "standards")})
        clean_leftovers(([root] + [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()])
                        if root.is_dir() else [])
        present = {}
        for y in years:
            here = set(ds.schools.loc[ds.schools["year"] == y, "county"])
            present[y] = [c for c in order if c in here]
            _set_aside_absent(folders[y], y, {c: stems[c] for c in present[y]}, unit_stems_all)
        tasks = [CountyTask(c, y, str(folders[y]), data_dir, options.to_dict(), stem=stems[c],
                            input_hash=hashes[(y, c)], **task_word)
                 for y in years for c in wanted if c in present[y]]
        # largest counties first, so that no worker is left with a big report at the end
        size = ds.schools.groupby(["year", "county"]).size()
        tasks.sort(key=lambda t: -int(size.get((t.year, t.county), 0)))
        todo = [t for t in tasks if force or not _up_to_date(t)]
        for y in years:  # until the run has made them, no reader of index.json takes these for current
            if folders[y].is_dir():
                invalidate_index(folders[y], {t.name for t in todo if t.year == y})
        # each notebook reads its county's validated slice, named in its task (the run's private folder)
        if todo:
            run_dir = _run_folder(root)
        results = run_tasks(todo, workers, progress, scheduler, address, execute=executor, more_after=rollup,
                            ready=(lambda ts: _hand_over(ds, ts, stems, options, run_dir, standard)) if todo else None)
        skipped = len(tasks) - len(todo)
        failed_now = {(r.task.year, r.task.county) for r in results if not r.ok and r.task is not None}
        index = {y: _index_entries(folders[y], y, present[y], stems, hashes, failed_now) for y in years}
        for y in years:
            folders[y].mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=owner_prefix(STAGE_PREFIX), dir=folders[y]))
            try:
                write_index(folders[y], y, index[y], stage)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        if rollup:  # after the counties: it reads their current results through index.json
            roll = []
            for y in years:
                for u in units[y]:
                    mine = [e for e in index[y] if e["county"] in set(u.counties)] if u.level else index[y]
                    h = hashlib.sha256((hashes[(y, ROLLUP_STEM)] + u.stem + json.dumps(
                        mine, sort_keys=True, ensure_ascii=False)).encode()).hexdigest()
                    roll.append(CountyTask(u.stem, y, str(folders[y]), data_dir, options.to_dict(), template=ROLLUP,
                                           stem=u.stem, input_hash=h, rollup=u.stem if u.level else "",
                                           **task_word))
            roll_todo = [t for t in roll if force or not _up_to_date(t)]
            skipped += len(roll) - len(roll_todo)
            if roll_todo:
                run_dir = run_dir or _run_folder(root)
                # each roll-up reads its own counties' rows: its cost follows its size, not the data's
                of = {u.stem: u for y in years for u in units[y]}
                files = {}
                for t in roll_todo:
                    if t.name not in files:
                        u = of[t.name]
                        part = ds.only_counties(u.counties) if u.level else ds
                        files[t.name] = str(part.write_slice(run_dir / f"{t.name}.rollup.pkl"))
                roll_todo = [_with_slice(t, files[t.name]) for t in roll_todo]
            # never in this process when parallel (its pool workers were forked from it)
            results += run_tasks(roll_todo, min(workers, 2), progress,
                                 execute=executor if local else execute)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        with _shielded() if interrupted else contextlib.nullcontext():
            if interrupted:  # Ctrl-C: kernels killed, not shut down; what the ended workers left, removed
                _kill(executor)
            if executor is not None and execute is None:
                executor.close()
            if run_dir is not None:
                shutil.rmtree(run_dir, ignore_errors=True)
            if interrupted:
                clean_leftovers([root, *(f for f in folders.values() if f.is_dir())] if root.is_dir() else [])
    failed = [r for r in results if not r.ok]
    print(f"完成：{len(results) - len(failed)}/{len(results)} 份报告" + (f"，{skipped} 份未变化已跳过" if skipped else "")
          + f"，输出目录 {root.resolve()}", file=sys.stderr)
    for r in failed:
        line = f"  失败：{r.county}（{r.error}）"
        if r.task is not None and (Path(r.task.out_dir) / f"{r.task.name}{FAILED_SUFFIX}").exists():
            line += f"；执行记录：{r.task.name}{FAILED_SUFFIX}"
        if r.retired:
            line += f"；上次生成的报告已移入 {STALE_DIR}/，不再作为当前结果"
        elif r.task is not None and _up_to_date(r.task):
            line += "；上次生成的报告与本次输入相同，仍为当前结果"
        print(line, file=sys.stderr)
    if rollup:
        for y in years:
            covered = {c for u in units[y] for c in u.counties}
            stale = [e["county"] for e in index[y] if e["status"] in ("outdated", "missing") and e["county"] in covered]
            listed = int(RULES["rollup"]["units"]["listed"])
            if stale:
                who = "、".join(stale) if len(stale) <= listed else f"{len(stale)}个县(区)"
                print(f"提示：{y}学年{who}没有按当前数据和口径生成的报告（本次未生成），"
                      f"{'、'.join(u.stem for u in units[y][:3])}{'等' if len(units[y]) > 3 else ''}中列为未生成"
                      + ("（名单见汇总工作簿）" if len(stale) > listed else ""), file=sys.stderr)
    return 1 if failed else 0


def _clean_issuer(issuer: str | None) -> str:
    """The issuing unit as given, without surrounding spaces, control characters (line breaks, tabs …)
    and invisible format characters (bidirectional overrides …) — said on standard error when any
    were removed, never silently."""
    if not issuer:
        return ""
    given = issuer.strip()
    clean = without_controls(given).strip()
    if clean != given:
        if clean:
            print(f"提示：发文单位（--issuer）中含有控制字符或不可见的格式字符（如换行、制表符、文字方向控制符），已删除；"
                  f"Word 报告的封面和落款写作“{clean}”", file=sys.stderr)
        else:
            print("提示：发文单位（--issuer）只含控制字符或不可见的格式字符，已忽略；Word 报告使用默认的发文单位"
                  "（“<县区>教育局”）", file=sys.stderr)
    return clean


def _set_aside_absent(folder: Path, year: int, present: dict, rollups=(ROLLUP_STEM,)) -> list[str]:
    """Move to ``过期报告/`` the report units of ``folder`` that belong to no county of the year's data
    (``present``: county → file stem), so that none of them looks current: a county no longer in the
    data, or a county whose file name has changed (a new name that would share its file). Said on
    standard error; returns the counties (or stems) set aside."""
    if not folder.is_dir():
        return []
    keep = set(present.values()) | set(rollups)
    gone, renamed = [], []
    for stem in unit_stems(folder):
        if stem in keep:
            continue
        county = (read_manifest(folder, stem) or {}).get("county")
        if not set_aside(folder, stem):
            continue
        if isinstance(county, str) and county in present:
            renamed.append(f"{county}（原文件名“{stem}”，现为“{present[county]}”）")
        else:
            gone.append(county if isinstance(county, str) and county else stem)
    if gone:
        print(f"提示：{year}学年的数据中已没有{'、'.join(gone)}，其原有报告已移入 {year}/{STALE_DIR}/，"
              "不再作为当前结果", file=sys.stderr)
    if renamed:
        print(f"提示：{year}学年{'、'.join(renamed)}的报告文件名已改变，原有文件已移入 {year}/{STALE_DIR}/",
              file=sys.stderr)
    return gone + renamed


def _run_folder(root: Path) -> Path:
    """This run's private folder under the output folder (``.run-<pid>-<host>-…``, mode 0700): the
    data slices of its notebooks; removed at the end, or by the next run if this one dies."""
    root.mkdir(parents=True, exist_ok=True)  # absolute: the kernels open it from their own cwd
    path = root.resolve() / f"{owner_prefix(STAGE_PREFIX)}{secrets.token_hex(4)}"
    path.mkdir(mode=0o700)
    return path


def _hand_over(ds, todo: list[CountyTask], stems: dict, options: Options, run_dir: Path, standard=None):
    """The county tasks in batches of :data:`EVALUATE_CHUNK`, each task with its slice file: the
    county's validated tables and its evaluation, made here for the batch's counties of a year at
    once (:func:`junheng_lib.evaluation.evaluate_counties`: the group-wise analyses once for all of
    them, each county's evaluation equal to the one its notebook would make), so that the notebook
    only renders. A generator: the pool renders one batch while the next is evaluated. Should the
    evaluation of a batch raise, its slices go without one: each of its notebooks then evaluates its
    county itself, and a county that cannot be evaluated fails in its own report, with its own
    error, as without this step."""
    for k in range(0, len(todo), EVALUATE_CHUNK):
        batch = todo[k:k + EVALUATE_CHUNK]
        files = {}
        for y in dict.fromkeys(int(t.year) for t in batch):
            counties = list(dict.fromkeys(t.county for t in batch if int(t.year) == y))
            try:
                evs = evaluate_counties(ds, counties, y, options, standard=standard)
            except Exception:  # noqa: BLE001 — each notebook evaluates (and reports the failure of) its own county
                evs = {}
            for c, part in ds.slices(counties):
                ev = evs.get(c)
                files[(y, c)] = str(part.write_slice(run_dir / f"{y}-{stems[c]}.data.pkl",
                                                     {"evaluation": ev} if ev is not None else None))
        yield [_with_slice(t, files.get((int(t.year), t.county), "")) for t in batch]


def _with_slice(task: CountyTask, path: str) -> CountyTask:
    return CountyTask(**{**task.__dict__, "data_slice": path})
