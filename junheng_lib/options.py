"""The open points of the rules (indicators.md §4) as one options object.

Each open point is configurable, has a documented default, and every report states the choice
(:meth:`Options.describe`).

Examples
--------
>>> from junheng_lib.options import Options
>>> Options().primary_degree
'专科'
>>> Options().teaching_points
'exclude'
>>> Options(small_schools="exclude").describe()[1]
'小规模学校(教学点除外)：在校生不足100人的学校不参与计算'
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from .rules import RULES

__all__ = ["Options"]

_DEFAULT = RULES["open_points"]

_TEACHING_POINTS = {"exclude": "不参与基本均衡差异系数计算", "include": "作为小学参与基本均衡差异系数计算",
                    "merge": "并入所属中心校参与基本均衡差异系数计算"}
_SMALL = {"include": "纳入计算", "exclude": "在校生不足{n}人的学校不参与计算"}
_DEGREE = {"专科": "专科及以上", "本科": "本科及以上(需提供“本科及以上学历教师数(小学)”列)"}


@dataclass(frozen=True)
class Options:
    """Open points of the evaluation rules.

    Defaults come from ``[open_points]`` of the rule table.

    Parameters
    ----------
    teaching_points : {"exclude", "include", "merge"}
        教学点 in 基本均衡's CVs (L1–L8). ``exclude`` (default, the national form's wording) leaves
        them out; ``include`` counts each as an ordinary 小学 row; ``merge`` adds each teaching point's
        students and resources to its central school (``central_school_id``) for 基本均衡. 优质均衡
        is not affected: there, teaching points with at least ``teaching_point_cutoff`` students are
        schools of their own and their central school counts without them.
    small_schools : {"include", "exclude"}
        Ordinary small schools (not teaching points) in both standards. ``include`` (default)
        keeps them; ``exclude`` drops schools with fewer than ``small_school_threshold``
        compulsory students.
    small_school_threshold : int
        The "small school" cut-off for ``exclude`` (default 100 students).
    primary_degree : {"专科", "本科"}
        What "above the required degree" means for 小学 teachers (L7, Y1). ``专科`` (default) uses
        ``above_degree_primary``; ``本科`` uses the column ``bachelor_primary``.
    net_indoor_sports : bool
        L1/Y4 use teaching & auxiliary area net of indoor sports rooms (default True), so the gym
        is not counted twice (it is in L2/Y5).
    teaching_point_cutoff : int
        优质均衡 leaves out teaching points with fewer students than this (default 50).
    """

    teaching_points: str = _DEFAULT["teaching_points"]
    small_schools: str = _DEFAULT["small_schools"]
    small_school_threshold: int = _DEFAULT["small_school_threshold"]
    primary_degree: str = _DEFAULT["primary_degree"]
    net_indoor_sports: bool = _DEFAULT["net_indoor_sports"]
    teaching_point_cutoff: int = _DEFAULT["teaching_point_cutoff"]

    def __post_init__(self):
        if self.teaching_points not in _TEACHING_POINTS:
            raise ValueError(f"teaching_points must be one of {sorted(_TEACHING_POINTS)}, got {self.teaching_points!r}")
        if self.small_schools not in _SMALL:
            raise ValueError(f"small_schools must be one of {sorted(_SMALL)}, got {self.small_schools!r}")
        if self.primary_degree not in _DEGREE:
            raise ValueError(f"primary_degree must be one of {sorted(_DEGREE)}, got {self.primary_degree!r}")
        if int(self.small_school_threshold) < 0 or int(self.teaching_point_cutoff) < 0:
            raise ValueError("cut-offs must be ≥ 0")

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready) of the options."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Options":
        """Build from a dict, ignoring unknown keys and ``None`` values."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (d or {}).items() if k in names and v is not None})

    def choices(self) -> list[tuple[str, str, bool]]:
        """The choices in Chinese: (open point, choice, whether it is the default), one per open point.

        >>> Options(teaching_point_cutoff=30).choices()[-1]
        ('优质均衡计算范围', '在校生30人及以上的教学点参与，不足30人的不参与', False)
        """
        def default(*names: str) -> bool:
            return all(getattr(self, n) == _DEFAULT[n] for n in names)

        return [
            ("教学点", _TEACHING_POINTS[self.teaching_points], default("teaching_points")),
            ("小规模学校(教学点除外)", _SMALL[self.small_schools].format(n=self.small_school_threshold),
             default("small_schools") and (self.small_schools == "include" or default("small_school_threshold"))),
            ("小学“高于规定学历”口径", _DEGREE[self.primary_degree], default("primary_degree")),
            ("生均教学及辅助用房面积", "扣除室内体育用房面积" if self.net_indoor_sports else "不扣除室内体育用房面积",
             default("net_indoor_sports")),
            ("优质均衡计算范围",
             f"在校生{self.teaching_point_cutoff}人及以上的教学点参与，不足{self.teaching_point_cutoff}人的不参与",
             default("teaching_point_cutoff")),
        ]

    def describe(self) -> list[str]:
        """The choices in Chinese, one sentence per open point, for every report."""
        return [f"{name}：{text}" + ("(默认)" if is_default else "") for name, text, is_default in self.choices()]
