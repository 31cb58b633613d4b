"""The package's house rules: imports only go down the layers, at module top, and never in a circle."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import junheng_lib

PKG = Path(junheng_lib.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package's face
        return -1
    return junheng_lib.LAYERS.index(parts[1])


def _imports(path: Path):
    """(module imported, line, at module top) for every import of a junheng_lib module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(id(n) for n in tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import (write junheng_lib.… in full)")
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "junheng_lib":
            mods = [node.module]
            if node.module in MODULES and MODULES[node.module].name == "__init__.py":  # from a package import a module
                mods += [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
            for m in mods:
                yield m, node.lineno, id(node) in top
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "junheng_lib":
                    yield a.name, node.lineno, id(node) in top


def _graph() -> dict[str, set[str]]:
    g = {}
    for mod, path in MODULES.items():
        g[mod] = {m for m, _, _ in _imports(path) if m in MODULES and m != mod}
    return g


def test_every_module_is_in_a_layer():
    for mod in MODULES:
        parts = mod.split(".")
        assert len(parts) == 1 or parts[1] in junheng_lib.LAYERS, f"{mod} is in no layer of junheng_lib.LAYERS"


def test_imports_only_go_down_at_module_top():
    bad = []
    for mod, path in MODULES.items():
        if mod == "junheng_lib":
            continue
        for target, line, at_top in _imports(path):
            if target == "junheng_lib":
                bad.append(f"{path.name}:{line} imports the package face (import from the module itself)")
            elif not at_top:
                bad.append(f"{mod}:{line}: import of {target} inside a function or class")
            elif target in MODULES and _layer(target) > _layer(mod):
                bad.append(f"{mod}:{line}: upward import of {target}")
    assert not bad, "\n".join(bad)


def test_no_import_cycle():
    g = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(g[m]):
            # a package's __init__ is imported with each of its modules: an edge into a package counts
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)
    assert not cycles, "\n".join(" → ".join(c) for c in cycles)


def test_package_docstrings_say_what_lives_there():
    for layer in junheng_lib.LAYERS:
        init = PKG / layer / "__init__.py"
        if not init.exists():
            assert (PKG / f"{layer}.py").exists()
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"{init}: the docstring says what lives here and what it may import"


@pytest.mark.parametrize("name", sorted(junheng_lib._PUBLIC))
def test_public_names_are_re_exported(name):
    obj = getattr(junheng_lib, name)
    assert obj is getattr(importlib.import_module(junheng_lib._PUBLIC[name]), name)


def test_package_import_is_light():
    import subprocess
    import sys
    code = ("import sys, junheng_lib; heavy = [m for m in ('pandas', 'numpy', 'matplotlib', 'papermill') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
