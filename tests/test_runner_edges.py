"""Edges of a report run ("never silently wrong", part two): a Word template that cannot make a
report stops the run before anything moves; a county gone from the data is set aside; a swap that
fails half-way leaves the previous unit whole (or nothing current); Ctrl-C ends the run, its workers
and kernels with one Chinese line; the title shows once; control characters in --issuer and in county
names are never kept silently; a full disk is said naming the path, and no half-written notebook stays.

Most tests run the runner with the ``fake_notebooks`` stand-in (conftest); the Ctrl-C test runs real
kernels on a small notebook of its own.
"""
import contextlib
import errno
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import nbformat
import pytest
from conftest import small_city
from papermill.exceptions import PapermillExecutionError

from junheng_lib import cli
from junheng_lib.data.results import current_results
from junheng_lib.render import docx as word
from junheng_lib.render.blocks import Text
from junheng_lib.rules.options import Options
from junheng_lib.run import outputs
from junheng_lib.run import runner as batch
from junheng_lib.util.fileio import OutputError
from junheng_lib.util.names import file_stems, safe_name

ROOT = Path(batch.__file__).resolve().parents[2]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RED_HEAD = "某某县教育局文件"


def _run(data, out, fake=None, **kw):
    kw.setdefault("progress", False)
    if fake is not None:
        kw.setdefault("execute", fake.execute)
    return batch.run_reports(data=str(data), out=str(out), **kw)


