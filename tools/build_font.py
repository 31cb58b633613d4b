"""Build the bundled CJK font: the GB18030 ideographs (URO + Ext-A) subset of Noto Sans CJK SC.

The subset covers every CJK ideograph of GB18030's mandatory set — all of the CJK Unified
Ideographs block (U+4E00–U+9FFF) and Extension A (U+3400–U+4DBF) — plus every other character
of GB18030's two-byte area (GBK: punctuation, full-width forms, kana, Greek, Cyrillic, box
drawing, the compatibility ideographs …), ASCII, CJK Symbols and Punctuation and the half- and
full-width forms. Characters beyond it (Extension B and later) are drawn from installed CJK fonts
by per-glyph fallback (``junheng_lib.report.plots``). No OpenType layout features and no hinting: charts
need neither, and they would double the size.

Source: Debian's ``fonts-noto-cjk`` (SIL Open Font License 1.1), face 2 of
``NotoSansCJK-Regular.ttc`` (Noto Sans CJK SC). The subset is a Modified Version under the OFL, so
it is renamed ("Junheng Sans SC") and ships with the licence text (``junheng_lib/report/fonts/OFL.txt``).

Run (needs ``apt-get install fonts-noto-cjk`` and fontTools, the ``dev`` extra)::

    python tools/build_font.py [path/to/NotoSansCJK-Regular.ttc] [extra-text-file ...]

Extra text files (e.g. the sample data) are scanned so that every character they use is in the
font, wherever it is in Unicode.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "junheng_lib" / "report" / "fonts" / "JunhengSansSC-Regular.otf"
FAMILY = "Junheng Sans SC"
SC_INDEX = 2  # "Noto Sans CJK SC" inside the collection
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

#: code point ranges kept whole (inclusive)
RANGES = {
    "ASCII": (0x20, 0x7E),
    "Latin-1 Supplement": (0xA0, 0xFF),
    "General Punctuation": (0x2000, 0x206F),
    "CJK Symbols and Punctuation": (0x3000, 0x303F),
    "CJK Unified Ideographs Extension A": (0x3400, 0x4DBF),
    "CJK Unified Ideographs (URO)": (0x4E00, 0x9FFF),
    "Halfwidth and Fullwidth Forms": (0xFF00, 0xFFEF),
}
#: symbols the reports print
SYMBOLS = "㎡²³℃‰°±×÷≤≥≈−–—…·・％＋－〓"


def gb18030_two_byte() -> set[str]:
    """Every character of GB18030's two-byte area (= GBK, a superset of GB2312)."""
    chars = set()
    for hi in range(0x81, 0xFF):
        for lo in (*range(0x40, 0x7F), *range(0x80, 0xFF)):
            try:
                chars.add(bytes([hi, lo]).decode("gb18030"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_text(extra_files: list[Path]) -> str:
    chars = gb18030_two_byte()
    for lo, hi in RANGES.values():
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars.update(SYMBOLS)
    for f in extra_files:
        chars.update(f.read_text(encoding="utf-8-sig"))
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(argv: list[str]) -> None:
    t0 = time.perf_counter()
    src = Path(argv[0]) if argv else DEFAULT_SOURCE
    extra = [Path(a) for a in argv[1:]]
    font = TTCollection(str(src)).fonts[SC_INDEX]
    opts = subset.Options()
    opts.layout_features = []      # no GSUB/GPOS features: matplotlib does no OpenType shaping
    opts.hinting = False           # no CFF hints
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(text=wanted_text(extra))
    sub.subset(font)
    name = font["name"]
    for rec in name.names:
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 4:
            rec.string = f"{FAMILY} Regular"
        elif rec.nameID == 6:
            rec.string = "JunhengSansSC-Regular"
        elif rec.nameID == 3:
            rec.string = "JunhengSansSC-Regular;subset of Noto Sans CJK SC"
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = ["JunhengSansSC-Regular"]
        top = cff.topDictIndex[0]
        top.FamilyName = FAMILY
        top.FullName = f"{FAMILY} Regular"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    cmap = font.getBestCmap()
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(cmap)} code points, "
          f"{time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
