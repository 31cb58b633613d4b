"""Reading exports as counties have them, and every kind of bad input reported at once."""
import pandas as pd
import pytest
from conftest import BASE, row, write_csv

from junheng_lib.data.io import ROW, DataError, read_classes, read_schools
from junheng_lib.data.schema import SCHOOLS

ZH = {c.name: c.zh for c in SCHOOLS}


def issues_of(path):
    with pytest.raises(DataError) as e:
        read_schools(path)
    return e.value.issues


def test_chinese_headers_gbk(tmp_path):
    p = write_csv(tmp_path / "学校.csv", [row(school_name="镕城小学", location="乡村")], encoding="gbk", header=ZH)
    df = read_schools(p)
    assert df["school_name"].iloc[0] == "镕城小学"
    assert df["students_primary"].iloc[0] == 100 and df["county"].iloc[0] == "甲县"


def test_utf8_bom_and_gb18030(tmp_path):
    for enc in ("utf-8-sig", "gb18030"):
        p = write_csv(tmp_path / f"s_{enc}.csv", [row(school_name="㮾梨小学")], encoding=enc, header=ZH)
        assert read_schools(p)["school_name"].iloc[0] == "㮾梨小学"


def test_english_aliases_defaults_and_extra_columns(tmp_path):
    r = row(school_type="primary", location="urban", 备注="新建校区")
    del r["ownership"], r["affiliation"], r["indoor_sports_area_m2"]
    df = read_schools(write_csv(tmp_path / "s.csv", [r]))
    assert df["school_type"].iloc[0] == "小学" and df["location"].iloc[0] == "城区"
    assert df["ownership"].iloc[0] == "公办" and df["affiliation"].iloc[0] == "县属"
    assert df["indoor_sports_area_m2"].iloc[0] == 0
    assert df["备注"].iloc[0] == "新建校区"


def test_equipment_in_10k_yuan_is_converted(tmp_path):
    r = row()
    del r["equipment_value_yuan"]
    r["equipment_value_10k_yuan"] = "20.5"
    assert read_schools(write_csv(tmp_path / "s.csv", [r]))["equipment_value_yuan"].iloc[0] == 205000
    hdr = {**ZH, "equipment_value_10k_yuan": "教学仪器设备资产值(万元)"}
    assert read_schools(write_csv(tmp_path / "z.csv", [r], header=hdr))["equipment_value_yuan"].iloc[0] == 205000


def test_blank_cells_of_a_stage_the_type_lacks_are_zero(tmp_path):
    r = row(students_junior="", teachers_junior="", above_degree_junior="")
    df = read_schools(write_csv(tmp_path / "s.csv", [r]))
    assert df["students_junior"].iloc[0] == 0


def test_xlsx_with_title_rows_and_total_row(tmp_path):
    df = pd.DataFrame([row(), row(school_id="S2", school_name="二小")]).rename(columns=ZH)
    p = tmp_path / "s.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as w:
        df.to_excel(w, index=False, startrow=2)
        ws = w.sheets["Sheet1"]
        ws["A1"] = "甲县2023学年义务教育学校基本情况统计表"
        ws.cell(row=6, column=1, value="合计")
    out = read_schools(p)
    assert out["school_id"].tolist() == ["S1", "S2"]
    assert out[ROW].tolist() == [4, 5]
    assert any("第6行" in n and "合计" in n for n in out.attrs["notices"])


