#!/usr/bin/env python3
"""Bootstrap and run junheng with nothing but Python ≥ 3.11 installed.

    python3 run.py report      # sample data → every county report of the latest year + city roll-up
    python3 run.py test        # the test suite (pytest + nbval), as CI runs it
    python3 run.py test --fast # the analysis tests only (computation and reading; under a minute)
    python3 run.py junheng …   # any junheng command inside the project environment

The first call creates ``.venv`` beside this file and installs the project into it
(``pip install -e .[test]``); later calls reuse it, reinstalling only when pyproject.toml changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("JUNHENG_VENV", ROOT / ".venv"))
EXTRAS = os.environ.get("JUNHENG_EXTRAS", "test")
#: warnings filter for the install: setuptools' notice on every editable install of a flat layout
EDITABLE_NOTICE = "ignore:Editable installation"


def _bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("junheng 需要 Python 3.11 或更高版本")
    stamp = VENV / ".junheng-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want and _bin("junheng").exists():
        return
    if not _bin("python").exists():
        print(f"创建虚拟环境 {VENV} …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("安装 junheng 及其依赖 …", file=sys.stderr)
    pip = [str(_bin("python")), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    # setuptools' informational "Editable installation." notice (a flat layout) is not a problem to act on
    quiet = {**os.environ, "PYTHONWARNINGS": ",".join(
        w for w in (os.environ.get("PYTHONWARNINGS", ""), EDITABLE_NOTICE) if w)}
    subprocess.run(pip + ["-e", f"{ROOT}[{EXTRAS}]"], check=True, cwd=ROOT, env=quiet)
    stamp.write_text(want)


def compile_library() -> None:
    """Byte-compile the library's changed modules (an editable install is not compiled, and with
    PYTHONDONTWRITEBYTECODE set every process — each report kernel among them — would compile all of
    them again: about 0.1 s each). Up-to-date modules are skipped; a failure only costs that time."""
    subprocess.run([str(_bin("python")), "-m", "compileall", "-q", str(ROOT / "junheng_lib")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    ensure_env()
    compile_library()
    cmd, rest = argv[0], argv[1:]
    if cmd == "test":
        if "--fast" in rest:  # the subset marked in tests/conftest.py
            rest = [a for a in rest if a != "--fast"] + ["-m", "fast"]
        args = [str(_bin("python")), "-m", "pytest", *rest]
    elif cmd == "report":
        args = [str(_bin("junheng")), "report", *rest]
    elif cmd == "junheng":
        args = [str(_bin("junheng")), *rest]
    else:
        print(f"未知命令 {cmd!r}；可用：report、test、junheng", file=sys.stderr)
        return 2
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
