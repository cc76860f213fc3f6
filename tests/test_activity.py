"""The activity log in words (ui/activity.py): what an admin reads instead of event codes and JSON."""
from __future__ import annotations

import json

from ui import activity

NAMES = {"24121": "Phường Tân Lập"}


def test_logins_in_words():
    assert activity.describe("login.success", "ld", None) == "Đăng nhập thành công"
    assert activity.describe("login.failure", "ld", json.dumps({"reason": "password", "attempt": 2,
                                                                 "locked": False})) == \
        "Đăng nhập không thành công: sai mật khẩu (lần 2)"
    assert activity.describe("login.failure", "x", '{"reason": "unknown"}') == \
        "Đăng nhập không thành công: tài khoản không tồn tại"
    assert activity.describe("login.failure", "ld", {"reason": "password", "attempt": 5, "locked": True}) \
        .endswith("tài khoản bị khóa tạm thời")


def test_reports_name_the_unit_and_the_week():
    details = {"campaign": "daklak-2025", "file": "/tmp/x/BaoCao_24121.xlsx", "status": "accepted",
               "unit_code": "24121", "periods": [["2025-09-08", "2025-09-14"]], "submission_ids": [1]}
    text = activity.describe("ingest.accepted", details["file"], json.dumps(details), NAMES)
    assert text == "Nộp báo cáo Phường Tân Lập tuần 08/09–14/09/2025"
    assert activity.subject("ingest.accepted", details["file"], json.dumps(details), NAMES) == "BaoCao_24121.xlsx"
    rejected = dict(details, status="rejected", errors=["Ô C7: số âm"], unit_code=None, periods=[])
    assert activity.describe("ingest.rejected", "f.xlsx", rejected, NAMES) == "Báo cáo bị từ chối: Ô C7: số âm"
    month = dict(details, periods=[["2025-10-01", "2025-10-31"]])
    assert activity.describe("ingest.accepted", "f", month, NAMES) == \
        "Nộp báo cáo Phường Tân Lập kỳ 01/10–31/10/2025"


def test_no_code_or_json_key_in_any_sentence():
    rows = [("account.create", "cb", {"role": "can_bo", "units": [["daklak-2025", "24121"]]}),
            ("campaigns.load", "daklak-2025", {"file": "daklak-2025.yaml", "phases": 3, "tasks": 24}),
            ("export.lagging", "daklak-2025", {"as_of": "2025-11-19", "rows": 27}),
            ("settings.task", "daklak-2025", {"task": "ttcs_tin_bai", "before": 1, "after": 2}),
            ("something.new", None, {"unit_code": "24121"})]
    texts = [activity.describe(a, o, json.dumps(d), NAMES) for a, o, d in rows]
    assert texts == ["Tạo tài khoản (Cán bộ đơn vị)", "Nạp kế hoạch (3 đợt, 24 nhiệm vụ)",
                     "Xuất danh sách đơn vị chậm tiến độ (27 dòng)", "Sửa chỉ tiêu nhiệm vụ", "Khác"]
    for t in texts:
        assert "_" not in t and "{" not in t and "." not in t.split(" ")[0]
