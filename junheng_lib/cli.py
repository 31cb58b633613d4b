"""``junheng`` command line: a thin layer over the library.

Data errors are printed in Chinese to standard error (every problem at once) with exit status 2;
no output file is written and no traceback shown. An output that cannot be written is said in
Chinese too — status 2 when the path is the problem (``-o`` naming a folder, ``--out`` naming a
file), 1 when the machine refuses (no permission, read-only, disk full) — and nothing half-written
is left behind (:mod:`junheng_lib.util.fileio`).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
from pathlib import Path

from junheng_lib.analysis.coefficients import (
    COEFFICIENT_COLUMNS,
    coefficients,
    compliance,
    values_table,
)
from junheng_lib.analysis.intake import read_intake
from junheng_lib.analysis.ledger_years import check_prior, read_ledgers
from junheng_lib.analysis.outlook import projected_indicators
from junheng_lib.analysis.plans import SHORTFALL_COLUMNS, cv_plan, shortfall
from junheng_lib.analysis.projection import hindcast, project
from junheng_lib.analysis.screening import (
    FINDING_COLUMNS,
    describe,
    display,
    screen,
    skipped_notes,
    skipped_rules,
)
from junheng_lib.analysis.standards import (
    STANDARD_SCHOOL_COLUMNS,
    basic_standard,
    basic_standard_schools,
)
from junheng_lib.data.dataset import check_request, load_files
from junheng_lib.data.errors import DataError, DataIssue
from junheng_lib.data.io import read_schools
from junheng_lib.data.sample import SAMPLE_PROFILES, random_profiles, write_sample
from junheng_lib.data.standards import read_standard
from junheng_lib.evaluation import TABLES, evaluate_county
from junheng_lib.render.docx import check_template_renders
from junheng_lib.render.xlsx import write_findings, write_tables
from junheng_lib.rules.indicators import within_limit
from junheng_lib.rules.options import Options
from junheng_lib.rules.table import RULES, indicator_codes
from junheng_lib.run.runner import run_reports
from junheng_lib.util.fileio import (
    OutputError,
    atomic_path,
    check_dir_target,
    check_file_target,
    exit_code,
    reason,
)
from junheng_lib.util.frames import select
from junheng_lib.util.version import __version__

__all__ = ["main"]

EXIT_DATA = 2


# --------------------------------------------------------------------------- argparse in Chinese
# argparse prints its own words in English ("usage:", "error:", "invalid choice" …). The parser below
# says them in Chinese: titles and the help option at construction, the usage prefix in the
# formatter, and every message argparse raises is translated in ``error`` (the English texts of
# Python 3.11–3.13; anything else is shown as argparse wrote it). Nothing global is patched.

#: argparse's messages (regular expressions over the English text) → Chinese
_ARGPARSE_ZH: list[tuple[str, str]] = [
    (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.+)", "无法识别的参数：{0}"),
    (r"invalid choice: (.+?) \(choose from (.+)\)", "取值{0}无效，可选：{1}"),
    (r"invalid (\w+) value: (.+)", "应为{0}，而不是{1}"),
    (r"expected one argument", "需要给出一个值"),
    (r"expected at most one argument", "最多只能给出一个值"),
    (r"expected at least one argument", "至少需要给出一个值"),
    (r"expected (\d+) arguments?", "需要给出{0}个值"),
    (r"ambiguous option: (\S+) could match (.+)", "选项 {0} 有歧义，可能是：{1}"),
    (r"not allowed with argument (.+)", "不能与参数 {0} 同时使用"),
    (r"one of the arguments (.+) is required", "须给出以下参数之一：{0}"),
    (r"ignored explicit argument (.+)", "不接受取值{0}"),
    (r"unexpected option string: (.+)", "无法识别的选项：{0}"),
]
_TYPE_ZH = {"int": "整数", "float": "数值"}


def _quoted(text: str) -> str:
    """'a', 'b' (argparse's repr of values) → “a”、“b”."""
    items = re.findall(r"'((?:[^'\\]|\\.)*)'", text)
    return "、".join(f"“{i}”" for i in items) if items else text


def _zh_message(message: str) -> str:
    m = re.fullmatch(r"argument (.+?): (.*)", message, re.S)
    if m:
        return f"参数 {m.group(1)}：{_zh_message(m.group(2))}"
    for pattern, zh in _ARGPARSE_ZH:
        m = re.fullmatch(pattern, message, re.S)
        if m:
            groups = [_TYPE_ZH.get(g, g) for g in m.groups()]
            if pattern.startswith(("invalid", "ignored")):
                groups = [_quoted(g) if "'" in g else g for g in groups]
            return zh.format(*groups)
    return message


class _ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and error messages are in Chinese (exit status 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示此帮助信息并退出")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_DATA, f"{self.prog}：参数错误：{_zh_message(message)}\n")


def _int_arg(low: int | None = None):
    """An argparse type: a whole number, at least ``low``, with Chinese messages."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为整数，而不是“{text}”") from None
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"应为不小于{low}的整数，而不是“{text}”")
        return value
    parse.__name__ = "整数"
    return parse


def _positive_float(text: str) -> float:
    """An argparse type: a finite number above 0."""
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为数值，而不是“{text}”") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"应为大于0的有限数值，而不是“{text}”")
    return value


def _cost_item(text: str) -> tuple[str, float]:
    """An argparse type: ``资源=单价`` with a resource of the rule table's ``[costs]`` and a finite price ≥ 0."""
    known = list(RULES["costs"])
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep:
        raise argparse.ArgumentTypeError(f"应写作“资源=单价”（如 teaching_area=2500），而不是“{text}”")
    if key not in known:
        raise argparse.ArgumentTypeError(f"资源名“{key}”无效，可用：{'、'.join(known)}")
    try:
        price = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}：单价应为数字") from None
    if not math.isfinite(price) or price < 0:
        raise argparse.ArgumentTypeError(f"{text}：单价应为不小于0的有限数值")
    return key, price


def _add_options(p: argparse.ArgumentParser) -> None:
    d = Options()
    g = p.add_argument_group("口径选项 (indicators.md §4 的开放问题；默认值见 rules.toml [open_points])")
    g.add_argument("--teaching-points", choices=["exclude", "include", "merge"], default=d.teaching_points,
                   help=f"基本均衡差异系数中的教学点：exclude 不参与；include 作为小学参与；merge 并入所属中心校"
                        f"(默认 {d.teaching_points})。优质均衡只看 --teaching-point-cutoff")
    g.add_argument("--small-schools", choices=["include", "exclude"], default=d.small_schools,
                   help=f"小规模学校(教学点除外)：include 纳入；exclude 剔除在校生不足 --small-school-threshold 人的学校"
                        f"(默认 {d.small_schools})")
    g.add_argument("--small-school-threshold", type=_int_arg(0), default=d.small_school_threshold, metavar="N",
                   help=f"小规模学校人数界限(默认{d.small_school_threshold})")
    g.add_argument("--primary-degree", choices=["专科", "本科"], default=d.primary_degree,
                   help="小学“高于规定学历”口径(默认 专科及以上)")
    g.add_argument("--gross-teaching-area", action="store_true",
                   help="生均教学及辅助用房面积不扣除室内体育用房(默认扣除)")
    g.add_argument("--teaching-point-cutoff", type=_int_arg(0), default=d.teaching_point_cutoff, metavar="N",
                   help=f"优质均衡(差异系数、达标、差额、方案)不计在校生不足 N 人的教学点(默认{d.teaching_point_cutoff})")


def _options(args):
    return Options(teaching_points=args.teaching_points, small_schools=args.small_schools, small_school_threshold=args.small_school_threshold,
                   primary_degree=args.primary_degree, net_indoor_sports=not args.gross_teaching_area,
                   teaching_point_cutoff=args.teaching_point_cutoff)


def _check_filters(schools, year, counties) -> None:
    """A year, a county, or a county without schools in that year: a data error naming it."""
    for note in check_request(schools, [year] if year is not None else None, counties):
        print(note, file=sys.stderr)


def write_csv(df, out: str | None) -> None:
    """Write a table as CSV to ``out`` atomically (or to standard output).

    Values are written exactly (a machine contract: a school named ``=1+1`` stays ``=1+1``);
    only the CSV folder of ``evaluate``, meant for Excel, neutralizes formula-like text.
    """
    if out is None:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False, lineterminator="\n")


