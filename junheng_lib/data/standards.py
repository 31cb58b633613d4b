"""The 省定办学基本标准 file (``--standards FILE``): a province's checklist, read and validated.

Provinces publish their own checklist of the 办学基本标准 (e.g. "十项门槛指标"): items with a
threshold per stage, sometimes per 城乡分类, and a rule such as "10 项中至少 8 项达标，其余不低于标准的
60%" (working-records.md §1). A bureau keeps it as a TOML file of this form::

    [standard]
    name = "某省义务教育学校办学基本标准"   # printed in the report
    min_met = 8          # items a school must meet; 0 or absent = every item
    floor_share = 0.6    # every unmet item must reach this share of its standard; absent = no floor

    [[item]]
    code = "S1"
    label = "生均教学及辅助用房面积"
    metric = "L1"        # L1–L8, Y1–Y7 or a name of [basic_standard] metrics in rules.toml
    op = ">="            # ">=" or "<="
    primary = 4.5        # threshold for 小学; junior for 初中; an absent stage: the item does not apply
    junior = 5.8

    [item.location]      # optional overrides by 城乡分类
    "乡村" = { primary = 4.0, junior = 5.0 }

Everything is checked before any use, and every problem is reported at once as a
:class:`~junheng_lib.data.errors.DataError` naming the file, the item and the key: an unknown metric,
an item without thresholds, an ``op`` other than ``>=``/``<=``, a value that is not a number, an
unknown key (a misspelt ``junior`` would silently make an item not apply).

Examples
--------
>>> s = parse_standard('''
... [standard]
... name = "示例"
... [[item]]
... code = "S1"
... label = "生均图书"
... metric = "L5"
... op = ">="
... primary = 20
... ''', "示例.toml")
>>> s.items[0].threshold("小学", "城区"), s.items[0].threshold("初中", "城区")
(20.0, None)
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.schema import LOCATIONS
from junheng_lib.rules.table import RULES

__all__ = ["StandardItem", "BasicStandard", "read_standard", "parse_standard", "metric_names"]

#: the stage keys of an item and the stage they stand for
STAGE_KEYS = {"primary": "小学", "junior": "初中"}
_ITEM_KEYS = {"code", "label", "metric", "op", "primary", "junior", "location"}
_STANDARD_KEYS = {"name", "min_met", "floor_share"}


def metric_names() -> dict[str, str]:
    """Every metric an item may name → its 中文名: the indicator codes, then ``[basic_standard] metrics``."""
    out = {row["code"]: row["name"] for row in RULES["indicator"]}
    out.update(RULES["basic_standard"]["metrics"])
    return out


@dataclass(frozen=True)
class StandardItem:
    """One item of the checklist: ``op`` ``>=`` or ``<=``; ``thresholds`` stage → value;
    ``locations`` 城乡分类 → (stage → value), overriding the stage's threshold there."""

    code: str
    label: str
    metric: str
    op: str
    thresholds: dict = field(default_factory=dict, hash=False)
    locations: dict = field(default_factory=dict, hash=False)

    def threshold(self, stage: str, location) -> float | None:
        """The threshold of a school × stage (None: the item does not apply to the stage)."""
        if stage not in self.thresholds:
            return None
        return float(self.locations.get(location, {}).get(stage, self.thresholds[stage]))


