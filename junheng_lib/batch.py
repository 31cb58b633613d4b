"""Batch execution of the report notebooks with papermill (one runner, optional parallel workers).

The unit of work, :func:`run_county`, is a plain picklable function of a :class:`CountyTask`:
it executes the county notebook in a staging folder ``.run-<pid>-<host>-…`` (the notebook writes its
side files there too), converts it to self-contained HTML without code, and swaps all of them into
place as one unit with a manifest (:mod:`junheng_lib.outputs`): a killed run never leaves a half
written or mixed report, and a missing, changed or foreign file makes the county run again.
A failing county leaves ``<name>.failed.ipynb`` (the executed notebook with its error), its previous
outputs are moved to ``过期报告/`` and it does not stop the others; the run ends with a summary and a
non-zero exit status. File names come from :func:`junheng_lib.names.file_stems` (unique, bounded).

Near the floor of a papermill run (:mod:`junheng_lib.kernels`): the runner reads and validates the
data once and hands each notebook its county's slice through a cache (:mod:`junheng_lib.datacache`),
so a report's cost does not grow with the data folder; each process keeps its next kernel started
and importing the report's modules while the current report runs (each kernel still runs exactly one
notebook; one left unused is shut down at the end, on an error, or when its worker exits); papermill
writes the executed notebook once (not at every cell); a kernel ends while its notebook is converted
to HTML, by one HTML exporter per process, loaded in the background while the notebook runs.

Kernels use IPC transport on a unique absolute socket path each (:class:`~junheng_lib.kernels.IPCKernelManager`):
TCP kernels race for ports when several start at once. Pool workers end when the runner dies
(:func:`_die_with_parent`), kernels when their parent dies (ipykernel's parent poller); staging,
cache and socket folders left by dead processes are removed by the next run (:func:`clean_leftovers`).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .names import file_stems, name_tag, safe_name
from .outputs import (FAILED_SUFFIX, MANIFEST_SUFFIX, OUTPUT_SUFFIXES, RESULTS_SUFFIX, STALE_DIR, check_unit,
                      commit_unit, read_manifest, retire_unit, write_index)
from .paths import notebook

if TYPE_CHECKING:  # pandas only where data are read: a kernel can start before
    from .options import Options

__all__ = ["CountyTask", "TaskResult", "IPCKernelManager", "run_county", "run_reports", "to_html", "add_contents",
           "clean_leftovers"]

#: environment of the kernels started by the runner (a glyph no font has is drawn as 〓 by
#: plots.chart_text and never fails a report; the tests make tofu an error in our own charts)
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}
EXECUTION_TIMEOUT = 600
COUNTY = "county_report.ipynb"
ROLLUP = "city_rollup.ipynb"
ROLLUP_STEM = "全市汇总"
START_TIMEOUT = 60
STAGE_PREFIX = ".run-"
SOCKET_PREFIX = "jh-k-"  # as kernels.SOCKET_PREFIX (not imported here: kernels loads jupyter_client)
#: seconds between two looks at the parent process (pool workers)
PARENT_POLL = 0.5
#: an unreadable leftover kernel socket folder (older versions) untouched for this long is removed
LEGACY_AGE = 3600


def _host_tag() -> str:
    return name_tag(socket.gethostname())


def _owner_prefix(prefix: str) -> str:
    """``prefix`` + this process's pid and host: lets a later run tell live leftovers from dead ones."""
    return f"{prefix}{os.getpid()}-{_host_tag()}-"


def __getattr__(name: str):
    if name == "IPCKernelManager":  # jupyter_client only where kernels are started
        from .kernels import IPCKernelManager
        return IPCKernelManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class CountyTask:
    """Everything one report run needs (picklable)."""

    county: str
    year: int
    out_dir: str
    data_dir: str = ""
    options: dict = field(default_factory=dict)
    template: str = COUNTY
    stem: str = ""           # output file stem, a safe name (default: safe_name(county)); see names.file_stems
    timeout: int = EXECUTION_TIMEOUT
    input_hash: str = ""     # content hash of inputs, options and code (recorded beside the outputs)
    data_cache: str = ""     # the run's cache of the validated tables (datacache), given to the kernel
    docx_template: str = ""  # a bureau's Word template (absolute path; "": junheng's)
    issuer: str = ""         # the issuing unit on the Word cover and 落款 ("": the county's 教育局)

    @property
    def name(self) -> str:
        return self.stem or safe_name(self.county)

    @property
    def kind(self) -> str:
        return "rollup" if self.template == ROLLUP else "county"

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
    retired: list[str] = field(default_factory=list)  # previous outputs moved to 过期报告/ (failures)
    task: CountyTask | None = None


_HTML_LOCK = threading.Lock()
_HTML: list = []  # [exporter], made once per process


