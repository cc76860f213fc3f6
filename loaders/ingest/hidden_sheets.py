"""A report whose data is only on a hidden sheet: read it, and say which sheet.

People hide a sheet by mistake, or send a copy of the template whose report sheet was hidden; the
visible sheets then hold no report (an empty "Sheet1", a cover page). Refusing such a file as "no table
found" sends the clerk looking for a table they can see is there; reading the hidden sheet with a
warning naming it is what they need.
"""
from __future__ import annotations

from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.parser import ParsedReport, parse
from loaders.ingest.reader import META_SHEET, Workbook
from loaders.ingest.validate import message


def parse_with_hidden(wb: Workbook, file_name: str, ix: CampaignIndex) -> ParsedReport:
    """Parse the visible sheets; when they hold no report but a hidden sheet does, read the hidden
    sheet(s) too and say so (people hide a sheet by mistake, or send the template's copy)."""
    parsed = parse(wb, file_name, ix)
    hidden = [s for s in wb.sheets if s.visible != "visible" and s.name != META_SHEET]
    if parsed.sections or not hidden:
        return parsed
    states = [s.visible for s in hidden]
    for s in hidden:
        s.visible = "visible"
    again = parse(wb, file_name, ix)
    used = [s for s in hidden if any(sec.sheet == s.name for sec in again.sections)]
    if not used:
        for s, state in zip(hidden, states):
            s.visible = state
        return parsed
    for s in used:
        again.messages.append(message(
            "warning", file_name, f"Số liệu chỉ có ở trang tính ẩn “{s.name}”, nên đã đọc trang này: hãy kiểm tra "
                                  "đúng là báo cáo cần nộp; lần sau hãy bỏ ẩn trang (chuột phải vào tên trang → Bỏ "
                                  "ẩn) hoặc dùng tệp mẫu.", s.name))
    return again