def test_every_bad_row_reported_at_once(tmp_path):
    rows = [
        row(school_id="S1"),
        row(school_id="S2", students_primary="abc"),                                   # row 3: not a number
        row(school_id="S3", books=-5),                                                 # row 4: negative
        row(school_id="S1", school_name="重复"),                                       # row 5: duplicate id
        row(school_id="S5", students_junior=30),                                       # row 6: 小学 with 初中
        row(school_id="S6", teachers_primary=0, above_degree_primary=0, mid_title_primary=0,
            backbone_primary=0, pe_art_primary=0),                                      # row 7: no teachers
        row(school_id="S7", above_degree_primary=9),                                   # row 8: > teachers
        row(school_id="S8", school_type="大学"),                                       # row 9: bad enum
        row(school_id="S9", computers=2.5),                                            # row 10: not whole
        row(school_id="", school_name="无码"),                                         # row 11: empty id
    ]
    found = issues_of(write_csv(tmp_path / "bad.csv", rows))
    by_row = {}
    for i in found:
        by_row.setdefault(i.row, []).append(i)
    assert set(by_row) == {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "不是数字" in by_row[3][0].message and by_row[3][0].column == "students_primary"
    assert "负数" in by_row[4][0].message
    assert all("重复" in i.message for i in by_row[2] + by_row[5])
    assert "初中在校生" in by_row[6][0].message
    assert "专任教师数为0" in by_row[7][0].message and "S6" in by_row[7][0].school
    assert "大于" in by_row[8][0].message
    assert "无效" in by_row[9][0].message
    assert "整数" in by_row[10][0].message
    assert "不能为空" in by_row[11][0].message
    text = str(DataError(found))
    assert "bad.csv，第3行，列“students_primary”，学校 S2 一小：不是数字（“abc”）" in text


def test_missing_columns_named_in_chinese(tmp_path):
    r = dict(BASE)
    del r["books"], r["teachers_primary"]
    found = issues_of(write_csv(tmp_path / "s.csv", [r]))
    msgs = " ".join(i.message for i in found)
    assert "图书册数" in msgs and "小学专任教师数" in msgs


@pytest.mark.parametrize("content, expect", [
    (b"", "文件为空"),
    (b"   \n\n", "文件为空"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "不是文本表格"),
    ("学校名称,备注\n一小,无\n".encode(), "找不到表头"),
])
def test_unreadable_files(tmp_path, content, expect):
    p = tmp_path / "s.csv"
    p.write_bytes(content)
    found = issues_of(p)
    assert expect in found[0].message and "s.csv" in str(found[0])


def test_header_only(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(",".join(BASE) + "\n", encoding="utf-8")
    assert "只有表头" in issues_of(p)[0].message


def test_corrupt_xlsx(tmp_path):
    p = tmp_path / "s.xlsx"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "无法作为 Excel" in issues_of(p)[0].message


def test_classes_must_match_schools(tmp_path):
    schools = read_schools(write_csv(tmp_path / "s.csv", [row()]))
    p = write_csv(tmp_path / "c.csv", [dict(year=2023, school_id="S1", stage="小学", grade=1, class_size=45),
                                       dict(year=2023, school_id="XX", stage="小学", grade=7, class_size=0)])
    with pytest.raises(DataError) as e:
        read_classes(p, schools)
    msgs = [(i.row, i.message) for i in e.value.issues]
    assert any(r == 3 and "不存在" in m for r, m in msgs)
    assert any(r == 3 and "年级" in m for r, m in msgs)
    assert any(r == 3 and "应不小于1" in m for r, m in msgs)


def test_two_row_merged_header_xlsx(tmp_path):
    """A statistical form: title row, merged parent headers over 小学/初中, units in headers."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["甲县义务教育学校办学条件统计表"])
    parents = ["学年", "县(区)", "学校标识码", "学校名称", "办学类型", "城乡分类", "在校生数", "", "专任教师数", "",
               "高于规定学历教师数", "", "中级及以上职称教师数", "", "县级及以上骨干教师数", "", "体育艺术专任教师数", "",
               "教学及辅助用房面积（平方米）", "运动场地面积(㎡)", "教学仪器设备资产值(万元)", "教学用计算机台数",
               "图书册数", "网络多媒体教室间数"]
    subs = ["", "", "", "", "", "", "小学", "初中", "小学", "初中", "小学", "初中", "小学", "初中", "小学", "初中",
            "小学", "初中", "", "", "", "", "", ""]
    ws.append(parents)
    ws.append(subs)
    ws.merge_cells("G2:H2")
    ws.append([2023, "甲县", "S1", "一小", "小学", "121", 100, "—", 6, "—", 5, "—", 3, "—", 1, "—", 1, "—",
               600, 800, 20, 10, 400, 3])
    ws.append(["2023-2024学年", "甲县", "S2", "二小", "小学", "村庄", 200, "", 10, "", 9, "", 4, "", 2, "", 2, "",
               900, 1500, 40.5, 20, 800, 5])
    ws.append(["合计", "", "", "", "", "", 300])
    p = tmp_path / "form.xlsx"
    wb.save(p)
    df = read_schools(p)
    assert df["school_id"].tolist() == ["S1", "S2"]
    assert df[ROW].tolist() == [4, 5]
    assert df["year"].tolist() == [2023, 2023]
    assert df["location"].tolist() == ["镇区", "乡村"]
    assert df["teachers_primary"].tolist() == [6, 10] and df["above_degree_primary"].tolist() == [5, 9]
    assert df["students_junior"].tolist() == [0, 0]
    assert df["equipment_value_yuan"].tolist() == [200000, 405000]
    assert df["teaching_area_m2"].tolist() == [600, 900]
    assert any("第6行" in n for n in df.attrs["notices"])


def test_dash_is_blank_not_zero_where_a_value_is_required(tmp_path):
    found = issues_of(write_csv(tmp_path / "s.csv", [row(books="—")]))
    assert found[0].row == 2 and "不能为空" in found[0].message


def test_total_row_with_label_in_id_column(tmp_path):
    p = write_csv(tmp_path / "s.csv", [row(), {"school_id": "合计", "students_primary": 100}])
    df = read_schools(p)
    assert len(df) == 1 and any("合计" in n for n in df.attrs["notices"])


def test_xlsx_table_on_a_later_sheet(tmp_path):
    df = pd.DataFrame([row(), row(school_id="S2", school_name="二小", books="x")]).rename(columns=ZH)
    p = tmp_path / "book.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as w:
        pd.DataFrame({"说明": ["本表由县教育局统计科填报"]}).to_excel(w, sheet_name="封面", index=False)
        df.to_excel(w, sheet_name="学校", index=False)
    found = issues_of(p)
    assert len(found) == 1 and found[0].row == 3 and "[学校]" in found[0].file
