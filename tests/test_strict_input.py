"""Input strictness (issue 8 §5 and §2): nothing in an input file is reinterpreted silently, and every
message says where (file, spreadsheet row, column, school)."""
import codecs
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import BASE, row, write_csv

from junheng_lib.data.dataset import load
from junheng_lib.data.io import (
    ROW,
    DataError,
    read_classes,
    read_counties,
    read_schools,
)
from junheng_lib.data.schema import SCHOOLS

ZH = {c.name: c.zh for c in SCHOOLS}
COLS = [*BASE, "music_rooms"]  # an optional last column: a row that lost a field still fills every required one


def issues_of(path, reader=read_schools):
    with pytest.raises(DataError) as e:
        reader(path)
    return e.value.issues


def cells(**kw) -> list[str]:
    r = row(music_rooms=2, **kw)
    return [str(r[c]) for c in COLS]


def write_lines(path, lines, encoding="utf-8"):
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


# ------------------------------------------------------------------------------------ CSV field counts

def test_row_with_a_missing_field_is_an_error_naming_the_row(tmp_path):
    short = cells(school_id="S2", school_name="二小")
    del short[COLS.index("books")]  # every cell after 图书 moves one column left; all required ones stay filled
    p = write_lines(tmp_path / "s.csv", [",".join(COLS), ",".join(cells()), ",".join(short)])
    found = issues_of(p)
    assert [(i.row, i.school) for i in found] == [(3, "S2 二小")]
    assert f"该行有{len(COLS) - 1}个字段，表头行有{len(COLS)}个" in found[0].message
    assert "s.csv，第3行" in str(found[0])


def test_row_with_an_extra_field_is_an_error_naming_the_row(tmp_path):
    long = cells(school_id="S2")
    long.insert(COLS.index("books"), "1")  # "1,234" typed without quotes
    long[COLS.index("books") + 1] = "234"
    p = write_lines(tmp_path / "s.csv", [",".join(COLS), ",".join(cells()), ",".join(cells(school_id="S3")),
                                         ",".join(long)])
    found = issues_of(p)
    assert [i.row for i in found] == [4] and f"该行有{len(COLS) + 1}个字段" in found[0].message


def test_quoted_commas_and_line_breaks_and_trailing_delimiters_are_not_field_errors(tmp_path):
    # quoted cells may hold the delimiter and line breaks (free text); the spreadsheet row is the record
    p = write_csv(tmp_path / "s.csv", [row(school_name="一小,东校区", 备注="第一行\n第二行"),
                                       row(school_id="S2", school_name="二小", 备注="")])
    df = read_schools(p)
    assert df["school_name"].tolist() == ["一小,东校区", "二小"] and df[ROW].tolist() == [2, 3]
    assert df["备注"].iloc[0] == "第一行\n第二行"
    # a delimiter at the end of every data row (but not of the header) is an export habit, not a shift
    q = write_lines(tmp_path / "t.csv", [",".join(BASE), ",".join(map(str, BASE.values())) + ",",
                                         ",".join(map(str, row(school_id="S2").values())) + ","])
    assert read_schools(q)["school_id"].tolist() == ["S1", "S2"]


# ------------------------------------------------------------------------------------ numbers

def test_decimal_comma_is_an_error_and_only_a_thousands_pattern_is_a_separator(tmp_path):
    p = write_csv(tmp_path / "s.csv", [
        row(teaching_area_m2="23136,7"),                                  # row 2: decimal comma
        row(school_id="S2", school_name="二小", outdoor_sports_area_m2="12,34",  # row 3: not every 3 digits
            books="4096，5"),                                            # a full-width decimal comma
        row(school_id="S3", books="1,234", computers="1，234", equipment_value_yuan="1,234,567.5",
            teaching_area_m2="1,234.5"),                                  # row 4: thousands separators
    ])
    found = issues_of(p)
    assert [(i.row, i.column, i.school) for i in found] == [(2, "teaching_area_m2", "S1 一小"),
                                                           (3, "outdoor_sports_area_m2", "S2 二小"),
                                                           (3, "books", "S2 二小")]
    assert all("逗号不是千位分隔符" in i.message for i in found)
    assert "（“23136,7”）" in found[0].message
    ok = read_schools(write_csv(tmp_path / "ok.csv", [row(books="1,234", computers="1，234",
                                                          equipment_value_yuan="1,234,567.5",
                                                          teaching_area_m2="1,234.5")])).iloc[0]
    assert (ok["books"], ok["computers"], ok["equipment_value_yuan"], ok["teaching_area_m2"]) == (
        1234, 1234, 1234567.5, 1234.5)


