"""Weekly report files into the store: check, decide, write — a file is accepted whole or not at all.

API (other modules and pages code against it):
- `check_bytes(con, data, file_name, campaign_code) -> (FileResult, ParsedReport | None)`: everything
  ingest would say about the file, without writing anything.
- `ingest_bytes(con, data, file_name, campaign_code, actor="cli") -> FileResult`: check and store one file.
- `ingest_paths(con, paths, campaign_code, actor="cli", progress=None) -> list[FileResult]`: files and
  folders (recursive; spreadsheets and .zip archives only inside folders), progress(i, n, name) after each file.
- `upload_items(data, file_name)` (archive.py): the files an upload holds, a .zip's members one by one as
  ("bao-cao.zip/xa-a.xlsx", bytes, refusal); pass each to `ingest_bytes(..., refusal=refusal)`.
Both refresh the campaign's weekly rollup after storing accepted files (reads never write); a caller
storing several files one by one passes refresh=False and calls rollup.refresh once at the end.

Decisions
- Same bytes (SHA-256) already received for the campaign → "unchanged": nothing written but the audit row.
- Any error → "rejected": nothing written but the audit row (with hash and size).
- Otherwise "accepted": one submission per reported period (a workbook with one sheet per week gives
  several), with its values and posts; an earlier report of the same unit and period stays as an older
  version and the new one becomes current. A period that overlaps a different current period of the
  same unit is refused (it would count the same days twice).
- Warnings (plausibility, lũy kế cross-check, posting counts) are computed against the store and never
  block; they are stored with the submission (submissions.messages) and returned.

Speed: the campaign's unit and indicator indexes are built once per process and campaign
(`_campaign_index`), the store's state of the campaign (current submissions, known hashes) once per
batch, and a batch of accepted files is written in one transaction with bulk inserts.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable

import duckdb

from loaders.store import db
from loaders.store import rollup
from loaders.ingest import limits
from loaders.ingest.archive import upload_items
from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.hidden_sheets import parse_with_hidden
from loaders.reference.campaign_model import Campaign
from loaders.ingest import unclassified
from loaders.ingest.reader import ReadError, read_workbook
from loaders.ingest.parser import ParsedReport, Section
from loaders.common.text import fold
from loaders.ingest.validate import (FileResult, Message, check_period, dmy, earlier_sums, fmt_num,
                                     magnitude_errors, message, param, plausibility)

__all__ = ["Message", "FileResult", "check_bytes", "ingest_bytes", "ingest_paths", "Ingestor",
           "SPREADSHEET_EXTENSIONS", "ARCHIVE_EXTENSIONS", "UnknownCampaign", "collect_paths", "upload_items"]

SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".xml", ".ods"}
ARCHIVE_EXTENSIONS = {".zip"}
BATCH_FILES = 400
LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}


class UnknownCampaign(KeyError):
    def __str__(self) -> str:
        return f"Không có kế hoạch “{self.args[0]}” trong cơ sở dữ liệu."


# --------------------------------------------------------------------------- campaign index cache

_INDEX_CACHE: dict[tuple, CampaignIndex] = {}


def _campaign_index(con: duckdb.DuckDBPyConnection, campaign_code: str) -> CampaignIndex:
    """Built once per campaign and master-data state: the stored campaign (the model, settings edits
    included) and the sizes of the tables the unit and indicator indexes read."""
    campaign = Campaign.from_store(con, campaign_code)
    if campaign is None:
        raise UnknownCampaign(campaign_code)
    counts = con.execute(
        "select (select count(*) from units), (select count(*) from unit_aliases), "
        "(select count(*) from unit_history), (select count(*) from indicator_aliases), "
        "(select count(*) from org_units where campaign_code = ?), "
        "(select count(*) || ':' || coalesce(max(id), 0) || ':' || count(undone_at) from wording_mappings)",
        [campaign_code]).fetchone()
    key = (campaign, *counts)
    ix = _INDEX_CACHE.get(key)
    if ix is None:
        ix = CampaignIndex.load(con, campaign_code, campaign)
        if len(_INDEX_CACHE) > 16:
            _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = ix
    return ix


# --------------------------------------------------------------------------- pending writes

@dataclass
class _Sub:
    """A submission waiting to be written."""
    unit_code: str
    start: date
    end: date
    version: int
    is_current: bool
    file_name: str
    sheet: str | None
    file_hash: str
    file_size: int
    source_format: str
    section: Section
    result: FileResult
    id: int | None = None
    replaces: int | None = None           # id of the stored submission it makes not current


@dataclass
class _Pending:
    subs: list[_Sub] = field(default_factory=list)
    audits: list[tuple] = field(default_factory=list)   # (result, size)
    results: list[FileResult] = field(default_factory=list)


class Ingestor:
    """Ingestion for one campaign over one connection; keeps the campaign's state between files."""

    def __init__(self, con: duckdb.DuckDBPyConnection, campaign_code: str, actor: str = "cli", user=None,
                 budget_s: float | None = None):
        self.con = con
        self.budget_s = budget_s              # wall time per file (None: limits.DEFAULT.budget_s)
        self.user = user                      # an auth.User: what this account may store is checked here
        self.actor = user.username if user is not None else actor
        self.ix = _campaign_index(con, campaign_code)
        self.campaign = self.ix.campaign
        self.code = campaign_code
        self.pending = _Pending()
        self._load_state()

    def _load_state(self) -> None:
        rows = self.con.execute(
            "select id, unit_code, period_start, period_end, version, is_current, file_hash, received_at "
            "from submissions where campaign_code = ?", [self.code]).fetchall()
        self.versions: dict[tuple, int] = {}
        self.current: dict[tuple, object] = {}        # key → stored id or pending _Sub
        self.unit_periods: dict[str, set[tuple[date, date]]] = {}
        self.hashes: dict[str, list[tuple]] = {}
        for sid, unit, a, b, version, is_current, h, received in rows:
            key = (unit, a, b)
            self.versions[key] = max(self.versions.get(key, 0), version)
            if is_current:
                self.current[key] = sid
                self.unit_periods.setdefault(unit, set()).add((a, b))
            self.hashes.setdefault(h, []).append((sid, unit, a, b, version, is_current, received))

    # ---- checking

    def check(self, data: bytes, file_name: str, context: bool = True,
              parse_unchanged: bool = False) -> tuple[FileResult, ParsedReport | None]:
        """What ingest would decide, without writing. context: run the checks against the store;
        parse_unchanged: parse a file already received too (its ParsedReport is returned)."""
        digest = hashlib.sha256(data).hexdigest()
        result = FileResult(file_name, "rejected", None, None, None, [], [], digest, [])
        known = self.hashes.get(digest)
        if known and not parse_unchanged:
            return self._unchanged(result, known), None
        deadline = limits.Deadline(self.budget_s)
        try:
            wb = read_workbook(data, deadline)
            parsed = parse_with_hidden(wb, file_name, self.ix)
            deadline.check()          # a file past its budget is refused before anything is written
        except ReadError as e:
            result.messages.append(message("error", file_name, str(e)))
            return result, None
        except limits.LimitError as e:
            result.messages.append(message("error", file_name, str(e)))
            return result, None
        msgs = list(parsed.messages)
        unit = parsed.unit.code if parsed.unit else None
        result.unit_code = unit
        secs = [s for s in parsed.sections if s.start is not None]
        periods = sorted({(s.start, s.end) for s in secs})
        result.periods = periods
        if periods:
            result.period_start, result.period_end = periods[0][0], max(b for _, b in periods)
        if parsed.ok:
            msgs += self._check_sections(parsed, unit)
        if not any(m.level == "error" for m in msgs):
            msgs += self._posting_counts(parsed)
            if context and unit:
                msgs += self._context_checks([(unit, s) for s in secs], file_name)
        result.messages = _sorted(msgs)
        result.status = "rejected" if any(m.level == "error" for m in msgs) else "accepted"
        if known:       # already received: say so, but let the caller see what the file holds
            return self._unchanged(FileResult(file_name, "unchanged", None, None, None, [], [], digest, []),
                                   known), parsed
        return result, parsed

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

    def add(self, data: bytes, file_name: str, refusal: str | None = None) -> FileResult:
        """Check one file and queue what it writes (call flush() to write the queue). refusal: the file is
        refused with this reason, unread (a member an archive could not give; see upload_items)."""
        if refusal is not None:
            result = FileResult(file_name, "rejected", None, None, None, [],
                                [message("error", file_name, refusal)], hashlib.sha256(data).hexdigest(), [])
            self.pending.audits.append((result, len(data)))
            self.pending.results.append(result)
            return result
        result, parsed = self.check(data, file_name, context=False)
        if result.status == "accepted" and self.user is not None and \
                not self.user.may_upload_for(self.code, result.unit_code):
            # the unit is read from the file itself, so a crafted file cannot store for another unit
            result.status = "rejected"
            # names, not codes: the clerk knows the commune, not its number
            allowed = ", ".join(self._unit_name(u) for u in self.user.units_in(self.code)) \
                or "không có đơn vị nào"
            result.messages.insert(0, message(
                "error", file_name, f"Tài khoản {self.user.username} không được nộp báo cáo cho "
                                    f"{self._unit_name(result.unit_code)}; tài khoản chỉ nộp cho: {allowed}."))
        size = len(data)
        self.pending.audits.append((result, size))
        self.pending.results.append(result)
        if result.status != "accepted":
            return result                     # unchanged or rejected: only its audit row is written
        unit = result.unit_code
        for s in sorted((s for s in parsed.sections if s.start is not None), key=lambda s: s.start):
            key = (unit, s.start, s.end)
            version = self.versions.get(key, 0) + 1
            self.versions[key] = version
            prev = self.current.get(key)
            sub = _Sub(unit, s.start, s.end, version, True, file_name, s.sheet, result.file_hash, size,
                       s.source_format, s, result)
            if isinstance(prev, _Sub):
                prev.is_current = False
            elif prev is not None:
                sub.replaces = prev
            self.current[key] = sub
            self.unit_periods.setdefault(unit, set()).add((s.start, s.end))
            self.pending.subs.append(sub)
            self.hashes.setdefault(result.file_hash, []).append(
                (None, unit, s.start, s.end, version, True, datetime.now()))
            if version > 1:
                # a warning, with what changes: a clerk replacing last week's report by mistake notices
                result.messages.append(message(
                    "warning", file_name, f"Báo cáo này THAY báo cáo đã nộp cho kỳ {dmy(s.start)} – {dmy(s.end)} "
                                          f"(phiên bản {version}){self._changes(prev, s)}. Bản cũ vẫn được lưu "
                                          f"trong lịch sử.", s.sheet))
        return result

    def _unit_name(self, code: str | None) -> str:
        u = self.ix.units.units.get(code or "")
        return u.name if u else f"đơn vị {code}"

    def _changes(self, prev, section, limit: int = 6) -> str:
        """The values that differ from the replaced version, in words (": Facebook 5 → 0; …")."""
        if isinstance(prev, _Sub):
            old = {c: v.value for c, v in prev.section.values.items()}
        elif prev is not None:
            old = dict(self.con.execute("select indicator_code, value from report_values where submission_id = ?",
                                        [prev]).fetchall())
        else:
            return ""
        new = {c: v.value for c, v in section.values.items()}
        info = self.ix.indicators.info
        changed = [(info[c]["name"] if c in info else c, old.get(c, 0.0) or 0.0, new.get(c, 0.0) or 0.0)
                   for c in sorted(set(old) | set(new), key=lambda c: (info.get(c, {}).get("sort", 0), c))
                   if (old.get(c) or 0.0) != (new.get(c) or 0.0)]
        if not changed:
            return ", số liệu không đổi"
        text = "; ".join(f"{n} {fmt_num(a)} → {fmt_num(b)}" for n, a, b in changed[:limit])
        more = f" và {len(changed) - limit} chỉ tiêu khác" if len(changed) > limit else ""
        return f": {text}{more}"

    def flush(self) -> None:
        """Write the queue: one transaction for all of it; a failure falls back to file by file."""
        pending, self.pending = self.pending, _Pending()
        if not pending.audits:
            return
        try:
            with db.transaction(self.con):
                self._write(pending)
        except Exception as e:  # noqa: BLE001 - retried file by file, then reported per file
            if len(pending.results) <= 1:
                self._fail(pending, e)
                return
            self._load_state()
            for result, size in pending.audits:
                single = _Pending([s for s in pending.subs if s.result is result], [(result, size)], [result])
                for s in single.subs:
                    s.id = None
                try:
                    with db.transaction(self.con):
                        self._write(single)
                except Exception as e2:  # noqa: BLE001
                    self._fail(single, e2)
            self._load_state()

    def _fail(self, pending: _Pending, error: Exception) -> None:
        for result, size in pending.audits:
            if result.status == "accepted":
                result.status = "rejected"
                result.submission_ids = []
                result.messages.insert(0, message("error", result.file, f"Lỗi khi ghi vào cơ sở dữ liệu ({error}); "
                                                                      "không có gì được ghi. Hãy nộp lại sau."))
        try:
            with db.transaction(self.con):
                self._audit(pending.audits)
        except Exception:  # noqa: BLE001 - nothing more we can do
            pass
        self._load_state()

    def _write(self, pending: _Pending) -> None:
        con = self.con
        subs = pending.subs
        if subs:
            ids = [r[0] for r in con.execute("select nextval('submission_id_seq') from range(?)",
                                             [len(subs)]).fetchall()]
            for s, i in zip(subs, ids):
                s.id = i
            now = datetime.now()
            # context checks see the values of the whole batch: write first, check, then fix messages
            replaced = [s.replaces for s in subs if s.replaces is not None]
            if replaced:
                con.execute("update submissions set is_current = false where id in (select unnest(?::bigint[]))",
                            [replaced])
            _insert(con, "submissions", {
                "id": [s.id for s in subs], "unit_code": [s.unit_code for s in subs],
                "period_start": [s.start for s in subs], "period_end": [s.end for s in subs],
                "version": [s.version for s in subs], "is_current": [s.is_current for s in subs],
                "file_name": [s.file_name for s in subs], "sheet": [s.sheet for s in subs],
                "file_hash": [s.file_hash for s in subs], "file_size": [s.file_size for s in subs],
                "source_format": [s.source_format for s in subs],
            }, constants={"campaign_code": self.code, "received_at": now, "submitted_by": self.actor,
                          "messages": "[]"})
            values = [(s.id, v) for s in subs for v in s.section.values.values()]
            if values:
                _insert(con, "report_values", {
                    "submission_id": [i for i, _ in values], "indicator_code": [v.code for _, v in values],
                    "value": [float(v.value) for _, v in values],
                    "cumulative": [None if v.cumulative is None else float(v.cumulative) for _, v in values],
                    "sheet": [v.sheet for _, v in values], "cell": [v.cell for _, v in values]})
            unclassified.store_rows(con, self.code, [(s.id, s.unit_code, s.start, s.end, s.file_name, s.section)
                                                     for s in subs])
            posts = [(s.id, p) for s in subs for p in s.section.posts]
            if posts:
                _insert(con, "report_posts", {
                    "submission_id": [i for i, _ in posts], "posted_on": [p.posted_on for _, p in posts],
                    "platform": [p.platform or None for _, p in posts], "title": [p.title or None for _, p in posts],
                    "url": [p.url or None for _, p in posts], "url_norm": [p.url_norm or None for _, p in posts]})
            owners = {id(s.section): s.result for s in subs}
            extra = self._context_checks([(s.unit_code, s.section) for s in subs], owners=owners)
            for s in subs:
                new = extra.get(id(s.section), [])
                if new:
                    s.result.messages = _sorted(s.result.messages + [m for m in new if m not in s.result.messages])
            for s in subs:
                s.result.submission_ids.append(s.id)
            con.execute(
                "update submissions set messages = u.messages::json "
                "from (select unnest($ids) as id, unnest($messages) as messages) u where submissions.id = u.id",
                {"ids": [s.id for s in subs],
                 "messages": [json.dumps([m.to_json() for m in s.result.messages], ensure_ascii=False) for s in subs]})
        self._audit(pending.audits)
        for s in subs:  # pending entries in the state become stored ids
            key = (s.unit_code, s.start, s.end)
            if self.current.get(key) is s:
                self.current[key] = s.id

    def _audit(self, audits: list[tuple[FileResult, int]]) -> None:
        if not audits:
            return
        now = datetime.now()
        rows = []
        for result, size in audits:
            details = {
                "campaign": self.code, "file": result.file, "status": result.status, "hash": result.file_hash,
                "size": size, "unit_code": result.unit_code,
                "periods": [[a.isoformat(), b.isoformat()] for a, b in result.periods],
                "submission_ids": result.submission_ids,
                "errors": [m.text for m in result.messages if m.level == "error"][:20],
                "warnings": sum(1 for m in result.messages if m.level == "warning"),
            }
            rows.append((now, self.actor, f"ingest.{result.status}", result.file,
                         json.dumps(details, ensure_ascii=False, default=str)))
        _insert(self.con, "audit_log", {
            "action": [r[2] for r in rows], "object": [r[3] for r in rows], "details": [r[4] for r in rows]},
            constants={"logged_at": now, "actor": self.actor})


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list],
            constants: dict[str, object] | None = None) -> None:
    """Bulk insert from Python lists (unnest of list parameters): no DataFrame, no pandas import."""
    constants = constants or {}
    names = list(columns) + list(constants)
    select = [f"unnest(${c})" + ("::json" if c in ("messages", "details") else "") for c in columns]
    select += [f"${c}" + ("::json" if c in ("messages", "details") else "") for c in constants]
    con.execute(f"insert into {table} ({', '.join(names)}) select {', '.join(select)}",
                {**columns, **constants})


