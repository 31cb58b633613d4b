"""The package version (also the build's: pyproject.toml reads it from here)."""

__version__ = "0.1.0"