#: what nbconvert's HTMLExporter adds in its last pass (BeautifulSoup): a text alternative on images
#: without one, and keyboard focus on each output area
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)([^>]*?)(/?)>")
_FOCUSABLE = re.compile(r'(<div\b[^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*"[^>]*?)(?<!/)>')
_NO_ALT = "No description has been provided for this image"


def _exporter_class():
    """nbconvert's HTMLExporter without its last pass, which parses the whole page again with
    BeautifulSoup (pure Python: about a second for a county report's thousands of table cells) to add
    two attributes to tags of its own template; here two regular expressions add the same attributes
    to the same tags (tests/test_batch_floor.py: the same document as nbconvert's)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = _IMG_WITHOUT_ALT.sub(lambda m: f'<img{m.group(1)} alt="{_NO_ALT}"{m.group(2)}>', html)
            html = _FOCUSABLE.sub(lambda m: f'{m.group(1)} tabindex="0">', html)
            return html, resources

    return ReportHTMLExporter


def _html_exporter():
    """The HTML exporter of this process (one per worker: its templates are loaded once)."""
    with _HTML_LOCK:
        if not _HTML:
            import nbformat

            exporter = _exporter_class()(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
            exporter.from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": ""}})
            _HTML[:] = [exporter]
        return _HTML[0]


def _prepare_html() -> None:
    """Load the HTML conversion in the background, while the kernel runs the notebook."""
    if not _HTML:
        threading.Thread(target=_html_exporter, name="junheng-html", daemon=True).start()


def to_html(nb_path: Path, html_path: Path, title: str) -> None:
    """Self-contained HTML of an executed notebook, without code cells or prompts."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    body, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = offline(zh_lang(unentity(body)))   # a Chinese document that opens without the network
    body = add_contents(body)
    from .fileio import atomic_write_text
    atomic_write_text(html_path, body)


#: the contents list of an HTML report: one link per section heading (h2), after the title (h1)
CONTENTS_TITLE = "目录"
_CONTENTS_CSS = """<style>
nav.jh-contents { margin: 1em 0 1.5em; padding: 0.6em 1.2em; border: 1px solid #ccc; break-inside: avoid; }
nav.jh-contents p { font-weight: bold; margin: 0 0 0.4em; }
nav.jh-contents ul { list-style: none; margin: 0; padding: 0; columns: 2; }
nav.jh-contents li { margin: 0.15em 0; }
nav.jh-contents a { text-decoration: none; color: inherit; }
@media print { nav.jh-contents { border: none; padding: 0; } nav.jh-contents a::after { content: none; } }
</style>"""


_CDN_SCRIPTS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(r'<script type="module">(?:(?!</script>).)*?cdnjs\.cloudflare\.com/ajax/libs/mermaid.*?</script>', re.S),
    re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^"]*"></script>'),
)


def offline(body: str) -> str:
    """The page without nbconvert's scripts from the web (MathJax, mermaid, require.js): a report has
    no formulas or diagrams, and on an office PC without internet (or when printed headless) the
    MathJax request would only hold the page.

    >>> page = ('<head><!-- Load mathjax -->\\n<script src="https://cdnjs.cloudflare.com/x.js"> </script>'
    ...         '<!-- End of mathjax configuration --><script type="module">import("https://cdnjs.cloudflare.com/'
    ...         'ajax/libs/mermaid/1/m.mjs")</script><script src="https://cdnjs.cloudflare.com/ajax/libs/'
    ...         'require.js/2.1.10/require.min.js"></script><script>x()</script></head>')
    >>> offline(page)
    '<head><script>x()</script></head>'
    """
    for pattern in _CDN_SCRIPTS:
        body = pattern.sub("", body, count=1)
    return body


def unentity(body: str) -> str:
    """The page with non-ASCII character references written as the characters themselves.

    nbconvert serializes each heading it anchors with ElementTree's ASCII default, so a Chinese heading
    reaches the page as ``&#24635;&#20307;…``: it displays the same, but a search of the file, a diff, or
    a screen reader's source view sees numbers. Only references above ASCII are replaced, so markup
    escapes (``&#60;``) stay escapes.

    >>> unentity("<h2>&#24635;&#20307;&#32467;&#35770; &#60;b&#62; &#x4E00;</h2>")
    '<h2>总体结论 &#60;b&#62; 一</h2>'
    """
    def char(m: re.Match) -> str:
        code = int(m.group(1)[1:], 16) if m.group(1)[:1] in "xX" else int(m.group(1))
        return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)
    return re.sub(r"&#([0-9]+|[xX][0-9a-fA-F]+);", char, body)


