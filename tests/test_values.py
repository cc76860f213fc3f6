"""Cell values: numbers, flags, dates and periods — every accepted spelling and every error."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from loaders.ingest.values import find_period, parse_date, parse_flag, parse_number, parse_period

D = date


# --- parse_number -------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (12, 12.0), (1200.0, 1200.0), (0, 0.0), (1.5, 1.5), (Decimal("7"), 7.0),
    ("12", 12.0), ("  7 ", 7.0), ("7\u00a0", 7.0), ("+3", 3.0),
    ("1.200", 1200.0), ("1,200", 1200.0), ("1.200.000", 1200000.0), ("1,200,000", 1200000.0),
    ("12.345", 12345.0), ("999,999", 999999.0),
    ("1,5", 1.5), ("1.5", 1.5), ("1.25", 1.25), ("12,50", 12.5), ("0,500", 0.5), ("0.500", 0.5),
    ("1234,567", 1234.567), (".5", 0.5), (",5", 0.5), ("12.", 12.0),
    ("1.200,5", 1200.5), ("1,200.5", 1200.5), ("1.234.567,89", 1234567.89),
    ("1 200", 1200.0), ("1 200 000", 1200000.0), ("1 200,5", 1200.5),
    ("12 tin", 12.0), ("12tin", 12.0), ("15 (lượt)", 15.0), ("15 lượt", 15.0), ("3 lượt/tuần", 3.0),
    ("1.200 tin", 1200.0), ("12 tin bài", 12.0), ("12 tin.", 12.0),
    ("-", 0.0), ("–", 0.0), ("—", 0.0), ("không", 0.0), ("Không", 0.0), ("khong", 0.0),
    ("không có", 0.0), ("ko", 0.0), ("0", 0.0), (" 0 ", 0.0), ("0 tin", 0.0), ("-0", 0.0),
    (None, None), ("", None), ("   ", None), (float("nan"), None),
])
def test_parse_number(value, expected):
    assert parse_number(value) == expected
    if expected is not None:
        assert isinstance(parse_number(value), float)


@pytest.mark.parametrize("value, message", [
    ("-5", "Số âm"), ("- 5", "Số âm"), ("−5", "Số âm"), ("–3 tin", "Số âm"), (-1, "Số âm"),
    (-0.5, "Số âm"), (Decimal("-2"), "Số âm"),
    ("#REF!", "#REF!"), ("#VALUE!", "#VALUE!"), ("#DIV/0!", "#DIV/0!"), ("#N/A", "#N/A"),
    ("#NAME?", "#NAME?"), ("#value!", "#VALUE!"),
    ("abc", "không phải là số"), ("mười hai", "không phải là số"), ("Tổng: 12", "không phải là số"),
    ("x", "không phải là số"),
    ("1.2.3", "dấu chấm/phẩy"), ("1,20,000", "dấu chấm/phẩy"), ("1.200,000.5", "dấu chấm/phẩy"),
    ("12 3", "dấu chấm/phẩy"),
    ("12-15", "số lượng"), ("12 tin, 3 bài", "số lượng"), ("50%", "số lượng"), ("1e5", "số lượng"),
    ("12/15", "số lượng"),
    ("5k", "viết tắt"), ("2 nghìn", "viết tắt"), ("1,2 triệu", "viết tắt"),
    (True, "đúng/sai"), (False, "đúng/sai"), (date(2025, 9, 8), "ngày"),
    (float("inf"), "quá lớn"), (10 ** 400, "quá lớn"), ("9" * 400, "quá lớn"),
])
def test_parse_number_errors(value, message):
    with pytest.raises(ValueError, match=message.replace("?", r"\?").replace("/", "/")) as e:
        parse_number(value)
    assert "cần" in str(e.value)                     # says what is expected


# --- parse_flag ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["x", "X", " x ", "có", "Có", "co", "✓", "✔", "✔️", "√", "yes", "Yes",
                                   1, 1.0, True, "1"])
def test_parse_flag_true(value):
    assert parse_flag(value) == 1


@pytest.mark.parametrize("value", ["", "  ", None, "không", "Không", "khong", "ko", "0", 0, 0.0, False,
                                   "-", "–", float("nan")])
def test_parse_flag_false(value):
    assert parse_flag(value) == 0


@pytest.mark.parametrize("value", ["abc", "xx", "2", 2, -1, 0.5, "#REF!", "có lẽ"])
def test_parse_flag_errors(value):
    with pytest.raises(ValueError, match="cần"):
        parse_flag(value)


# --- parse_date ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (datetime(2025, 9, 8, 10, 30), D(2025, 9, 8)), (D(2025, 9, 8), D(2025, 9, 8)),
    (45908, D(2025, 9, 8)), (45908.75, D(2025, 9, 8)), ("45908", D(2025, 9, 8)),
    ("08/9/2025", D(2025, 9, 8)), ("8/9/2025", D(2025, 9, 8)), ("08/09/2025", D(2025, 9, 8)),
    ("8-9-2025", D(2025, 9, 8)), ("8.9.2025", D(2025, 9, 8)), ("08/9/25", D(2025, 9, 8)),
    ("2025-09-08", D(2025, 9, 8)), ("2025-9-8", D(2025, 9, 8)), ("2025-09-08 00:00:00", D(2025, 9, 8)),
    ("ngày 08 tháng 9 năm 2025", D(2025, 9, 8)), ("Ngày 8 tháng 9 năm 2025", D(2025, 9, 8)),
    ("ngay 08 thang 9 nam 2025", D(2025, 9, 8)), ("08 tháng 9 năm 2025", D(2025, 9, 8)),
    ("Ngày đăng: 08/9/2025", D(2025, 9, 8)), (" 08/9/2025\n", D(2025, 9, 8)),
    ("29/02/2024", D(2024, 2, 29)),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("08/9", D(2025, 9, 8)), ("8-9", D(2025, 9, 8)), ("ngày 08 tháng 9", D(2025, 9, 8)),
    ("08/9/2024", D(2024, 9, 8)),                    # an explicit year wins
])
def test_parse_date_default_year(value, expected):
    assert parse_date(value, default_year=2025) == expected


@pytest.mark.parametrize("value, message", [
    ("08/9", "thiếu năm"), ("31/2/2025", "không có thật"), ("29/02/2025", "không có thật"),
    ("9/14/2025", "tháng 14"), ("0/9/2025", "không có thật"), ("abc", "không phải là một ngày"),
    ("08/9/2025 - 14/9/2025", "không phải là một ngày"), ("Tuần 37/2025", "không phải là một ngày"),
    ("08/9/2025 12 tin", "không phải là một ngày"), ("", "trống"), (None, "cần"),
    (12, "ngày Excel"), (-5, "ngày Excel"), (10 ** 9, "ngày Excel"), (float("nan"), "ngày Excel"),
    (True, "cần"), (time(8, 0), "cần"), ("08/9/1850", "Năm 1850"), ("#VALUE!", "#VALUE!"),
])
def test_parse_date_errors(value, message):
    with pytest.raises(ValueError, match=message) as e:
        parse_date(value)
    assert "cần" in str(e.value)


# --- parse_period -------------------------------------------------------------------------------
WEEK37 = (D(2025, 9, 8), D(2025, 9, 14))


@pytest.mark.parametrize("text, expected", [
    ("Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", WEEK37),
    ("TUẦN TỪ NGÀY 08/9/2025 ĐẾN NGÀY 14/9/2025", WEEK37),
    ("Tuan tu ngay 08/9/2025 den ngay 14/9/2025", WEEK37),
    ("(Từ ngày 08/9/2025 đến hết ngày 14/9/2025)", WEEK37),
    ("từ 08/9 đến 14/9/2025", WEEK37),
    ("từ 08/9/2025 đến 14/9", WEEK37),
    ("Từ ngày 8-9-2025 đến 14-9-2025", WEEK37),
    ("Từ 8.9.2025 - 14.9.2025", WEEK37),
    ("08/9/2025 – 14/9/2025", WEEK37),
    ("08/9 → 14/9/2025", WEEK37),
    ("ngày 08 tháng 9 năm 2025 đến ngày 14 tháng 9 năm 2025", WEEK37),
    ("từ ngày 08 tháng 9 đến ngày 14 tháng 9 năm 2025", WEEK37),
    ("từ ngày 08 đến ngày 14/9/2025", WEEK37),
    ("từ ngày 8 đến ngày 14 tháng 9 năm 2025", WEEK37),
    ("08-14/9/2025", WEEK37),
    ("Báo cáo tuần (2025-09-08 - 2025-09-14)", WEEK37),
    ("Tuần 37/2025", WEEK37), ("Tuần 37 năm 2025", WEEK37), ("tuần số 37 - 2025", WEEK37),
    ("TUAN 37/2025", WEEK37),
    ("Tuần 37 (từ 08/9 đến 14/9/2025)", WEEK37),
    ("Tuần 37/2025 (08/9 - 14/9)", WEEK37),
    ("Tháng 9/2025", (D(2025, 9, 1), D(2025, 9, 30))),
    ("Tháng 9 năm 2025", (D(2025, 9, 1), D(2025, 9, 30))),
    ("BÁO CÁO THÁNG 02/2024", (D(2024, 2, 1), D(2024, 2, 29))),
    ("từ 29/12 đến 04/01/2026", (D(2025, 12, 29), D(2026, 1, 4))),
    ("từ 29/12/2025 đến 04/01", (D(2025, 12, 29), D(2026, 1, 4))),
    ("từ ngày 29 đến ngày 04/01/2026", (D(2025, 12, 29), D(2026, 1, 4))),
    ("Tuần 1/2026", (D(2025, 12, 29), D(2026, 1, 4))),            # ISO week 1 starts in 2025
    ("Tuần 53/2026", (D(2026, 12, 28), D(2027, 1, 3))),
])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("week_start, expected", [
    (1, WEEK37),
    (2, (D(2025, 9, 9), D(2025, 9, 15))),
    (4, (D(2025, 9, 11), D(2025, 9, 17))),
    (5, (D(2025, 9, 5), D(2025, 9, 11))),            # Friday–Thursday containing ISO Thursday 11/9
    (7, (D(2025, 9, 7), D(2025, 9, 13))),
])
def test_week_start(week_start, expected):
    start, end = parse_period("Tuần 37/2025", week_start=week_start)
    assert (start, end) == expected
    assert start.isoweekday() == week_start and (end - start).days == 6
    assert start <= D(2025, 9, 11) <= end
    # an explicit range does not move with week_start
    assert parse_period("từ 08/9 đến 14/9/2025", week_start=week_start) == WEEK37


def test_year_from_file_name():
    assert parse_period("Tuần 37", file_name="BC_2025.xlsx") == WEEK37
    assert parse_period("từ 08/9 đến 14/9", file_name="bao cao xa Ea Kao 2025.xlsx") == WEEK37
    assert parse_period("Tháng 9", file_name="bc_thang9_2025.xlsx") == (D(2025, 9, 1), D(2025, 9, 30))
    with pytest.raises(ValueError, match="thiếu năm"):     # a year in a folder name is not used
        parse_period("Tháng 9", file_name="2025/thang9.xlsx")


@pytest.mark.parametrize("text, message", [
    ("Tuần từ ngày 14/9/2025 đến ngày 08/9/2025", "sau ngày kết thúc"),
    ("từ 15/9/2025 đến 14/9/2025", "sau ngày kết thúc"),
    ("Tuần 37", "thiếu năm"), ("Tháng 9", "thiếu năm"), ("từ 08/9 đến 14/9", "thiếu năm"),
    ("Tuần 53/2025", "không có tuần 53"), ("Tuần 0/2025", "không có tuần 0"),
    ("Tháng 13/2025", "tháng 13"),
    ("từ 08/9/2025 đến 31/9/2025", "không có thật"),
    ("từ 08/13/2025 đến 14/13/2025", "tháng 13"),
    ("Tuần 2 tháng 9/2025", "tuần theo tháng"),
    ("Ea Kao, ngày 15 tháng 9 năm 2025", "Không đọc được kỳ báo cáo"),
    ("BÁO CÁO KẾT QUẢ TUYÊN TRUYỀN", "Không đọc được kỳ báo cáo"),
    ("", "Không đọc được kỳ báo cáo"),
    ("từ 08/9/1850 đến 14/9/1850", "Năm 1850"),
])
def test_parse_period_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text)


@pytest.mark.parametrize("week_start", [0, 8, -1, True, "1"])
def test_bad_week_start(week_start):
    with pytest.raises(ValueError, match="week_start"):
        parse_period("Tuần 37/2025", week_start=week_start)


# --- find_period --------------------------------------------------------------------------------
TITLE = ["ỦY BAN NHÂN DÂN XÃ EA KAO", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "Ea Kao, ngày 15 tháng 9 năm 2025", "BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN"]


@pytest.mark.parametrize("texts, file_name, expected", [
    (TITLE + ["Tuần từ ngày 08/9/2025 đến ngày 14/9/2025"], None, WEEK37),
    (TITLE + ["(Tuần 37/2025)"], "khac_tuan40_2025.xlsx", WEEK37),          # text before file name
    (TITLE + ["Tuần 37"], "BC_2025.xlsx", WEEK37),
    (TITLE + ["Tuần từ ngày 08/9/2025", "đến ngày 14/9/2025"], None, WEEK37),  # split over cells
    (["Từ ngày", D(2025, 9, 8), "đến ngày", datetime(2025, 9, 14)], None, WEEK37),
    (TITLE, "BC_tuan37_2025.xlsx", WEEK37),
    (TITLE, "BC tuan 37 - 2025.xls", WEEK37),
    (TITLE, "bao cao 08.9-14.9.2025.xlsx", WEEK37),
    (TITLE, "Báo cáo từ 08-9 đến 14-9-2025.xlsx", WEEK37),
    (TITLE, "2025-09-08_xa-ea-kao.xlsx", WEEK37),
    (TITLE, "2025-09-11_xa-ea-kao.xlsx", WEEK37),                            # any day of the week
    (TITLE, "uploads/20250908_xa-ea-kao.ods", WEEK37),
    (TITLE, "C:\\bao cao\\thang 9 2025.xlsx", (D(2025, 9, 1), D(2025, 9, 30))),
    ([None, 12, ""] + TITLE[:1], "BC_tuan37_2025.xlsx", WEEK37),
    (TITLE, "bao cao xa ea kao.xlsx", None),
    (TITLE, None, None),
    ([], None, None),
])
def test_find_period(texts, file_name, expected):
    assert find_period(texts, file_name) == expected


def test_find_period_week_start_applies_to_file_name_dates():
    assert find_period(TITLE, "2025-09-08_xa-ea-kao.xlsx", week_start=5) == (D(2025, 9, 5), D(2025, 9, 11))
    assert find_period(TITLE, "BC_tuan37_2025.xlsx", week_start=7) == (D(2025, 9, 7), D(2025, 9, 13))


def test_find_period_raises_only_when_nothing_else_works():
    bad = "Tuần từ ngày 14/9/2025 đến ngày 08/9/2025"
    with pytest.raises(ValueError, match="sau ngày kết thúc"):
        find_period(TITLE + [bad])
    assert find_period(TITLE + [bad], "BC_tuan37_2025.xlsx") == WEEK37
    assert find_period([bad, "Tuần 37/2025"]) == WEEK37
    with pytest.raises(ValueError, match="tuần theo tháng"):
        find_period(["Tuần 2 tháng 9/2025"])