def _sorted(msgs: list[Message]) -> list[Message]:
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


# --------------------------------------------------------------------------- the API

def check_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                campaign_code: str) -> tuple[FileResult, ParsedReport | None]:
    """Everything ingest would say about a file, without writing anything."""
    ing = Ingestor(con, campaign_code, "check")
    return ing.check(data, file_name, parse_unchanged=True)


def ingest_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, campaign_code: str,
                 actor: str = "cli", user=None, budget_s: float | None = None,
                 refusal: str | None = None, refresh: bool = True) -> FileResult:
    """Check and store one file (one transaction); the result says what happened. With `user` (an
    auth.User), the file is refused unless that account may report for the file's unit. budget_s: the
    file's wall-time budget (default limits.DEFAULT.budget_s, CM_FILE_BUDGET_S). An accepted file
    refreshes the campaign's rollup right after its transaction (unless refresh=False)."""
    ing = Ingestor(con, campaign_code, actor, user=user, budget_s=budget_s)
    result = ing.add(data, file_name, refusal)
    ing.flush()
    if refresh and result.status == "accepted":
        rollup.refresh(con, campaign_code)
    return result


def collect_paths(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """(files to ingest, paths that do not exist). Folders are walked recursively for spreadsheets;
    a file named explicitly is taken whatever its extension (its content decides)."""
    files, missing = [], []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.is_file()
                     and f.suffix.lower() in SPREADSHEET_EXTENSIONS | ARCHIVE_EXTENSIONS and not f.name.startswith(("~$", ".~lock", "."))]
            files += sorted(found)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(p)
    return files, missing


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: Iterable[str | os.PathLike], campaign_code: str,
                 actor: str = "cli", progress: Callable[[int, int, str], None] | None = None,
                 batch_files: int = BATCH_FILES, refresh: bool = True) -> list[FileResult]:
    """Ingest files and folders (recursive), in name order; accepted files are written in batches,
    then the campaign's rollup is refreshed once (unless refresh=False)."""
    files, _ = collect_paths(paths)
    ing = Ingestor(con, campaign_code, actor)
    results = []
    n = len(files)
    for i, f in enumerate(files, 1):
        try:
            data = f.read_bytes()
        except OSError as e:
            r = FileResult(str(f), "rejected", None, None, None, [], [message(
                "error", str(f), f"Không mở được tệp ({e.strerror or e}): hãy kiểm tra quyền đọc tệp.")],
                "", [])
            ing.pending.audits.append((r, 0))
            ing.pending.results.append(r)
            results.append(r)
        else:
            for name, member, refusal in upload_items(data, str(f)):
                results.append(ing.add(member, name, refusal))
                if len(ing.pending.audits) >= batch_files:
                    ing.flush()
        if len(ing.pending.audits) >= batch_files:
            ing.flush()
        if progress:
            progress(i, n, str(f))
    ing.flush()
    if refresh and any(r.status == "accepted" for r in results):
        rollup.refresh(con, campaign_code)
    return results
