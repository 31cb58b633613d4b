"""Kernels for the report notebooks: IPC transport, started ahead of need, stopped without waiting.

Every notebook runs in a kernel started by the runner (:func:`start`) and handed to papermill
(``km=``). :class:`WarmKernel` keeps at most one kernel per process started ahead of its
notebook: it boots and imports what the report template imports (:func:`warm_up_code`, run by the
kernel at start-up, before any cell and outside the notebook's namespace) while the current report
runs, so the next report starts on a kernel that is ready. A kernel whose notebook ran through is
reset (:func:`reset`) and runs the process's next notebook, up to a number of notebooks the runner
sets; any other kernel, once its notebook is written, is asked to shut down (:func:`request_stop`)
and, if it has not ended by the time the HTML conversion is done, killed (:func:`finish_stop`):
nothing of it is needed any more, and nobody waits for it.

Kernels use IPC transport on a unique absolute socket path each (:class:`IPCKernelManager`): TCP
kernels race for ports when several start at once.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from junheng_lib.run.cleanup import SOCKET_PREFIX, owner_prefix

__all__ = ["IPCKernelManager", "WarmKernel", "start", "request_stop", "finish_stop", "stop", "kill_now",
           "reset", "warm_up_code", "KERNEL_NAME", "RESET_CODE"]

KERNEL_NAME = "python3"
#: what nbclient passes to the kernels it starts itself: no IPython history database on disk
BASE_ARGS = ("--HistoryManager.hist_file=:memory:",)
#: seconds to wait for a killed kernel's process, or for a kernel's orderly end in stop()
STOP_WAIT = 5.0


def _socket_prefix() -> str:
    """``jh-k-<pid>-<host tag>-``: a later run tells the folders of dead processes from live ones
    (:func:`junheng_lib.run.cleanup.clean_leftovers`)."""
    return owner_prefix(SOCKET_PREFIX)


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels talk over IPC sockets under a fresh temporary directory; it
    keeps the clients it made, so that their channels are closed with the kernel."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ipc_dir = tempfile.mkdtemp(prefix=_socket_prefix())
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "k")
        self._clients: list = []
        self.notebooks_run = 0  # notebooks this kernel has run (it is reset between them)

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        self._clients.append(kc)
        return kc

    def stop_clients(self) -> None:
        while self._clients:
            kc = self._clients.pop()
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001 - a channel of a dead kernel
                pass

    async def _async_cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)

    # the base class binds its own function to this public name: without this line the socket folder
    # would stay behind when cleanup_resources (not shutdown_kernel) is called
    cleanup_resources = _async_cleanup_resources


def start(cwd: str | Path, env: dict, warm_up: str = "") -> IPCKernelManager:
    """Start a kernel (without waiting for it to be ready) in ``cwd`` with exactly ``env``; with
    ``warm_up``, a line of code it runs at start-up (:func:`warm_up_code`)."""
    km = IPCKernelManager(kernel_name=KERNEL_NAME)
    args = list(BASE_ARGS) + ([f"--IPKernelApp.exec_lines={warm_up}"] if warm_up else [])
    try:
        run_sync(km.start_kernel)(extra_arguments=args, cwd=str(cwd), env=env)
    except BaseException:
        run_sync(km.cleanup_resources)()
        raise
    return km


def request_stop(km: IPCKernelManager) -> None:
    """Ask the kernel to shut down, without waiting for it (see :func:`finish_stop`)."""
    try:
        if km.has_kernel:
            run_sync(km.request_shutdown)()
    except Exception:  # noqa: BLE001 - finish_stop terminates it
        pass


def _process(km: IPCKernelManager):
    """The kernel's process (a local kernel's Popen), or None."""
    return getattr(km.provisioner, "process", None) if km.has_kernel else None


def finish_stop(km: IPCKernelManager, wait: float = 0.0) -> None:
    """End a kernel asked to stop: give it ``wait`` more seconds to exit, then kill it (its notebook
    is complete and written: nothing of it is lost), and remove its connection file and socket folder
    and close its clients' channels."""
    try:
        proc = _process(km)
        if proc is not None:
            try:
                proc.wait(timeout=wait)
            except Exception:  # noqa: BLE001 - still running (subprocess.TimeoutExpired)
                proc.kill()
                proc.wait(timeout=STOP_WAIT)
            run_sync(km.provisioner.wait)()  # the manager sees the process ended (returns at once)
        elif km.has_kernel:  # not a local process: the manager's own way
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001
            pass
    finally:
        km.stop_clients()
        try:
            run_sync(km.cleanup_resources)()
        except Exception:  # noqa: BLE001
            shutil.rmtree(km._ipc_dir, ignore_errors=True)


def kill_now(km: IPCKernelManager) -> None:
    """Kill a kernel at once, without its event loop (Ctrl-C, or a pool worker told to end): its
    process group (a kernel runs in a session of its own) is sent SIGKILL, its connection file and
    socket folder are removed. Never raises."""
    proc = None
    try:
        proc = _process(km)
    except Exception:  # noqa: BLE001
        pass
    if proc is not None:
        try:
            if hasattr(os, "killpg"):
                import signal
                try:
                    os.killpg(proc.pid, signal.SIGKILL)   # the kernel leads its session (start_new_session)
                except OSError:
                    proc.kill()
            else:  # pragma: no cover - Windows
                proc.kill()
            proc.wait(timeout=STOP_WAIT)
        except Exception:  # noqa: BLE001 - already gone
            pass
    try:
        km.cleanup_connection_file()
    except Exception:  # noqa: BLE001
        pass
    km.stop_clients()
    shutil.rmtree(km._ipc_dir, ignore_errors=True)


