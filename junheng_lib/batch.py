"""Batch execution of the report notebooks with papermill (one runner, optional parallel workers).

The unit of work, :func:`run_county`, is a plain picklable function of a :class:`CountyTask`:
it executes the county notebook into a temporary file, converts it to self-contained HTML without
code, and only then moves both into place (an output never looks finished while half-written).
A failing county leaves ``<county>.failed.ipynb`` (the executed notebook with its error) and does
not stop the others; the run ends with a summary and a non-zero exit status.

Kernels use IPC transport on a unique absolute socket path each (:class:`IPCKernelManager`):
TCP kernels race for ports when several start at once.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from .options import Options
from .paths import notebook
from .reporting import safe_name

__all__ = ["CountyTask", "TaskResult", "IPCKernelManager", "run_county", "run_reports", "to_html"]

#: kernels started by the runner make a missing CJK glyph an error
KERNEL_ENV = {"PYTHONWARNINGS": "error:Glyph:UserWarning", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
EXECUTION_TIMEOUT = 600
HASH_SUFFIX = ".inputs.sha256"
COUNTY = "county_report.ipynb"
ROLLUP = "city_rollup.ipynb"
ROLLUP_STEM = "全市汇总"
START_TIMEOUT = 60


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels talk over IPC sockets under a fresh temporary directory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ipc_dir = tempfile.mkdtemp(prefix="jh-k-")
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "k")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)


@dataclass(frozen=True)
class CountyTask:
    """Everything one report run needs (picklable)."""

    county: str
    year: int
    out_dir: str
    data_dir: str = ""
    options: dict = field(default_factory=dict)
    template: str = COUNTY
    stem: str = ""           # output file stem (default: the county name, made path-safe)
    timeout: int = EXECUTION_TIMEOUT
    input_hash: str = ""     # content hash of inputs, options and code (recorded beside the outputs)

    @property
    def name(self) -> str:
        return safe_name(self.stem or self.county)

    @property
    def title(self) -> str:
        if self.template == ROLLUP:
            return f"{self.year}学年县域义务教育均衡发展监测汇总报告"
        return f"{self.county}{self.year}学年义务教育均衡发展监测报告"


@dataclass
class TaskResult:
    county: str
    ok: bool
    seconds: float
    outputs: list[str]
    error: str = ""


def to_html(nb_path: Path, html_path: Path, title: str) -> None:
    """Self-contained HTML of an executed notebook, without code cells or prompts."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(html_path)


def _execute(task: CountyTask, tmp_nb: Path, parameters: dict) -> None:
    import papermill as pm

    os.environ.update(KERNEL_ENV)
    last: Exception | None = None
    for attempt in (1, 2):  # one retry when the kernel dies before running a cell
        try:
            pm.execute_notebook(str(notebook(task.template)), str(tmp_nb), parameters=parameters,
                                kernel_name="python3", cwd=str(notebook(task.template).parent),
                                progress_bar=False, execution_timeout=task.timeout, start_timeout=START_TIMEOUT,
                                kernel_manager_class=IPCKernelManager)
            return
        except Exception as e:  # noqa: BLE001 - classified below
            last = e
            if attempt == 1 and _kernel_start_failure(e, tmp_nb):
                continue
            raise
    raise last  # pragma: no cover


def _kernel_start_failure(e: Exception, nb_path: Path) -> bool:
    """True when no cell ran (the kernel did not start or died at once)."""
    from papermill.exceptions import PapermillExecutionError
    if isinstance(e, PapermillExecutionError):
        return False
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        return not any(c.get("execution_count") for c in nb.get("cells", []))
    except (OSError, ValueError):
        return True


_KERNELS_STARTED_HERE = False


