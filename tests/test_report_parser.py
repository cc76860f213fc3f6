"""Reading reports as offices send them: every variant of report-format.md, read to exact values.

Each test builds a real workbook in code (tests/workbooks.py) and runs it through check_bytes (read,
parse, match, validate; nothing written), then asserts the values per indicator, the unit, the period
and the messages.
"""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from loaders.ingest import vnencoding
from loaders.ingest.pipeline import check_bytes
from loaders.ingest.parser import normalize_url
from tests.workbooks import FREE_HEADER, Formula, SheetSpec, build, free_form, report, value_cells

CAMPAIGN = "daklak-2025"
W1 = (date(2025, 9, 8), date(2025, 9, 14))
W2 = (date(2025, 9, 15), date(2025, 9, 21))
TAN_LAP, EA_KAO, EA_DRONG = "24121", "24169", "24328"


@pytest.fixture
def con(ready_con):
    """Nothing here writes: one read-only connection for the whole module."""
    return ready_con


def check(con, sheets, name="bao cao.xlsx", fmt="xlsx"):
    data = sheets if isinstance(sheets, bytes) else build(fmt, sheets)
    return check_bytes(con, data, name, CAMPAIGN)


def values(parsed, i=None) -> dict[str, float]:
    secs = parsed.sections if i is None else [parsed.sections[i]]
    out: dict[str, float] = {}
    for s in secs:
        for code, v in s.values.items():
            out[code] = out.get(code, 0) + v.value
    return {k: v for k, v in out.items() if v}


def texts(result, level=None) -> list[str]:
    return [m.text for m in result.messages if level is None or m.level == level]


def accepted(result):
    assert result.status == "accepted", texts(result)
    return result


# --------------------------------------------------------------------------- the template

@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "xls", "ods"])
def test_template_in_every_format(con, fmt):
    sheets = report("Phường Tân Lập", *W1,
                    {"bc_tin_bai": 3, "ttcs_tin_bai": "12 tin", "ttcs_thoi_luong": "1.200", "web_banner": "có",
                     "mxh_facebook": 4, "mxh_zalo": "-", "tq_bang_ron": "không", "m_hoi_nghi": 2},
                    {"bc_tin_bai": 10, "mxh_facebook": "20"}, unit_code=TAN_LAP,
                    posts=[(date(2025, 9, 9), "Facebook", "Bài 1", "https://www.facebook.com/ubnd/posts/1/?fbclid=x"),
                           (date(2025, 9, 10), "Facebook", "Bài 2", "facebook.com/ubnd/posts/2")])
    r, p = check(con, sheets, f"bc.{fmt}", fmt)
    accepted(r)
    assert (r.unit_code, r.period_start, r.period_end) == (TAN_LAP, *W1)
    assert values(p) == {"bc_tin_bai": 3, "ttcs_tin_bai": 12, "ttcs_thoi_luong": 1200, "web_banner": 1,
                         "mxh_facebook": 4, "m_hoi_nghi": 2}
    sec = p.sections[0]
    assert sec.source_format == "template" and sec.period_source == "meta"
    assert sec.values["bc_tin_bai"].cumulative == 10 and sec.values["mxh_facebook"].cumulative == 20
    assert sec.values["bc_tin_bai"].cell == value_cells(sheets, "bc_tin_bai")
    assert sec.values["mxh_zalo"].value == 0 and sec.values["tq_bang_ron"].value == 0
    assert [(x.posted_on, x.platform, x.url_norm) for x in sec.posts] == [
        (date(2025, 9, 9), "Facebook", "facebook.com/ubnd/posts/1"),
        (date(2025, 9, 10), "Facebook", "facebook.com/ubnd/posts/2")]


