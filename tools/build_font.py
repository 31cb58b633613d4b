"""Build the bundled CJK font: a GB2312 + ASCII + punctuation subset of Noto Sans CJK SC.

Source: Debian's ``fonts-noto-cjk`` (SIL Open Font License 1.1). The subset is a
Modified Version under the OFL, so it is renamed ("Junheng Sans SC") and ships with
the licence text (``junheng_lib/fonts/OFL.txt``).

Run (needs ``apt-get install fonts-noto-cjk`` and fontTools)::

    python tools/build_font.py [path/to/NotoSansCJK-Regular.ttc] [extra-text-file ...]

Extra text files (e.g. the sample data) are scanned so that every character they
use is in the font, including characters outside GB2312.
"""
from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "junheng_lib" / "fonts" / "JunhengSansSC-Regular.otf"
FAMILY = "Junheng Sans SC"
SC_INDEX = 2  # "Noto Sans CJK SC" inside the collection


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_text(extra_files: list[Path]) -> str:
    chars = gb2312_chars()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update("，。、；：？！“”‘’（）《》〈〉【】—…·％＋－×÷≤≥≈±㎡²³℃—–−‰°")
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    for f in extra_files:
        chars.update(f.read_text(encoding="utf-8-sig"))
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(argv: list[str]) -> None:
    src = Path(argv[0]) if argv else Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    extra = [Path(a) for a in argv[1:]]
    font = TTCollection(str(src)).fonts[SC_INDEX]
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
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
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
