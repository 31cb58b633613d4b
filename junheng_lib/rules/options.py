"""The open points of the rules (indicators.md §4) as one options object.

Each open point is configurable, has a documented default, and every report states the choice
(in words: :func:`junheng_lib.report.narrative.option_choices`).

Examples
--------
>>> from junheng_lib.rules.options import Options
>>> Options().primary_degree
'专科'
>>> Options().teaching_points
'exclude'
>>> Options(small_schools="exclude").defaults()["small_schools"]
False
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from junheng_lib.rules.table import RULES

__all__ = ["Options", "CHOICES"]

_DEFAULT = RULES["open_points"]

#: the values each open point may take (their wording, for reports, is junheng_lib.report.narrative's)
CHOICES = {"teaching_points": ("exclude", "include", "merge"), "small_schools": ("include", "exclude"),
           "primary_degree": ("专科", "本科")}


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
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {sorted(allowed)}, got {getattr(self, name)!r}")
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

    def defaults(self) -> dict[str, bool]:
        """Per open point (the fields' names), whether this choice is the rule table's default (the
        small-school threshold only matters when small schools are excluded)."""
        d = {f.name: getattr(self, f.name) == _DEFAULT[f.name] for f in fields(self)}
        d["small_schools"] = d["small_schools"] and (self.small_schools == "include" or d["small_school_threshold"])
        return d