def _load(args):
    if getattr(args, "output", None):  # before any work: -o must be a writable file path
        check_file_target(args.output, "-o")
    schools = read_schools(args.schools)
    for n in schools.attrs.get("notices", []):
        print(n, file=sys.stderr)
    counties = getattr(args, "county", None)
    counties = [counties] if isinstance(counties, str) else counties
    _check_filters(schools, getattr(args, "year", None), counties)
    return schools


def _values(args, schools):
    """The values table of the rows asked for (filtered before the one expansion)."""
    return values_table(select(schools, year=args.year, county=args.county), _options(args))


def cmd_coefficients(args) -> int:
    schools = _load(args)
    res = coefficients(_values(args, schools))
    for r in res[res["note"].str.contains("无定义|无法计算")].itertuples():
        print(f"提示：{r.year}学年 {r.county} {r.stage} {r.indicator}：{r.note}", file=sys.stderr)
    _report_empty(schools, res, args.year, args.county)
    write_csv(res[COEFFICIENT_COLUMNS], args.output)
    return 0


def _county_years(df) -> set[tuple]:
    return set(df[["year", "county"]].drop_duplicates().itertuples(index=False, name=None))


def _report_empty(schools, res, year, county) -> None:
    """Say which county-years had no school in scope (so an empty result is never silent)."""
    s = schools
    if year is not None:
        s = s[s["year"] == year]
    if county:
        s = s[s["county"] == county]
    for y, c in sorted(_county_years(s) - _county_years(res)):
        print(f"提示：{y}学年 {c} 没有参与计算的学校（全部为民办、非县属、特殊教育学校或无在校生）", file=sys.stderr)


