"""What the store says about a parsed report: the checks ingest runs before and after queueing a file.

`ChecksMixin` is mixed into `pipeline.Ingestor` (it reads the Ingestor's campaign index `ix`, the
campaign, its connection `con` and code, and the store's state `unit_periods`): periods that overlap
each other or a stored report, magnitudes, posting lists against posting counts, plausibility against
units of the same kind and lũy kế against the reports already stored. Warnings never block; errors
refuse the file. Kept apart from the pipeline so that deciding and writing read on their own.
"""
from __future__ import annotations

from datetime import date, datetime

from loaders.common.text import fold
from loaders.ingest.parser import ParsedReport, Section
from loaders.ingest.validate import (FileResult, Message, check_period, dmy, earlier_sums, fmt_num,
                                     magnitude_errors, message, param, plausibility)

LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}


class ChecksMixin:
    """Checks of one file against the campaign and the store (mixed into pipeline.Ingestor)."""

    def _unchanged(self, result: FileResult, known: list[tuple]) -> FileResult:
        result.status = "unchanged"
        result.unit_code = known[0][1]
        result.submission_ids = sorted({sid for sid, *_ in known if sid is not None})
        periods = sorted({(a, b) for _, _, a, b, *_ in known})
        result.periods = periods
        result.period_start, result.period_end = periods[0][0], max(b for _, b in periods)
        received = min(r[6] for r in known)
        when = received.strftime("%d/%m/%Y %H:%M") if isinstance(received, datetime) else str(received)
        if any(is_current for _, _, _, _, _, is_current, _ in known):
            result.messages.append(message("info", result.file, f"Tệp này đã được nhận lúc {when} và không thay đổi: "
                                                                "không ghi lại."))
        else:
            result.messages.append(message("warning", result.file, f"Tệp này giống hệt một bản đã nộp lúc {when}, "
                                                                   "nhưng bản đó đã được thay bằng bản sửa sau: số liệu "
                                                                   "hiện hành giữ nguyên. Nếu muốn dùng lại bản này, hãy "
                                                                   "sửa và nộp lại."))
        return result

    def _check_sections(self, parsed: ParsedReport, unit: str | None) -> list[Message]:
        out: list[Message] = []
        f = parsed.file_name
        seen: dict[tuple, str] = {}
        secs = [s for s in parsed.sections if s.start is not None]
        for s in secs:
            out += check_period(f, self.campaign, s.start, s.end, s.sheet, s.period_cell)
            out += magnitude_errors(f, self.ix.indicators.info, s.start, s.end, s.values.values())
            key = (s.start, s.end)
            if key in seen and seen[key] != s.sheet:
                out.append(message("error", f, f"Trang này cùng kỳ {dmy(s.start)} – {dmy(s.end)} với trang “{seen[key]}”: "
                                               "mỗi tuần chỉ một trang. Hãy xóa trang thừa hoặc sửa kỳ báo cáo.",
                                   s.sheet, s.period_cell))
            seen.setdefault(key, s.sheet)
        ordered = sorted(secs, key=lambda s: s.start)
        for a, b in zip(ordered, ordered[1:]):
            if b.start <= a.end and (a.start, a.end) != (b.start, b.end):
                out.append(message("error", f, f"Kỳ {dmy(b.start)} – {dmy(b.end)} chồng lên kỳ {dmy(a.start)} – "
                                               f"{dmy(a.end)} của trang “{a.sheet}”: hãy sửa để các tuần không trùng ngày.",
                                   b.sheet, b.period_cell))
        if unit:
            for s in secs:
                for a, b in sorted(self.unit_periods.get(unit, ())):
                    if (a, b) != (s.start, s.end) and a <= s.end and s.start <= b:
                        out.append(message(
                            "error", f, f"Kỳ báo cáo {dmy(s.start)} – {dmy(s.end)} chồng lên báo cáo đã nộp cho kỳ "
                                        f"{dmy(a)} – {dmy(b)} của đơn vị này, nên số liệu sẽ bị tính hai lần: hãy nộp "
                                        f"đúng kỳ {dmy(a)} – {dmy(b)} để thay báo cáo cũ, hoặc liên hệ quản trị để "
                                        "gỡ báo cáo cũ.", s.sheet, s.period_cell))
                        break
        return out

    def _posting_counts(self, parsed: ParsedReport) -> list[Message]:
        """A post list that disagrees with the posting counts of the same report (warnings only)."""
        out = []
        ix = self.ix.indicators
        for s in parsed.sections:
            if not s.posts:
                continue
            listed: dict[str, int] = {}
            for p in s.posts:
                code = platform_indicator(p.platform, p.url)
                listed[code] = listed.get(code, 0) + 1
            for code, n in sorted(listed.items()):
                declared = s.values[code].value if code in s.values else 0.0
                if n > declared:
                    v = s.values.get(code)
                    out.append(message(
                        "warning", parsed.file_name,
                        f"Danh sách tin bài liệt kê {n} tin bài cho “{ix.info[code]['name']}” nhưng số lượng báo cáo "
                        f"chỉ ghi {fmt_num(declared)}: hãy sửa số lượng cho khớp.",
                        v.sheet if v else s.posts[0].sheet, v.cell if v else s.posts[0].cell))
            declared_total = sum(v.value for c, v in s.values.items() if ix.info[c]["is_posting"])
            if declared_total > len(s.posts):
                out.append(message(
                    "warning", parsed.file_name,
                    f"Báo cáo ghi tổng {fmt_num(declared_total)} tin bài đăng (báo, cổng thông tin, mạng xã hội) nhưng "
                    f"danh sách tin bài chỉ có {len(s.posts)} đường dẫn: nên liệt kê đủ để được tính là tin bài "
                    "không trùng lặp.", s.posts[0].sheet))
        return out

    def _context_checks(self, items: list[tuple[str, Section]], file_name: str | None = None,
                        owners: dict | None = None) -> list[Message] | dict:
        """Plausibility and lũy kế checks against the store. With owners (id(section) → FileResult),
        returns {id(section): [messages]} for a batch; else the messages of one file."""
        units = self.ix.units.units
        values = []
        cum_keys = []
        phase_start = self._phase_start
        for unit, s in items:
            kind = units[unit].kind if unit in units else None
            for v in s.values.values():
                if kind and not self.ix.indicators.info[v.code]["is_flag"]:
                    values.append((unit, kind, s.start, s.end, v.code, v.value))
                if v.cumulative is not None:
                    frm = phase_start(s.start) if s.cum_scope == "phase" else self.campaign["start_date"]
                    cum_keys.append((unit, s.start, v.code, frm))
        flagged = plausibility(self.con, self.campaign, self.ix.params, values)
        sums = earlier_sums(self.con, self.code, cum_keys)
        tol = float(param(self.ix.params, "cumulative_tolerance"))
        k = param(self.ix.params, "outlier_k")
        out: dict[int, list[Message]] = {}
        for unit, s in items:
            res = owners[id(s)] if owners else None
            fname = res.file if res else file_name
            msgs = out.setdefault(id(s), [])
            for v in s.values.values():
                hit = flagged.get((unit, s.start, s.end, v.code))
                if hit:
                    med, mad, n = hit
                    msgs.append(message(
                        "warning", fname,
                        f"Số lượng {fmt_num(v.value)} của chỉ tiêu “{self.ix.indicators.info[v.code]['name']}” cao bất "
                        f"thường so với các đơn vị cùng loại trong kỳ ({n} đơn vị, trung vị {fmt_num(med)}, ngưỡng "
                        f"{fmt_num(med + float(k) * max(mad, 1))} = trung vị + {fmt_num(k)} × độ lệch tuyệt đối trung "
                        f"vị): hãy kiểm tra lại (có gõ thừa số 0?). Số liệu vẫn được ghi nhận.",
                        s.sheet, v.cell))
                if v.cumulative is None:
                    continue
                frm = phase_start(s.start) if s.cum_scope == "phase" else self.campaign["start_date"]
                total, n_reports = sums.get((unit, s.start, v.code, frm), (0.0, 0))
                if n_reports == 0:
                    continue
                expected = total + v.value
                if abs(v.cumulative - expected) > tol * max(expected, 1e-9):
                    scope = "từ đầu đợt" if s.cum_scope == "phase" else "từ đầu kế hoạch"
                    msgs.append(message(
                        "warning", fname,
                        f"Lũy kế {fmt_num(v.cumulative)} của chỉ tiêu “{self.ix.indicators.info[v.code]['name']}” khác "
                        f"tổng các báo cáo đã nộp {scope} cộng kỳ này ({fmt_num(total)} + {fmt_num(v.value)} = "
                        f"{fmt_num(expected)}) quá {round(tol * 100)}%: hãy kiểm tra lại, hoặc nộp bổ sung báo cáo các "
                        "tuần còn thiếu.", s.sheet, v.cum_cell or v.cell))
        if owners is not None:
            return out
        return [m for ms in out.values() for m in ms]

    def _phase_start(self, day: date) -> date:
        phase = self.campaign.phase_of(day)
        return phase.start if phase else self.campaign.start

    # ---- deciding and queueing