def test_percentage_with_a_decimal_comma_is_an_error(tmp_path):
    p = write_csv(tmp_path / "c.csv", [dict(year=2023, county="甲县", retention_rate_junior="98,5%",
                                            enrollment_rate="99.5%", satisfaction_rate="1,00")])
    found = issues_of(p, read_counties)
    assert [(i.row, i.column) for i in found] == [(2, "retention_rate_junior"), (2, "satisfaction_rate")]
    ok = read_counties(write_csv(tmp_path / "ok.csv", [dict(year=2023, county="甲县", enrollment_rate="99.5 %")]))
    assert ok["enrollment_rate"].iloc[0] == 99.5


def test_non_finite_numbers_are_errors_and_a_blank_stays_blank(tmp_path):
    p = write_csv(tmp_path / "s.csv", [row(books="inf", computers="Infinity", teaching_area_m2="1e400",
                                           outdoor_sports_area_m2="-inf", multimedia_rooms="nan", music_rooms="")])
    found = issues_of(p)
    assert {i.column for i in found} == {"books", "computers", "teaching_area_m2", "outdoor_sports_area_m2",
                                         "multimedia_rooms"}
    assert all(i.row == 2 and "不是有限的数值" in i.message for i in found)
    df = read_schools(write_csv(tmp_path / "ok.csv", [row(music_rooms="")]))
    assert np.isnan(df["music_rooms"].iloc[0])  # an empty optional cell is 未提供, not an error


# ------------------------------------------------------------------------------------ control characters

def test_control_characters_in_names_are_errors_wherever_they_are(tmp_path):
    rows = [row(school_id=f"S{i}", school_name=f"第{i}小学") for i in range(2, 300)]
    rows[0]["school_name"] = "一\x00小"          # row 2: a NUL in the first bytes (not a "binary file")
    rows[1]["school_name"] = "王堌堆小学\x0b"      # row 3: Word's soft line break, even at the end
    rows[250]["county"] = "甲\x0b县"              # row 252: far beyond the first 4 KB
    rows[260]["school_id"] = "S\x1f262"           # row 262: an id
    rows[270]["school_name"] = "东湖\n小学"        # row 272: a line break inside a name (quoted cell)
    found = issues_of(write_csv(tmp_path / "s.csv", rows))
    assert [(i.row, i.column) for i in found] == [(2, "school_name"), (3, "school_name"), (252, "county"),
                                                 (262, "school_id"), (272, "school_name")]
    assert "U+0000" in found[0].message and "U+000B" in found[1].message and "换行符" in found[4].message
    text = str(DataError(found))
    assert "\x00" not in text and "\x0b" not in text and "[U+000B]" in text


def test_control_characters_in_xlsx_and_in_class_ids(tmp_path):
    # Excel stores a control character as _x000B_ (openpyxl keeps the escape)
    p = tmp_path / "s.xlsx"
    pd.DataFrame([row(), row(school_id="S2", school_name="王_x000B_小学")]).rename(columns=ZH).to_excel(p, index=False)
    found = issues_of(p)
    assert [(i.row, i.column) for i in found] == [(3, "学校名称")] and "U+000B" in found[0].message
    schools = read_schools(write_csv(tmp_path / "ok.csv", [row(students_primary=45)]))
    c = write_csv(tmp_path / "c.csv", [dict(year=2023, school_id="S1\x00", stage="小学", grade=1, class_size=45)])
    with pytest.raises(DataError) as e:
        read_classes(c, schools)
    assert e.value.issues[0].row == 2 and e.value.issues[0].column == "school_id"
    assert "控制字符" in e.value.issues[0].message


# ------------------------------------------------------------------------------------ misleading messages

def test_bom_followed_by_gbk_bytes_is_a_mixed_encoding_named_at_its_line(tmp_path):
    gbk = write_csv(tmp_path / "g.csv", [row(school_name="一小"), row(school_id="S2", school_name="二小")],
                    encoding="gbk", header=ZH)
    p = tmp_path / "s.csv"
    p.write_bytes(codecs.BOM_UTF8 + gbk.read_bytes())
    found = issues_of(p)
    assert len(found) == 1 and "编码混用" in found[0].message and found[0].row == 1
    assert "学年" not in found[0].message


def test_utf16_text_from_excel_is_read(tmp_path):
    p = tmp_path / "s.csv"
    p.write_bytes(("\t".join(BASE) + "\n" + "\t".join(map(str, BASE.values())) + "\n").encode("utf-16"))
    assert read_schools(p)["school_name"].tolist() == ["一小"]