def cmd_compliance(args) -> int:
    schools = _load(args)
    res = compliance(_values(args, schools))
    _report_empty(schools, res, args.year, args.county)
    write_csv(res, args.output)
    return 0


def cmd_shortfall(args) -> int:
    schools = _load(args)
    res = shortfall(_values(args, schools))
    _report_empty(schools, res, args.year, args.county)
    cols = SHORTFALL_COLUMNS + [c for c in res.columns if c not in SHORTFALL_COLUMNS]
    write_csv(res[cols], args.output)
    return 0


def cmd_plan(args) -> int:
    schools = _load(args)
    res = cv_plan(_values(args, schools), county=args.county, stage=args.stage, indicator=args.indicator,
                  year=args.year, limit=args.limit)
    r0 = res.iloc[0]
    unit = r0["unit"]
    if within_limit(r0["cv_before"], r0["limit"]):
        print(f"{r0['county']}{r0['stage']}{args.indicator}差异系数{r0['cv_before']:.3f}，已不高于{r0['limit']:.2f}，无需增加",
              file=sys.stderr)
    else:
        print(f"{r0['county']}{r0['stage']}{args.indicator}差异系数{r0['cv_before']:.3f} → {r0['cv_after']:.3f}"
              f"（标准{r0['limit']:.2f}）：共需增加{res['addition'].sum():,.1f}{unit}，涉及{int((res['addition'] > 0).sum())}所学校",
              file=sys.stderr)
    write_csv(res, args.output)
    return 0


