"""Rows whose wording names no indicator for sure (issue 10): kept whole, never counted, never a
reason to refuse the report. The uploader gets a warning naming each (at most five, then a count);
a row whose wording a person already mapped is counted under that indicator and kept with its
mapping, so that undoing the mapping takes exactly its value back."""
from __future__ import annotations

from loaders.ingest import values as vals
from loaders.ingest.match_indicators import wording_key
from loaders.ingest.parser.model import Section, UnknownRow, Value

ROW_MESSAGES = 5          # row messages per file before "… và N dòng khác"


class UnknownRowsMixin:
    """ReportParser's part for rows it cannot name."""

    def _keep_unknown(self, sec: Section, label: str, raw_q, raw_c, uom: str, heading: str, sheet: str,
                      cell: str, value_cell: str) -> None:
        ix = self.ix.indicators
        key = wording_key(label)
        mapped = ix.mapped.get(key)
        read = ix.read(label, uom, heading)
        row = UnknownRow(label, key, self.tx(raw_q), _number(raw_q), _number(raw_c), uom, heading, sheet, cell,
                         value_cell, read.reason, read.suggestion)
        if mapped is not None:                 # "không tính": kept with its mapping, not counted
            row.mapping_id = mapped[0]
            sec.unknown.append(row)
            return
        sec.unknown.append(row)
        self.unknown_count = getattr(self, "unknown_count", 0) + 1
        if self.unknown_count > ROW_MESSAGES:
            return
        why = {"several": "dòng ghi nhiều loại chỉ tiêu cùng lúc",
               "generic": "dòng ghi chung chung", "other_domain": "dòng thuộc lĩnh vực khác"}.get(read.reason, "")
        hint = ""
        if read.suggestion:
            hint = f" Có thể là “{ix.info[read.suggestion]['name']}”."
        text = f"Chưa nhận ra chỉ tiêu của dòng “{label}” (số “{self.tx(raw_q)}”)"
        text += f": {why}." if why else "."
        text += (" Báo cáo vẫn được nhận; dòng này được giữ nguyên chờ phân loại và chưa được tính vào số liệu."
                 + hint + " Lần sau hãy ghi tên chỉ tiêu như trong tệp mẫu.")
        self.out.add("warning", text, sheet, cell)

    def _keep_mapped(self, sec: Section, label: str, mapping_id: int, value: Value, uom: str,
                     heading: str, raw_q, cell: str) -> None:
        """A row counted through a person's mapping: remembered with it (undo takes it back)."""
        row = UnknownRow(label, wording_key(label), self.tx(raw_q), value.value, value.cumulative, uom, heading,
                         value.sheet, cell, value.cell, "mapped", value.code, mapping_id, value.code,
                         value.code not in sec.values)
        sec.unknown.append(row)

    def _unknown_summary(self) -> None:
        n = getattr(self, "unknown_count", 0)
        if n > ROW_MESSAGES:
            self.out.add("warning", f"… và {n - ROW_MESSAGES} dòng khác chưa nhận ra chỉ tiêu, cũng được giữ nguyên "
                                    "chờ phân loại.")


def _number(raw) -> float | None:
    """The row's number as far as it reads (never an error: nothing a unit sent is refused for it)."""
    if raw in ("", None) or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        v = vals.parse_number(raw)
    except ValueError:
        return None
    return None if v is None else float(v)