def test_real_template_filled_in(con):
    """The product's own template (loaders/outputs/template.py) filled in as a unit sends it back."""
    from loaders.outputs.template import TemplateFiller

    filler = TemplateFiller(con, CAMPAIGN)
    data = filler.fill(TAN_LAP, W1[0], {"ttcs_tin_bai": 12, "web_tin_bai": 3, "mxh_facebook": 2, "tq_co": 40},
                       cumulative={"ttcs_tin_bai": 12},
                       posts=[{"posted_on": date(2025, 9, 9), "platform": "Facebook", "title": "Bài",
                               "url": "https://facebook.com/p/1"}])
    r, p = check(con, data, filler.filename(TAN_LAP, W1[0]))
    accepted(r)
    assert (r.unit_code, r.periods) == (TAN_LAP, [W1])
    assert values(p) == {"ttcs_tin_bai": 12, "web_tin_bai": 3, "mxh_facebook": 2, "tq_co": 40}
    assert p.sections[0].values["ttcs_tin_bai"].cumulative == 12
    assert [x.url_norm for x in p.sections[0].posts] == ["facebook.com/p/1"]


def test_the_code_column_wins_over_the_wording(con):
    sheets = report("Phường Tân Lập", *W1, {"mxh_zalo": 6}, unit_code=TAN_LAP)
    row = next(r for r in sheets[0].rows if len(r) > 1 and r[1] == "mxh_zalo")
    row[2] = "Bài đăng trên Facebook"          # the wording edited, the code kept
    r, p = check(con, sheets)
    accepted(r)
    assert values(p) == {"mxh_zalo": 6}


# --------------------------------------------------------------------------- free forms

def test_free_form_with_title_rows_merges_sections_totals(con):
    rows = [
        ["I.", "Hệ thống thông tin cơ sở", None, None, None, None],
        [1, "Tin bài trên đài TT xã", "tin", "12 tin", 40, None],
        [2, "Thời lượng phát thanh", "phút", "1.200", "3.600", None],
        ["II.", "Mạng xã hội", None, 9, None, "(cộng nhóm)"],             # a subtotal: not counted
        [1, "So tin bai tren Facebook", "bài", 5, None, None],
        [2, "Bài đăng trên Zalo", "bài", "4 (bài)", None, None],
        ["III.", "Tuyên truyền trực quan", None, None, None, None],
        ["a)", "Băng rôn, khẩu hiệu", "cái", "không", None, None],
        ["b)", "Cờ Đảng, cờ Tổ quốc, cờ phướn", "lá", 30, None, None],
        [None, "Tổng cộng", None, Formula("SUM(D11:D16)", 1251), None, None],
    ]
    sheet = free_form(["UBND HUYỆN KRÔNG BÚK", "UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
                      rows, col0=1, blank_rows=2)
    r, p = check(con, [sheet])
    accepted(r)
    assert r.unit_code == EA_DRONG and r.periods == [W1]
    assert values(p) == {"ttcs_tin_bai": 12, "ttcs_thoi_luong": 1200, "mxh_facebook": 5, "mxh_zalo": 4, "tq_co": 30}
    sec = p.sections[0]
    assert sec.source_format == "free_form" and sec.period_source == "title"
    assert sec.values["ttcs_thoi_luong"].cumulative == 3600
    assert sec.values["mxh_facebook"].cell == "E13"           # column E: the table starts in column B


def test_other_column_order_no_diacritics_and_two_row_header(con):
    header_top = ["Noi dung", "So luong", None, "DVT", "Ghi chu"]
    header_sub = [None, "Trong ky", "Luy ke", None, None]
    rows = [["Tin bai tren Cong TTDT", 3, 10, "tin", None],
            ["Banner tuyen truyen Dai hoi tren trang chu", "x", None, "co/khong", None],
            ["Tin, bai TT co so", 7, 21, "tin", None]]
    sheet = SheetSpec("BC", [
        ["UBND PHUONG TAN LAP"],
        ["Tu ngay 08/9/2025 den ngay 14/9/2025"],
        [],
        header_top, header_sub, *rows,
    ], merges=["B4:C4", "A1:E1", "A2:E2"])
    for fmt in ("xlsx", "ods"):   # .ods: no merged-range information, the sub-header alone decides
        r, p = check(con, [sheet], f"bc.{fmt}", fmt)
        accepted(r)
        assert r.unit_code == TAN_LAP and r.periods == [W1]
        assert values(p) == {"web_tin_bai": 3, "web_banner": 1, "ttcs_tin_bai": 7}
        assert p.sections[0].values["web_tin_bai"].cumulative == 10
        assert p.sections[0].values["ttcs_tin_bai"].cumulative == 21


def test_nfd_text_line_breaks_and_stray_spaces(con):
    nfd = lambda s: unicodedata.normalize("NFD", s)
    rows = [[1, nfd("Tin, bài trên báo in,\nbáo điện tử"), "tin", 2, None, None],
            [2, nfd("  Bài đăng  trên Facebook  "), "bài", 6, None, None]]
    sheet = free_form([nfd("ỦY BAN NHÂN DÂN"), nfd("PHƯỜNG  TÂN LẬP")], nfd("Tuần từ ngày 08/9/2025 đến ngày 14/9/2025"),
                      rows, header=[nfd(h) for h in FREE_HEADER])
    r, p = check(con, [sheet])
    accepted(r)
    assert r.unit_code == TAN_LAP
    assert values(p) == {"bc_tin_bai": 2, "mxh_facebook": 6}


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_encodings(con, encoding):
    enc = lambda s: vnencoding.from_unicode(s, encoding) if isinstance(s, str) else s
    rows = [[1, "Tin bài trên đài truyền thanh xã", "tin", 9, None, None],
            [2, "Treo cờ Tổ quốc", "lá", 25, None, None],
            [3, "Banner tuyên truyền Đại hội trên trang chủ", "có/không", "có", None, None]]
    sheet = free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)
    sheet.rows = [[enc(v) for v in row] for row in sheet.rows]     # every text cell typed in the old font
    assert enc("Báo cáo") == {"tcvn3": "B¸o c¸o", "vni": "Baùo caùo"}[encoding]
    r, p = check(con, [sheet])
    accepted(r)
    assert r.unit_code == EA_DRONG
    assert values(p) == {"ttcs_tin_bai": 9, "tq_co": 25, "web_banner": 1}
    assert any("TCVN3" in t or "VNI" in t for t in texts(r, "info"))


