"""The activity log (Nhật ký hoạt động) in words: "Đăng nhập thành công", "Nộp báo cáo Phường Tân
Lập tuần 08/09–14/09/2025", never an event code or a JSON key (issue 13). Pure functions over the
audit_log rows (queries/audit_log.sql), so they are tested without Streamlit."""
from __future__ import annotations

import json
from datetime import date
from pathlib import PurePath

from loaders.api import ROLES

KINDS = {  # action prefix → what people call it
    "login": "Đăng nhập", "upload": "Nộp báo cáo", "ingest": "Nộp báo cáo", "account": "Tài khoản",
    "settings": "Cài đặt", "campaign": "Kế hoạch", "campaigns": "Kế hoạch", "boundaries": "Ranh giới",
    "export": "Xuất dữ liệu", "backup": "Sao lưu", "restore": "Khôi phục", "masterdata": "Dữ liệu gốc",
    "indicators": "Dữ liệu gốc", "demo": "Dữ liệu minh họa", "wording": "Phân loại chỉ tiêu",
}
_LOGIN_FAILURES = {"unknown": "tài khoản không tồn tại", "inactive": "tài khoản đã bị vô hiệu hóa",
                   "locked": "tài khoản đang tạm khóa", "password": "sai mật khẩu"}
_FIXED = {
    "login.success": "Đăng nhập thành công",
    "account.password": "Đổi mật khẩu",
    "indicators.load": "Nạp danh mục chỉ tiêu",
    "masterdata.load": "Nạp dữ liệu đơn vị hành chính",
    "boundaries.derive": "Tạo ranh giới gần đúng của các xã, phường",
    "boundaries.import": "Nhập ranh giới xã, phường",
    "backup": "Sao lưu cơ sở dữ liệu",
    "restore": "Khôi phục cơ sở dữ liệu từ bản sao lưu",
    "demo.clear": "Xóa dữ liệu minh họa",
    "settings.campaign": "Sửa thông tin kế hoạch",
    "settings.phase": "Sửa lịch các đợt",
    "settings.task": "Sửa chỉ tiêu nhiệm vụ",
    "settings.restore": "Khôi phục cài đặt kế hoạch",
    "wording.map": "Phân loại một cách ghi chỉ tiêu",
    "wording.unmap": "Hoàn tác phân loại một cách ghi chỉ tiêu",
}


def kind(action: str) -> str:
    return KINDS.get(str(action).split(".")[0], "Khác")


def _details(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        d = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def _period(periods: list) -> str:
    if not periods:
        return ""
    (a, _), (_, b) = periods[0], periods[-1]
    a, b = date.fromisoformat(str(a)[:10]), date.fromisoformat(str(b)[:10])
    span = f"{a:%d/%m}–{b:%d/%m/%Y}"
    if len(periods) > 1:
        return f" {len(periods)} kỳ, {span}"
    return f" tuần {span}" if (b - a).days == 6 else f" kỳ {span}"


def describe(action: str, obj, details, unit_names: dict[str, str] | None = None) -> str:
    """One sentence for one audit_log row."""
    d = _details(details)
    names = unit_names or {}
    if action in _FIXED:
        return _FIXED[action]
    if action == "login.failure":
        why = _LOGIN_FAILURES.get(d.get("reason"), "")
        text = "Đăng nhập không thành công" + (f": {why}" if why else "")
        if d.get("reason") == "password" and d.get("attempt"):
            text += f" (lần {d['attempt']})"
        if d.get("locked"):
            text += ", tài khoản bị khóa tạm thời"
        return text
    if action.startswith("ingest."):
        unit = names.get(d.get("unit_code") or "", "")
        period = _period(d.get("periods") or [])
        status = action.split(".", 1)[1]
        if status == "accepted":
            return f"Nộp báo cáo {unit or 'của đơn vị'}{period}"
        if status == "unchanged":
            return f"Gửi lại báo cáo đã nộp{(' ' + unit) if unit else ''}{period} (không thay đổi)"
        errors = d.get("errors") or []
        return (f"Báo cáo bị từ chối{(' — ' + unit) if unit else ''}{period}"
                + (f": {errors[0]}" if errors else ""))
    if action == "account.create":
        role = ROLES.get(d.get("role"), "")
        return "Tạo tài khoản" + (f" ({role})" if role else "")
    if action in ("campaigns.load", "campaign.load"):
        extra = [f"{d[k]} {w}" for k, w in (("phases", "đợt"), ("tasks", "nhiệm vụ")) if d.get(k)]
        return "Nạp kế hoạch" + (f" ({', '.join(extra)})" if extra else "")
    if action == "export.lagging":
        return "Xuất danh sách đơn vị chậm tiến độ" + (f" ({d['rows']} dòng)" if d.get("rows") is not None else "")
    if action == "export.audit_log":
        return "Xuất nhật ký hoạt động" + (f" ({d['rows']} dòng)" if d.get("rows") is not None else "")
    return kind(action)


def subject(action: str, obj, details, unit_names: dict[str, str] | None = None) -> str:
    """What the row is about, for the "Đối tượng" column: a unit's name, a file's name (not its
    path), an account; never a code when a name is known."""
    d = _details(details)
    if action.startswith("ingest."):
        return PurePath(str(d.get("file") or obj or "")).name
    if obj is None or (isinstance(obj, float) and obj != obj):
        return ""
    return (unit_names or {}).get(str(obj), str(obj))
