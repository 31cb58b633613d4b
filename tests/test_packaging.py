"""Packaging: the first install prints no setuptools license warnings (PEP 639 metadata only)."""
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.fast


def test_license_is_an_spdx_string_not_a_deprecated_table():
    # setuptools >= 77 warns on `license = {text = …}` / `{file = …}` and on License :: classifiers
    assert PROJECT["project"]["license"] == "MIT AND OFL-1.1"
    assert not [c for c in PROJECT["project"].get("classifiers", []) if c.startswith("License ::")]


def test_every_license_file_exists_and_both_licenses_have_one():
    files = PROJECT["project"]["license-files"]
    assert all((ROOT / f).is_file() for f in files)
    texts = [(ROOT / f).read_text(encoding="utf-8") for f in files]
    assert any(t.startswith("MIT License") for t in texts)
    assert any("SIL OPEN FONT LICENSE" in t.upper() for t in texts)


def test_build_backend_understands_spdx_license_expressions():
    # PEP 639 license expressions and license-files arrived in setuptools 77
    assert PROJECT["build-system"]["requires"] == ["setuptools>=77"]