def test_numbers_and_flags_as_typed(con):
    rows = [[1, "Tin bài trên website", None, "1.200", None, None],
            [2, "Tin bài trên Facebook", None, "1,200", None, None],
            [3, "Bài đăng trên Zalo", None, "12 tin", None, None],
            [4, "Video đăng trên YouTube", None, "15 (lượt)", None, None],
            [5, "Video TikTok", None, "-", None, None],
            [6, "Băng rôn", None, "không", None, None],
            [7, "Tờ rơi", None, "0", None, None],
            [8, "Banner trên trang chủ", None, "x", None, None],
            [9, "Chuyên mục Đại hội trên website", None, "✓", None, None],
            [10, "Lượt người tham dự tuyên truyền miệng", None, 350.0, None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Từ ngày 8-9-2025 đến 14-9-2025", rows)])
    accepted(r)
    assert values(p) == {"web_tin_bai": 1200, "mxh_facebook": 1200, "mxh_zalo": 12, "mxh_youtube": 15,
                         "web_banner": 1, "web_chuyen_muc": 1, "m_luot_nguoi": 350}
    assert {c for c, v in p.sections[0].values.items() if v.value == 0} >= {"mxh_tiktok", "tq_bang_ron", "tq_to_gap"}


def test_reworded_row_is_read_and_said(con):
    rows = [[1, "Số tin, bài đăng trên trang Facebook của xã", None, 5, None, None],
            [2, "Số lượt chia sẻ, bình luận", None, 40, None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)])
    accepted(r)
    assert values(p) == {"mxh_facebook": 5, "mxh_tuong_tac": 40}
    infos = texts(r, "info")
    assert any("Số tin, bài đăng trên trang Facebook của xã" in t and "mxh_facebook" in t for t in infos)


def test_duplicate_rows_are_added_and_flagged(con):
    rows = [[1, "Bài đăng trên Facebook", None, 5, None, None],
            [2, "Tin bài trên Facebook", None, 2, None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)])
    accepted(r)
    assert values(p) == {"mxh_facebook": 7}
    assert any("2 dòng" in t for t in texts(r, "warning"))


