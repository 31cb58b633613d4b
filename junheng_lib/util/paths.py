"""Where things are: the sample data and the report notebooks, from the package location."""
from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT_ROOT", "sample_dir", "notebook"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def sample_dir() -> Path:
    """The sample city's folder (``data/sample`` of the project checkout)."""
    return PROJECT_ROOT / "data" / "sample"


def notebook(name: str) -> Path:
    """A report notebook template of ``notebooks/``."""
    return PROJECT_ROOT / "notebooks" / name
