"""junheng — county compulsory-education balanced development (县域义务教育均衡发展) toolkit.

The package is layered; the folder tree is the architecture, and imports only go down this list
(:data:`LAYERS`, checked by ``tests/test_layout.py``), at module top:

``util``        file writing, names, paths, the version — standard library only
``rules``       the rule table (``rules.toml``), its indicator table, status codes, the options
``data``        input tables: schemas, readers, validation, the :class:`~junheng_lib.data.dataset.Dataset`
``analysis``    one module per analysis family: tidy DataFrames in, tidy DataFrames out
``evaluation``  the frozen :class:`~junheng_lib.evaluation.Evaluation` of a county-year
``render``      the blocks every output reads and one module per format (html, docx, xlsx, notebook)
``report``      county and city reports: outline, narrative (all prose), plots
``run``         the report run: tasks, notebook execution, hashing, outputs, cleanup, dask
``cli``         ``junheng …``, thin over the above

The names users call from JupyterLab are re-exported here (imported on first use, so that
``import junheng_lib`` stays light for the command line and the report kernels)::

    from junheng_lib import load, evaluate_county, CountyReport
    ev = evaluate_county(load(), "白石县", 2024)
    CountyReport.build(None, "白石县", 2024).show("basic")
"""
from __future__ import annotations

import importlib

from junheng_lib.util.version import __version__

#: the layers, bottom first: a module may import from its own layer and the ones before it
LAYERS = ("util", "rules", "data", "analysis", "evaluation", "render", "report", "run", "cli")

#: public name → the module it lives in
_PUBLIC = {
    "Options": "junheng_lib.rules.options",
    "Status": "junheng_lib.rules.codes", "Severity": "junheng_lib.rules.codes",
    "DataError": "junheng_lib.data.errors", "DataIssue": "junheng_lib.data.errors",
    "read_schools": "junheng_lib.data.io", "read_classes": "junheng_lib.data.io", "read_counties": "junheng_lib.data.io",
    "Dataset": "junheng_lib.data.dataset", "load": "junheng_lib.data.dataset", "load_files": "junheng_lib.data.dataset",
    "values_table": "junheng_lib.analysis.coefficients", "coefficients": "junheng_lib.analysis.coefficients",
    "compliance": "junheng_lib.analysis.coefficients", "staffing": "junheng_lib.analysis.coefficients",
    "shortfall": "junheng_lib.analysis.plans", "cv_plan": "junheng_lib.analysis.plans",
    "compliance_plan": "junheng_lib.analysis.plans",
    "class_bands": "junheng_lib.analysis.size", "class_shortfall": "junheng_lib.analysis.size",
    "school_size": "junheng_lib.analysis.size", "special_rooms": "junheng_lib.analysis.size",
    "county_items": "junheng_lib.analysis.items", "three_growths": "junheng_lib.analysis.items",
    "urban_rural_gap": "junheng_lib.analysis.gap", "cv_trend": "junheng_lib.analysis.trends",
    "screen": "junheng_lib.analysis.screening", "project": "junheng_lib.analysis.projection",
    "Evaluation": "junheng_lib.evaluation", "evaluate_county": "junheng_lib.evaluation",
    "evaluate_report": "junheng_lib.evaluation",
    "CountyReport": "junheng_lib.report.county", "CityReport": "junheng_lib.report.city",
    "run_reports": "junheng_lib.run.runner",
}

__all__ = ["__version__", "LAYERS", *_PUBLIC]


def __getattr__(name: str):
    """The public names, imported from their module on first use (PEP 562)."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
