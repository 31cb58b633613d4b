"""Charts of one report drawn by two processes at once: the report's kernel and the runner.

While a kernel runs a county report, the runner process only waits for it — one core idle on a
two-core machine. With a :class:`ChartStore` (a folder in the run's data cache, see
:mod:`junheng_lib.datacache`), both draw the report's charts: the kernel in the report's order,
the runner from the last chart backwards. Whoever claims a chart first (an exclusive file
creation) draws it and leaves its PNG in the folder; the other uses that PNG, and waits for it
only when it needs a chart the other is drawing at that moment. Each chart is drawn once, by the
same code on the same evaluation (:meth:`junheng_lib.reporting.CountyReport.draw_charts`), so the
report is the one the kernel alone would make — only sooner.

A PNG never appears half-written (written to a temporary name, then renamed). A claim whose PNG
does not come within :data:`WAIT` seconds (its drawer died) is ignored and the chart drawn again.
Standard library only.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

__all__ = ["ChartStore", "WAIT"]

#: seconds to wait for a chart the other process is drawing before drawing it here
WAIT = 120.0
_POLL = 0.005


class ChartStore:
    """PNGs of one report's charts by key, each drawn once by whichever process claims it first."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _png(self, key: str) -> Path:
        return self.folder / f"{key}.png"

    def _claim(self, key: str) -> bool:
        try:
            fd = os.open(self.folder / f"{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True

    def _put(self, key: str, png: bytes) -> None:
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(png)
        tmp.replace(self._png(key))

    def _read(self, key: str) -> bytes | None:
        try:
            return self._png(key).read_bytes()
        except OSError:
            return None

    def png(self, key: str, draw: Callable[[], bytes], wait: float = WAIT) -> bytes:
        """The chart's PNG: from the folder, or drawn here (and left there) when not yet claimed,
        or — claimed by the other process — its PNG once it is there (drawn here after ``wait``
        seconds without it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            got = self._read(key)
            if got is not None:
                return got
            if self._claim(key):  # unclaimed, or given up by the other process (its claim removed)
                png = draw()
                self._put(key, png)
                return png
            if time.monotonic() >= deadline:
                return draw()
            time.sleep(_POLL)

    def draw_unclaimed(self, charts: list[tuple[str, Callable[[], bytes]]]) -> int:
        """Draw, in the order given, each chart nobody has claimed yet (the runner's side); returns
        how many it drew. A chart that fails to draw here is left to the kernel (its claim removed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        drawn = 0
        for key, draw in charts:
            if self._png(key).exists() or not self._claim(key):
                continue
            try:
                png = draw()
            except Exception:  # noqa: BLE001 - the kernel draws it and shows any error itself
                (self.folder / f"{key}.claim").unlink(missing_ok=True)
                continue
            self._put(key, png)
            drawn += 1
        return drawn
