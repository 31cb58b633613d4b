"""File names of report outputs: one harmless, bounded path component per county, unique in a folder.

A county name is kept as its file name when it is already safe. A name that has to be changed —
characters a file system refuses (``/ \\ : * ? " < > |``, control characters, line separators), dots
(which would blur the suffixes: "东湖区.failed" next to "东湖区"), leading or trailing spaces, a reserved
device name (``CON``, ``NUL`` …), invisible format characters (the bidirectional overrides and
isolates such as U+202E, which would show a file name reordered — "甲县\\u202excod.exe" — zero-width
spaces and joiners, a byte-order mark: dropped), or a name too long for a file name — gets a short
hash of the original name appended, so that "云州/西山区" and "云州_西山区" never share a file.
:func:`file_stems` also separates names that differ only in letter case or Unicode normalization
(one file on macOS and Windows).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable

__all__ = ["MAX_STEM_BYTES", "NameClash", "safe_name", "file_stems", "name_tag", "without_controls"]

#: longest file stem in UTF-8 bytes; leaves room for the longest suffix (".manifest.json") and the
#: temporary names of the writers within the usual 255-byte limit of a file name
MAX_STEM_BYTES = 150
_TAG_LEN = 8
#: replaced by "_": what file systems refuse or mishandle, dots, control characters (C0, DEL, C1), the
#: line and paragraph separators, lone surrogates (not encodable in a file name)
_UNSAFE = re.compile('[\\\\/:*?"<>|.\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class NameClash(ValueError):
    """Two different names would share one file name."""

    def __init__(self, a: str, b: str, stem: str):
        super().__init__(f"县(区)“{a}”与“{b}”的输出文件名相同（{stem}），请修改其中一个名称后重新运行")
        self.names = (a, b)


def name_tag(name: str) -> str:
    """A short, stable hash of a name (8 hex digits)."""
    return hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:_TAG_LEN]


def _cut(s: str, max_bytes: int) -> str:
    """``s`` cut to at most ``max_bytes`` bytes of UTF-8, at a character boundary."""
    return s.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def _tagged(name: str, base: str) -> str:
    base = _cut(base, MAX_STEM_BYTES - _TAG_LEN - 1).rstrip(" ")
    return f"{base or '_'}-{name_tag(name)}"


def _visible(text: str) -> str:
    """``text`` without its invisible format characters (Unicode category Cf: bidirectional controls
    such as U+202E, zero-width spaces and joiners, the byte-order mark, soft hyphens …)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def without_controls(text: str) -> str:
    """``text`` without control characters (C0 and C1, including tab and line breaks; line and
    paragraph separators) and invisible format characters (bidirectional overrides, zero-width
    characters …): what must never reach a cover, a file name or a terminal unseen.

    >>> without_controls("甲县\\u202e教育局\\x07\\n")
    '甲县教育局'
    """
    return "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs"))


def _base(name: str) -> str:
    return unicodedata.normalize("NFC", _UNSAFE.sub("_", _visible(name))).strip(" ")


def safe_name(name: str) -> str:
    """A name as a single harmless path component of at most :data:`MAX_STEM_BYTES` bytes.

    >>> safe_name("东湖区")
    '东湖区'
    >>> safe_name("云州/西山区") != safe_name("云州_西山区")
    True
    >>> safe_name("云州/西山区").startswith("云州_西山区-")
    True
    >>> len(safe_name("县" * 200).encode()) <= MAX_STEM_BYTES
    True
    >>> safe_name("甲县\\u202excod.exe").startswith("甲县xcod_exe-")   # never displayed reordered
    True
    """
    name = str(name)
    base = _base(name)
    too_long = len(base.encode("utf-8")) > MAX_STEM_BYTES
    if base == name and base and not too_long and base.upper() not in _RESERVED:
        return base
    return _tagged(name, base)


def _key(stem: str) -> str:
    """What a case-insensitive, normalizing file system compares."""
    return unicodedata.normalize("NFC", stem).casefold()


def file_stems(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A unique file stem for each name (see :func:`safe_name`), none equal to a ``reserved`` stem.

    Names whose safe names coincide when letter case is ignored (or that take a reserved stem) all
    get the hash tag. Raises :class:`NameClash` naming both names if two would still share a stem.

    >>> file_stems(["ABC", "abc", "东湖区"], reserved=["全市汇总"])["东湖区"]
    '东湖区'
    >>> len(set(map(str.casefold, file_stems(["ABC", "abc"]).values())))
    2
    """
    names = [str(n) for n in dict.fromkeys(names)]
    stems = {n: safe_name(n) for n in names}
    taken = {_key(r) for r in reserved}
    groups: dict[str, list[str]] = {}
    for n, s in stems.items():
        groups.setdefault(_key(s), []).append(n)
    for k, group in groups.items():
        if len(group) > 1 or k in taken:
            for n in group:
                stems[n] = _tagged(n, _base(n))
    seen: dict[str, str] = {_key(r): r for r in reserved}
    for n, s in stems.items():
        k = _key(s)
        if k in seen:
            raise NameClash(seen[k], n, s)
        seen[k] = n
    return stems
