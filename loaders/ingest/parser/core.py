"""Read the numbers out of a weekly report workbook, whatever its layout.

Input: the grids of loaders/ingest/reader.py and the campaign's indexes (loaders/ingest/campaign_index.py). Output: a
`ParsedReport` — the unit, one `Section` per reported period (one sheet per week gives several), the
values per indicator with the cell they came from, the posts, and messages. Nothing here touches the
database; pipeline.py decides and stores.

How a sheet is read
- Every text cell goes through vnencoding.fix_cell (TCVN3/VNI mojibake → Unicode) and text.clean.
- The header row is found by its words anywhere in the first rows, in any column order, after any title
  rows, blank rows or columns: Nội dung/Chỉ tiêu, Số lượng/trong kỳ, Đơn vị tính, Lũy kế, Ghi chú (with
  or without diacritics). A two-row header ("Số lượng" over "Trong kỳ | Lũy kế") is read as one.
- A table of indicators (the template and the free forms): one row per indicator, matched by its "Mã
  chỉ tiêu" code when present, else by its wording. Section rows (I., II., 1., a), a channel group
  name) and total rows ("Tổng cộng", "Cộng") are skipped, never added. The "trong kỳ" column is the
  value; "lũy kế" is kept as the cumulative for the cross-check.
- A long list (one row per activity: date, channel, quantity): quantities are summed per indicator
  and per campaign week.
- A post list ("Tin bài": date, platform, title, URL): URLs are normalised for de-duplication.
"""
from __future__ import annotations

from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.parser.activity_list import ActivityListMixin
from loaders.ingest.parser.indicator_table import IndicatorTableMixin
from loaders.ingest.parser.layout import Table, _classify, _roles_of_row, find_table
from loaders.ingest.parser.model import ParsedReport
from loaders.ingest.parser.period import PeriodMixin
from loaders.ingest.parser.posts import PostsMixin
from loaders.ingest.parser.text import _STOP, Texts, _fold
from loaders.ingest.parser.text import normalize_sheet
from loaders.ingest.parser.unit import UnitMixin
from loaders.ingest.parser.unknown import ROW_MESSAGES, UnknownRowsMixin
from loaders.ingest.reader import META_SHEET, Sheet, Workbook


