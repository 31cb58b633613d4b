"""Regenerate the golden notebooks that nbval re-executes and compares (text outputs).

    python tests/golden/make_golden.py

Run after changing a report notebook or the sample data, review the diff, commit.
"""
from pathlib import Path

import papermill as pm

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parents[1] / "notebooks"

#: golden file → (template, parameters)
GOLDEN = {
    "county_report.ipynb": ("county_report.ipynb", {"county": "永宁县", "year": 2024}),
    "city_rollup.ipynb": ("city_rollup.ipynb", {"year": 2024}),
}

if __name__ == "__main__":
    for out, (template, params) in GOLDEN.items():
        pm.execute_notebook(str(NOTEBOOKS / template), str(HERE / out), parameters=params, kernel_name="python3",
                            cwd=str(HERE), progress_bar=False)
        print("wrote", HERE / out)