def cmd_evaluate(args) -> int:
    if str(args.output).lower().endswith(".xlsx"):  # before any work (national data takes minutes)
        check_file_target(args.output, "-o")
    else:
        check_dir_target(args.output, "-o")
    standard = read_standard(args.standards) if args.standards else None  # a bad file: before the data
    ds = load_files(args.schools, classes=args.classes, counties=args.counties, projects=args.projects,
                    groups=args.groups)
    for n in ds.schools.attrs.get("notices", []) + ds.name_notices():
        print(n, file=sys.stderr)
    year = args.year if args.year is not None else int(ds.schools["year"].max())  # the year evaluated
    _check_filters(ds.schools, year, [args.county] if args.county else None)
    if args.ledger:  # last year's county workbooks: of the counties and the year before, or an error
        prior = read_ledgers(args.ledger)
        check_prior(prior, year, [args.county] if args.county else ds.counties_list)
        ds = dataclasses.replace(ds, prior_ledger=prior)
    ev = evaluate_county(ds, args.county, args.year, _options(args), _costs(args.cost), standard=standard)
    tables = ev.tables()
    _report_empty(ds.schools, tables["basic"], year, args.county)
    _report_reconciliation(tables.get("class_reconciliation"), TABLES.get("class_reconciliation", ""))
    paths = write_tables(tables, args.output, titles=TABLES, notify=lambda m: print(m, file=sys.stderr))
    for p in paths:
        print(p, file=sys.stderr)
    return 0


def cmd_standards(args) -> int:
    """The 省定办学基本标准 per school × stage of 基本均衡's scope (``basic_standard_schools``)."""
    if args.output:  # before any work: -o must be a writable file path
        check_file_target(args.output, "-o")
    standard = read_standard(args.standards)
    ds = load_files(args.schools)
    for n in ds.schools.attrs.get("notices", []):
        print(n, file=sys.stderr)
    _check_filters(ds.schools, args.year, [args.county] if args.county else None)
    s = select(ds.schools, year=args.year, county=args.county)
    res = basic_standard_schools(basic_standard(values_table(s, _options(args)), standard, s, options=_options(args)),
                                 standard)
    _report_empty(ds.schools, res, args.year, args.county)
    failed = int((~res["passed"].astype(bool)).sum()) if len(res) else 0
    print(f"{standard.name}：共{len(res)}个学校学段，{len(res) - failed}个达到，{failed}个未达到", file=sys.stderr)
    write_csv(res[STANDARD_SCHOOL_COLUMNS], args.output)
    return 0


def _report_reconciliation(rec, title: str, shown: int = 20) -> None:
    """提示 for the school-stages whose classes do not add up to the schools table."""
    if rec is None or rec.empty:
        return
    print(f"提示：{len(rec)}个学校学段的班级表与学校表不一致，未计入班额统计（见表“{title}”）：", file=sys.stderr)
    for r in rec.head(shown).itertuples():
        print(f"  {r.year}学年 {r.county} {r.school_id} {r.school_name} {r.stage}：{r.note}", file=sys.stderr)
    if len(rec) > shown:
        print(f"  ……另有{len(rec) - shown}处", file=sys.stderr)


def _costs(items: list | None) -> dict:
    """``--cost teaching_area=2500`` (parsed by :func:`_cost_item`) → {"teaching_area": 2500.0}."""
    out = {}
    for item in items or []:
        if isinstance(item, str):
            try:
                item = _cost_item(item)
            except argparse.ArgumentTypeError as e:
                raise ValueError(f"--cost {e}") from None
        out[item[0]] = item[1]
    return out


def cmd_check(args) -> int:
    """Data screening: every finding at once, the data unchanged; exit 0 whenever it ran.

    Standard output is the findings' CSV exactly as found (a machine contract); ``-o x.csv`` is
    meant for Excel (BOM, formula-like text neutralized, see :func:`write_findings`). The
    year-over-year rules that could not run (no previous year in the data) are said on standard
    error."""
    ds = load_files(args.data)
    for t in (ds.schools, ds.classes, ds.counties):
        for n in (t.attrs.get("notices", []) if t is not None else []):
            print(n, file=sys.stderr)
    _check_filters(ds.schools, args.year, args.county)
    found = screen(ds)
    if args.year is not None:
        found = found[found["year"] == args.year]
    if args.county:
        found = found[found["county"].isin(args.county)]
    for note in skipped_notes(skipped_rules(ds.schools, ds.counties, year=args.year, county=args.county)):
        print(note, file=sys.stderr)
    if args.output:
        print(write_findings(found, args.output), file=sys.stderr)
    else:
        write_csv(display(found)[FINDING_COLUMNS], None)
    print(describe(found), file=sys.stderr)
    return 0


