"""junheng — county compulsory-education balanced development (县域义务教育均衡发展) toolkit.

The package import is deliberately light (no pandas/matplotlib at import time), so that the
command line and papermill kernels start fast. Import the modules you need::

    from junheng_lib import io, evaluate
    schools = io.read_schools("data/sample/schools.csv")
    evaluate.coefficients(evaluate.values_table(schools))
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