def sorted_messages(msgs: list[Message]) -> list[Message]:
    return sorted(msgs, key=lambda m: LEVEL_ORDER.get(m.level, 3))


PLATFORM_WORDS = [
    ("mxh_facebook", ("facebook", "fb", "fanpage", "face")),
    ("mxh_zalo", ("zalo",)),
    ("mxh_youtube", ("youtube", "youtu")),
    ("mxh_tiktok", ("tiktok", "tik tok")),
    ("bc_tin_bai", ("bao dien tu", "bao in", "bao")),
    ("web_tin_bai", ("cong ttdt", "cong thong tin", "trang ttdt", "trang thong tin", "website", "web", "cong")),
]
URL_HOSTS = [("mxh_facebook", ("facebook.com", "fb.com", "fb.watch")), ("mxh_zalo", ("zalo.me", "zalo.vn")),
             ("mxh_youtube", ("youtube.com", "youtu.be")), ("mxh_tiktok", ("tiktok.com",))]


def platform_indicator(platform: str, url: str = "") -> str:
    """The posting indicator a listed post counts for, from its platform (or its URL's host)."""
    f = fold(platform)
    for code, words in PLATFORM_WORDS:
        if any(f == w or f.startswith(w + " ") or (len(w) > 4 and w in f) for w in words):
            return code
    host = (url or "").lower()
    for code, hosts in URL_HOSTS:
        if any(h in host for h in hosts):
            return code
    return "mxh_khac"
