"""Long lists (one row per activity: date, channel, quantity): summed per indicator and campaign week."""
from __future__ import annotations

from datetime import date, timedelta

from loaders.ingest import values as vals
from loaders.ingest.parser.layout import Table
from loaders.ingest.parser.model import Section, Value
from loaders.ingest.parser.text import _TOTAL, _dmy, _fold
from loaders.ingest.reader import Sheet, cell_ref
from loaders.ingest.validate import week_of


class ActivityListMixin:
    """ReportParser's long-list part."""

    def _long_list(self, sheet: Sheet, t: Table, single: bool) -> None:
        start, end, pcell, psource = self._period(sheet, t, single)
        self._remember_titles(sheet, t)
        last = t.end_row
        ix = self.ix.indicators
        dc, qc = t.cols.get("date"), t.cols.get("qty")
        sums: dict[tuple[date, date], dict[str, Value]] = {}
        default_year = (start or self.campaign["start_date"]).year
        n_rows = 0
        hold = Section(sheet.name, None, None, None, "", "long_list")   # rows it cannot name, and their days
        days: list[date | None] = []
        for r in range(t.first_row, last):
            row = sheet.rows[r]
            if not any(v not in ("", None) for v in row):
                continue
            texts = [(c, self.tx(sheet.value(r, c))) for c in t.name_cols]
            if not any(x for _, x in texts):
                continue
            if any(_TOTAL.match(_fold(x)) for _, x in texts if x):
                continue
            m, name_c = None, texts[0][0]
            uom = self.tx(sheet.value(r, t.cols["uom"])) if "uom" in t.cols else ""
            for c, x in texts:
                if x:
                    m = ix.match(x, uom=uom)
                    if m:
                        name_c = c
                        break
            raw_q = sheet.value(r, qc) if qc is not None else ""
            qref = cell_ref(r, qc) if qc is not None else cell_ref(r, name_c)
            label = next((x for _, x in texts if x), "")
            raw_d = sheet.value(r, dc) if dc is not None else ""
            if m is None:                      # kept whole for a person to map (issue 10)
                self._keep_unknown(hold, label, raw_q if raw_q not in ("", None) else 1, "", uom, "", sheet.name,
                                   cell_ref(r, texts[0][0]), qref)
                days.append(_lenient_day(raw_d, default_year) or start)
                continue
            info = ix.info[m.code]
            day = self._activity_day(raw_d, default_year, start, sheet, r, dc)
            if day is None:
                continue
            if raw_q in ("", None) and not info["is_flag"]:
                value = 1.0
            else:
                value = self._quantity(raw_q, info, sheet.name, qref)
                if value is None:
                    continue
            n_rows += 1
            if start is not None and not (start <= day <= end):
                self.out.add("warning", f"Ngày {_dmy(day)} của hoạt động dòng {r + 1} nằm ngoài kỳ báo cáo "
                                        f"{_dmy(start)} – {_dmy(end)}; hoạt động được tính vào tuần của ngày đó.",
                             sheet.name, cell_ref(r, dc))
            week = week_of(day, self.week_start)
            bucket = sums.setdefault(week, {})
            if m.how == "mapped":
                holder = Section(sheet.name, None, None, None, "", "long_list", values=bucket)
                self._keep_mapped(holder, label, m.mapping_id, Value(m.code, value, None, sheet.name, qref), uom, "",
                                  raw_q, cell_ref(r, name_c))
                hold.unknown += holder.unknown
                days.append(day)
            if m.code in bucket:
                v = bucket[m.code]
                v.value = max(v.value, value) if info["is_flag"] else v.value + value
            else:
                bucket[m.code] = Value(m.code, value, None, sheet.name, qref)
        plan = self._week_plan(sums, start, end)
        if not plan:
            self.out.add("error", "Danh sách hoạt động không có dòng nào đọc được và không ghi kỳ báo cáo: hãy "
                                  "ghi ngày, hình thức và số lượng của từng hoạt động.", sheet.name,
                         cell_ref(t.first_row, 0))
            return
        self._list_sections(sheet.name, plan, (start, end, pcell, psource), hold, days)
        if len(plan) > 1:
            self.out.add("info", f"Danh sách {n_rows} hoạt động được cộng theo chỉ tiêu cho {len(plan)} tuần.",
                         sheet.name)

    def _list_sections(self, sheet: str, plan: dict[tuple[date, date], dict[str, Value]], period: tuple,
                       hold: Section, days: list[date | None]) -> None:
        """One section per week of the plan; each row kept aside goes to the week of its day."""
        start, end, pcell, psource = period
        secs = []
        for (a, b), bucket in sorted(plan.items()):
            source = psource if (a, b) == (start, end) or start is not None else "dates"
            sec = Section(sheet, a, b, pcell, source, "long_list")
            sec.values = bucket
            secs.append(sec)
        for row, day in zip(hold.unknown, days):
            target = next((x for x in secs if day is not None and x.start <= day <= x.end), secs[0])
            target.unknown.append(row)
        self.out.sections += secs

    def _activity_day(self, raw_d, default_year: int, start: date | None, sheet: Sheet, r: int,
                      dc: int | None) -> date | None:
        """The activity's day (the declared period's start when it has none); None after an error."""
        try:
            day = vals.parse_date(raw_d, default_year=default_year) if raw_d not in ("", None) else None
        except ValueError as e:
            self.out.add("error", f"Ngày “{self.tx(raw_d)}” của hoạt động dòng {r + 1} không đọc được: {e} "
                                  "Hãy ghi dạng 08/9/2025.", sheet.name, cell_ref(r, dc))
            return None
        if day is None and start is None:
            self.out.add("error", f"Hoạt động dòng {r + 1} không ghi ngày: hãy ghi ngày thực hiện.",
                         sheet.name, cell_ref(r, dc) if dc is not None else None)
        return day or start

    def _week_plan(self, sums: dict[tuple[date, date], dict[str, Value]], start: date | None,
                   end: date | None) -> dict[tuple[date, date], dict[str, Value]]:
        # periods: a declared week (or shorter) takes every row; a longer declared period is cut into
        # the campaign weeks it covers (clipped to it); without one, the weeks of the rows' dates
        plan: dict[tuple[date, date], dict[str, Value]] = {}
        if start is not None and (end - start).days < 7:
            plan[(start, end)] = {}
            for bucket in sums.values():
                self._merge(plan[(start, end)], bucket)
        else:
            if start is not None:
                d = week_of(start, self.week_start)[0]
                while d <= end:
                    plan[(max(d, start), min(d + timedelta(days=6), end))] = {}
                    d += timedelta(days=7)
            for (a, b), bucket in sorted(sums.items()):
                key = (a, b)
                if start is not None and a <= end and b >= start:
                    key = (max(a, start), min(b, end))
                self._merge(plan.setdefault(key, {}), bucket)
        return plan

    def _merge(self, target: dict[str, Value], bucket: dict[str, Value]) -> None:
        for code, v in bucket.items():
            if code not in target:
                target[code] = Value(code, v.value, None, v.sheet, v.cell)
            elif self.ix.indicators.info[code]["is_flag"]:
                target[code].value = max(target[code].value, v.value)
            else:
                target[code].value += v.value

    # ---- posts


def _lenient_day(raw, default_year: int) -> date | None:
    try:
        return vals.parse_date(raw, default_year=default_year) if raw not in ("", None) else None
    except ValueError:
        return None
