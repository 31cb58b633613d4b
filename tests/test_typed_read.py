"""The typed CSV read (issue 9 §5): numbers parsed by pandas' C parser, strings cleaned only where a
number failed to parse — with the same frame, notices and messages as reading every cell as a string."""
import codecs
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import BASE, row

import junheng_lib.data.io as jio
import junheng_lib.data.read as jread
from junheng_lib.data.io import DataError, read_classes, read_counties, read_schools

COLS = [*BASE, "music_rooms", "备注"]


def csv_bytes(rows: list[dict], cols=COLS, sep=",", end="\n", header=None, encoding="utf-8", before=(),
              after=(), trail="") -> bytes:
    """Rows written as they are (no quoting added): cells with a delimiter must carry their own quotes."""
    lines = [*before, sep.join((header or {}).get(c, c) for c in cols)]
    lines += [sep.join(str(r.get(c, "")) for c in cols) + trail for r in rows]
    lines += list(after)
    return (end.join(lines) + end).encode(encoding)


def rows(n=30, **changes) -> list[dict]:
    """n valid 小学 rows; ``changes`` = {row number (0-based): {column: cell}}."""
    out = [row(school_id=f"S{i}", school_name=f"第{i}小学", music_rooms=i % 3, 备注="") for i in range(n)]
    for i, cells in changes.items():
        out[int(i)].update(cells)
    return out


def typed_and_strings(tmp_path, monkeypatch, data: bytes, reader=read_schools, name="t.csv"):
    """Read ``data`` both ways: (typed outcome, string outcome, whether the typed read was used)."""
    p = tmp_path / name
    p.write_bytes(data)
    used = []
    typed_read = jread._read_csv_typed

    def spy(*a, **k):
        res = typed_read(*a, **k)
        used.append(res is not None)
        return res
    monkeypatch.setattr(jread, "_read_csv_typed", spy)
    first = outcome(reader, p)
    monkeypatch.setattr(jread, "_TYPED", False)
    second = outcome(reader, p)
    return first, second, any(used)


def outcome(reader, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parser warning reaches the user
        try:
            return reader(path)
        except DataError as e:
            return str(e)


def assert_same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, str):
        assert a == b
        return
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:  # None and pd.NA are both "missing" to assert_frame_equal
        if a[c].dtype == object:
            assert [type(x) for x in a[c]] == [type(x) for x in b[c]], c
    assert a.attrs == b.attrs


CASES = {
    # name: (bytes, reader, read typed?)
    "clean": (csv_bytes(rows()), read_schools, True),
    "chinese headers, gbk": (csv_bytes(rows(), header={c.name: c.zh for c in jio.SCHOOLS}, encoding="gbk"),
                             read_schools, True),
    "bom, crlf": (codecs.BOM_UTF8 + csv_bytes(rows(), end="\r\n"), read_schools, True),
    "lone cr": (csv_bytes(rows(), end="\r"), read_schools, True),
    "semicolons": (csv_bytes(rows(), sep=";"), read_schools, True),
    "tabs": (csv_bytes(rows(), sep="\t"), read_schools, True),
    "dashes, thousands, full-width": (csv_bytes(rows(**{
        "3": {"music_rooms": "—", "books": '"1,234"'}, "7": {"computers": "１２", "art_rooms": "-"},
        "9": {"teaching_area_m2": " 1 234.5 "}, "12": {"equipment_value_yuan": "1，234，567"}})),
        read_schools, True),
    "spaces around cells": (csv_bytes(rows(**{"2": {"school_name": " 二小 ", "county": "\u3000甲县"},
                                               "4": {"books": " 400 ", "location": " 乡村 "}})), read_schools, True),
    "errors in numbers": (csv_bytes(rows(**{
        "1": {"books": "-5"}, "2": {"computers": "2.50"}, "3": {"teaching_area_m2": '"23136,7"'},
        "4": {"outdoor_sports_area_m2": "inf"}, "5": {"multimedia_rooms": "nan"}, "6": {"books": "1e400"},
        "7": {"computers": "True"}, "8": {"students_primary": "abc"}, "9": {"year": "2023学年"},
        "10": {"year": "二〇二三"}})), read_schools, True),
    "errors in names and kinds": (csv_bytes(rows(**{
        "1": {"school_id": ""}, "2": {"school_type": "大学"}, "3": {"location": "x"}, "4": {"school_id": "S1"},
        "5": {"teachers_primary": 0}, "6": {"above_degree_primary": 9}})), read_schools, True),
    "blank, summary and note rows": (csv_bytes(rows(**{"5": {c: "" for c in COLS}}), before=["甲县学校统计表"],
                                               after=["合计,,,," + ",".join(["100"] * 5), "", "注：来自年报"]),
                                     read_schools, True),
    "summary row with its label in the id column": (csv_bytes(rows(**{"29": {"school_id": "小 计"}})),
                                                    read_schools, True),
    "a delimiter at the end of every data row": (csv_bytes(rows(), trail=","), read_schools, True),
    "a delimiter at the end of the header only": (csv_bytes(rows(**{"3": {"books": "-5", "music_rooms": "—"}}))
                                                  .replace(b"\n", b",\n", 1), read_schools, True),
    "rows with a field too few or too many": (csv_bytes(rows(**{"3": {"备注": "x,y"}})) + b"2023,x\n",
                                              read_schools, False),
    "quoted line breaks and tabs": (csv_bytes(rows(**{"2": {"备注": '"第一行\n第二行"'}, "4": {"school_name": '"东湖\n小学"'},
                                                      "6": {"county": "甲\t县"}})), read_schools, True),
    "control characters": (csv_bytes(rows(**{"2": {"school_name": "王\x0b小学"}})), read_schools, False),
    "equipment in 万元": (csv_bytes([{**r, "equipment_value_10k_yuan": "20.5"} for r in rows()],
                                    cols=[c for c in COLS if c != "equipment_value_yuan"] + ["equipment_value_10k_yuan"]),
                          read_schools, True),
    "counties with percentages and yes/no": (csv_bytes(
        [dict(year=2023, county=f"{i}县", retention_rate_junior=["98.5%", "0.97", "96", '"98,5%"'][i % 4],
              dropout_rate_primary=["0.5", "1%", "", "—"][i % 4], ict_use=["是", "否", "TRUE", "x"][i % 4],
              edu_appropriation=['"12,345.6"', "500", "", "-1"][i % 4]) for i in range(12)],
        cols=["year", "county", "retention_rate_junior", "dropout_rate_primary", "ict_use", "edu_appropriation"]),
        read_counties, True),
    "classes": (csv_bytes([dict(year=2023, school_id=f"S{i % 5}", stage=["小学", "初中", "primary"][i % 3],
                                grade=i % 9 + 1, class_size=[45, "50", "—", "1.5"][i % 4]) for i in range(20)],
                          cols=["year", "school_id", "stage", "grade", "class_size"]), read_classes, True),
}