def cmd_sample(args) -> int:
    import numpy as np

    if args.provinces is not None and args.counties is None:
        raise ValueError("--provinces 需要同时给出 --counties(全国的县区数)")
    check_dir_target(args.out, "--out")
    years = tuple(range(args.first_year, args.first_year + args.years))
    if args.counties is None:
        profiles = SAMPLE_PROFILES
    else:  # with --provinces: provinces, cities and 6-digit codes (none: all in 云州市, as before)
        profiles = random_profiles(args.counties, np.random.default_rng(args.seed), provinces=args.provinces)
    for p in write_sample(args.out, profiles, years, args.seed):
        print(p, file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    check_dir_target(args.out, "--out")
    template = None
    if args.docx_template is not None:  # a template that cannot make a report: said before any work
        template = str(check_template_renders(args.docx_template))
    try:
        return run_reports(data=args.data, years=[args.year] if args.year else None, counties=args.county,
                           out=args.out, workers=args.workers, options=_options(args), rollup=not args.no_rollup,
                           force=args.force, scheduler=args.scheduler, address=args.dask_address,
                           docx_template=template, issuer=args.issuer, ledger=args.ledger, standards=args.standards)
    except OSError as e:
        if e.filename:  # main says it, naming the file
            raise
        # a refusal that names no file (a full disk while writing): name the report folder
        raise OutputError(f"无法写入报告文件夹“{Path(args.out).resolve()}”中的文件：{reason(e)}。"
                          "已完成的报告保持完整，未完成的报告下次运行时重新生成。", exit_code(e)) from None


def cmd_project(args) -> int:
    if args.horizon < 1:
        raise ValueError("预测年数(--horizon)应为不小于1的整数")
    if args.output:  # before any work: -o must be a writable file path
        check_file_target(args.output, "-o")
    ds = load_files(args.data)
    for n in ds.schools.attrs.get("notices", []) + (ds.classes.attrs.get("notices", []) if ds.classes is not None else []):
        print(n, file=sys.stderr)
    if ds.classes is None or ds.classes.empty:
        raise DataError([DataIssue(str(args.data), "入学预测需要班级表(classes.csv / classes.xlsx)：按年级的班额之和即各年级在校生")])
    _check_filters(ds.schools, args.year, [args.county] if args.county else None)
    years = sorted(ds.classes["year"].unique())
    if len(years) < 2:
        raise DataError([DataIssue(str(args.data), f"入学预测至少需要连续两个学年的班级表（现有：{'、'.join(map(str, years))}）")])
    intake = None
    if args.intake:
        intake = read_intake(args.intake, counties=set(ds.schools["county"]))
        for n in intake.attrs.get("notices", []):
            print(n, file=sys.stderr)
    res = project(ds.classes, ds.schools, horizon=args.horizon, base_year=args.year, county=args.county, intake=intake)
    for n in res.attrs.get("notes", []):
        print(f"提示：{n}", file=sys.stderr)
    if res.empty:
        print("提示：没有可以预测的县(区)，输出只有表头", file=sys.stderr)
    _, summary = hindcast(ds.classes, ds.schools, county=args.county)
    for r in summary.itertuples():
        print(f"回测：{r.county}{r.stage} 用{r.year - 1}学年及以前的数据预测{r.year}学年在校生 {r.projected:,.0f} 人，"
              f"实际 {r.actual:,.0f} 人，总量误差 {r.total_error_pct:+.1f}%，各校平均绝对误差 {r.mape:.1f}%",
              file=sys.stderr)
    if summary.empty:
        print("提示：班级表不足三个学年，无法回测" if len(years) < 3 else
              f"提示：无法回测：以{years[-1] - 1}学年为基准预测{years[-1]}学年所需的班级表数据不全"
              f"（班级表有{'、'.join(map(str, years))}学年；与学校表不一致的学校学段不计入）", file=sys.stderr)
    warn = projected_indicators(ds.schools, res, _options(args))["warnings"]
    for c, w in warn[["county", "warning"]].itertuples(index=False):
        print(f"预警：{c} {w}", file=sys.stderr)
    write_csv(res, args.output)
    return 0


def _add_project(sub) -> None:
    pr = sub.add_parser("project", help="入学预测(年级递进法)：各校各学段未来在校生、所需班数、大班额与规模风险、指标预警",
                        description="按年级递进法预测各校各学段未来学年的在校生(班级表中各年级班额之和)，"
                                    "并在资源保持本学年水平时给出优质均衡指标、差异系数与达标的预警。")
    pr.add_argument("data", help="数据文件夹(含 schools 与 classes 表，至少两个连续学年)")
    pr.add_argument("--horizon", type=int, required=True, metavar="N",
                    help="预测年数(≥1；超过班级表覆盖的学年数或小学的6个年级时照常预测，并提示远期结果仅供参考)")
    pr.add_argument("--year", type=int, help="基准学年(默认班级表中最新学年)")
    pr.add_argument("--county", help="县(区)(默认全部)")
    pr.add_argument("--intake", metavar="FILE",
                    help="县区提供的一年级招生数(CSV 或 .xlsx：县(区),学年,一年级招生数；每县每学年一行)，替代按入学比例的推算")
    pr.add_argument("-o", "--output", help="输出 CSV 文件(默认输出到屏幕)")
    _add_options(pr)
    pr.set_defaults(func=cmd_project)


_STANDARDS_HELP = ("省定办学基本标准文件(TOML，每省一个，格式见 README；示例 data/standards/example_basic_standard.toml)："
                   "基本均衡的第一项条件；不给则该条件为未提供")


def build_parser() -> argparse.ArgumentParser:

    p = ChineseArgumentParser(prog="junheng", description="县域义务教育均衡发展监测：差异系数、达标情况与年度报告")
    p.add_argument("--version", action="version", version=_version(), help="显示版本号并退出")
    sub = p.add_subparsers(dest="command", required=True, metavar="子命令")

    for name, text, func in (
            ("coefficients", "各县各学段的平均值与差异系数(基本均衡 L1–L8、综合；优质均衡 Y1–Y7)", cmd_coefficients),
            ("compliance", "每校每学段优质均衡7项指标达标情况", cmd_compliance),
            ("shortfall", "每校每学段优质均衡7项指标距标准的差额(㎡、元、人、间)", cmd_shortfall)):
        c = sub.add_parser(name, help=text)
        c.add_argument("schools", help="学校表 (CSV 或 .xlsx)")
        c.add_argument("--year", type=_int_arg(), help="只计算该学年")
        c.add_argument("--county", help="只计算该县(区)")
        c.add_argument("-o", "--output", help="输出 CSV 文件(默认输出到屏幕)")
        _add_options(c)
        c.set_defaults(func=func)

    pl = sub.add_parser("plan", help="使某项差异系数降到标准所需的最少资源增量及其在各校的分配")
    pl.add_argument("schools", help="学校表 (CSV 或 .xlsx)")
    pl.add_argument("--county", required=True, help="县(区)")
    pl.add_argument("--stage", required=True, choices=["小学", "初中"], help="学段")
    pl.add_argument("--indicator", required=True, choices=indicator_codes(),
                    help="指标(Y1–Y7；L1–L8 须同时给出 --limit)")
    pl.add_argument("--year", type=_int_arg(), help="学年(默认最新)")
    pl.add_argument("--limit", type=_positive_float, help="目标差异系数(默认为该指标的标准)")
    pl.add_argument("-o", "--output", help="输出 CSV 文件(默认输出到屏幕)")
    _add_options(pl)
    pl.set_defaults(func=cmd_plan)

    e = sub.add_parser("evaluate", help="一县一年(或全部县)的全部评估表：CSV 文件夹或一个 .xlsx")
    e.add_argument("schools", help="学校表，或含 schools/classes/counties 表的数据文件夹")
    e.add_argument("--classes", help="班级表(可选)")
    e.add_argument("--counties", help="县区表(可选)")
    e.add_argument("--year", type=_int_arg(), help="学年(默认最新)")
    e.add_argument("--county", help="县(区)(默认全部)")
    e.add_argument("--projects", help="项目表(可选；数据文件夹中的 projects.csv 会自动读取)")
    e.add_argument("--groups", help="特殊群体表(可选；数据文件夹中的 groups.csv 会自动读取)")
    e.add_argument("--ledger", action="append", metavar="上年台账.xlsx",
                   help="上年 junheng report 生成、由本单位填写的县(区)工作簿(或其所在文件夹)，可重复；写出表 ledger_status")
    e.add_argument("-o", "--output", required=True, help="输出：以 .xlsx 结尾则写一个工作簿，否则写入该文件夹(每表一个 CSV)")
    e.add_argument("--standards", metavar="标准.toml", help=_STANDARDS_HELP)
    e.add_argument("--cost", action="append", metavar="资源=单价", type=_cost_item,
                   help="达标补足方案的单价(元)，可重复，如 --cost teaching_area=2500；默认见 rules.toml [costs]")
    _add_options(e)
    e.set_defaults(func=cmd_evaluate)

    sd = sub.add_parser("standards", help="每校每学段对照省定办学基本标准(--standards 文件)的达标情况",
                        description="按省定办学基本标准文件(TOML，格式见 README)逐校逐学段检查基本均衡范围内的学校，"
                                    "输出 year,county,school_id,school_name,stage,items,met,passed,unmet。")
    sd.add_argument("schools", help="学校表，或含 schools 表的数据文件夹")
    sd.add_argument("--standards", required=True, metavar="标准.toml", help=_STANDARDS_HELP)
    sd.add_argument("--year", type=_int_arg(), help="只计算该学年")
    sd.add_argument("--county", help="只计算该县(区)")
    sd.add_argument("-o", "--output", help="输出 CSV 文件(默认输出到屏幕)")
    _add_options(sd)
    sd.set_defaults(func=cmd_standards)

    ck = sub.add_parser("check", help="数据筛查：逐校及县区表检查跨年突变、单位错误、不合理比例及表间不一致(不修改数据)")
    ck.add_argument("data", metavar="DATA_DIR", help="数据文件夹(含 schools.csv，可选 classes.csv、counties.csv)，或一个学校表")
    ck.add_argument("-o", "--output", help="输出：.xlsx 工作簿或 CSV(UTF-8 带 BOM，供 Excel 打开：以 = + - @ 等开头的文字前加单引号)；"
                                           "默认输出 CSV 到屏幕(原样输出)")
    ck.add_argument("--year", type=int, help="只列出该学年的问题(跨年比较仍使用全部学年)")
    ck.add_argument("--county", action="append", help="只列出该县(区)的问题，可重复")
    ck.set_defaults(func=cmd_check)

    sm = sub.add_parser("sample", help="生成样例数据(默认：云州市10个县区)")
    sm.add_argument("--counties", type=_int_arg(1), help="县区数(给出时随机生成任意规模的数据)")
    sm.add_argument("--provinces", type=_int_arg(1), metavar="N",
                    help="省数(与 --counties 同用，如 --counties 2850 --provinces 31)：生成全国规模数据， "
                         "每省约8–20个市、每市约3–15个县区， 每所学校带省、市和6位区划代码(省2位+市2位+县2位)， "
                         "县区名全国不重复；不给则全部属于云州市")
    sm.add_argument("--years", type=_int_arg(1), default=3, help="学年数(默认3)")
    sm.add_argument("--first-year", type=_int_arg(1949), default=2022, help="第一个学年(默认2022)")
    sm.add_argument("--seed", type=_int_arg(0), default=2024, help="随机种子(默认2024)")
    sm.add_argument("--out", default="data/sample", help="输出文件夹")
    sm.set_defaults(func=cmd_sample)

    r = sub.add_parser("report", help="生成各县年度监测报告(默认：样例数据、最新学年、全部县区)")
    r.add_argument("--data", help="数据文件夹(含 schools.csv，可选 classes.csv、counties.csv)，或学校表文件(CSV 或 .xlsx)；"
                                  "默认样例数据")
    r.add_argument("--year", type=_int_arg(), help="学年(默认最新)")
    r.add_argument("--county", action="append", help="县(区)，可重复(重复给出的只生成一次)；默认全部")
    r.add_argument("--out", default="reports", help="输出文件夹(默认 reports)")
    r.add_argument("--workers", type=_int_arg(1), default=1, help="并行运行的报告数(默认1)")
    r.add_argument("--no-rollup", action="store_true", help="不生成全市汇总报告")
    r.add_argument("--ledger", action="append", metavar="上年台账.xlsx",
                   help="上年生成、由各县(区)填写的县(区)工作簿(或其所在文件夹)，可重复；按工作簿“整改台账”第1行的县(区)名对应到各县(区)")
    r.add_argument("--force", action="store_true", help="全部重新生成(默认跳过输入、口径和代码都未变化的报告)")
    r.add_argument("--scheduler", choices=["local", "dask"], default="local",
                   help="local：本机进程池(默认)；dask：dask.distributed(需安装 .[distributed])")
    r.add_argument("--dask-address", help="dask 调度器地址，如 tcp://10.0.0.5:8786；不给则在本机启动 LocalCluster")
    r.add_argument("--docx-template", metavar="模板.docx",
                   help="Word 报告使用的模板(如本单位红头模板)；其中的 {{ title }}、{{ issuer }}、{{ date }} "
                        "填入标题、发文单位和日期，正文接在模板内容之后；缺少的样式按内置模板补齐。默认使用内置模板")
    r.add_argument("--standards", metavar="标准.toml", help=_STANDARDS_HELP)
    r.add_argument("--issuer", metavar="单位",
                   help="发文单位，用于 Word 报告的封面和落款(默认“<县区>教育局”)")
    _add_options(r)
    r.set_defaults(func=cmd_report)
    _add_project(sub)
    _chinese_metavars(p)
    return p


#: placeholders shown in usage and help instead of argparse's upper-cased English names (dest → 中文)
_METAVARS = {"schools": "学校表", "year": "学年", "county": "县区", "output": "文件", "classes": "班级表",
             "counties": "县区表", "data": "文件夹", "out": "文件夹", "workers": "N", "dask_address": "地址",
             "years": "N", "first_year": "学年", "seed": "N", "limit": "差异系数"}


def _chinese_metavars(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _chinese_metavars(sub)
                if name == "sample":  # --counties there is a number of counties, not the counties table
                    next(a for a in sub._actions if a.dest == "counties").metavar = "N"
        elif action.metavar is None and action.choices is None and action.dest in _METAVARS and action.nargs != 0:
            action.metavar = _METAVARS[action.dest]


def _version() -> str:
    return f"junheng {__version__}"


#: exit status of a run ended by Ctrl-C (128 + SIGINT, as a shell reports it)
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (the report run has ended its workers and kernels)
        if args.command == "report":
            print("已中断：报告生成已停止。已完成的报告完整保留，未完成的报告没有写入，下次运行时重新生成。",
                  file=sys.stderr)
        else:
            print("已中断：没有写入不完整的输出文件。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except DataError as e:
        print(e.report(), file=sys.stderr)
        return EXIT_DATA
    except OutputError as e:  # an output that cannot be written: nothing of it was left behind
        print(e, file=sys.stderr)
        return e.exit_code
    except ValueError as e:  # invalid option combinations
        print(f"参数错误：{e}", file=sys.stderr)
        return EXIT_DATA
    except BrokenPipeError:  # e.g. `junheng … | head`
        return 0
    except OSError as e:  # any other file the machine refused (e.g. a report folder on a full disk)
        where = f"“{e.filename}”" if e.filename else "文件"
        print(f"无法读写{where}：{reason(e)}", file=sys.stderr)
        return exit_code(e)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