def _files(folder: Path) -> dict:
    """Every file under ``folder`` (relative path → bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _unit(folder: Path, stem: str) -> dict:
    return {p.name: p.read_bytes() for p in folder.glob(f"{stem}.*") if p.is_file()}


def _names(path: Path, text: str) -> bool:
    """``text`` names ``path`` (as given or resolved)."""
    return str(path) in text or str(path.resolve()) in text


def _status(year_dir: Path) -> dict:
    return {e["county"]: e["status"] for e in json.loads((year_dir / outputs.INDEX).read_text("utf-8"))["counties"]}


# ---------------------------------------------------------------------------------------------- Word templates
def template(path: Path, text: str = "", *, document_type: str = "document.main+xml", cut: bool = False) -> Path:
    """A minimal bureau template: a red 红头 line and a paragraph ``text`` (its placeholders); ``cut``
    leaves its word/document.xml half-written, ``document_type`` its main part's content type."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'
            f'<w:p><w:r><w:t>{RED_HEAD}</w:t></w:r></w:p>'
            + (f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" if text else "")
            + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" '
              'w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>')
    if cut:
        body = body[: len(body) // 2]
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        f'wordprocessingml.{document_type}"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": body,
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return path


#: templates that pass a look at the file but cannot make a report, and what their message says
BROKEN = {
    "unclosed": (lambda p: template(p / "红头.docx", "{{ title "), "占位符有误"),
    "unclosed_block": (lambda p: template(p / "红头.docx", "{% if title %}{{ title }}"), "占位符有误"),
    "undefined": (lambda p: template(p / "红头.docx", "{{ 文号 }}{{ title }}"), "“{{ 文号 }}”无法填写"),
    "filter": (lambda p: template(p / "红头.docx", "{{ title|shout }}"), "不存在的过滤器“shout”"),
    "broken_xml": (lambda p: template(p / "红头.docx", "{{ title }}", cut=True), "已损坏"),
    "dotx": (lambda p: template(p / "红头.dotx", "{{ title }}", document_type="template.main+xml"), "模板文件(.dotx"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_template_that_cannot_make_a_report_stops_the_run_before_anything_moves(tmp_path, fake_notebooks, kind):
    make, says = BROKEN[kind]
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out = tmp_path / "out"
    assert _run(data, out, fake_notebooks) == 0
    before = _files(out)
    fake_notebooks.calls.clear()
    tpl = make(tmp_path)
    with pytest.raises(word.TemplateError) as e:
        _run(data, out, fake_notebooks, docx_template=str(tpl))
    message = str(e.value)
    assert message.startswith(f"Word 模板“{tpl.name}”") and says in message, message
    assert str(tmp_path) not in message                      # the template by its name, not this machine's path
    assert fake_notebooks.calls == [] and _files(out) == before   # nothing ran, moved or written


@pytest.mark.parametrize("kind", ["unclosed", "undefined", "dotx"])
def test_the_report_command_refuses_such_a_template_in_chinese_with_status_2(tmp_path, fake_notebooks, kind,
                                                                             monkeypatch, capsys):
    make, says = BROKEN[kind]
    data = small_city(tmp_path / "data", {"甲县": 100})
    out = tmp_path / "out"
    monkeypatch.setattr(cli, "run_reports", functools.partial(batch.run_reports, execute=fake_notebooks.execute))
    assert cli.main(["report", "--data", str(data), "--out", str(out), "--no-rollup"]) == 0
    before = _files(out)
    capsys.readouterr()
    assert cli.main(["report", "--data", str(data), "--out", str(out), "--docx-template", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "Word 模板“红头." in err and says in err and "Traceback" not in err
    assert _files(out) == before


def test_a_jinja_error_is_said_in_chinese_with_the_jinja_text_in_parentheses(tmp_path):
    with pytest.raises(word.TemplateError) as e:
        word.check_template_renders(template(tmp_path / "t.docx", "{{ title|shout }}"))
    head, _, jinja = str(e.value).partition("（Jinja：")
    assert head.startswith("Word 模板“t.docx”中的占位符有误") and "shout" in jinja


def test_good_templates_render(tmp_path):
    for tpl in (word.default_template(), template(tmp_path / "a.docx"),
                template(tmp_path / "b.docx", "{{ issuer }}（{{ date }}）{{ title }}"),
                template(tmp_path / "c.docx", "{% if issuer %}{{ issuer }}{% endif %}")):
        assert word.check_template_renders(tpl) == Path(tpl).resolve()


# ---------------------------------------------------------------------------------------------- the title once
class _Section:
    def __init__(self, key, title):
        self.key, self.title = key, title


class _Report:
    """A report with an outline: its own title block (as the county and city reports have) or none."""

    def __init__(self, title, with_title_block=True):
        self.title, self.with_title_block = title, with_title_block

    def sections(self):
        return [_Section("title", ""), _Section("body", "一、基本情况")]

    def blocks(self, section):
        if section.key == "title":
            return [Text(self.title, heading=1)] if self.with_title_block else []
        return [Text("全县共有小学2所。")]


@pytest.mark.parametrize("with_title_block", [True, False])
def test_a_template_without_the_title_placeholder_shows_the_title_once(tmp_path, with_title_block):
    title = "甲县2024学年义务教育均衡发展监测报告"
    rep = _Report(title, with_title_block)
    path = word.write_report_docx(rep, rep.sections(), tmp_path / "r.docx", title=title, issuer="甲县教育局",
                                  template=template(tmp_path / "t.docx", "{{ issuer }}"))
    paras = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paras[:2] == [RED_HEAD, "甲县教育局"] and paras.count(title) == 1


# ---------------------------------------------------------------------------------------------- a county gone
def test_a_county_gone_from_the_data_is_set_aside_and_a_limited_run_keeps_the_others(tmp_path, fake_notebooks,
                                                                                    capsys):
    data = small_city(tmp_path / "data", {"乙县": 200, "丙县": 300, "甲县": 100})  # (last: the others' rows stay)
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    gone = _unit(y, "甲县")
    kept = _unit(y, "丙县")
    small_city(data, {"乙县": 250, "丙县": 300})        # 甲县 is no longer in the data
    capsys.readouterr()
    assert _run(data, out, fake_notebooks, counties=["乙县"]) == 0
    err = capsys.readouterr().err
    assert "甲县" in err and outputs.STALE_DIR in err
    stale = y / outputs.STALE_DIR
    assert not list(y.glob("甲县*")) and _unit(stale, "甲县") == gone   # set aside whole, with its manifest
    assert outputs.check_unit(stale, "甲县") is None
    assert _unit(y, "丙县") == kept                                    # not asked for, still in the data: kept
    assert _status(y) == {"乙县": "current", "丙县": "current"}
    assert sorted(json.loads((y / "全市汇总.xlsx").read_text("utf-8"))) == ["丙县", "乙县"]


def test_a_county_absent_in_one_year_only_is_set_aside_in_that_year(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks, rollup=False) == 0
    rows = (data / "schools.csv").read_text("utf-8").splitlines()
    later = [r.replace("2024", "2025", 1) for r in rows[1:] if "乙县" in r]   # 2025: 乙县 only
    (data / "schools.csv").write_text("\n".join(rows + later) + "\n", encoding="utf-8")
    assert _run(data, out, fake_notebooks, years=[2024, 2025], rollup=False) == 0
    assert outputs.check_unit(y, "甲县") is None                        # 2024: still in the data
    assert not list((out / "2025").glob("甲县*"))


# ---------------------------------------------------------------------------------------------- interrupted swaps
@contextlib.contextmanager
def failing_replace(monkeypatch, fail_at: int, *, then: bool = False, stem: str | None = None,
                    exc=lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))):
    """``os.replace`` fails on its ``fail_at``-th call inside each :func:`outputs.commit_unit` (of
    ``stem``; with ``then``, on every later call too: the moves back fail as well)."""
    real_replace, real_commit = os.replace, outputs.commit_unit
    calls = {"n": None}

    def replace(src, dst, *a, **k):
        if calls["n"] is not None:
            calls["n"] += 1
            if calls["n"] == fail_at or (then and calls["n"] > fail_at):
                raise exc()
        return real_replace(src, dst, *a, **k)

    def commit(folder, s, *a, **k):
        calls["n"] = 0 if stem is None or s == stem else None
        try:
            return real_commit(folder, s, *a, **k)
        finally:
            calls["n"] = None

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(outputs, "commit_unit", commit)
    monkeypatch.setattr(batch, "commit_unit", commit)
    yield calls


def test_a_swap_that_fails_half_way_leaves_the_old_report_whole_and_nothing_current(tmp_path, fake_notebooks,
                                                                                     monkeypatch, capsys):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    old = _unit(y, "甲县")
    small_city(data, {"甲县": 150, "乙县": 200})
    capsys.readouterr()
    with failing_replace(monkeypatch, 2, stem="甲县"):
        assert _run(data, out, fake_notebooks) == 1
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and _names(y / "甲县.docx", err)            # said, naming the file
    assert [p.name for p in y.glob("甲县*")] == ["甲县.failed.ipynb"]          # no new file beside old ones
    stale = y / outputs.STALE_DIR
    assert _unit(stale, "甲县") == old and outputs.check_unit(stale, "甲县") is None   # the old unit, whole
    assert _status(y) == {"甲县": "failed", "乙县": "current"}
    assert "甲县" not in current_results(y, 2024)


def _new_stage(tmp_path: Path) -> tuple[Path, list[str]]:
    stage = tmp_path / "stage"
    stage.mkdir(exist_ok=True)
    names = ["甲县.ipynb", "甲县.html", "甲县.docx", "甲县.results.json"]
    for n in names:
        (stage / n).write_text(json.dumps({"new": n}), encoding="utf-8")
    return stage, names


@pytest.mark.parametrize("then", [False, True], ids=["once", "and-after"])
@pytest.mark.parametrize("fail_at", range(1, 14))
def test_every_failure_point_of_a_swap_is_recoverable(tmp_path, fake_notebooks, monkeypatch, fail_at, then):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    old = _unit(y, "甲县")
    old_hash = outputs.read_manifest(y, "甲县")["inputs_sha256"]
    stage, names = _new_stage(tmp_path)
    meta = {"county": "甲县", "year": 2024, "kind": "county", "inputs_sha256": "new"}
    with failing_replace(monkeypatch, fail_at, then=then):
        try:
            outputs.commit_unit(y, "甲县", stage, names, meta)
        except OutputError as e:
            failed = str(e)
        else:
            failed = ""
    monkeypatch.undo()
    now = _unit(y, "甲县")
    if not failed:                                                   # every step went through: the new unit
        assert outputs.check_unit(y, "甲县", "new", "甲县", 2024) is None
        return
    assert _names(y, failed) and "磁盘空间不足" in failed               # said, naming the path
    if not then:                                                     # moved back: the old unit as it was
        assert now == old and outputs.check_unit(y, "甲县", old_hash) is None
    if outputs.check_unit(y, "甲县") is None:                         # whatever looks whole is the old unit …
        assert now == old
    else:                                                            # … or nothing of it is current
        assert "甲县" not in current_results(y, 2024) and _status(y)["甲县"] != "current"


def test_an_interrupted_run_leaves_no_county_it_was_rewriting_current_in_the_index(tmp_path, fake_notebooks):
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    assert _run(data, out, fake_notebooks) == 0
    small_city(data, {"甲县": 150, "乙县": 250})

    def execute(task, nb, params):
        if task.county == "甲县":          # e.g. Ctrl-C, or the machine going down, while its files are swapped
            raise KeyboardInterrupt
        fake_notebooks.execute(task, nb, params)

    with pytest.raises(KeyboardInterrupt):
        _run(data, out, execute=execute)
    assert current_results(y, 2024) == {} and set(_status(y).values()) <= {"outdated", "missing"}
    assert not list(y.glob(".run-*")) and not list(out.glob(".run-*"))


# ---------------------------------------------------------------------------------------------- Ctrl-C
SLOW_RUNNER = '''
import sys
from pathlib import Path

from junheng_lib.run import execute, tasks

nb = Path(sys.argv[1])
execute.notebook = tasks.notebook = lambda name: nb   # this test's report notebook: one that waits
from junheng_lib.cli import main

sys.exit(main(sys.argv[2:]))
'''


def _slow_notebook(path: Path) -> Path:
    """A report notebook that declares every parameter, says it has started (a file in its output
    folder) and then waits."""
    names = ["data_dir", "year", "county", "output_dir", "data_slice", "docx_template", "issuer", *Options().to_dict()]
    params = nbformat.v4.new_code_cell("\n".join(f"{n} = None" for n in names))
    params.metadata["tags"] = ["parameters"]
    wait = nbformat.v4.new_code_cell("import pathlib, time\npathlib.Path(output_dir, 'started').write_text(county)\n"
                                     "while True:\n    time.sleep(1)")
    nb = nbformat.v4.new_notebook(cells=[params, wait])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _alive(procs):
    import psutil
    alive = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


@pytest.mark.skipif(os.name != "posix", reason="signals and process groups (POSIX)")
@pytest.mark.parametrize("target,workers", [("runner", 2), ("group", 2), ("group", 1)])
def test_ctrl_c_ends_the_run_its_workers_and_kernels_with_one_chinese_line(tmp_path, target, workers):
    psutil = pytest.importorskip("psutil")
    data = small_city(tmp_path / "data", {"甲县": 100, "乙县": 200, "丙县": 300})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    script = tmp_path / "run.py"
    script.write_text(SLOW_RUNNER, encoding="utf-8")
    nb = _slow_notebook(tmp_path / "slow.ipynb")
    runner = subprocess.Popen([sys.executable, str(script), str(nb), "report", "--data", str(data), "--out", str(out),
                               "--workers", str(workers), "--no-rollup"], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    family = []
    try:
        deadline = time.monotonic() + 300       # a safety net only: the test waits on the notebooks starting
        while len(list(y.glob(".run-*/started"))) < workers:
            assert runner.poll() is None, runner.communicate()[1].decode()
            assert time.monotonic() < deadline, "the notebooks did not start"
            time.sleep(0.05)
        family = psutil.Process(runner.pid).children(recursive=True)
        commands = []
        for p in family:
            with contextlib.suppress(psutil.Error):
                commands.append(" ".join(p.cmdline()))
        assert sum("ipykernel" in c for c in commands) >= workers
        if target == "group":       # what a terminal's Ctrl-C does: the whole foreground process group
            os.killpg(runner.pid, signal.SIGINT)
        else:
            os.kill(runner.pid, signal.SIGINT)
        err = runner.communicate(timeout=300)[1].decode("utf-8", "replace")
        assert runner.returncode == 130, err
        _, alive = psutil.wait_procs(family, timeout=30)
        assert not _alive(alive), [p.cmdline() for p in _alive(alive)]
    finally:
        for p in _alive(family):
            p.kill()
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip() and not ln.startswith("生成报告")]
    assert lines == [lines[-1]] and lines[-1].startswith("已中断："), err   # one line, in Chinese
    for english in ("Traceback", "KeyboardInterrupt", "DeadKernelError", "Error"):
        assert english not in err, err
    pids = {str(p.pid) for p in family} | {str(runner.pid)}
    assert not list(out.rglob(".run-*"))                                # no staging folder left
    assert not [p for p in Path(tempfile.gettempdir()).glob("jh-k-*") if p.name.split("-")[2] in pids]


# ---------------------------------------------------------------------------------------------- --issuer, names
def test_control_characters_in_the_issuer_are_removed_and_said(tmp_path, fake_notebooks, capsys):
    data = small_city(tmp_path / "data", {"甲县": 100})
    seen = []

    def execute(task, nb, params):
        seen.append(params.get("issuer"))
        fake_notebooks.execute(task, nb, params)

    assert _run(data, tmp_path / "out", execute=execute, rollup=False, issuer=" 甲县\t教育局\u202e\x07\n") == 0
    assert seen == ["甲县教育局"]
    err = capsys.readouterr().err
    assert "--issuer" in err and "已删除" in err and "“甲县教育局”" in err
    assert _run(data, tmp_path / "out", execute=execute, rollup=False, issuer="甲县教育局") == 0
    assert "--issuer" not in capsys.readouterr().err                       # nothing to say: nothing said


#: bidirectional and other invisible format characters: a file name must never show reordered
HOSTILE = ["甲县\u202excod.exe", "乙\u2066县\u2069", "丙县\u200f", "\ufeff丁县", "戊\u061c县", "己\u200b县", "庚县\u0085"]


def test_format_and_control_characters_never_reach_a_file_name(tmp_path, fake_notebooks):
    def shown(name):
        return not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name)

    for n in HOSTILE:
        assert shown(safe_name(n)) and safe_name(n) != n
    plain = [n.translate({ord(c): None for c in n if not shown(c)}) for n in HOSTILE]
    stems = file_stems(HOSTILE + plain)
    assert len(set(stems.values())) == len(HOSTILE + plain)       # never the file of the name without them
    data = small_city(tmp_path / "data", dict.fromkeys(HOSTILE[:-1], 100))   # (the reader refuses C1 controls)
    out = tmp_path / "out"
    assert _run(data, out, fake_notebooks) == 0
    assert all(shown(p.name) for p in out.rglob("*")), [p.name for p in out.rglob("*") if not shown(p.name)]
    assert set(_status(out / "2024").values()) == {"current"}


# ---------------------------------------------------------------------------------------------- a full disk
def _full_disk(task, nb, params):
    Path(nb).write_text('{"cells": [{"cell_type": "code", "sou', encoding="utf-8")   # cut short by the disk
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _full_disk_in_stage(task, nb, params):
    Path(nb).write_text('{"cells": [', encoding="utf-8")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(params["output_dir"]) / f"{task.name}.docx"))