def run_county(task: CountyTask) -> TaskResult:
    """Execute one report notebook and write ``<name>.ipynb``, ``<name>.html`` (and its side file)."""
    global _KERNELS_STARTED_HERE
    _KERNELS_STARTED_HERE = True
    t0 = time.perf_counter()
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final_nb = out / f"{task.name}.ipynb"
    final_html = out / f"{task.name}.html"
    failed_nb = out / f"{task.name}.failed.ipynb"
    tmp_dir = Path(tempfile.mkdtemp(prefix=".run-", dir=out))
    tmp_nb = tmp_dir / f"{task.name}.ipynb"
    params = {"data_dir": task.data_dir, "year": int(task.year), "output_dir": str(out.resolve()), **task.options}
    if task.template == ROLLUP:
        params["results_dir"] = str(out.resolve())
    else:
        params["county"] = task.county
    try:
        _execute(task, tmp_nb, params)
        to_html(tmp_nb, tmp_dir / final_html.name, title=task.title)
        (tmp_dir / final_html.name).replace(final_html)
        tmp_nb.replace(final_nb)
        failed_nb.unlink(missing_ok=True)
        if task.input_hash:
            hash_file = out / f"{task.name}{HASH_SUFFIX}"
            (tmp_dir / hash_file.name).write_text(task.input_hash + "\n", encoding="utf-8")
            (tmp_dir / hash_file.name).replace(hash_file)
        return TaskResult(task.county, True, time.perf_counter() - t0, [str(final_nb), str(final_html)])
    except Exception as e:  # noqa: BLE001 - one county's failure must not stop the others
        if tmp_nb.exists():
            tmp_nb.replace(failed_nb)
        return TaskResult(task.county, False, time.perf_counter() - t0, [str(failed_nb)] if failed_nb.exists() else [],
                          _short_error(e))
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _short_error(e: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError
    if isinstance(e, PapermillExecutionError):
        return f"{e.ename}: {e.evalue}"[:500]
    return f"{type(e).__name__}: {e}"[:500]


def run_tasks(tasks: list[CountyTask], workers: int = 1, progress: bool = True, scheduler: str = "local",
              address: str | None = None) -> list[TaskResult]:
    """Run tasks sequentially (workers=1), in a local process pool, or on dask.distributed
    (``scheduler="dask"``: ``address`` of a running scheduler, or a LocalCluster of ``workers``
    processes); results in completion order."""
    import tqdm as _tqdm
    from tqdm.auto import tqdm

    _tqdm.tqdm.monitor_interval = 0  # no monitor thread in the runner (workers are forked from it)
    bar = tqdm(total=len(tasks), desc="生成报告", unit="份", disable=not progress or not tasks, file=sys.stderr)
    results: list[TaskResult] = []
    try:
        if scheduler == "dask" and tasks:
            from .distributed import run_on_dask
            for r in run_on_dask(tasks, workers=workers, address=address):
                results.append(r)
                bar.set_postfix_str(r.county)
                bar.update()
        elif workers <= 1:
            for t in tasks:
                bar.set_postfix_str(t.county)
                results.append(run_county(t))
                bar.update()
        else:
            import multiprocessing as mp

            # fork where available: workers inherit the runner's imports (papermill, nbconvert) instead
            # of paying for them again; the runner starts no threads before this point
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401
            fork = "fork" in mp.get_all_start_methods() and not _KERNELS_STARTED_HERE  # no zmq state to inherit
            ctx = mp.get_context("fork" if fork else "spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futs = {pool.submit(run_county, t): t for t in tasks}
                for f in as_completed(futs):
                    try:
                        results.append(f.result())
                    except Exception as e:  # noqa: BLE001 - a dead worker process
                        results.append(TaskResult(futs[f].county, False, 0.0, [], _short_error(e)))
                    bar.set_postfix_str(futs[f].county)
                    bar.update()
    finally:
        bar.close()
    return results


def code_hash() -> str:
    """SHA-256 over the library's code, its rule table and the report notebooks."""
    import hashlib

    from .paths import PROJECT_ROOT
    h = hashlib.sha256()
    lib = Path(__file__).resolve().parent
    files = sorted(lib.glob("*.py")) + [lib / "rules.toml", notebook(COUNTY), notebook(ROLLUP)]
    for f in files:
        h.update(str(f.relative_to(PROJECT_ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _frame_hash(h, df) -> None:
    import pandas as pd
    if df is None or df.empty:
        h.update(b"-")
        return
    h.update(",".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df.reset_index(drop=True), index=False).to_numpy().tobytes())


def input_hashes(ds, years: list[int], counties: list[str], options: Options) -> dict:
    """Content hash per (year, county) of everything its report reads — that county's rows of the
    three tables (all years: the report shows trends), the options and the code — and per year for
    the roll-up (all rows)."""
    import hashlib
    import json as _json

    from .io import ROW

    base = hashlib.sha256()
    base.update(code_hash().encode())
    base.update(_json.dumps(options.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    s = ds.schools.drop(columns=[ROW], errors="ignore")
    by_county = dict(tuple(s.groupby("county", sort=False)))
    cl = ds.classes.drop(columns=[ROW], errors="ignore") if ds.classes is not None else None
    co = ds.counties.drop(columns=[ROW], errors="ignore") if ds.counties is not None else None
    out = {}
    for c in counties:
        h = base.copy()
        rows = by_county.get(c)
        _frame_hash(h, rows)
        _frame_hash(h, cl[cl["school_id"].isin(set(rows["school_id"]))] if cl is not None and rows is not None else None)
        _frame_hash(h, co[co["county"] == c] if co is not None else None)
        for y in years:
            out[(y, c)] = hashlib.sha256(h.digest() + str(y).encode()).hexdigest()
    whole = base.copy()
    for df in (s, cl, co):
        _frame_hash(whole, df)
    for y in years:
        out[(y, ROLLUP_STEM)] = hashlib.sha256(whole.digest() + str(y).encode()).hexdigest()
    return out


def _up_to_date(task: CountyTask) -> bool:
    out = Path(task.out_dir)
    f = out / f"{task.name}{HASH_SUFFIX}"
    return (bool(task.input_hash) and f.exists() and f.read_text(encoding="utf-8").strip() == task.input_hash
            and (out / f"{task.name}.ipynb").exists() and (out / f"{task.name}.html").exists())


def run_reports(data: str | None = None, years: list[int] | None = None, counties: list[str] | None = None,
                out: str = "reports", workers: int = 1, options: Options | None = None, rollup: bool = True,
                progress: bool = True, force: bool = False, scheduler: str = "local",
                address: str | None = None) -> int:
    """The main job: every requested county report (default: all counties, latest year).

    Returns the process exit status: 0 when every report was written, 1 otherwise.
    """
    from .data import load

    options = options or Options()
    ds = load(data)  # validates once, up front: a data error stops the run before any output
    years = years or [max(ds.years)]
    from .io import DataError, DataIssue
    missing = [DataIssue(str(ds.files["schools"]), f"数据中没有{y}学年") for y in years if y not in ds.years]
    missing += [DataIssue(str(ds.files["schools"]), f"数据中没有县(区)“{c}”") for c in counties or []
                if c not in set(ds.schools["county"])]
    if missing:
        raise DataError(missing)
    data_dir = str(Path(data).resolve()) if data else ""
    wanted = counties or ds.counties_list
    hashes = input_hashes(ds, years, wanted, options)
    tasks = []
    for y in years:
        present = set(ds.schools.loc[ds.schools["year"] == y, "county"])
        for c in wanted:
            if c in present:
                tasks.append(CountyTask(c, y, str(Path(out) / str(y)), data_dir, options.to_dict(),
                                        input_hash=hashes[(y, c)]))
    # largest counties first, so that no worker is left with a big report at the end
    size = ds.schools.groupby(["year", "county"]).size()
    tasks.sort(key=lambda t: -int(size.get((t.year, t.county), 0)))
    todo = [t for t in tasks if force or not _up_to_date(t)]
    results = run_tasks(todo, workers, progress, scheduler, address)
    skipped = len(tasks) - len(todo)
    if rollup:  # after the counties: it reads their side files; re-run when any county did
        ran = {t.year for t in todo}
        roll = [CountyTask(ROLLUP_STEM, y, str(Path(out) / str(y)), data_dir, options.to_dict(), template=ROLLUP,
                           stem=ROLLUP_STEM, input_hash=hashes[(y, ROLLUP_STEM)]) for y in years]
        roll_todo = [t for t in roll if force or t.year in ran or not _up_to_date(t)]
        skipped += len(roll) - len(roll_todo)
        results += run_tasks(roll_todo, min(workers, 2), progress)  # never in this process when parallel
    failed = [r for r in results if not r.ok]
    print(f"完成：{len(results) - len(failed)}/{len(results)} 份报告" + (f"，{skipped} 份未变化已跳过" if skipped else "")
          + f"，输出目录 {Path(out).resolve()}", file=sys.stderr)
    for r in failed:
        print(f"  失败：{r.county}（{r.error}）；已保留执行记录以便排查", file=sys.stderr)
    return 1 if failed else 0