def zh_lang(body: str) -> str:
    """The page declared Chinese: ``<html lang="zh-CN">`` (nbconvert writes ``lang="en"``).

    >>> zh_lang('<!DOCTYPE html>\\n<html lang="en">'), zh_lang("<html>")
    ('<!DOCTYPE html>\\n<html lang="zh-CN">', '<html lang="zh-CN">')
    """
    if re.search(r"<html[^>]*\blang=", body):
        return re.sub(r'(<html[^>]*\blang=)("[^"]*"|\'[^\']*\')', r'\1"zh-CN"', body, count=1)
    return re.sub(r"<html", '<html lang="zh-CN"', body, count=1)


def add_contents(body: str) -> str:
    """The HTML with a contents list (目录) linking every section heading (``<h2 id=…>``), placed right
    after the report's title (or at the top of the page without one) and kept in print; unchanged
    when the page has no section heading.

    >>> html = '<head></head><body><main><h1 id="t">报告</h1><h2 id="a">一、基本情况<a class="anchor-link" href="#a">¶</a></h2></main></body>'
    >>> out = add_contents(html)
    >>> '<li><a href="#a">一、基本情况</a></li>' in out and out.index("目录") > out.index("</h1>")
    True
    """
    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not heads:
        return body
    items = []
    for anchor, inner in heads:
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text).strip()
        if text:
            items.append(f'<li><a href="#{anchor}">{text}</a></li>')
    nav = (f'<nav class="jh-contents" aria-label="{CONTENTS_TITLE}"><p>{CONTENTS_TITLE}</p><ul>'
           + "".join(items) + "</ul></nav>")
    m = re.search(r"</h1>", body)
    if m:
        body = body[:m.end()] + nav + body[m.end():]
    else:
        m = re.search(r"<main[^>]*>|<body[^>]*>", body)
        at = m.end() if m else 0
        body = body[:at] + nav + body[at:]
    return body.replace("</head>", _CONTENTS_CSS + "</head>", 1)


#: start each process's next kernel while the current report runs (see kernels.WarmKernel)
PREWARM = True
#: hand each notebook its county's validated slice instead of the data folder (see datacache)
DATA_CACHE = True
#: whether another notebook is expected in this process after the current one (set by run_tasks and
#: the pool workers; a bare run_county, e.g. on dask, warms nothing)
_expect_more = False
#: kernels asked to stop, ended (killed if still running) after the HTML conversion
_stopping: list = []
_warm = None


def _warm_slot():
    global _warm
    if _warm is None:
        from .kernels import WarmKernel
        _warm = WarmKernel()
    return _warm


def kernel_env(task: CountyTask) -> dict:
    """The environment of the task's kernel: the runner's, :data:`KERNEL_ENV`, and the run's data
    cache (:mod:`junheng_lib.datacache`), or none."""
    from .datacache import ENV
    env = {**os.environ, **KERNEL_ENV}
    env.pop(ENV, None)
    if task.data_cache:
        env[ENV] = task.data_cache
    return env


def _prewarm(task: CountyTask) -> None:
    """Start the kernel of the next notebook now (it imports what the template imports)."""
    global _KERNELS_STARTED_HERE
    if not PREWARM:
        return
    from .kernels import warm_up_code
    _KERNELS_STARTED_HERE = True
    _warm_slot().prepare(notebook(task.template).parent, kernel_env(task), warm_up_code(notebook(task.template)))


def discard_warm_kernel() -> None:
    """Shut down this process's kernel started ahead and never used."""
    if _warm is not None:
        _warm.discard()


def _finish_stopping() -> None:
    """End the kernels asked to stop (they had the HTML conversion to exit on their own)."""
    if not _stopping:
        return
    from .kernels import finish_stop
    while _stopping:
        finish_stop(_stopping.pop())


#: papermill engine that writes the executed notebook once, at the end
ENGINE = "junheng"


def _register_engine() -> str:
    """Register (once) a papermill engine that writes the executed notebook once at the end — also
    after an error or a dead kernel, for diagnosis — instead of at every cell's start and end
    (≈ 80 writes of a growing notebook, about half a second per report)."""
    global _engine_registered
    if not _engine_registered:
        from papermill.engines import NBClientEngine, papermill_engines

        class SaveAtEndEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
                path, nb_man.output_path = nb_man.output_path, None
                try:
                    return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
                finally:
                    nb_man.output_path = path  # papermill's notebook_complete writes it once

        papermill_engines.register(ENGINE, SaveAtEndEngine)
        _engine_registered = True
    return ENGINE


_engine_registered = False