class ReportParser(IndicatorTableMixin, ActivityListMixin, UnknownRowsMixin, PostsMixin, PeriodMixin, UnitMixin):
    """Parse one workbook for one campaign. Use `parse(workbook, file_name, index)`."""

    def __init__(self, wb: Workbook, file_name: str, index: CampaignIndex):
        self.wb = wb
        self.file = file_name
        self.ix = index
        self.campaign = index.campaign
        self.week_start = int(self.campaign["week_start"])
        self.tx = Texts()
        self.encodings: set[str] = set()
        self.out = ParsedReport(file_name, wb.format, wb.meta)
        self.title_texts: list[tuple[str, str, str]] = []    # (sheet, cell, text) above report tables

    # ---- entry

    def parse(self) -> ParsedReport:
        out = self.out
        meta = out.meta
        if meta and meta.get("campaign_code") and meta["campaign_code"] != self.campaign["code"]:
            out.add("error", f"Đây là tệp mẫu của kế hoạch “{meta['campaign_code']}”, không phải kế hoạch "
                             f"“{self.campaign['code']}”: hãy tải tệp mẫu của kế hoạch này và điền lại.",
                    META_SHEET)
        report_sheets = []
        for sheet in self.wb.data_sheets:
            self.encodings |= normalize_sheet(sheet)
        for sheet in self.wb.data_sheets:
            tables = self._tables(sheet)
            if not tables:
                continue
            report_sheets.append((sheet, tables))
        if not any(t.kind in ("indicators", "long_list") for _, ts in report_sheets for t in ts):
            if any(t.kind == "posts" for _, ts in report_sheets for t in ts):
                out.add("error", "Tệp chỉ có danh sách tin bài, không có bảng số liệu các chỉ tiêu: hãy điền trang "
                                 "“Báo cáo” của tệp mẫu (cột “Nội dung” và “Số lượng trong kỳ”).")
            else:
                names = ", ".join(f"“{s.name}”" for s in self.wb.data_sheets) or "(không có)"
                out.add("error", f"Không tìm thấy bảng số liệu trong các trang {names}: cần một dòng tiêu đề cột có "
                                 "“Nội dung” (hoặc “Chỉ tiêu”) và “Số lượng” (hoặc “Lũy kế”). Hãy dùng tệp mẫu "
                                 "của kế hoạch.")
            self._finish()
            return out
        single = sum(1 for _, ts in report_sheets for t in ts if t.kind != "posts") == 1
        for sheet, tables in report_sheets:
            for t in tables:
                if t.kind == "indicators":
                    self._indicator_table(sheet, t, single=single)
                elif t.kind == "long_list":
                    self._long_list(sheet, t, single=single)
                else:
                    self._posts(sheet, t)
        n_before_unit = len(out.messages)
        self._unit()
        unit_error = len(out.messages) > n_before_unit and out.messages[n_before_unit].level == "error"
        self._unknown_summary()
        none_named = not any(s.values for s in out.sections) and any(s.unknown for s in out.sections)
        if none_named:
            out.add("error", "Không nhận ra dòng chỉ tiêu nào trong tệp: đây có phải báo cáo tuyên truyền của kế "
                             f"hoạch “{self.campaign['code']}” không? Hãy dùng tệp mẫu của kế hoạch (cột “Nội "
                             "dung” ghi tên chỉ tiêu, ví dụ “Bài đăng trên Facebook”).")
        if unit_error or none_named:
            self._decisive_first(out.messages[n_before_unit] if unit_error else out.messages[-1])
        self._assign_posts()
        self._finish()
        return out

    def _decisive_first(self, decisive) -> None:
        """A file that cannot be a campaign report: the reason first, then at most five row messages."""
        rest = [m for m in self.out.messages if m is not decisive]
        rows = [m for m in rest if m.cell and m.level in ("error", "warning")]
        others = [m for m in rest if not (m.cell and m.level in ("error", "warning"))]
        kept = rows[:ROW_MESSAGES]
        self.out.messages = [decisive] + [m for m in rest if m in kept or m in others]
        if len(rows) > ROW_MESSAGES:
            self.out.add("info", f"… và {len(rows) - ROW_MESSAGES} thông báo khác về từng dòng (không hiển thị).")

    def _finish(self) -> None:
        enc = self.encodings
        self.out.encodings = set(enc)
        if enc:
            names = {"tcvn3": "TCVN3 (phông .VnTime)", "vni": "VNI (phông VNI-Times)"}
            self.out.add("info", "Văn bản gõ bằng bảng mã " + " và ".join(names[e] for e in sorted(enc))
                         + " đã được chuyển sang Unicode. Nên dùng phông Unicode (Times New Roman) cho báo cáo sau.")

    def _tables(self, sheet: Sheet) -> list[Table]:
        """Every table of the sheet, top to bottom (a week's table, then a post list, …)."""
        tables = []
        start = 0
        while start < sheet.height:
            t = find_table(sheet, self.tx, start)
            if t is None:
                break
            t.title_start = start            # its own title rows: after the previous table
            t.end_row = max(t.first_row, self._table_end(sheet, t))
            tables.append(t)
            start = t.end_row
        return tables

    def _table_end(self, sheet: Sheet, t: Table) -> int:
        """First row after the table's data: a signature block, or the next header."""
        for r in range(t.first_row, sheet.height):
            row = sheet.rows[r]
            first_text = next((v for v in row if v and isinstance(v, str)), "")
            if not first_text:
                continue
            if _STOP.match(_fold(first_text)):
                return r
            if any(v.__class__ in (int, float) for v in row):
                continue                      # a row with numbers is data, not the next header
            row_roles = _roles_of_row(sheet, r, self.tx)
            if len(row_roles) >= 2 and len({role for role, _ in row_roles.values()}) >= 2 \
                    and _classify(row_roles) is not None:
                return r
        return sheet.height

    # ---- title block, period


def parse(wb: Workbook, file_name: str, index: CampaignIndex) -> ParsedReport:
    return ReportParser(wb, file_name, index).parse()