def _full_disk_in_the_kernel(task, nb, params):
    nbformat.write(nbformat.v4.new_notebook(), str(nb))
    raise PapermillExecutionError(0, 1, "", "OSError", "[Errno 28] No space left on device", [])


@pytest.mark.parametrize("execute", [_full_disk, _full_disk_in_stage, _full_disk_in_the_kernel])
def test_a_full_disk_is_said_naming_the_path_and_leaves_no_half_written_notebook(tmp_path, capsys, execute):
    data = small_city(tmp_path / "data", {"甲县": 100})
    out, y = tmp_path / "out", tmp_path / "out" / "2024"
    (y).mkdir(parents=True)
    (y / "甲县.failed.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()), encoding="utf-8")  # an older failure
    assert _run(data, out, execute=execute, rollup=False) == 1
    line = next(ln for ln in capsys.readouterr().err.splitlines() if "失败：甲县" in ln)
    assert "磁盘空间不足" in line and _names(y, line) and ".run-" not in line, line
    failed = y / "甲县.failed.ipynb"
    if execute is _full_disk_in_the_kernel:             # a whole notebook: kept as the record of this run
        assert json.loads(failed.read_text("utf-8"))["cells"] == [] and "执行记录" in line
    else:                                               # cut short: not kept, and the older record not shown as this one's
        assert not failed.exists() and "执行记录" not in line


def test_an_index_that_cannot_be_written_names_its_path_and_stays_as_it_was(tmp_path, monkeypatch):
    stage = tmp_path / "stage"
    stage.mkdir()
    outputs.write_index(tmp_path, 2024, [{"county": "甲县", "stem": "甲县", "status": "missing"}], stage)
    before = (tmp_path / outputs.INDEX).read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as e:
        outputs.write_index(tmp_path, 2024, [], stage)
    assert str(tmp_path / outputs.INDEX) in str(e.value) and "磁盘空间不足" in str(e.value)
    monkeypatch.undo()
    assert (tmp_path / outputs.INDEX).read_bytes() == before and list(stage.iterdir()) == []


def test_the_report_command_names_the_folder_when_the_disk_refuses_a_file_it_does_not_name(tmp_path, monkeypatch,
                                                                                        capsys):
    def full(**kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(cli, "run_reports", full)
    out = tmp_path / "out"
    assert cli.main(["report", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(out.resolve()) in err and "磁盘空间不足" in err
