"""Who sent the report: template metadata, the title block, the file name; and whether the province
and district the report names are the campaign's (places)."""
from __future__ import annotations

from loaders.common.text import clean
from loaders.ingest.match_units import UnitMatch, file_name_candidates
from loaders.ingest.parser.layout import Table
from loaders.ingest.parser.text import _NOT_UNIT, _fold
from loaders.ingest.reader import META_SHEET, Sheet


class UnitMixin:
    """ReportParser's unit part."""

    def _remember_titles(self, sheet: Sheet, t: Table) -> None:
        for ref, text in self._title_rows(sheet, t):
            self.title_texts.append((sheet.name, ref, text))

    def _unit(self) -> None:
        out, units = self.out, self.ix.units
        districts = self._places()
        if districts is None:
            return
        meta_code = clean(out.meta.get("unit_code", "")) if out.meta else ""
        title = self._unit_from_titles(districts)
        if meta_code:
            code = units.by_code(meta_code)
            if code is None:
                out.add("error", f"Mã đơn vị “{meta_code}” của tệp mẫu không thuộc kế hoạch “{self.campaign['code']}”: "
                                 "hãy tải tệp mẫu của đơn vị mình trên trang Nộp báo cáo.", META_SHEET)
                return
            out.unit, out.unit_source = UnitMatch(code, meta_code), "meta"
            if title is not None and title[0].code is not None and title[0].code != code:
                m, sheet, ref = title
                out.add("error", f"Tệp mẫu này là của {units.display(code)} nhưng tiêu đề ghi “{m.written}” "
                                 f"({units.display(m.code)}): có thể tệp được sao từ đơn vị khác. Hãy tải tệp mẫu "
                                 "của đơn vị mình và điền lại.", sheet, ref)
            return
        if title is not None:
            m, sheet, ref = title
            if m.code is None:
                example = f" (ví dụ “{m.example}”)" if m.example else ""
                out.add("error", f"Tên đơn vị “{m.written}” ứng với nhiều đơn vị: {'; '.join(m.candidates)}. Không thể "
                                 f"đoán: hãy ghi rõ cả huyện{example} hoặc dùng tệp mẫu có mã đơn vị.", sheet, ref)
                return
            out.unit, out.unit_source, out.unit_sheet, out.unit_cell = m, "title", sheet, ref
            for level, text in m.notices:
                out.add(level, text, sheet, ref)
            return
        for piece in file_name_candidates(self.file):
            m = units.match_text(piece, district_hint=districts or None) or units.match_exact(piece)
            if m is not None:
                if m.code is None:
                    out.add("error", f"Tên đơn vị “{m.written}” trong tên tệp ứng với nhiều đơn vị: "
                                     f"{'; '.join(m.candidates)}. Hãy ghi tên đơn vị kèm huyện ở phần tiêu đề "
                                     "của báo cáo hoặc dùng tệp mẫu có mã đơn vị.")
                    return
                out.unit, out.unit_source = m, "file_name"
                out.add("info", f"Đơn vị được xác định từ tên tệp: {units.display(m.code)}. Nên ghi tên đơn vị ở "
                                "phần tiêu đề báo cáo.")
                for level, text in m.notices:
                    out.add(level, text)
                return
        first = next(((s, ref) for s, ref, _ in self.title_texts), (None, None))
        out.add("error", "Không xác định được đơn vị báo cáo: phần tiêu đề không có tên đơn vị nào của kế hoạch "
                         f"“{self.campaign['code']}” (ví dụ “UBND XÃ EA KAO”), tên tệp cũng không. Hãy ghi tên đơn vị ở "
                         "góc trên bên trái hoặc dùng tệp mẫu của đơn vị.", first[0], first[1])

    def _places(self) -> set[str] | None:
        """Provinces and districts named in the title block and the file name. One that is not the
        campaign's territory refuses the file (None: another province's commune may share a name
        with one of ours); else the territory's districts named, where old commune names are
        looked up."""
        places = self.ix.places
        if places is None:
            return set()
        found = [(p, sheet, ref) for sheet, ref, text in self.title_texts for p in places.find(text)]
        found += [(p, None, None) for p in places.find(file_name_candidates(self.file)[0])]
        bad = [(p, sheet, ref) for p, sheet, ref in found if places.outside([p])]
        if bad:
            named = "; ".join(dict.fromkeys(f"“{p.written}” ({p.display})" for p, _, _ in bad))
            where = "tên tệp" if bad[0][1] is None else "phần tiêu đề"
            self.out.add("error", f"Báo cáo ghi {named} ở {where}: không thuộc địa bàn của kế hoạch "
                                  f"“{self.campaign['code']}” ({places.campaign_display}), nên không được nhận "
                                  "(đơn vị cùng tên ở tỉnh, huyện khác không phải đơn vị của kế hoạch). Nếu đây đúng "
                                  "là báo cáo của đơn vị trong kế hoạch, hãy sửa tên tỉnh, huyện hoặc dùng tệp mẫu "
                                  "của đơn vị.", bad[0][1], bad[0][2])
            return None
        return places.districts_of([p for p, _, _ in found])

    def _unit_from_titles(self, districts: set[str] | None = None) -> tuple[UnitMatch, str, str] | None:
        units = self.ix.units
        hint: set[str] = set(districts or ())
        for _, _, text in self.title_texts:
            hint |= units.district_hint(text)
        for strong in (True, False):
            found: list[tuple[UnitMatch, str, str]] = []
            for sheet, ref, text in self.title_texts:
                if _NOT_UNIT.match(_fold(text)):
                    continue
                m = units.match_text(text, strong_only=strong, district_hint=hint or None)
                if m is not None:
                    found.append((m, sheet, ref))
            # a commune under its district's line ("UBND HUYỆN BẮC SƠN" / "UBND XÃ TÂN THÀNH") is the
            # reporter; a district or department reports when no commune is named
            for pick in (lambda m: m.code and m.territorial, lambda m: m.code, lambda m: True):
                hit = next(((m, sheet, ref) for m, sheet, ref in found if pick(m)), None)
                if hit:
                    return hit
        return None