def _execute(task: CountyTask, tmp_nb: Path, parameters: dict) -> None:
    """Run the task's notebook with papermill on a kernel of its own: the one started ahead when it
    suits, else a new one; the next one is started now when more notebooks follow in this process."""
    global _KERNELS_STARTED_HERE
    import papermill as pm

    from . import kernels

    _KERNELS_STARTED_HERE = True
    template = notebook(task.template)
    cwd, env = template.parent, kernel_env(task)
    last: Exception | None = None
    for attempt in (1, 2):  # one retry when the kernel dies before running a cell
        km = _warm_slot().take(cwd, env) if attempt == 1 else None
        if km is None:
            km = kernels.start(cwd, env)
        if attempt == 1 and _expect_more:
            _prewarm(task)
        _prepare_html()
        try:
            pm.execute_notebook(str(template), str(tmp_nb), parameters=parameters, engine_name=_register_engine(),
                                kernel_name=kernels.KERNEL_NAME, cwd=str(cwd), progress_bar=False,
                                execution_timeout=task.timeout, start_timeout=START_TIMEOUT, km=km)
            return
        except Exception as e:  # noqa: BLE001 - classified below
            last = e
            if attempt == 1 and _kernel_start_failure(e, tmp_nb):
                continue
            raise
        finally:
            kernels.request_stop(km)
            _stopping.append(km)
    raise last  # pragma: no cover


_PARAMETERS: dict = {}


def notebook_parameters(template: str) -> frozenset[str]:
    """Names assigned in the template notebook's ``parameters`` cell."""
    import ast
    path = notebook(template)
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _PARAMETERS:
        names: set[str] = set()
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                for node in ast.walk(ast.parse("".join(cell.get("source", "")))):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        names.add(node.id)
        _PARAMETERS[key] = frozenset(names)
    return _PARAMETERS[key]


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


def _relative_paths(nb_path: Path, params: dict, out: Path, template: str, stem: str) -> None:
    """The executed notebook without this machine's paths: the folders papermill injected
    (``data_dir``, ``output_dir``, ``results_dir``) and recorded in its metadata become paths relative
    to the report's folder (``.`` for the report folder itself), the template and output its file names.
    A report is handed over; where it was computed is in its 说明 as file names and hashes."""
    subst = {}
    for key in ("output_dir", "results_dir", "data_dir"):
        p = params.get(key)
        if not p or not os.path.isabs(p):
            continue
        if key == "output_dir":
            rel = "."
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
    nb_path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def run_county(task: CountyTask) -> TaskResult:
    """Execute one report notebook; on success its outputs (``<name>.ipynb``, ``.html`` and the side
    files ``.results.json``, ``.docx``, ``.xlsx`` or ``全市汇总.xlsx``) replace the previous ones as one
    unit with the manifest ``<name>.manifest.json``; on failure keep ``<name>.failed.ipynb``."""
    global _KERNELS_STARTED_HERE
    _KERNELS_STARTED_HERE = True
    t0 = time.perf_counter()
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = task.name
    failed_nb = out / f"{stem}{FAILED_SUFFIX}"
    stage = Path(tempfile.mkdtemp(prefix=_owner_prefix(STAGE_PREFIX), dir=out))
    tmp_nb = stage / f"{stem}.ipynb"
    params = {"data_dir": task.data_dir, "year": int(task.year), "output_dir": str(stage.resolve()), **task.options}
    declared = notebook_parameters(task.template)
    for name in ("docx_template", "issuer"):  # only to a notebook that declares them
        if getattr(task, name) and name in declared:
            params[name] = getattr(task, name)
    if task.template == ROLLUP:
        params["results_dir"] = str(out.resolve())
    else:
        params["county"] = task.county
    try:
        _execute(task, tmp_nb, params)
        _relative_paths(tmp_nb, params, out, task.template, stem)
        to_html(tmp_nb, stage / f"{stem}.html", title=task.title)
        names = _adopt(stage, safe_name(task.county), stem)
        meta = {"county": task.county, "year": int(task.year), "kind": task.kind, "inputs_sha256": task.input_hash,
                "template": task.template}
        outputs = commit_unit(out, stem, stage, names, meta)
        failed_nb.unlink(missing_ok=True)
        return TaskResult(task.county, True, time.perf_counter() - t0, [str(p) for p in outputs], task=task)
    except Exception as e:  # noqa: BLE001 - one county's failure must not stop the others
        if tmp_nb.exists():
            tmp_nb.replace(failed_nb)
        return TaskResult(task.county, False, time.perf_counter() - t0, [str(failed_nb)] if failed_nb.exists() else [],
                          _short_error(e), task=task)
    finally:
        _finish_stopping()  # the kernel, if it has not ended during the HTML conversion
        shutil.rmtree(stage, ignore_errors=True)


