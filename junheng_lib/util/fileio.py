"""Writing output files safely: atomically, with ordinary permissions, failures said in Chinese.

The command line and the exporters write every output through :func:`atomic_path` (one file) or
:func:`atomic_dir` (a folder of files): the content is written to a temporary file (folder) beside the target, flushed
to disk (fsync) and only then renamed into place, so a full disk, a missing permission or a crash
never leaves a half-written output, and an existing output stays as it was. Files get the
permissions of any file the user creates (``0666`` less the umask, typically ``0644``), not the
``0600`` of :func:`tempfile.mkstemp`.

A failure is an :class:`OutputError` whose message is Chinese and names the path and the reason;
``exit_code`` is 2 for a request that cannot be met as given (``-o`` naming a folder, ``--out``
naming a file) and 1 for the machine refusing the write (disk full, no permission, read-only).

Standard library only: the command line imports this before any heavy module.
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

__all__ = ["OutputError", "EXIT_USAGE", "EXIT_IO", "atomic_path", "atomic_dir", "atomic_write_text",
           "check_file_target", "check_dir_target", "reason", "exit_code", "output_error", "os_error_in"]

#: exit status of a request that cannot be met as given (the same as a data or argument error)
EXIT_USAGE = 2
#: exit status when the machine refuses the write (disk full, no permission, read-only file system)
EXIT_IO = 1

_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件过大",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "文件系统为只读",
    errno.EIO: "磁盘读写错误",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EISDIR: "同名的文件夹已存在",
    errno.ENOTDIR: "路径中的某一级是文件而不是文件夹",
    errno.EEXIST: "同名的文件已存在",
    errno.ENOENT: "路径不存在",
}
#: errors that a different path (not a different machine state) fixes
_USAGE_ERRNOS = {errno.ENAMETOOLONG, errno.EISDIR, errno.ENOTDIR, errno.EEXIST}


class OutputError(Exception):
    """An output that cannot be written (message in Chinese, for the user)."""

    def __init__(self, message: str, exit_code: int = EXIT_IO):
        super().__init__(message)
        self.exit_code = exit_code


def reason(e: OSError) -> str:
    """The cause of an operating-system error, in Chinese."""
    return _REASONS.get(e.errno, e.strerror or type(e).__name__)


def exit_code(e: OSError) -> int:
    """:data:`EXIT_USAGE` when another path would do, :data:`EXIT_IO` when the machine refused."""
    return EXIT_USAGE if e.errno in _USAGE_ERRNOS else EXIT_IO


def output_error(path: str | Path, e: OSError, existed: bool = False) -> OutputError:
    """An :class:`OutputError` for a failed write of ``path`` (nothing of it left behind)."""
    kept = "，原有文件保持不变" if existed else ""
    return OutputError(f"无法写入“{path}”：{reason(e)}。未写入任何内容{kept}。", exit_code(e))


def _os_error(e: BaseException) -> OSError | None:
    """The OSError behind ``e``: itself, its first argument (xlsxwriter's FileCreateError wraps
    one), its cause or its context."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError):
            return e
        arg = e.args[0] if e.args else None
        if isinstance(arg, OSError):
            return arg
        e = e.__cause__ or e.__context__
    return None


def os_error_in(e: BaseException) -> OSError | None:
    """The OSError behind ``e`` (itself, wrapped, its cause or context), or None: what a failed write
    was refused for, to say in Chinese (:func:`reason`)."""
    return _os_error(e)


def _temp_name(path: Path) -> Path:
    return path.parent / f".{path.name[:100]}.{secrets.token_hex(4)}.tmp"


def _new_file(path: Path) -> Path:
    """Create an empty temporary file beside ``path`` (mode 0666 less the umask)."""
    while True:
        tmp = _temp_name(path)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue


def _new_dir(path: Path) -> Path:
    """Create an empty temporary folder beside ``path`` (mode 0777 less the umask, not mkdtemp's 0700)."""
    while True:
        tmp = _temp_name(path)
        try:
            os.mkdir(tmp, 0o777)
            return tmp
        except FileExistsError:  # pragma: no cover
            continue


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; elsewhere a no-op)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _probe(folder: Path, target: Path, option: str) -> None:
    """Refuse up front when ``target`` cannot be created: an ancestor is a file, or the nearest
    existing folder refuses a new file (read-only, no permission, full)."""
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise OutputError(f"{option} 指定的“{target}”无法创建：“{base}”是一个文件，不是文件夹。", EXIT_USAGE)
    try:
        tmp = _new_file(base / ".junheng-probe")
        os.unlink(tmp)
    except OSError as e:
        raise OutputError(f"无法写入“{target}”：{reason(e)}（{base}）。未写入任何内容。", exit_code(e)) from None


def check_file_target(path: str | Path, option: str = "-o") -> Path:
    """Check, before any work, that a file can be written at ``path``; raise :class:`OutputError`."""
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{option} 指定的“{p}”是一个已有的文件夹，请给出文件名（例如 {p / ('结果' + (p.suffix or '.csv'))}）。",
                          EXIT_USAGE)
    _probe(p.parent, p, option)
    return p


def check_dir_target(path: str | Path, option: str = "-o") -> Path:
    """Check, before any work, that ``path`` is (or can become) a folder we can write into."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError(f"{option} 指定的“{p}”是一个已有的文件，不是文件夹；请给出文件夹路径。", EXIT_USAGE)
    _probe(p, p, option)
    return p


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path`` to write to; when the block succeeds it is flushed to
    disk and renamed onto ``path``; when it fails, it is removed and ``path`` is left as it was.

    An OSError in the block (or wrapped by a writer, as xlsxwriter does) becomes an
    :class:`OutputError` naming ``path``.
    """
    path = Path(path)
    existed = path.exists()
    if path.is_dir():
        raise output_error(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_file(path)
    except OSError as e:
        raise output_error(path, e, existed) from None
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        err = None if isinstance(e, OutputError) else _os_error(e)
        if err is not None:
            raise output_error(path, err, existed) from None
        raise
    _fsync_dir(path.parent)


@contextmanager
def atomic_dir(path: str | Path):
    """Yield a temporary folder beside ``path`` to write files into; when the block succeeds they
    are flushed to disk and moved into ``path``: the folder is renamed into place when ``path`` does
    not exist, otherwise each file replaces its namesake in ``path`` (other files there are left
    alone). When the block fails, the temporary folder is removed and ``path`` is left as it was.
    """
    path = Path(path)
    existed = path.exists()
    if existed and not path.is_dir():
        raise output_error(path, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_dir(path)
    except OSError as e:
        raise output_error(path, e, existed) from None
    try:
        yield tmp
        files = sorted(tmp.iterdir())
        for f in files:
            _fsync(f)
        if not path.exists():
            os.rename(tmp, path)
        else:  # renames only: every byte is already on disk
            for f in files:
                os.replace(f, path / f.name)
            tmp.rmdir()
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        err = None if isinstance(e, OutputError) else _os_error(e)
        if err is not None:
            raise output_error(path, err, existed) from None
        raise
    _fsync_dir(path)
    _fsync_dir(path.parent)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
    return Path(path)
