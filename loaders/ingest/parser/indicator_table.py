"""Tables of indicators (the template and free forms): one row per indicator."""
from __future__ import annotations

import re

from loaders.ingest import values as vals
from loaders.ingest.match_indicators import norm_words, strip_numbering
from loaders.ingest.parser.layout import Table
from loaders.ingest.parser.model import Section, Value
from loaders.ingest.parser.text import _ROMAN, _ROMAN_PREFIX, _TOTAL, _fold, _has_number, _is_negative, _num
from loaders.ingest.reader import Sheet, cell_ref


class IndicatorTableMixin:
    """ReportParser's indicator-table part."""

    def _indicator_table(self, sheet: Sheet, t: Table, single: bool) -> None:
        start, end, pcell, psource = self._period(sheet, t, single)
        is_template = bool(self.out.meta) and "code" in t.cols
        sec = Section(sheet.name, start, end, pcell, psource, "template" if is_template else "free_form",
                      cum_scope=t.cum_scope)
        self._remember_titles(sheet, t)
        if start is None:
            self._no_period(sheet, pcell, psource)
        last = t.end_row
        seen: dict[str, list[str]] = {}
        ix = self.ix.indicators
        heading = ""
        for r in range(t.first_row, last):
            row = sheet.rows[r]
            if not any(v not in ("", None) for v in row):
                continue
            name_c = next((c for c in t.name_cols if self.tx(sheet.value(r, c))), t.name_cols[0] if t.name_cols else None)
            name = self.tx(sheet.value(r, name_c)) if name_c is not None else ""
            code_cell = self.tx(sheet.value(r, t.cols["code"])) if "code" in t.cols else ""
            stt = self.tx(sheet.value(r, t.cols["stt"])) if "stt" in t.cols else ""
            qc = t.cols.get("qty")
            cc = t.cols.get("cum")
            raw_q = sheet.value(r, qc) if qc is not None else ""
            raw_c = sheet.value(r, cc) if cc is not None else ""
            if qc is not None and sheet.is_merged_extra(r, qc):
                raw_q = ""
            qref = cell_ref(r, qc) if qc is not None else cell_ref(r, name_c or 0)
            cref = cell_ref(r, cc) if cc is not None else None
            kind = self._row_kind(name, stt, code_cell)
            if kind == "section":
                heading = name                # the heading the rows below sit under
            if kind in ("total", "numbering", "section"):
                continue
            if kind == "empty":
                if _has_number(raw_q):
                    self.out.add("error", f"Dòng {r + 1} có số “{self.tx(raw_q)}” nhưng không ghi chỉ tiêu: hãy ghi tên "
                                          "chỉ tiêu ở cột nội dung hoặc xóa số này.", sheet.name, qref)
                continue
            m = ix.match(name, code_cell, loose=False)
            if m is None and ix.is_group(name):
                heading = name
                continue                      # a channel group heading (or its subtotal)
            if m is not None and m.how != "code" and raw_q in ("", None) and norm_words(
                    strip_numbering(name)) in ix.groups:
                continue                      # "8. Cuộc thi": a heading that is also an indicator's name
            uom = self.tx(sheet.value(r, t.cols["uom"])) if "uom" in t.cols else ""
            if m is None:
                m = ix.match(name, code_cell, uom=uom, heading=heading)
            if m is None:
                if kind == "candidate" and code_cell and not ix.by_code(code_cell) and _has_number(raw_q):
                    self.out.add("error", f"Mã chỉ tiêu “{code_cell}” không có trong danh mục: hãy dùng tệp mẫu, "
                                          "không sửa cột “Mã chỉ tiêu”.", sheet.name,
                                 cell_ref(r, t.cols["code"]))
                    continue
                if _has_number(raw_q):          # kept whole, never a reason to refuse (issue 10)
                    self._keep_unknown(sec, name or code_cell, raw_q, raw_c, uom, heading, sheet.name,
                                       cell_ref(r, name_c if name_c is not None else 0), qref)
                continue
            info = ix.info[m.code]
            if m.how == "wording":
                self.out.add("info", f"Dòng “{name}” được hiểu là chỉ tiêu “{info['name']}” ({m.code}).",
                             sheet.name, cell_ref(r, name_c if name_c is not None else 0))
            value = self._quantity(raw_q, info, sheet.name, qref)
            if value is None:
                continue
            cum = self._cumulative(raw_c, info, sheet.name, cref) if cc is not None else None
            v = Value(m.code, value, cum, sheet.name, qref, cref)
            if m.how == "mapped":
                self._keep_mapped(sec, name, m.mapping_id, v, uom, heading, raw_q,
                                  cell_ref(r, name_c if name_c is not None else 0))
            _add_value(sec, seen, v, info["is_flag"])
        for code, refs in seen.items():
            if len(refs) > 1:
                self.out.add("warning", f"Chỉ tiêu “{ix.info[code]['name']}” có ở {len(refs)} dòng "
                                        f"({', '.join(refs)}): đã cộng lại thành {_num(sec.values[code].value)}. "
                                        "Nếu một dòng là dòng cộng, hãy xóa nó.", sheet.name, refs[-1])
        self.out.sections.append(sec)

    def _row_kind(self, name: str, stt: str, code_cell: str) -> str:
        if code_cell and self.ix.indicators.by_code(code_cell):
            return "candidate"
        f = _fold(name)
        fs = _fold(stt)
        if _TOTAL.match(f) or _TOTAL.match(fs):
            return "total"
        if not name and not code_cell:
            return "empty"
        if re.fullmatch(r"\(?\d{1,2}\)?", name) or re.fullmatch(r"\(?[a-z]\)?", f):
            return "numbering"
        if _ROMAN.match(fs) or _ROMAN_PREFIX.match(f) or re.fullmatch(r"[a-dA-D]", stt):
            return "section"
        return "candidate"

    def _quantity(self, raw, info: dict, sheet: str, ref: str) -> float | None:
        if info["is_flag"]:
            try:
                return float(vals.parse_flag(raw))
            except ValueError as e:
                self.out.add("error", f"Chỉ tiêu “{info['name']}” là có/không nhưng ô ghi “{self.tx(raw)}”: {e} "
                                      "Hãy ghi “có” hoặc “không” (hoặc x, 1, 0).", sheet, ref)
                return None
        if _is_negative(raw):
            self.out.add("error", f"Số lượng của chỉ tiêu “{info['name']}” là số âm ({self.tx(raw)}): hãy ghi số không "
                                  "âm (0 nếu không có hoạt động).", sheet, ref)
            return None
        try:
            v = vals.parse_number(raw)
        except ValueError as e:
            self.out.add("error", f"Số lượng “{self.tx(raw)}” của chỉ tiêu “{info['name']}” không đọc được: {e} "
                                  "Hãy ghi một số không âm (ví dụ 12), hoặc để trống/ghi 0 nếu không có.", sheet, ref)
            return None
        return 0.0 if v is None else float(v)

    def _cumulative(self, raw, info: dict, sheet: str, ref: str | None) -> float | None:
        if info["is_flag"] or raw in ("", None):
            return None
        try:
            v = vals.parse_number(raw)
        except ValueError:
            self.out.add("warning", f"Lũy kế “{self.tx(raw)}” của chỉ tiêu “{info['name']}” không phải là số nên "
                                    "không dùng để đối chiếu.", sheet, ref)
            return None
        return v

    # ---- long lists


def _add_value(sec: Section, seen: dict[str, list[str]], v: Value, is_flag: bool) -> None:
    """Add a row's value to the section: rows naming the same indicator are summed (flags: any)."""
    if v.code in sec.values:
        prev = sec.values[v.code]
        if not prev.value and v.value:          # point at the row that holds the number
            prev.cell, prev.cum_cell = v.cell, v.cum_cell
        prev.value = max(prev.value, v.value) if is_flag else prev.value + v.value
        if v.cumulative is not None:
            prev.cumulative = (prev.cumulative or 0) + v.cumulative
        if v.value:
            seen[v.code].append(v.cell)
    else:
        sec.values[v.code] = v
        seen[v.code] = [v.cell] if v.value else []