def _die_with_parent(parent_pid: int) -> None:
    """Pool worker initializer: end this worker when the runner dies, even by ``kill -9``.

    On Linux the kernel sends SIGKILL when the parent ends (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread also watches the parent pid. A kernel started by the worker then sees its own parent
    gone and exits (ipykernel's parent poller).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog below remains
            pass
    if os.getppid() != parent_pid:  # the runner died before the line above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="junheng-parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent_pid:
            os._exit(1)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    try:  # a zombie (killed, not yet reaped) is no longer using anything
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


_OWNED = re.compile(r"^(?:\.run|jh-k)-(\d+)-([0-9a-f]{8})-")


def _in_use(path: Path) -> bool:
    """True unless ``path`` (a staging or socket folder named with its owner's pid and host) belongs to
    a dead process of this machine; a folder of an older version (no owner in its name) counts as in
    use until it has been left untouched for an hour."""
    m = _OWNED.match(path.name)
    if m is None:
        return _recent(path)
    return m[2] != _host_tag() or _pid_alive(int(m[1]))


def _recent(path: Path) -> bool:
    try:
        newest = max([path.stat().st_mtime] + [p.stat().st_mtime for p in path.iterdir()])
    except OSError:
        return True
    return time.time() - newest < LEGACY_AGE


def _bound_unix_sockets() -> set[str] | None:
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {parts[7] for parts in (ln.split() for ln in lines) if len(parts) >= 8}


def _legacy_socket_dir_in_use(path: Path, bound: set[str] | None) -> bool:
    """A kernel socket folder of an older version (no owner pid in its name): in use while any socket
    in it is bound or while it is recent."""
    if bound is None:
        return True
    try:
        if any(str(p) in bound for p in path.iterdir()):
            return True
    except OSError:
        return True
    return _recent(path)


def clean_leftovers(folders: list[Path]) -> list[Path]:
    """Remove staging folders (``.run-*`` in ``folders``) and kernel socket folders (``jh-k-*`` in the
    temporary directory) left by runs that died; those of live processes stay. Returns what was removed."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in folder.glob(f"{STAGE_PREFIX}*"):
            if p.is_dir() and not _in_use(p):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    bound: list = []  # read once, when needed
    for p in Path(tempfile.gettempdir()).glob(f"{SOCKET_PREFIX}*"):
        if not p.is_dir():
            continue
        if _OWNED.match(p.name):
            dead = not _in_use(p)
        else:
            if not bound:
                bound.append(_bound_unix_sockets())
            dead = not _legacy_socket_dir_in_use(p, bound[0])
        if dead:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _short_error(e: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError
    if isinstance(e, PapermillExecutionError):
        return f"{e.ename}: {e.evalue}"[:500]
    return f"{type(e).__name__}: {e}"[:500]


def run_tasks(tasks: list[CountyTask], workers: int = 1, progress: bool = True, scheduler: str = "local",
              address: str | None = None, more_after: bool = False, prepare=None,
              alongside=None, finish=None) -> list[TaskResult]:
    """Run tasks sequentially (workers=1), in a local process pool, or on dask.distributed
    (``scheduler="dask"``: ``address`` of a running scheduler, or a LocalCluster of ``workers``
    processes); results in completion order.

    Sequentially and in the pool, each process starts its next kernel while the current report runs
    (:data:`PREWARM`); ``more_after`` says that this process runs more notebooks after these (the
    kernel started ahead is then left for them: the caller discards it, see
    :func:`discard_warm_kernel`). The previous outputs of a task that failed are moved to ``过期报告/``
    (:func:`outputs.retire_unit`).

    Sequentially, this process also works while a kernel runs a notebook (it would only wait), in a
    thread: ``alongside(task, stop)`` while the task's own notebook runs (the runner draws charts of
    the report with its kernel: :meth:`junheng_lib.datacache.DataCache.draw_charts`; ``stop`` is set
    when the notebook has ended), then ``prepare(next task)`` (the runner evaluates the next county:
    :meth:`junheng_lib.datacache.DataCache.write_evaluation`); ``finish(task)`` once both are done
    (:meth:`junheng_lib.datacache.DataCache.forget`)."""
    global _expect_more
    import tqdm as _tqdm
    from tqdm.auto import tqdm

    _tqdm.tqdm.monitor_interval = 0  # no monitor thread in the runner (workers are forked from it)
    bar = tqdm(total=len(tasks), desc="生成报告", unit="份", disable=not progress or not tasks, file=sys.stderr)
    results: list[TaskResult] = []
    try:
        if scheduler == "dask" and tasks:
            from .distributed import run_on_dask
            for r in run_on_dask(run_county, tasks, workers=workers, address=address):
                results.append(_settle(r))
                bar.set_postfix_str(r.county)
                bar.update()
        elif workers <= 1:
            ahead, done = None, None  # this process's work while the current notebook runs
            try:
                for k, t in enumerate(tasks):
                    bar.set_postfix_str(t.county)
                    _expect_more = k + 1 < len(tasks) or more_after
                    _settle_thread(ahead, finish, done)  # it prepared this task
                    nxt = tasks[k + 1] if prepare is not None and k + 1 < len(tasks) else None
                    stop, ahead, done = threading.Event(), None, t
                    if alongside is not None or nxt is not None:
                        ahead = threading.Thread(target=_meanwhile, args=(alongside, t, stop, prepare, nxt),
                                                 daemon=True)
                        ahead.start()
                    try:
                        results.append(_settle(run_county(t)))
                    finally:
                        stop.set()
                    bar.update()
            finally:
                _settle_thread(ahead, finish, done)
        else:
            import multiprocessing as mp

            # fork where available: workers inherit the runner's imports (papermill, nbconvert) instead
            # of paying for them again; the runner starts no threads before this point
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401
            fork = "fork" in mp.get_all_start_methods() and not _KERNELS_STARTED_HERE  # no zmq state to inherit
            ctx = mp.get_context("fork" if fork else "spawn")
            # tasks not started yet, and workers busy: a worker starts its next kernel ahead only when
            # more tasks wait than idle workers will take
            counts = ctx.Array("i", [len(tasks), 0])
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(os.getpid(), counts, workers)) as pool:
                futs = {pool.submit(_run_in_pool, t): t for t in tasks}
                for f in as_completed(futs):
                    try:
                        results.append(_settle(f.result()))
                    except Exception as e:  # noqa: BLE001 - a dead worker process
                        results.append(_settle(TaskResult(futs[f].county, False, 0.0, [], _short_error(e),
                                                          task=futs[f])))
                    bar.set_postfix_str(futs[f].county)
                    bar.update()
    finally:
        _expect_more = False
        if not more_after:
            discard_warm_kernel()
        bar.close()
    return results


def _meanwhile(alongside, task: CountyTask, stop, prepare, nxt: CountyTask | None) -> None:
    """The runner's work while ``task``'s notebook runs: its share of that report (``alongside``,
    until ``stop`` is set), then the next task's preparation. None of it may stop the run: the
    kernels do all of it themselves when this does not."""
    for fn, args in ((alongside, (task, stop)), (prepare, (nxt,))):
        if fn is not None and args[0] is not None:
            try:
                fn(*args)
            except Exception:  # noqa: BLE001
                pass


def _settle_thread(thread, finish, task) -> None:
    """Wait for the runner's thread of ``task`` to end, then ``finish(task)``."""
    if thread is not None:
        thread.join()
    if finish is not None and task is not None:
        try:
            finish(task)
        except Exception:  # noqa: BLE001 - only cache files left until the cache is removed
            pass


_pool_counts = None
_pool_workers = 1


def _init_worker(parent_pid: int, counts, workers: int) -> None:
    """Pool worker initializer: die with the runner; shut down the kernel started ahead at exit."""
    global _pool_counts, _pool_workers
    from multiprocessing import util

    _die_with_parent(parent_pid)
    _pool_counts, _pool_workers = counts, workers
    util.Finalize(None, discard_warm_kernel, exitpriority=100)  # runs when the worker exits normally


def _run_in_pool(task: CountyTask) -> TaskResult:
    global _expect_more
    counts = _pool_counts
    if counts is None:  # pragma: no cover - not started by run_tasks
        return run_county(task)
    with counts.get_lock():
        counts[0] -= 1
        counts[1] += 1
        _expect_more = counts[0] > _pool_workers - counts[1]  # more waiting than idle workers will take
    try:
        return run_county(task)
    finally:
        with counts.get_lock():
            counts[1] -= 1


def _settle(r: TaskResult) -> TaskResult:
    """A failed task's previous outputs are set aside — unless they are intact and made from the very
    same inputs (a forced re-run that failed): then they are still the current report."""
    if not r.ok and r.task is not None and not _up_to_date(r.task):
        r.retired = [str(p) for p in retire_unit(r.task.out_dir, r.task.name)]
    return r


def code_hash() -> str:
    """SHA-256 over the library's code (sub-packages included) and rule table
    (:func:`datacache.library_hash`) and the report notebooks."""
    import hashlib

    from .datacache import library_hash
    h = hashlib.sha256(library_hash().encode())
    for f in (notebook(COUNTY), notebook(ROLLUP)):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _row_hashes(df, at=None):
    """A table's columns (without the row-number column) and one 64-bit hash per row (pandas) — of every row,
    or of the rows at the sorted positions ``at``. A row's hash depends on that row alone."""
    import pandas as pd
    if at is not None:
        df = df.iloc[at]
    from .io import ROW
    d = df.drop(columns=[ROW], errors="ignore")  # row numbers are positions, not content
    return ",".join(map(str, d.columns)).encode(), pd.util.hash_pandas_object(d, index=False).to_numpy()


def input_hashes(ds, years: list[int], counties: list[str], options: Options, rollup: bool = True,
                 extra: dict | None = None) -> dict:
    """Content hash per (year, county) of everything its report reads — that county's rows of the
    three tables (all years: the report shows trends), the options, ``extra`` (the Word template's
    content hash and the issuer) and the code — and, with
    ``rollup``, per year for the roll-up (all rows). Each row needed is hashed once
    (:func:`datacache.county_rows` finds each county's rows), not once per county: the cost follows
    the counties asked for, not the size of the data."""
    import hashlib
    import json as _json

    import numpy as np

    from .datacache import county_rows

    base = hashlib.sha256()
    base.update(code_hash().encode())
    base.update(_json.dumps(options.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    if extra:
        base.update(_json.dumps(extra, sort_keys=True, ensure_ascii=False).encode())
    rows = county_rows(ds, counties, unmatched=False)
    tables = []
    for k, df in enumerate((ds.schools, ds.classes, ds.counties)):
        if df is None:
            tables.append(None)
            continue
        at = None if rollup else np.unique(np.concatenate([r[k] for r in rows.values()] + [np.empty(0, np.int64)]))
        tables.append((*_row_hashes(df, at), at))

    def add(h, table, pos=None) -> None:
        """The table's columns and its rows' hashes in order; ``-`` for no table or no rows."""
        if table is None or len(table[1]) == 0 or (pos is not None and len(pos) == 0):
            h.update(b"-")
            return
        cols, hashes, at = table
        h.update(cols)
        h.update((hashes if pos is None else hashes[pos if at is None else np.searchsorted(at, pos)]).tobytes())

    out = {}
    for c in dict.fromkeys(counties):
        h = base.copy()
        for table, pos in zip(tables, rows.get(c, (None, None, None))):
            add(h, table if c in rows else None, pos)
        for y in years:
            out[(y, c)] = hashlib.sha256(h.digest() + str(y).encode()).hexdigest()
    if rollup:
        whole = base.copy()
        for table in tables:
            add(whole, table)
        for y in years:
            out[(y, ROLLUP_STEM)] = hashlib.sha256(whole.digest() + str(y).encode()).hexdigest()
    return out


def _up_to_date(task: CountyTask) -> bool:
    """The task's outputs are complete, unchanged and made from the task's inputs (its manifest)."""
    return bool(task.input_hash) and check_unit(task.out_dir, task.name, task.input_hash, task.county,
                                                task.year) is None


def _index_entries(folder: Path, year: int, counties: list[str], stems: dict, hashes: dict,
                   failed: set) -> list[dict]:
    """Status of every county of a year folder (see :mod:`junheng_lib.outputs`), for ``index.json``."""
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


def _stems(ds, order: list[str]) -> dict:
    """File stem of every county of the data (``order``: all years, so that a county keeps its name
    across years)."""
    from .errors import DataError, DataIssue
    from .names import NameClash
    try:
        return file_stems(order, reserved=[ROLLUP_STEM])
    except NameClash as e:
        raise DataError([DataIssue(str(ds.files["schools"]), str(e))]) from None


def run_reports(data: str | None = None, years: list[int] | None = None, counties: list[str] | None = None,
                out: str = "reports", workers: int = 1, options: Options | None = None, rollup: bool = True,
                progress: bool = True, force: bool = False, scheduler: str = "local",
                address: str | None = None, docx_template: str | None = None, issuer: str | None = None,
                draw_here: bool = False) -> int:
    """The main job: every requested county report (default: all counties, latest year), then the
    roll-up of each year from the counties' current results (``index.json``).

    ``data`` is a data folder or a schools file; ``docx_template`` a Word template for the .docx
    (default junheng's; checked before any work: :class:`junheng_lib.word.TemplateError`), ``issuer``
    the issuing unit on its cover and 落款. With ``draw_here`` (the command line, whose process
    draws with matplotlib's Agg backend), this process draws part of each report's charts while
    its kernel runs it, one report at a time (:mod:`junheng_lib.chartstore`). Returns the process
    exit status: 0 when every report was written, 1 otherwise.
    """
    import hashlib

    word = {}
    if docx_template:
        from .word import check_template
        path = check_template(docx_template)
        word["docx_template"] = str(path)
        word["docx_template_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    if issuer and issuer.strip():
        word["issuer"] = issuer.strip()
    task_word = {k: word[k] for k in ("docx_template", "issuer") if k in word}

    source = Path(data).resolve() if data else None  # the kernels read this same path (their cwd differs)
    data_dir = str(source) if source else ""
    root = Path(out)
    # the cache folder's name now (for the kernel started below), the folder once the data are valid
    cache_dir = str(root / f"{_owner_prefix(STAGE_PREFIX)}{secrets.token_hex(4)}") if DATA_CACHE else ""
    cache = None
    try:
        if workers <= 1 and scheduler != "dask":  # the first kernel boots and imports while the data are read
            _prewarm(CountyTask("", 0, str(root), data_dir, template=COUNTY, data_cache=cache_dir))
        from .data import check_request, input_files, load
        from .datacache import DataCache
        from .options import Options

        options = options or Options()
        _, files = input_files(source)
        if cache_dir:
            cache = DataCache(cache_dir, files)
        ds = load(source)  # validates once, up front: a data error stops the run before any output
        years = years or [max(ds.years)]
        # a year, a county, or a county asked for by name without schools in the year: a data error
        for note in check_request(ds.schools, years, counties) + ds.name_notices():
            print(note, file=sys.stderr)
        order = ds.counties_list  # every county of the data, all years (sorted once)
        wanted = list(dict.fromkeys(counties or order))  # a county given twice runs once
        stems = _stems(ds, order)
        folders = {y: root / str(y) for y in years}
        # hashes of the counties asked for and of those with outputs to check (not of every county)
        asked = set(wanted)
        hashed = [c for c in order if c in asked
                  or any((folders[y] / f"{stems[c]}{MANIFEST_SUFFIX}").exists() for y in years)]
        hashes = input_hashes(ds, years, hashed, options, rollup=rollup,
                              extra={k: v for k, v in word.items() if k != "docx_template"})
        clean_leftovers(([root] + [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()])
                        if root.is_dir() else [])
        tasks = []
        present = {}
        for y in years:
            here = set(ds.schools.loc[ds.schools["year"] == y, "county"])
            present[y] = [c for c in order if c in here]
        for y in years:
            for c in wanted:
                if c in present[y]:
                    tasks.append(CountyTask(c, y, str(folders[y]), data_dir, options.to_dict(), stem=stems[c],
                                            input_hash=hashes[(y, c)], data_cache=cache_dir, **task_word))
        # largest counties first, so that no worker is left with a big report at the end
        size = ds.schools.groupby(["year", "county"]).size()
        tasks.sort(key=lambda t: -int(size.get((t.year, t.county), 0)))
        todo = [t for t in tasks if force or not _up_to_date(t)]
        if cache is not None and todo:  # each notebook reads its county's validated slice
            cache.write(ds, [t.county for t in todo])
        prepare = alongside = finish = None
        if cache is not None and cache.enabled and workers <= 1 and scheduler != "dask":
            def prepare(t: CountyTask) -> None:  # the next county's evaluation, for its kernel (datacache)
                cache.write_evaluation(t.county, t.year, t.options)

            def finish(t: CountyTask) -> None:
                cache.forget(t.county, t.year, t.options)
            if draw_here:
                cache.share()

                def alongside(t: CountyTask, stop) -> None:  # charts of the report, with its kernel
                    cache.draw_charts(t.county, t.year, t.options, stop)
        aside = cache.evaluate_aside(todo[0].county, todo[0].year, todo[0].options) if prepare and todo else None
        try:
            results = run_tasks(todo, workers, progress, scheduler, address, more_after=rollup, prepare=prepare,
                                alongside=alongside, finish=finish)
        finally:
            if aside is not None:
                os.waitpid(aside, 0)
        skipped = len(tasks) - len(todo)
        failed_now = {(r.task.year, r.task.county) for r in results if not r.ok and r.task is not None}
        index = {y: _index_entries(folders[y], y, present[y], stems, hashes, failed_now) for y in years}
        for y in years:
            folders[y].mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=_owner_prefix(STAGE_PREFIX), dir=folders[y]))
            try:
                write_index(folders[y], y, index[y], stage)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        if rollup:  # after the counties: it reads their current results through index.json
            roll = []
            for y in years:
                h = hashlib.sha256((hashes[(y, ROLLUP_STEM)] + json.dumps(index[y], sort_keys=True,
                                                                           ensure_ascii=False)).encode()).hexdigest()
                roll.append(CountyTask(ROLLUP_STEM, y, str(folders[y]), data_dir, options.to_dict(), template=ROLLUP,
                                       stem=ROLLUP_STEM, input_hash=h, data_cache=cache_dir, **task_word))
            roll_todo = [t for t in roll if force or not _up_to_date(t)]
            skipped += len(roll) - len(roll_todo)
            if cache is not None and roll_todo:
                cache.write(ds, whole=True)
            results += run_tasks(roll_todo, min(workers, 2), progress)  # never in this process when parallel
    finally:
        discard_warm_kernel()
        if cache is not None:
            cache.remove()
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
            stale = [e["county"] for e in index[y] if e["status"] in ("outdated", "missing")]
            if stale:
                print(f"提示：{y}学年{'、'.join(stale)}没有按当前数据和口径生成的报告（本次未生成），"
                      "全市汇总中列为未生成", file=sys.stderr)
    return 1 if failed else 0