# --------------------------------------------------------------------------- formulas

@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_formulas_read_as_their_cached_values(con, fmt):
    rows = [[1, "Tin bài trên đài TT xã", None, Formula("3+4", 7), None, None],
            [2, "Bài đăng trên Facebook", None, 2, Formula("D10*10", 20), None],
            [None, "Cộng", None, Formula("SUM(D9:D10)", 9), None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)],
                 f"bc.{fmt}", fmt)
    accepted(r)
    assert values(p) == {"ttcs_tin_bai": 7, "mxh_facebook": 2}
    assert p.sections[0].values["mxh_facebook"].cumulative == 20


# --------------------------------------------------------------------------- periods

@pytest.mark.parametrize("line", [
    "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
    "(Từ ngày 8-9-2025 đến 14-9-2025)",
    "Từ ngày 08 tháng 9 năm 2025 đến ngày 14 tháng 9 năm 2025",
    "Tuần 37/2025",
    "từ 08/9 đến 14/9/2025",
    "Thời gian báo cáo: từ 08/09/2025 đến 14/09/2025",
])
def test_period_written_in_every_way(con, line):
    rows = [[1, "Bài đăng trên Facebook", None, 1, None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG", "ngày 15 tháng 9 năm 2025"], line, rows)])
    accepted(r)
    assert r.periods == [W1]


def test_period_from_real_date_cells(con):
    sheet = SheetSpec("BC", [
        ["UBND XÃ EA DRÔNG"], [],
        ["Từ ngày", date(2025, 9, 8), "đến ngày", date(2025, 9, 14)], [],
        ["Nội dung", "Số lượng"], ["Bài đăng trên Facebook", 3]])
    r, p = check(con, [sheet])
    accepted(r)
    assert r.periods == [W1] and values(p) == {"mxh_facebook": 3}


def test_period_from_the_file_name_as_last_resort(con):
    rows = [[1, "Bài đăng trên Facebook", None, 1, None, None]]
    r, p = check(con, [free_form(["UBND XÃ EA DRÔNG"], None, rows)], "BC Ea Drong 08.9-14.9.2025.xlsx")
    accepted(r)
    assert r.periods == [W1]
    assert any("tên tệp" in t for t in texts(r, "info"))


def test_two_weeks_and_a_month_are_allowed(con):
    rows = [[1, "Bài đăng trên Facebook", None, 4, None, None]]
    r, _ = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Từ ngày 08/9/2025 đến ngày 21/9/2025", rows)])
    accepted(r)
    assert r.periods == [(date(2025, 9, 8), date(2025, 9, 21))]
    assert any("14 ngày" in t for t in texts(r, "info"))
    r, _ = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Tháng 10/2025", rows)])
    accepted(r)
    assert r.periods == [(date(2025, 10, 1), date(2025, 10, 31))]


def test_a_week_not_aligned_is_accepted_with_a_warning(con):
    rows = [[1, "Bài đăng trên Facebook", None, 4, None, None]]
    r, _ = check(con, [free_form(["UBND XÃ EA DRÔNG"], "Từ ngày 10/9/2025 đến ngày 16/9/2025", rows)])
    accepted(r)
    assert any("thứ Hai" in t for t in texts(r, "warning"))


# --------------------------------------------------------------------------- several weeks, lists

def test_one_sheet_per_week(con):
    def week_sheet(name, line, n):
        return free_form(["UBND XÃ EA DRÔNG"], line, [[1, "Bài đăng trên Facebook", None, n, None, None],
                                                       [2, "Tin bài trên đài TT xã", None, n + 1, None, None]],
                         sheet_name=name)
    sheets = [week_sheet("Tuần 37", "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", 2),
              week_sheet("Tuần 38", "Tuần từ ngày 15/9/2025 đến ngày 21/9/2025", 5),
              free_form(["UBND XÃ EA DRÔNG"], None, [[1, "Bài đăng trên Facebook", None, 8, None, None]],
                        sheet_name="Tuần 39")]   # the week only in the sheet name
    r, p = check(con, sheets)
    accepted(r)
    assert r.periods == [W1, W2, (date(2025, 9, 22), date(2025, 9, 28))]
    assert r.to_json()["periods"] == [{"start": "2025-09-08", "end": "2025-09-14"},
                                      {"start": "2025-09-15", "end": "2025-09-21"},
                                      {"start": "2025-09-22", "end": "2025-09-28"}]
    assert [values(p, i) for i in range(3)] == [{"mxh_facebook": 2, "ttcs_tin_bai": 3},
                                                {"mxh_facebook": 5, "ttcs_tin_bai": 6}, {"mxh_facebook": 8}]


def test_long_activity_list_summed_per_indicator_and_week(con):
    sheet = SheetSpec("Nhật ký", [
        ["UBND XÃ EA DRÔNG"], ["Danh sách hoạt động tuyên truyền"], [],
        ["STT", "Ngày", "Hình thức tuyên truyền", "Nội dung hoạt động", "Số lượng", "Đơn vị tính"],
        [1, date(2025, 9, 8), "Bài đăng trên Facebook", "Chia sẻ bài viết", 2, "bài"],
        [2, "09/9/2025", "Facebook", "Đăng ảnh", 1, "bài"],
        [3, "10/9", "Tin bài trên đài TT xã", "Phát thanh 3 buổi", "3 tin", "tin"],
        [4, date(2025, 9, 16), "Bài đăng trên Facebook", "Livestream", 4, "bài"],
        [5, "ngày 17 tháng 9 năm 2025", "Hội nghị, buổi sinh hoạt, họp thôn/tổ dân phố có nội dung tuyên truyền",
         "Họp thôn 3", None, "cuộc"],
    ])
    r, p = check(con, [sheet])
    accepted(r)
    assert r.periods == [W1, W2]
    assert {(s.start, s.source_format): values(p, i) for i, s in enumerate(p.sections)} == {
        (W1[0], "long_list"): {"mxh_facebook": 3, "ttcs_tin_bai": 3},
        (W2[0], "long_list"): {"mxh_facebook": 4, "m_hoi_nghi": 1}}


def test_post_list_normalized_and_deduplicated(con):
    posts = [(date(2025, 9, 9), "Facebook", "A", "https://www.facebook.com/ubnd.eadrong/posts/123/?utm_source=zalo&fbclid=1"),
             (date(2025, 9, 9), "Facebook", "A (chia sẻ lại)", "http://facebook.com/ubnd.eadrong/posts/123"),
             (date(2025, 9, 10), "Zalo", "B", "https://zalo.me/p/456#top"),
             (date(2025, 9, 11), "Cổng TTĐT", "C", "HTTPS://EaDrong.DakLak.gov.vn/tin-tuc/c.html?id=9&utm_medium=x")]
    sheets = report("Xã Ea Drông", *W1, {"mxh_facebook": 1, "mxh_zalo": 1, "web_tin_bai": 1}, unit_code=EA_DRONG,
                    posts=posts)
    r, p = check(con, sheets)
    accepted(r)
    assert [x.url_norm for x in p.sections[0].posts] == [
        "facebook.com/ubnd.eadrong/posts/123", "zalo.me/p/456", "eadrong.daklak.gov.vn/tin-tuc/c.html?id=9"]
    assert any("trùng" in t for t in texts(r, "warning"))


def test_url_normalization():
    assert normalize_url("https://www.Example.com/a/b/?utm_campaign=x&id=3#frag") == "example.com/a/b?id=3"
    assert normalize_url("m.facebook.com/story.php?story_fbid=1&id=2&mibextid=abc") == \
        "facebook.com/story.php?story_fbid=1&id=2"
    assert normalize_url("youtu.be/xyz?si=abc") == "youtu.be/xyz"
    assert normalize_url("") == ""


def test_declared_posting_count_vs_listed_posts(con):
    posts = [(date(2025, 9, 9), "Facebook", f"Bài {i}", f"https://facebook.com/p/{i}") for i in range(3)]
    sheets = report("Xã Ea Drông", *W1, {"mxh_facebook": 1}, unit_code=EA_DRONG, posts=posts)
    r, _ = check(con, sheets)
    accepted(r)
    warn = [m for m in r.messages if m.level == "warning"]
    assert any("liệt kê 3 tin bài" in m.text and m.cell == value_cells(sheets, "mxh_facebook") for m in warn)


# --------------------------------------------------------------------------- units

def _one_row():
    return [[1, "Bài đăng trên Facebook", None, 1, None, None]]


@pytest.mark.parametrize("lines, code", [
    (["UBND XÃ EA DRÔNG"], EA_DRONG),
    (["ỦY BAN NHÂN DÂN", "PHƯỜNG TÂN LẬP"], TAN_LAP),
    (["UBND TỈNH ĐẮK LẮK", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"], "so_vhttdl"),
    (["Đơn vị: Phường Tân Lập"], TAN_LAP),
    (["ubnd xa ea drong"], EA_DRONG),
])
def test_unit_from_the_title_block(con, lines, code):
    r, _ = check(con, [free_form(lines, "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", _one_row())])
    accepted(r)
    assert r.unit_code == code


def test_unit_from_the_file_name(con):
    r, _ = check(con, [free_form(["BÁO CÁO"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", _one_row())],
                 "BC tuan 37 - Xa Ea Drong.xlsx")
    accepted(r)
    assert r.unit_code == EA_DRONG
    assert any("tên tệp" in t for t in texts(r, "info"))


@pytest.mark.parametrize("lines", [["Xã Hòa Thắng, TP Buôn Ma Thuột"], ["UBND TP BUÔN MA THUỘT", "UBND XÃ HÒA THẮNG"],
                                   ["UBND XÃ HÒA THẮNG (TP. BMT)"]])
def test_old_unit_name_maps_to_the_new_unit_with_a_notice(con, lines):
    r, _ = check(con, [free_form(lines, "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", _one_row())])
    accepted(r)
    assert r.unit_code == TAN_LAP                        # Xã Hòa Thắng (TP Buôn Ma Thuột) → Phường Tân Lập
    info = [m for m in r.messages if m.level == "info" and "01/7/2025" in m.text]
    assert info and "Xã Hòa Thắng" in info[0].text and "Phường Tân Lập" in info[0].text and info[0].cell


def test_divided_old_commune_goes_to_the_default_unit_with_a_warning(con):
    r, _ = check(con, [free_form(["UBND PHƯỜNG 9, TP TUY HÒA"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
                                 _one_row())])
    accepted(r)
    assert r.unit_code == "22015"                        # Phường 9 (Tuy Hòa) → Phường Tuy Hòa (default)
    assert any("chia cho nhiều đơn vị" in t and "Phường Bình Kiến" in t for t in texts(r, "warning"))


def test_ambiguous_name_asks_for_the_district_never_guesses(con):
    r, _ = check(con, [free_form(["UBND XÃ HÒA THẮNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", _one_row())])
    assert r.status == "rejected" and r.unit_code is None
    err = [m for m in r.messages if m.level == "error"][0]
    assert "nhiều đơn vị" in err.text and "Huyện Phú Hòa" in err.text and "Thành phố Buôn Ma Thuột" in err.text
    assert err.sheet == "Sheet1" and err.cell == "A1"


# --------------------------------------------------------------------------- a legacy-era campaign

@pytest.mark.parametrize("lines, code", [
    (["UBND HUYỆN CAO LỘC"], "183"),                                   # a district reports (org unit)
    (["UBND THỊ TRẤN CAO LỘC"], "06187"),
    (["UBND XÃ TÂN THANH"], "06166"),                                  # diacritics tell Thanh from Thành
    (["UBND HUYỆN BẮC SƠN", "UBND XÃ TÂN THÀNH"], "06379"),            # the district line decides
    (["Xã Tân Thành, huyện Cao Lộc"], "06250"),
])
def test_units_of_a_legacy_campaign(con, lines, code):
    sheet = free_form(lines, "Tuần từ ngày 07/9/2020 đến ngày 13/9/2020", _one_row())
    r, _ = check_bytes(con, build("xlsx", [sheet]), "bc.xlsx", "langson-2020")
    accepted(r)
    assert r.unit_code == code and not any("01/7/2025" in t for t in texts(r))


def test_same_name_in_three_districts_is_not_guessed(con):
    sheet = free_form(["UBND XÃ TÂN THÀNH"], "Tuần từ ngày 07/9/2020 đến ngày 13/9/2020", _one_row())
    r, _ = check_bytes(con, build("xlsx", [sheet]), "bc.xlsx", "langson-2020")
    assert r.status == "rejected"
    err = texts(r, "error")[0]
    assert "Huyện Bắc Sơn" in err and "Huyện Cao Lộc" in err and "Huyện Hữu Lũng" in err and "Tân Thanh" not in err


def test_two_weeks_stacked_in_one_sheet(con):
    top = free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
                    [[1, "Bài đăng trên Facebook", None, 2, None, None]], footer=False)
    below = free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 15/9/2025 đến ngày 21/9/2025",
                      [[1, "Bài đăng trên Facebook", None, 7, None, None]])
    sheet = SheetSpec("Sheet1", top.rows + [[], ["Ghi chú: số liệu tuần sau"], []] + below.rows)
    r, p = check(con, [sheet])
    accepted(r)
    assert r.periods == [W1, W2]
    assert [values(p, i) for i in range(2)] == [{"mxh_facebook": 2}, {"mxh_facebook": 7}]


def test_long_list_for_a_declared_month_is_cut_into_weeks(con):
    sheet = SheetSpec("Nhật ký", [
        ["UBND XÃ EA DRÔNG"], ["Tháng 10/2025"], [],
        ["Ngày", "Hình thức tuyên truyền", "Số lượng"],
        [date(2025, 10, 1), "Bài đăng trên Facebook", 2],
        [date(2025, 10, 2), "Bài đăng trên Facebook", 1],
        [date(2025, 10, 15), "Bài đăng trên Zalo", 3],
    ])
    r, p = check(con, [sheet])
    accepted(r)
    assert r.periods == [(date(2025, 10, 1), date(2025, 10, 5)), (date(2025, 10, 6), date(2025, 10, 12)),
                         (date(2025, 10, 13), date(2025, 10, 19)), (date(2025, 10, 20), date(2025, 10, 26)),
                         (date(2025, 10, 27), date(2025, 10, 31))]
    assert [values(p, i) for i in range(5)] == [{"mxh_facebook": 3}, {}, {"mxh_zalo": 3}, {}, {}]


def test_a_file_name_read_as_an_odd_span_is_not_used(con):
    """The file name is the last resort: a span that is not whole weeks is more likely misread."""
    rows = [[1, "Bài đăng trên Facebook", None, 1, None, None]]
    r, _ = check(con, [free_form(["UBND XÃ EA DRÔNG"], None, rows)], "BC Ea Drong 10.9-12.9.2025.xlsx")
    assert r.status == "rejected"
    assert any("không trọn tuần" in t for t in texts(r, "error"))
