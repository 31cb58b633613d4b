"""The annual report run: tasks (``tasks``), executing a notebook with papermill on a kernel of its
own (``execute``, ``kernels``), the runner that reads the data once and runs every county and the
roll-up (``runner``), content hashes (``hashing``), a report's outputs as one unit and the year's
index (``outputs``), leftovers of dead runs (``cleanup``) and dask.distributed (``distributed``).

May import: every layer below it; only ``junheng_lib.cli`` imports it.
"""
