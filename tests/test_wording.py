"""Report rows in everyday wording (issue 10): the table of real-style wordings in tests/data/ is named
right at ≥ 95% with nothing stored under a wrong indicator, and the activity-list reader uses the same
matcher. The score is printed by bench/bench_wording.py."""
from __future__ import annotations

from datetime import date

import pytest

from bench.bench_wording import read_table, score
from loaders.ingest.match_indicators import IndicatorIndex
from loaders.ingest.pipeline import check_bytes
from tests.workbooks import SheetSpec, build, free_form

CAMPAIGN = "daklak-2025"
W1 = (date(2025, 9, 8), date(2025, 9, 14))

# every wording quoted in issue 10
ISSUE_WORDINGS = [
    "Cờ đuôi nheo", "Cờ hoa", "Cờ các loại", "Cụm pa nô", "Tấm Panô", "Pa nô, áp pích, biển vẩy", "Bandrole",
    "Bài viết trên Facebook", "Bài viết trên trang Facebook", "Bài đăng trên trang Fanpage của xã", "Lượt xem",
    "Lượt thích, lượt theo dõi trang", "Số lượt tương tác trên Facebook", "Zalo OA của xã",
    "Hội nghị tuyên truyền", "Hội nghị quán triệt", "Buổi tuyên truyền miệng", "Số cuộc tuyên truyền",
    "Lượt người dự", "Xe cổ động", "Xe diễu hành", "Diễu hành cổ động",
    "Tuyên truyền lưu động bằng xe máy gắn loa", "TT cơ sở", "Kinh doanh cơ sở hạ tầng khác",
    "Đăng bài trên Facebook", "Họp tổ dân phố", "Bài viết đăng trên Facebook", "Lượt chia sẻ",
    "Cờ, băng rôn, khẩu hiệu, pa nô, tranh, ảnh", "Hoạt động khác",
]


@pytest.fixture(scope="module")
def index(ready_con):
    return IndicatorIndex(ready_con)


def test_the_table_is_named_right_and_never_wrong(index):
    rows = read_table()
    assert len(rows) >= 150
    assert set(ISSUE_WORDINGS) <= {r["wording"] for r in rows}
    res = score(index, rows)
    wrong = [(w, exp, got) for w, _, _, exp, got, _ in res["wrong"]]
    assert wrong == []                                   # 0 stored under a wrong indicator
    assert len(res["right"]) / len(rows) >= 0.95, [(w, exp) for w, _, _, exp, _, _ in res["aside"]]


def test_several_kinds_generic_and_other_domain_rows_are_never_named(index):
    for text in ("Cờ, băng rôn, khẩu hiệu, pa nô, tranh, ảnh", "Hoạt động khác", "Kinh doanh cơ sở hạ tầng khác",
                 "Tin, bài trên Facebook, Zalo"):
        assert index.match(text) is None, text
    assert index.read("Cờ, băng rôn, khẩu hiệu, pa nô, tranh, ảnh").reason == "several"
    assert index.read("Hoạt động khác").reason == "generic"
    assert index.read("Kinh doanh cơ sở hạ tầng khác").reason == "other_domain"
    # a row kept aside gets a suggestion when the wording points somewhere
    assert index.read("Cờ các loại", "lá").suggestion == "tq_co"


def test_small_changes_do_not_flip_the_result(index):
    pairs = [("Bài viết đăng trên Facebook", "Bài viết trên Facebook"), ("Lượt chia sẻ", "Lượt xem"),
             ("Băng rôn", "Băng zôn"), ("Pano", "Tấm Panô"), ("Cờ Tổ quốc", "Treo co to quoc")]
    for a, b in pairs:
        assert index.match(a).code == index.match(b).code, (a, b)


def test_unit_of_measure_and_heading_decide(index):
    assert index.match("Tuyên truyền miệng", uom="cuộc").code == "m_hoi_nghi"
    assert index.match("Tuyên truyền miệng", uom="lượt người").code == "m_luot_nguoi"
    assert index.match("Số tin bài", heading="III. Trang thông tin điện tử").code == "web_tin_bai"
    assert index.match("Số tin bài", heading="Facebook, Zalo") is None


def test_activity_list_uses_the_same_matcher(ready_con):
    sheet = SheetSpec("Nhật ký", [
        ["UBND XÃ EA DRÔNG"], ["Danh sách hoạt động tuyên truyền"], ["Tuần từ ngày 08/9/2025 đến ngày 14/9/2025"], [],
        ["STT", "Ngày", "Hình thức", "Nội dung hoạt động", "Số lượng", "Đơn vị tính"],
        [1, date(2025, 9, 8), "Đăng bài trên Facebook", "Bài về Đại hội", 2, "bài"],
        [2, date(2025, 9, 9), "Họp tổ dân phố", "Tổ dân phố 3", 1, "cuộc"],
        [3, date(2025, 9, 10), "Cờ hoa", "Treo cờ dọc trục chính", 30, "lá"],
    ])
    r, p = check_bytes(ready_con, build("xlsx", [sheet]), "nhat ky.xlsx", CAMPAIGN)
    assert r.status == "accepted", [m.text for m in r.messages]
    assert {c: v.value for c, v in p.sections[0].values.items()} == {
        "mxh_facebook": 2, "m_hoi_nghi": 1, "tq_co": 30}


def test_a_free_form_report_in_everyday_wording_is_read(ready_con):
    rows = [[1, "Bài viết trên Facebook", "bài", 3, None, None],
            [2, "Lượt xem", "lượt", 1200, None, None],
            [3, "Cờ đuôi nheo", "lá", 50, None, None],
            [4, "Xe cổ động", "lượt", 2, None, None],
            [5, "Thời lượng phát thanh", "phút", 90, None, None]]
    sheets = [free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025", rows)]
    r, p = check_bytes(ready_con, build("xlsx", sheets), "bc.xlsx", CAMPAIGN)
    assert r.status == "accepted", [m.text for m in r.messages]
    assert {c: v.value for c, v in p.sections[0].values.items() if v.value} == {
        "mxh_facebook": 3, "mxh_tuong_tac": 1200, "tq_co": 50, "vh_luu_dong": 2, "ttcs_thoi_luong": 90}
