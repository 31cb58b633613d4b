"""Leftovers of dead runs, and pool workers that end with their runner.

Staging folders (``.run-<pid>-<host>-…`` under the output folder) and kernel socket folders
(``jh-k-<pid>-<host>-…`` in the temporary directory) carry their owner's pid and host, so that the
next run removes those of dead processes (:func:`clean_leftovers`) and leaves those of live ones.
Pool workers end when the runner dies, even by ``kill -9`` (:func:`die_with_parent`), and kernels
when their worker dies (ipykernel's parent poller).
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from junheng_lib.util.names import name_tag

__all__ = ["STAGE_PREFIX", "SOCKET_PREFIX", "owner_prefix", "clean_leftovers", "die_with_parent", "kill_children"]

STAGE_PREFIX = ".run-"
#: prefix of the kernel socket folders (see junheng_lib.run.kernels)
SOCKET_PREFIX = "jh-k-"
#: seconds between two looks at the parent process (pool workers)
PARENT_POLL = 0.5
#: an unreadable leftover kernel socket folder (older versions) untouched for this long is removed
LEGACY_AGE = 3600


def _host_tag() -> str:
    return name_tag(socket.gethostname())


def owner_prefix(prefix: str) -> str:
    """``prefix`` + this process's pid and host: lets a later run tell live leftovers from dead ones."""
    return f"{prefix}{os.getpid()}-{_host_tag()}-"


def die_with_parent(parent_pid: int) -> None:
    """Pool worker initializer: end this worker when the runner dies, even by ``kill -9``.

    On Linux the kernel sends SIGKILL when the parent ends (``prctl(PR_SET_PDEATHSIG)``); everywhere a
    daemon thread also watches the parent pid. A kernel started by the worker then sees its own parent
    gone and exits (ipykernel's parent poller).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog below remains
            pass
    if os.getppid() != parent_pid:  # the runner died before the line above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="junheng-parent-watch", daemon=True).start()


def kill_children() -> None:
    """Kill every child process of this one at once — with its process group when it leads one (a
    kernel runs in a session of its own) — so that a pool worker told to end leaves no kernel behind,
    not even one still starting. Linux (``/proc``); elsewhere nothing (the kernels then end when they
    see their worker gone). Never raises (it runs in a signal handler)."""
    import signal

    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for e in entries:
        if not e.isdigit():
            continue
        try:
            ppid = int(Path(f"/proc/{e}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid != me:
            continue
        pid = int(e)
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent_pid:
            os._exit(1)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    try:  # a zombie (killed, not yet reaped) is no longer using anything
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


_OWNED = re.compile(r"^(?:\.run|jh-k)-(\d+)-([0-9a-f]{8})-")


def _in_use(path: Path) -> bool:
    """True unless ``path`` (a staging or socket folder named with its owner's pid and host) belongs to
    a dead process of this machine; a folder of an older version (no owner in its name) counts as in
    use until it has been left untouched for an hour."""
    m = _OWNED.match(path.name)
    if m is None:
        return _recent(path)
    return m[2] != _host_tag() or _pid_alive(int(m[1]))


def _recent(path: Path) -> bool:
    try:
        newest = max([path.stat().st_mtime] + [p.stat().st_mtime for p in path.iterdir()])
    except OSError:
        return True
    return time.time() - newest < LEGACY_AGE


def _bound_unix_sockets() -> set[str] | None:
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {parts[7] for parts in (ln.split() for ln in lines) if len(parts) >= 8}


def _legacy_socket_dir_in_use(path: Path, bound: set[str] | None) -> bool:
    """A kernel socket folder of an older version (no owner pid in its name): in use while any socket
    in it is bound or while it is recent."""
    if bound is None:
        return True
    try:
        if any(str(p) in bound for p in path.iterdir()):
            return True
    except OSError:
        return True
    return _recent(path)


def clean_leftovers(folders: list[Path]) -> list[Path]:
    """Remove staging folders (``.run-*`` in ``folders``) and kernel socket folders (``jh-k-*`` in the
    temporary directory) left by runs that died; those of live processes stay. Returns what was removed."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in folder.glob(f"{STAGE_PREFIX}*"):
            if p.is_dir() and not _in_use(p):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    bound: list = []  # read once, when needed
    for p in Path(tempfile.gettempdir()).glob(f"{SOCKET_PREFIX}*"):
        if not p.is_dir():
            continue
        if _OWNED.match(p.name):
            dead = not _in_use(p)
        else:
            if not bound:
                bound.append(_bound_unix_sockets())
            dead = not _legacy_socket_dir_in_use(p, bound[0])
        if dead:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