def stop(km: IPCKernelManager, now: bool = False) -> None:
    """Stop a kernel and wait for it: killed at once with ``now`` (a kernel that never ran a notebook),
    else asked to shut down and given :data:`STOP_WAIT` seconds."""
    if not now:
        request_stop(km)
    finish_stop(km, 0.0 if now else STOP_WAIT)


#: what a kernel runs between two notebooks (:func:`reset`): its figures closed, then IPython's own
#: new session — the user namespace, the output history and the execution count as a fresh kernel's
#: (the imported modules stay: that is what the next notebook gains)
RESET_CODE = ("import matplotlib.pyplot as _jh_plt\n_jh_plt.close('all')\ndel _jh_plt\n"
              "get_ipython().reset(new_session=True, aggressive=False)\n")


def reset(km: IPCKernelManager, timeout: float = 30.0) -> bool:
    """Make a kernel that has run a notebook ready for the next one (:data:`RESET_CODE`, run silently
    on the shell channel, the notebook's client closed first). False when the kernel did not answer
    ``ok`` in ``timeout`` seconds (it is then not reused)."""
    km.stop_clients()
    kc = km.client()
    try:
        kc.start_channels()
        msg_id = kc.execute(RESET_CODE, silent=True, store_history=False, allow_stdin=False)
        while True:
            reply = run_sync(kc.get_shell_msg)(timeout=timeout)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply["content"].get("status") == "ok"
    except Exception:  # noqa: BLE001 - no answer (queue.Empty) or a dead kernel: not reused
        return False
    finally:
        km.stop_clients()


_WARM_CODE: dict = {}
#: modules the report's last cell needs (Word template, Word and Excel writers): a kernel started ahead
#: imports them too, while the runner reads the data or the previous report runs
SIDE_FILE_MODULES = ("docxtpl", "xlsxwriter", "junheng_lib.render.docx", "junheng_lib.render.xlsx")


def warm_up_code(template: str | Path) -> str:
    """One line that imports, at kernel start-up, every module the template's code cells import
    (and :data:`SIDE_FILE_MODULES`).

    The imports run in a throwaway namespace (the notebook's namespace stays as a fresh kernel's:
    a cell that forgot an import still fails), each on its own (one that fails is ignored: the cell
    that needs it raises the real error), and before any cell, so the cells' execution counts and
    outputs are those of a cold kernel. Cells that are not plain Python (magics) are skipped."""
    path = Path(template)
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return ""
    if key not in _WARM_CODE:
        stmts: list[str] = []
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            cells = []
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level):
                    stmts.append(ast.unparse(node))
        if stmts:  # the side files' writers, imported lazily by the library (a notebook opened by hand
            stmts += [f"import {m}" for m in SIDE_FILE_MODULES]   # pays for them only when it writes them)
        body = "".join(f"try:\n    {s}\nexcept Exception:\n    pass\n" for s in dict.fromkeys(stmts))
        _WARM_CODE[key] = f"exec({body!r}, {{}});" if body else ""
    return _WARM_CODE[key]


class WarmKernel:
    """At most one kernel of this process started ahead of its notebook.

    :meth:`prepare` starts it (for a working folder and environment); :meth:`take` hands it over
    when the next notebook needs the same folder and environment, and stops it otherwise;
    :meth:`discard` stops a kernel never used (at the end of a run, on an error, at a worker's exit)."""

    def __init__(self):
        self.km: IPCKernelManager | None = None
        self.key: tuple | None = None

    @staticmethod
    def _key(cwd, env: dict) -> tuple:
        return str(cwd), tuple(sorted(env.items()))

    def prepare(self, cwd, env: dict, warm_up: str = "") -> None:
        key = self._key(cwd, env)
        if self.km is not None:
            if self.key == key:
                return
            self.discard()
        try:
            self.km = start(cwd, env, warm_up)
            self.key = key
        except Exception:  # noqa: BLE001 - only an early start: the notebook's own start reports the error
            self.km = self.key = None

    def keep(self, km: IPCKernelManager, cwd, env: dict) -> None:
        """Hold ``km`` (a kernel that has run a notebook and was :func:`reset`) for the next notebook
        of the same folder and environment, in place of a kernel started ahead."""
        self.discard()
        self.km, self.key = km, self._key(cwd, env)

    def take(self, cwd, env: dict) -> IPCKernelManager | None:
        """The kernel started ahead, if it suits (same folder and environment) and is alive."""
        km, key = self.km, self.key
        self.km = self.key = None
        if km is None:
            return None
        alive = False
        try:
            alive = bool(run_sync(km.is_alive)())
        except Exception:  # noqa: BLE001
            pass
        if key == self._key(cwd, env) and alive:
            return km
        stop(km, now=True)
        return None

    def discard(self) -> None:
        km, self.km, self.key = self.km, None, None
        if km is not None:
            stop(km, now=True)
