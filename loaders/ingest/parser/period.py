"""The period a sheet reports: template metadata, title block, sheet name, file name."""
from __future__ import annotations

import re
from datetime import date, timedelta

from loaders.ingest import values as vals
from loaders.ingest.parser.layout import Table
from loaders.ingest.parser.text import _dmy
from loaders.ingest.reader import Sheet, cell_ref
from loaders.ingest.validate import week_of


class PeriodMixin:
    """ReportParser's period part."""

    def _title_rows(self, sheet: Sheet, t: Table) -> list[tuple[str, str]]:
        """(cell, text) of the cells of the table's title block, in reading order."""
        out = []
        for r in range(t.title_start, t.header_row):
            row = sheet.rows[r]
            cells = [(c, self.tx(v)) for c, v in enumerate(row) if v not in ("", None)]
            for c, t in cells:
                if t:
                    out.append((cell_ref(r, c), t))
        return out

    def _period(self, sheet: Sheet, t: Table, single: bool) -> tuple[date | None, date | None, str | None, str]:
        """The sheet's period: template metadata, else the title block, the sheet name, the file name.

        Returns (start, end, cell, source); on failure (None, None, cell, reason-text)."""
        row_texts = []
        for r in range(t.title_start, t.header_row):
            cells = [(c, self.tx(v)) for c, v in enumerate(sheet.rows[r]) if v not in ("", None)]
            cells = [(c, x) for c, x in cells if x]
            if cells:
                row_texts.append((r, cells))
        meta = self.out.meta
        meta_period = None
        if meta.get("period_start") and meta.get("period_end") and (single or sheet.name == "Báo cáo"):
            try:
                meta_period = (date.fromisoformat(meta["period_start"][:10]),
                               date.fromisoformat(meta["period_end"][:10]))
            except ValueError:
                meta_period = None
        found, cell, problem = None, None, None
        for r, cells in row_texts:
            joined = " ".join(x for _, x in cells)
            if not re.search(r"\d", joined):
                continue
            try:
                p = vals.find_period([joined], None, self.week_start)
            except ValueError as e:
                problem = problem or (str(e), cell_ref(r, cells[0][0]))
                continue
            if p:
                found = p
                cell = cell_ref(r, next((c for c, x in cells if re.search(r"\d", x)), cells[0][0]))
                break
        if found is None and len(row_texts) > 1:
            try:
                found = vals.find_period([" ".join(x for _, x in cells) for _, cells in row_texts], None,
                                         self.week_start)
            except ValueError:
                found = None
            if found:
                cell = cell_ref(row_texts[0][0], row_texts[0][1][0][0])
        if meta_period:
            if found and tuple(found) != meta_period:
                self.out.add("error", f"Kỳ báo cáo ghi ở tiêu đề ({_dmy(found[0])} – {_dmy(found[1])}) khác kỳ của tệp "
                                      f"mẫu ({_dmy(meta_period[0])} – {_dmy(meta_period[1])}): tệp mẫu được sao từ tuần "
                                      "khác? Hãy tải tệp mẫu đúng tuần rồi điền lại.", sheet.name, cell)
            return meta_period[0], meta_period[1], cell, "meta"
        if found:
            return found[0], found[1], cell, "title"
        p = self._period_from_sheet_name(sheet.name, [x for _, cells in row_texts for _, x in cells])
        if p:
            return p[0], p[1], None, "sheet_name"
        if single:
            try:
                p = vals.find_period([], self.file, self.week_start)
            except ValueError as e:
                problem = problem or (str(e), None)
                p = None
            if p and not self._whole_weeks_or_month(*p):
                # the last resort must be unambiguous: a file name read as an odd span is more likely misread
                return None, None, None, (f"tên tệp gợi ý kỳ {_dmy(p[0])} – {_dmy(p[1])}, không trọn tuần "
                                          "nên không dùng được")
            if p:
                self.out.add("info", f"Kỳ báo cáo được lấy từ tên tệp: {_dmy(p[0])} – {_dmy(p[1])}. Nên ghi kỳ báo "
                                     "cáo ở phần tiêu đề (ví dụ “Tuần từ ngày 08/9/2025 đến ngày 14/9/2025”).",
                             sheet.name)
                return p[0], p[1], None, "file_name"
        if problem:
            return None, None, problem[1], problem[0]
        return None, None, None, ""

    def _whole_weeks_or_month(self, start: date, end: date) -> bool:
        days = (end - start).days + 1
        return (start.isoweekday() == self.week_start and days % 7 == 0) or \
            (start.day == 1 and (end + timedelta(days=1)).day == 1)

    def _period_from_sheet_name(self, name: str, texts: list[str]) -> tuple[date, date] | None:
        """"Tuần 37", "T 15-9", "15.09": with the year of the title block, else of the campaign."""
        if not re.search(r"\d", name):
            return None
        c = self.campaign
        years = [int(y) for y in re.findall(r"\b(20\d\d)\b", " ".join(texts))]
        years += [c["start_date"].year, c["end_date"].year]
        lo, hi = c["start_date"] - timedelta(days=7), c["end_date"] + timedelta(days=7)
        try:
            p = vals.find_period([name], None, self.week_start)
        except ValueError:
            p = None
        if p:
            return p
        for year in dict.fromkeys(years):
            try:
                p = vals.find_period([f"{name}/{year}"], None, self.week_start)
            except ValueError:
                p = None
            if p and lo <= p[0] <= hi:
                return p
            m = re.search(r"(?<!\d)(\d{1,2})[-./](\d{1,2})(?!\d)", name)
            if m:
                try:
                    day = vals.parse_date(f"{m.group(1)}/{m.group(2)}", default_year=year)
                except ValueError:
                    continue
                if lo <= day <= hi:
                    return week_of(day, self.week_start)
        return None

    # ---- indicator tables

    def _no_period(self, sheet: Sheet, cell: str | None, problem: str) -> None:
        why = f" ({problem.rstrip('.')})" if problem else ""
        self.out.add("error", f"Không đọc được kỳ báo cáo{why}: hãy ghi ở phần tiêu đề, ví dụ “Tuần từ ngày 08/9/2025 "
                              "đến ngày 14/9/2025”, hoặc dùng tệp mẫu của tuần.", sheet.name, cell)
