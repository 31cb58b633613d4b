"""The unit of work of a report run: one notebook for one county-year (or a year's roll-up).

A :class:`CountyTask` holds everything one report run needs and is picklable (a pool worker or a
dask worker runs it); :class:`TaskResult` says what came of it.
"""
from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass, field

from junheng_lib.analysis.units import DEFAULT_STEM
from junheng_lib.rules.indicators import RULES
from junheng_lib.util.names import safe_name
from junheng_lib.util.paths import notebook

__all__ = ["CountyTask", "TaskResult", "COUNTY", "ROLLUP", "ROLLUP_STEM", "EXECUTION_TIMEOUT", "notebook_parameters"]

COUNTY = "county_report.ipynb"
ROLLUP = "city_rollup.ipynb"
ROLLUP_STEM = DEFAULT_STEM
#: the suffix of a roll-up's stem (<市名>汇总)
ROLLUP_SUFFIX = str(RULES["rollup"]["units"]["suffix"])
#: seconds a report notebook may run
EXECUTION_TIMEOUT = 600


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
    data_slice: str = ""     # the validated tables this report reads, written by the runner ("": read data_dir)
    docx_template: str = ""  # a bureau's Word template (absolute path; "": junheng's)
    issuer: str = ""         # the issuing unit on the Word cover and 落款 ("": the county's 教育局)
    rollup: str = ""         # a roll-up's unit (its file stem: <市名>汇总 …; "": every county of the data)
    standards: str = ""      # the province's 办学基本标准 file (absolute path; "": not given)

    @property
    def name(self) -> str:
        return self.stem or safe_name(self.county)

    @property
    def kind(self) -> str:
        return "rollup" if self.template == ROLLUP else "county"

    @property
    def title(self) -> str:
        if self.template == ROLLUP:
            area = self.rollup.removesuffix(ROLLUP_SUFFIX) if self.rollup and self.rollup != ROLLUP_STEM else ""
            return f"{area}{self.year}学年县域义务教育均衡发展监测汇总报告"
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


@functools.lru_cache(maxsize=8)
def _parameters(path: str, mtime_ns: int) -> frozenset[str]:
    names: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        cells = json.load(fh).get("cells", [])
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            for node in ast.walk(ast.parse("".join(cell.get("source", "")))):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return frozenset(names)


def notebook_parameters(template: str) -> frozenset[str]:
    """Names assigned in the template notebook's ``parameters`` cell."""
    path = notebook(template)
    return _parameters(str(path), path.stat().st_mtime_ns)
