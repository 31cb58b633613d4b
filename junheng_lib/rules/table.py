"""The rule table (``rules.toml``) as plain data, read once — standard library only.

:mod:`junheng_lib.rules.indicators` builds the indicator table (pandas) from it; what needs only the raw
rules (the command line's choices, :class:`junheng_lib.rules.options.Options`) reads them from here, so
that ``junheng report`` can start its first kernel before pandas is imported.
"""
from __future__ import annotations

import tomllib
from importlib import resources

__all__ = ["RULES", "indicator_codes"]

#: ``rules.toml``, parsed (never modified).
RULES: dict = tomllib.loads(resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8"))


def indicator_codes() -> list[str]:
    """Every indicator code, L1…L8 then Y1…Y7 (the rule table's order)."""
    return [row["code"] for row in RULES["indicator"]]