@dataclass(frozen=True)
class BasicStandard:
    """A province's 办学基本标准: ``name``, ``min_met`` (0: every item), ``floor_share`` (None: no
    floor), the ``items`` and the file it came from (``source``)."""

    name: str
    items: tuple
    min_met: int = 0
    floor_share: float | None = None
    source: str = ""

    def to_dict(self) -> dict:
        """Plain data (JSON-ready), e.g. for results.json."""
        return {"name": self.name, "source": self.source, "min_met": self.min_met, "floor_share": self.floor_share,
                "items": [{"code": i.code, "label": i.label, "metric": i.metric, "op": i.op,
                           "thresholds": dict(i.thresholds), "locations": {k: dict(v) for k, v in i.locations.items()}}
                          for i in self.items]}


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def read_standard(path: str | Path) -> BasicStandard:
    """Read and validate a standards file (UTF-8 TOML); a :class:`DataError` names every problem."""
    p = Path(path)
    name = str(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError([DataIssue(name, "找不到办学基本标准文件")]) from None
    except IsADirectoryError:
        raise DataError([DataIssue(name, "办学基本标准应为一个 TOML 文件，而不是文件夹")]) from None
    except UnicodeDecodeError:
        raise DataError([DataIssue(name, "办学基本标准文件应以 UTF-8 编码保存")]) from None
    return parse_standard(text, name)


def parse_standard(text: str, name: str = "办学基本标准") -> BasicStandard:
    """A standards file's text → :class:`BasicStandard` (``name``: the file, for the messages)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DataError([DataIssue(name, f"不是有效的 TOML 文件：{e}")]) from None
    issues: list[DataIssue] = []

    def bad(message, key=None, item=None):
        where = [f"第{item[0]}项[[item]]" + (f"(“{item[1]}”)" if item[1] else "")] if item else []
        where += [f"键“{key}”"] if key else []
        issues.append(DataIssue(name, "，".join(where) + "：" + message if where else message))

    head = doc.get("standard")
    if not isinstance(head, dict):
        bad("缺少 [standard] 节(标准名称 name、min_met、floor_share)", "standard")
        head = {}
    for k in sorted(set(head) - _STANDARD_KEYS):
        bad(f"[standard] 中的键“{k}”无法识别(可用：name、min_met、floor_share)", k)
    title = head.get("name")
    if not isinstance(title, str) or not title.strip():
        bad("[standard] 须有标准名称 name(文字)", "name")
    for k in sorted(set(doc) - {"standard", "item"}):
        bad(f"无法识别的节或键“{k}”(可用：[standard]、[[item]])", k)
    raw = doc.get("item")
    if not isinstance(raw, list) or not raw:
        bad("没有任何 [[item]] 项目", "item")
        raw = []
    metrics = metric_names()
    ops = RULES["basic_standard"]["ops"]
    items, seen = [], set()
    for n, it in enumerate(raw, start=1):
        if not isinstance(it, dict):
            bad(f"第{n}项应为 [[item]] 表", "item")
            continue
        code = it.get("code")
        where = (n, code if isinstance(code, str) else "")
        for k in sorted(set(it) - _ITEM_KEYS):
            bad(f"键“{k}”无法识别(可用：{'、'.join(sorted(_ITEM_KEYS))})", k, where)
        if not isinstance(code, str) or not code.strip():
            bad("须有项目代码 code(文字)", "code", where)
        elif code in seen:
            bad(f"项目代码“{code}”重复", "code", where)
        seen.add(code)
        if not isinstance(it.get("label"), str) or not it["label"].strip():
            bad("须有项目名称 label(文字)", "label", where)
        metric = it.get("metric")
        if metric not in metrics:
            bad(f"指标 metric“{metric}”无法识别，可用：{'、'.join(metrics)}", "metric", where)
        op = it.get("op")
        if op not in ops:
            bad(f"比较方式 op“{op}”无效，只能为{'或'.join(ops)}", "op", where)
        thresholds = {}
        for key, stage in STAGE_KEYS.items():
            if key in it:
                if _number(it[key]) and it[key] > 0:
                    thresholds[stage] = float(it[key])
                else:
                    bad(f"{stage}标准 {key} 应为大于0的数值，而不是“{it[key]}”", key, where)
        if not any(k in it for k in STAGE_KEYS):
            bad("缺少标准值：须给出 primary(小学)或 junior(初中)至少一个", "primary", where)
        locations = {}
        loc = it.get("location", {})
        if not isinstance(loc, dict):
            bad("location 应为按城乡分类的表，如 \"乡村\" = { primary = 4.0 }", "location", where)
            loc = {}
        for place, over in loc.items():
            if place not in LOCATIONS:
                bad(f"城乡分类“{place}”无效，可用：{'、'.join(LOCATIONS)}", f"location.{place}", where)
                continue
            if not isinstance(over, dict) or not over:
                bad(f"location“{place}”应为 {{ primary = …, junior = … }}", f"location.{place}", where)
                continue
            vals = {}
            for key, v in over.items():
                if key not in STAGE_KEYS:
                    bad(f"location“{place}”中的键“{key}”无法识别(可用：primary、junior)", f"location.{place}.{key}", where)
                elif key not in it:
                    bad(f"location“{place}”给出了{STAGE_KEYS[key]}标准，但该项没有{STAGE_KEYS[key]}的基本标准 {key}",
                        f"location.{place}.{key}", where)
                elif not (_number(v) and v > 0):
                    bad(f"location“{place}”的 {key} 应为大于0的数值，而不是“{v}”", f"location.{place}.{key}", where)
                else:
                    vals[STAGE_KEYS[key]] = float(v)
            locations[place] = vals
        items.append(StandardItem(str(code), str(it.get("label", "")), str(metric), str(op), thresholds, locations))
    min_met = head.get("min_met", 0)
    if not (isinstance(min_met, int) and not isinstance(min_met, bool)) or min_met < 0:
        bad(f"min_met 应为不小于0的整数，而不是“{min_met}”", "min_met")
        min_met = 0
    elif min_met > len(raw):
        bad(f"min_met 为{min_met}，多于项目数{len(raw)}", "min_met")
    floor = head.get("floor_share")
    if floor is not None and not (_number(floor) and 0 < floor <= 1):
        bad(f"floor_share 应为0到1之间的数值(如0.6)，而不是“{floor}”", "floor_share")
    if issues:
        raise DataError(issues)
    return BasicStandard(title.strip(), tuple(items), int(min_met), None if floor is None else float(floor), name)
