"""Report runs near the papermill floor (runner side): kernels started ahead and always shut down,
the notebook written once, one HTML exporter per process — and a report's results do not depend on
whether the runner handed the notebook its data slice or the notebook read the data folder."""
import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from junheng_lib.render import page
from junheng_lib.run import kernels
from junheng_lib.run import runner as batch
from junheng_lib.run.cleanup import SOCKET_PREFIX, owner_prefix
from junheng_lib.run.execute import NotebookExecutor
from junheng_lib.util.paths import notebook, sample_dir


def _template(folder: Path, cells: list[str]) -> Path:
    """A small notebook template: a parameters cell, then ``cells``."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_dir = ""\ncounty = ""\nyear = 0\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


#: what a kernel had loaded before the notebook's first cell, and its namespace
PROBE = ["import sys\nprint(json.dumps({'warm': 'junheng_lib.util.names' in sys.modules, "
         "'names': sorted(k for k in globals() if not k.startswith('_'))}))" .replace("json.dumps", "__import__('json').dumps"),
         "from junheng_lib.util import names"]


def _kernels_of(pids) -> list:
    import psutil
    out = []
    for pid in pids:
        try:
            for p in psutil.Process(pid).children(recursive=True):
                try:
                    if "ipykernel" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE:
                        out.append(p)
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
    return out


def _sockets_of(pids) -> list:
    return [p for p in Path(tempfile.gettempdir()).glob("jh-k-*") if p.name.split("-")[2] in {str(x) for x in pids}]


def _probe(result) -> dict:
    nb = json.loads(Path(next(o for o in result.outputs if o.endswith(".ipynb"))).read_text("utf-8"))
    out = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    return json.loads(out[0]["text"] if isinstance(out[0]["text"], str) else "".join(out[0]["text"]))


def test_later_notebooks_start_on_a_ready_kernel_and_none_is_left(tmp_path):
    template = _template(tmp_path, PROBE)
    tasks = [batch.CountyTask(f"县{k}", 2024, str(tmp_path / "out"), template=str(template)) for k in range(3)]
    res = batch.run_tasks(tasks, workers=1, progress=False)
    assert all(r.ok for r in res), [r.error for r in res]
    probes = [_probe(r) for r in res]
    # the first kernel started cold; the next notebooks ran on it, reset, with the template's modules
    # imported and a namespace as a fresh kernel's
    assert [p["warm"] for p in probes] == [False, True, True]
    assert probes[0]["names"] == probes[1]["names"] and "names" not in probes[1]["names"]
    nb = json.loads(Path(next(o for o in res[1].outputs if o.endswith(".ipynb"))).read_text("utf-8"))
    assert [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"] == [1, 2, 3, 4]
    assert not _kernels_of([os.getpid()]) and not _sockets_of([os.getpid()])


def test_each_pool_worker_shuts_its_kernels_down(tmp_path):
    template = _template(tmp_path, PROBE)
    tasks = [batch.CountyTask(f"县{k}", 2024, str(tmp_path / "out"), template=str(template)) for k in range(4)]
    res = batch.run_tasks(tasks, workers=2, progress=False)
    assert all(r.ok for r in res), [r.error for r in res]
    assert any(_probe(r)["warm"] for r in res)  # at least one worker ran a notebook on a kernel started ahead
    import psutil
    leftovers = [p for p in psutil.Process().children(recursive=True)
                 if "ipykernel" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE]
    assert not leftovers


#: the kernel's process, whether the previous notebook's variable and figure survived, the modules
REUSE_PROBE = ["import os, json, sys\nimport matplotlib.pyplot as plt\n"
               "print(json.dumps({'pid': os.getpid(), 'left': 'leftover' in globals(), 'figs': plt.get_fignums(), "
               "'warm': 'junheng_lib.util.names' in sys.modules}))",
               "from junheng_lib.util import names\nleftover = 1\nplt.figure()",
               "assert county != '县2'"]


def test_a_kernel_runs_several_notebooks_each_as_on_a_fresh_kernel(tmp_path):
    """A notebook that ran through leaves its kernel, reset, to the next one (up to
    notebooks_per_kernel): the modules stay imported, the namespace, the figures and the execution
    count are a fresh kernel's. A kernel whose notebook failed is not reused."""
    template = _template(tmp_path, REUSE_PROBE)
    tasks = [batch.CountyTask(f"县{k}", 2024, str(tmp_path / "out"), template=str(template)) for k in range(5)]
    ex = NotebookExecutor(notebooks_per_kernel=2)
    try:
        res = batch.run_tasks(tasks, workers=1, progress=False, execute=ex)
    finally:
        ex.close()
    assert [r.ok for r in res] == [True, True, False, True, True]
    probes = [_probe(r) for r in res if r.ok]
    pids = [p["pid"] for p in probes]
    # 县0 and 县1 share a kernel (its limit: 2); 县2 has a fresh one (started ahead) and fails in its
    # last cell, so 县3 gets another fresh kernel, which 县4 reuses
    failed = json.loads((tmp_path / "out" / "县2.failed.ipynb").read_text("utf-8"))
    out = next(o for c in failed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "stream")
    pid2 = json.loads("".join(out["text"]))["pid"]
    assert pids[0] == pids[1] and pids[2] == pids[3] and len({*pids, pid2}) == 3
    assert probes[1]["warm"] and probes[3]["warm"]
    assert not any(p["left"] for p in probes) and all(p["figs"] == [] for p in probes)
    for r in (res[1], res[4]):
        nb = json.loads(Path(next(o for o in r.outputs if o.endswith(".ipynb"))).read_text("utf-8"))
        assert [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"] == [1, 2, 3, 4, 5]
    assert not _kernels_of([os.getpid()]) and not _sockets_of([os.getpid()])


def test_reset_gives_a_fresh_namespace_and_execution_count(tmp_path):
    km = kernels.start(tmp_path, {**os.environ})
    try:
        kc = km.client()
        kc.start_channels()
        from jupyter_core.utils import run_sync
        run_sync(kc.wait_for_ready)(timeout=60)
        for _ in range(3):
            run_sync(kc.execute_interactive)("x = 41", timeout=30)
        assert kernels.reset(km)
        kc = km.client()
        kc.start_channels()
        reply = run_sync(kc.execute_interactive)("print('x' in globals())", timeout=30)
        assert reply["content"]["execution_count"] == 1
    finally:
        kernels.stop(km, now=True)


class _Interrupted(NotebookExecutor):
    """Interrupted (Ctrl-C) once the first report has run and the next kernel has been started ahead."""

    def __call__(self, task, out_nb, parameters):
        super().__call__(task, out_nb, parameters)
        raise KeyboardInterrupt


def test_a_kernel_started_ahead_is_shut_down_when_the_run_fails(tmp_path):
    template = _template(tmp_path, ["x = 1"])
    tasks = [batch.CountyTask(f"县{k}", 2024, str(tmp_path / "out"), template=str(template)) for k in range(2)]
    ex = _Interrupted()
    with pytest.raises(KeyboardInterrupt):
        batch.run_tasks(tasks, workers=1, progress=False, execute=ex)
    ex.close()                                # the executor's owner ends what is left (run_reports does, always)
    assert not _kernels_of([os.getpid()]) and not _sockets_of([os.getpid()])


def test_a_kernel_that_dies_mid_notebook_leaves_its_notebook_and_is_not_retried(tmp_path, monkeypatch):
    import papermill as pm
    template = _template(tmp_path, ["x = 1", "import os\nos._exit(1)", "y = 2"])
    calls = []
    real = pm.execute_notebook
    monkeypatch.setattr(pm, "execute_notebook", lambda *a, **k: calls.append(1) or real(*a, **k))
    res = batch.run_county(batch.CountyTask("县", 2024, str(tmp_path), template=str(template)))
    assert not res.ok and len(calls) == 1
    nb = json.loads((tmp_path / "县.failed.ipynb").read_text("utf-8"))
    assert [c["execution_count"] for c in nb["cells"]][:2] == [1, 2]  # written once, at the end, all the same


def test_the_html_exporter_kept_by_a_process_converts_as_nbconvert(tmp_path):
    """The process's exporter gives the same document as a new nbconvert HTMLExporter (which parses
    its page again with BeautifulSoup to add image alt texts and tabindex: ours adds them by pattern,
    so the two are equal once both are parsed)."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    table = '<table class="jh-table"><caption>表1　学校</caption><tr><td class="num">1,234</td></tr></table><br>'
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题"), nbformat.v4.new_code_cell(
        "1", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1),
                      nbformat.v4.new_output("display_data", {"text/html": table, "text/plain": "t"}),
                      nbformat.v4.new_output("display_data", {"image/png": png, "text/plain": "f"}),
                      nbformat.v4.new_output("display_data", {"text/markdown": "**一、** <b>x</b> &amp; y"}),
                      nbformat.v4.new_output("stream", name="stdout", text="a < b\n")])])
    src = tmp_path / "a.ipynb"
    nbformat.write(nb, src)
    page.notebook_to_html(src, tmp_path / "a.html", "题")
    page.notebook_to_html(src, tmp_path / "b.html", "题")
    for exclude in (True, False):
        fresh, _ = HTMLExporter(exclude_input=exclude, exclude_input_prompt=True, exclude_output_prompt=True) \
            .from_notebook_node(nbformat.read(src, as_version=4), resources={"metadata": {"name": "题"}})
        ours, _ = page._exporter_class()(exclude_input=exclude, exclude_input_prompt=True,
                                          exclude_output_prompt=True) \
            .from_notebook_node(nbformat.read(src, as_version=4), resources={"metadata": {"name": "题"}})
        assert str(BeautifulSoup(ours, features="html.parser")) == fresh
        assert ours.count('tabindex="0"') == fresh.count('tabindex="0"') > 0
        assert 'alt="No description has been provided for this image"' in ours
    a = (tmp_path / "a.html").read_text("utf-8")
    ours, _ = page._exporter_class()(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True) \
        .from_notebook_node(nbformat.read(src, as_version=4), resources={"metadata": {"name": "题"}})
    # to_html's own additions: characters for references, lang, no scripts from the web, contents list
    assert a == page.add_contents(page.offline(page.zh_lang(page.unentity(ours))))
    assert "cdnjs" not in a and "mathjax" not in a.lower()
    assert '<html lang="zh-CN"' in a
    assert a == (tmp_path / "b.html").read_text("utf-8")
    assert "1,234" in a and 'alt="No description has been provided for this image"' in a


def test_warm_up_code_imports_what_the_template_imports(tmp_path):
    template = _template(tmp_path, ["%matplotlib inline", "import json\nfrom junheng_lib.util import names as n",
                                    "def f():\n    from junheng_lib.util.paths import sample_dir\n    return 1"])
    code = kernels.warm_up_code(template)
    ns: dict = {}
    exec(code[:-1], ns)  # the trailing ';' only hides the value in IPython
    assert set(ns) == {"__builtins__"}  # nothing in the caller's namespace
    for stmt in ("import json", "from junheng_lib.util import names as n", "from junheng_lib.util.paths import sample_dir"):
        assert stmt in code
    assert kernels.warm_up_code(tmp_path / "missing.ipynb") == ""


def test_a_report_from_the_runner_equals_a_direct_papermill_run(tmp_path):
    """The runner (data read once, the notebook handed its slice) and the template run by hand with a
    data folder give the same results; no kernel is left behind."""
    import papermill as pm
    out = tmp_path / "out"
    assert batch.run_reports(data=str(sample_dir()), counties=["桃源县"], out=str(out), workers=1, rollup=False,
                             progress=False) == 0
    side = tmp_path / "side"
    side.mkdir()
    pm.execute_notebook(str(notebook("county_report.ipynb")), str(tmp_path / "direct.ipynb"),
                        parameters={"data_dir": str(sample_dir()), "county": "桃源县", "year": 2024,
                                    "output_dir": str(side)},
                        cwd=str(notebook("county_report.ipynb").parent), progress_bar=False)
    runner = json.loads((out / "2024" / "桃源县.results.json").read_text("utf-8"))
    direct = json.loads((side / "桃源县.results.json").read_text("utf-8"))
    assert runner == direct and runner["stages"]
    assert not _kernels_of([os.getpid()]) and not _sockets_of([os.getpid()])


def test_the_runner_and_the_kernels_name_socket_folders_alike():
    assert kernels._socket_prefix() == owner_prefix(SOCKET_PREFIX)


def test_what_only_some_paths_need_is_imported_only_there():
    """The report stack (what a kernel imports) loads neither dask, papermill, nbconvert nor
    jupyter_client, and a whole county evaluation (the ledger's CV plans included) never loads scipy."""
    import subprocess
    import sys
    code = ("import sys\n"
            "import junheng_lib.report.county, junheng_lib.report.plots, junheng_lib.report.narrative, "
            "junheng_lib.report.city, junheng_lib.render.xlsx\n"
            "rep = junheng_lib.report.county.CountyReport.build(None, '白石县')\n"
            "assert rep.ev.ledger['plan_cost'].gt(0).any()  # CV plans were solved\n"
            "heavy = [m for m in ('scipy', 'dask', 'distributed', 'papermill', 'nbconvert', 'nbclient', "
            "'jupyter_client') if m in sys.modules]\n"
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(Path(batch.__file__).resolve().parents[2])})
    assert r.stdout.split("\n")[0] == "[]", r.stderr