def test_formulas_without_cached_values_say_open_and_save_in_excel(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([ZH.get(c, c) for c in BASE])
    ws.append(list(BASE.values()))
    ws.append([*list(BASE.values())[:-3], "=5+5", "=C3*0+400", 3])   # computers, books: formulas never computed
    p = tmp_path / "s.xlsx"
    wb.save(p)
    found = issues_of(p)
    assert len(found) == 1
    assert "含公式但没有计算结果" in found[0].message and "请用 Excel 打开并保存后再导入" in found[0].message
    assert "第3行" in found[0].message and "不能为空" not in str(DataError(found))


def test_summary_sheet_before_the_detail_sheet(tmp_path):
    p = tmp_path / "book.xlsx"
    detail = pd.DataFrame([row(), row(school_id="S2", school_name="二小", books="x")]).rename(columns=ZH)
    with pd.ExcelWriter(p, engine="openpyxl") as w:
        pd.DataFrame({"学年": [2023], "县(区)": ["甲县"], "小学在校生数": [200], "初中在校生数": [0],
                      "小学专任教师数": [12]}).to_excel(w, sheet_name="汇总", index=False)
        detail.to_excel(w, sheet_name="学校明细", index=False)
    found = issues_of(p)
    assert [(i.row, i.column) for i in found] == [(3, "图书册数")] and "[学校明细]" in found[0].file
    ok = tmp_path / "ok.xlsx"
    with pd.ExcelWriter(ok, engine="openpyxl") as w:
        pd.DataFrame({"学年": [2023], "县(区)": ["甲县"], "小学在校生数": [100]}).to_excel(w, sheet_name="汇总", index=False)
        detail.iloc[:1].to_excel(w, sheet_name="学校明细", index=False)
    df = read_schools(ok)
    assert df["school_id"].tolist() == ["S1"]
    assert any("“汇总”不是明细表" in n and "已读取工作表“学校明细”" in n for n in df.attrs["notices"])


def test_no_sheet_with_the_detail_table_names_the_sheet_read_and_the_others(tmp_path):
    p = tmp_path / "book.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as w:
        pd.DataFrame({"学年": [2023], "县(区)": ["甲县"], "小学在校生数": [100]}).to_excel(w, sheet_name="汇总", index=False)
        pd.DataFrame({"说明": ["无"]}).to_excel(w, sheet_name="说明", index=False)
    found = issues_of(p)
    assert all("[汇总]" in i.file for i in found)
    assert any("缺少必需的列“学校标识码”" in i.message for i in found)
    assert any("其他工作表（“说明”）" in i.message for i in found)


def test_a_user_column_named_source_row_is_kept(tmp_path):
    p = write_csv(tmp_path / "s.csv", [row(source_row="A-7"), row(school_id="S2", source_row="B-9")])
    df = read_schools(p)
    assert df["source_row"].tolist() == ["A-7", "B-9"] and df[ROW].tolist() == [2, 3]
    found = issues_of(write_csv(tmp_path / "bad.csv", [row(source_row="A-7"), row(school_id="S2", books="x")]))
    assert [(i.row, i.column) for i in found] == [(3, "books")]


def test_corrupt_sheet_inside_xlsx_is_a_data_error(tmp_path):
    good = tmp_path / "good.xlsx"
    pd.DataFrame([row()]).rename(columns=ZH).to_excel(good, index=False, sheet_name="学校")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for n in zin.namelist():
            data = zin.read(n)
            zout.writestr(n, data[: len(data) // 2] if n.startswith("xl/worksheets/sheet") else data)
    found = issues_of(bad)
    assert len(found) == 1 and "工作表“学校”已损坏" in found[0].message


# ------------------------------------------------------------------------------------ data folders

def test_folder_with_two_files_for_one_table_is_refused(tmp_path):
    write_csv(tmp_path / "schools.csv", [row()])
    pd.DataFrame([row()]).to_excel(tmp_path / "schools.xlsx", index=False)
    write_csv(tmp_path / "classes.csv", [dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=100)])
    write_csv(tmp_path / "班级.csv", [dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=100)])
    with pytest.raises(DataError) as e:
        load(tmp_path)
    msgs = [i.message for i in e.value.issues]
    assert len(msgs) == 2
    assert "学校表有2个文件：schools.csv、schools.xlsx" in msgs[0] and "班级表有2个文件：classes.csv、班级.csv" in msgs[1]


# ------------------------------------------------------------------------------------ classes vs schools

@pytest.fixture
def four_schools(table):
    """S1 217 pupils in 4 classes; S2 90 in 2; S3 100 in 3; S4 45 (班数 not given)."""
    return table([
        row(school_id="S1", students_primary=217, teachers_primary=12, above_degree_primary=10, classes_primary=4),
        row(school_id="S2", school_name="二小", students_primary=90, classes_primary=2),
        row(school_id="S3", school_name="三小", students_primary=100, classes_primary=3),
        row(school_id="S4", school_name="四小", students_primary=45),
    ])


def _classes(tmp_path, schools, sizes: dict):
    rows = [dict(year=2023, school_id=sid, stage="小学", grade=k % 6 + 1, class_size=n)
            for sid, ns in sizes.items() for k, n in enumerate(ns)]
    return read_classes(write_csv(tmp_path / "c.csv", rows), schools)


def test_class_sizes_that_do_not_add_up_are_left_out_and_listed(tmp_path, four_schools):
    from junheng_lib.analysis.size import (
        class_bands,
        class_reconciliation,
        class_shortfall,
    )
    classes = _classes(tmp_path, four_schools, {
        "S1": [44, 46, 57, 70],     # 217 pupils, 4 classes: agrees
        "S2": [80, 70],             # 150 ≠ 90 pupils: two 超大班额 that do not exist
        "S3": [50, 50],             # 100 pupils but 2 classes ≠ 3
    })                              # S4: no class at all
    b = class_bands(classes, four_schools).iloc[0]
    assert (b["classes"], b["标准班额"], b["偏大班额"], b["大班额"], b["超大班额"]) == (4, 1, 1, 1, 1)
    assert b["max_size"] == 70 and b["unreconciled"] == 3
    rec = class_reconciliation(classes, four_schools)
    assert rec["school_id"].tolist() == ["S2", "S3", "S4"]
    assert rec["note"].tolist() == ["班级表班额合计150人，学校表小学在校生90人", "班级表2个班，学校表小学班数3个",
                                    "班级表中没有该校小学的班级"]
    assert rec[["students", "classes", "table_students", "table_classes"]].iloc[0].tolist() == [90, 2, 150, 2]
    from junheng_lib.analysis.coefficients import values_table
    sf = class_shortfall(classes, values_table(four_schools)).set_index("school_id")
    # S1 from its classes: ⌈217/45⌉ − 4 = 1 class, 1 × 45 = 45 places missing; 0 + 1 + 12 + 25 = 38 pupils above 45
    assert (sf.loc["S1", "class_shortfall"], sf.loc["S1", "place_shortfall"], sf.loc["S1", "reconciled"]) == (1, 45, True)
    assert sf.loc["S1", "pupils_over_standard"] == 38
    # the others count their classes from the schools table; pupils above the standard are unknown
    assert sf.loc["S2", "classes"] == 2 and sf.loc["S2", "class_shortfall"] == 0
    assert sf.loc["S2", "place_shortfall"] == 0 and np.isnan(sf.loc["S2", "pupils_over_standard"])
    assert sf.loc["S3", "classes"] == 3 and sf.loc["S3", "class_shortfall"] == 0      # ⌈100/45⌉ = 3
    assert np.isnan(sf.loc["S4", "classes"]) and np.isnan(sf.loc["S4", "class_shortfall"])
    assert not sf.loc[["S2", "S3", "S4"], "reconciled"].any()


def test_item_5_is_not_passed_while_some_classes_do_not_add_up(tmp_path, table):
    from junheng_lib.analysis.items import county_items
    schools = table([row(school_id="S1", students_primary=217, teachers_primary=12, above_degree_primary=10,
                         classes_primary=5),
                     row(school_id="S2", school_name="二小", students_primary=90, classes_primary=2)])
    item5 = lambda c: (lambda t: t[(t["group"] == "政府保障程度") & (t["no"] == 5)].iloc[0])(
        county_items(None, schools, c))
    # every class of S1 within 45; S2's classes (80 and 70) do not add up to its 90 pupils
    mixed = _classes(tmp_path, schools, {"S1": [44, 44, 43, 43, 43], "S2": [80, 70]})
    it = item5(mixed)
    assert it["status"] == "missing"
    assert it["value"] == "超标准班额0个/5个班；1个学校学段的班级表与学校表不一致，未计入"
    # an oversize class among the classes that agree: 未达标 whatever the rest
    over = _classes(tmp_path, schools, {"S1": [44, 44, 43, 40, 46], "S2": [80, 70]})
    assert item5(over)["status"] == "fail"
    agree = _classes(tmp_path, schools, {"S1": [44, 44, 43, 43, 43], "S2": [45, 45]})
    it = item5(agree)
    assert it["status"] == "pass" and it["value"] == "超标准班额0个/7个班"


# ------------------------------------------------------------------------------------ command line

def run(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "junheng_lib.cli", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8")


ENGLISH = ("usage:", "error:", "invalid", "argument", "expected", "required", "choose from", "Traceback")


@pytest.mark.parametrize("args, expect", [
    (["evaluate", "s.csv", "-o", "x.xlsx", "--cost", "teaching_area=nan"], "参数 --cost：teaching_area=nan：单价应为不小于0的有限数值"),
    (["evaluate", "s.csv", "-o", "x.xlsx", "--cost", "teaching_area=-100"], "单价应为不小于0的有限数值"),
    (["evaluate", "s.csv", "-o", "x.xlsx", "--cost", "x=100"], "资源名“x”无效，可用：teaching_area"),
    (["evaluate", "s.csv", "-o", "x.xlsx", "--cost", "teaching_area"], "应写作“资源=单价”"),
    (["plan", "s.csv", "--county", "甲县", "--stage", "小学", "--indicator", "Y4", "--limit", "-1"],
     "参数 --limit：应为大于0的有限数值，而不是“-1”"),
    (["plan", "s.csv", "--county", "甲县", "--stage", "小学", "--indicator", "Y4", "--limit", "nan"], "大于0的有限数值"),
    (["sample", "--counties", "0"], "参数 --counties：应为不小于1的整数，而不是“0”"),
    (["coefficients", "s.csv", "--small-school-threshold", "-5"], "参数 --small-school-threshold：应为不小于0的整数"),
    (["coefficients", "s.csv", "--teaching-point-cutoff", "-1"], "参数 --teaching-point-cutoff：应为不小于0的整数"),
    (["report", "--workers", "0"], "参数 --workers：应为不小于1的整数，而不是“0”"),
    (["coefficients", "s.csv", "--year", "二〇二三"], "参数 --year：应为整数"),
    (["coefficients"], "缺少必需的参数：学校表"),
    (["plan", "s.csv", "--stage", "高中", "--county", "甲县", "--indicator", "Y4"], "参数 --stage：取值“高中”无效，可选：“小学”、“初中”"),
    (["frobnicate"], "参数 子命令：取值“frobnicate”无效"),
    (["coefficients", "s.csv", "--county"], "参数 --county：需要给出一个值"),
    (["coefficients", "s.csv", "--colour"], "无法识别的参数：--colour"),
])
def test_argument_errors_are_chinese(args, expect):
    r = run(*args)
    assert r.returncode == 2 and r.stdout == ""
    assert expect in r.stderr and "用法：junheng" in r.stderr and "参数错误" in r.stderr
    assert not any(w in r.stderr for w in ENGLISH), r.stderr


def test_help_is_chinese():
    for args in ([], ["coefficients"], ["report"], ["sample"]):
        r = run(*args, "-h")
        assert r.returncode == 0
        assert "用法：junheng" in r.stdout and "显示此帮助信息并退出" in r.stdout
        for w in ("usage:", "show this help message", "positional arguments", "optional arguments", "options:"):
            assert w not in r.stdout, (args, w)
    assert "--year 学年" in run("coefficients", "-h").stdout


def test_evaluate_says_where_classes_and_schools_differ(tmp_path):
    import openpyxl as xl
    d = tmp_path / "data"
    d.mkdir()
    write_csv(d / "schools.csv", [row(school_id="S1", students_primary=90, classes_primary=2),
                                  row(school_id="S2", school_name="二小", students_primary=45, classes_primary=1)])
    write_csv(d / "classes.csv", [dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=80),
                                  dict(year=2023, school_id="S1", stage="小学", grade=2, class_size=70),
                                  dict(year=2023, school_id="S2", stage="小学", grade=1, class_size=45)])
    out = tmp_path / "ev.xlsx"
    r = run("evaluate", d, "-o", out, "--cost", "teaching_area=2500")
    assert r.returncode == 0, r.stderr
    assert "提示：1个学校学段的班级表与学校表不一致，未计入班额统计" in r.stderr
    assert "2023学年 甲县 S1 一小 小学：班级表班额合计150人，学校表小学在校生90人" in r.stderr
    wb = xl.load_workbook(out, read_only=True)
    assert "班级表与学校表核对" in wb.sheetnames
    bands = pd.read_excel(out, sheet_name="班额分布")
    assert bands["超大班额"].sum() == 0 and bands["classes"].sum() == 1


def test_sample_city_classes_add_up_to_its_schools():
    # the generator moves class sizes in pairs and never below 1 pupil: both tables agree everywhere
    from junheng_lib.analysis.size import class_reconciliation
    from junheng_lib.data.dataset import load
    ds = load(None)
    assert class_reconciliation(ds.classes, ds.schools).empty