@pytest.mark.parametrize("case", CASES)
def test_typed_read_is_the_cell_by_cell_read(tmp_path, monkeypatch, case):
    data, reader, fast = CASES[case]
    typed, strings, used = typed_and_strings(tmp_path, monkeypatch, data, reader)
    assert used == fast
    assert_same(typed, strings)


def test_numbers_in_messages_are_the_cells_as_written(tmp_path, monkeypatch):
    # the columns were parsed as numbers (-5.0, 2.5): the messages quote what the file says
    data = csv_bytes(rows(**{"1": {"books": "-5"}, "2": {"computers": "2.50"}, "3": {"multimedia_rooms": "+3.0e0"}}))
    typed, strings, used = typed_and_strings(tmp_path, monkeypatch, data)
    assert used and typed == strings
    assert "第3行，列“books”，学校 S1 第1小学：不能为负数（“-5”）" in typed
    assert "第4行，列“computers”，学校 S2 第2小学：应为整数（“2.50”）" in typed
    assert "multimedia_rooms" not in typed  # +3.0e0 is 3


def test_text_in_one_block_of_rows_of_a_numeric_column(tmp_path, monkeypatch):
    # the parser converts blocks of 16 384 rows of a table this wide: a column can come back as numbers in
    # some blocks and strings in others; it is read again as strings, and nothing warns
    n = 17_000
    data = csv_bytes(rows(n, **{"16500": {"books": '"1,234"'}, "16990": {"music_rooms": "—"},
                                "100": {"computers": "１２"}}))
    typed, strings, used = typed_and_strings(tmp_path, monkeypatch, data)
    assert used
    assert_same(typed, strings)
    assert typed["books"].iloc[16500] == 1234 and np.isnan(typed["music_rooms"].iloc[16990])
    assert typed["computers"].iloc[100] == 12 and len(typed) == n


@pytest.mark.parametrize("long_row", [0, 7])
def test_a_long_and_a_short_row_that_balance_out_are_both_errors(tmp_path, long_row):
    # as many delimiters in all as if every row were whole: the rows are still told apart, also when the
    # long one is the first data row (which pandas would read as an index)
    lines = csv_bytes(rows(12)).decode().splitlines()
    lines[1 + long_row] += ",x"
    lines[11] = lines[11].rsplit(",", 1)[0]
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_schools(p)
    found = [(i.row, i.message.split("，")[0]) for i in e.value.issues]
    assert found == [(2 + long_row, f"该行有{len(COLS) + 1}个字段"), (12, f"该行有{len(COLS) - 1}个字段")]


def test_line_separator_in_a_name_is_an_error_in_any_file(tmp_path):
    # U+2028 breaks a line like LF; it was reported only when the file also held a quote or a tab
    p = tmp_path / "s.csv"
    p.write_bytes(csv_bytes(rows(**{"2": {"school_name": "东湖\u2028小学"}})))
    with pytest.raises(DataError) as e:
        read_schools(p)
    [issue] = e.value.issues
    assert issue.row == 4 and issue.column == "school_name" and "U+2028 行分隔符" in issue.message


def test_validate_takes_numbers_already_parsed(tmp_path):
    # validate() on a frame whose numeric column holds floats: an infinite value is one error, not also a blank
    p = tmp_path / "s.csv"
    p.write_bytes(csv_bytes(rows(3)))
    df = jio.read_table(p, jio.SCHOOLS)[0]
    df.attrs = {}
    df["books"] = [400.0, np.inf, np.nan]
    with pytest.raises(DataError) as e:
        jio.validate(df, jio.SCHOOLS, jio.SCHOOL_RULES, "s.csv")
    assert [(i.row, i.column, i.message) for i in e.value.issues] == [
        (3, "图书册数", "不是有限的数值（“inf”）"), (4, "图书册数", "不能为空")]
