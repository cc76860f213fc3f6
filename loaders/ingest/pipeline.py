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

Rooms: this module decides (read, parse, check, queue) and holds the API; checks.py holds the checks
against the campaign and the store, batch_write.py the writing of a queued batch (both mixed into
`Ingestor`).
"""
from __future__ import annotations

import os
import pickle
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable

import duckdb

from loaders.store import rollup
from loaders.ingest.archive import upload_items
from loaders.ingest.batch_write import Pending, PendingSubmission, WriterMixin
from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.checks import ChecksMixin, platform_indicator, sorted_messages
from loaders.reference.campaign_model import Campaign
from loaders.ingest.parser import ParsedReport
from loaders.ingest.parallel import EarlyReader, prepared_files
from loaders.ingest.prepare import Prepared, prepare, unread
from loaders.ingest.validate import FileResult, Message, ceilings, dmy, message, seed_ceilings

__all__ = ["Message", "FileResult", "check_bytes", "ingest_bytes", "ingest_paths", "Ingestor",
           "SPREADSHEET_EXTENSIONS", "ARCHIVE_EXTENSIONS", "UnknownCampaign", "collect_paths", "upload_items",
           "platform_indicator"]

SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".xml", ".ods"}
ARCHIVE_EXTENSIONS = {".zip"}
BATCH_FILES = 400


class UnknownCampaign(KeyError):
    def __str__(self) -> str:
        return f"Không có kế hoạch “{self.args[0]}” trong cơ sở dữ liệu."


# --------------------------------------------------------------------------- campaign index cache

_INDEX_CACHE: dict[tuple, CampaignIndex] = {}


def _index_key(con: duckdb.DuckDBPyConnection, campaign_code: str) -> tuple:
    """The stored campaign (the model, settings edits included) and the sizes of the tables the unit
    and indicator indexes read."""
    campaign = Campaign.from_store(con, campaign_code)
    if campaign is None:
        raise UnknownCampaign(campaign_code)
    counts = con.execute(
        "select (select count(*) from units), (select count(*) from unit_aliases), "
        "(select count(*) from unit_history), (select count(*) from indicator_aliases), "
        "(select count(*) from org_units where campaign_code = ?), "
        "(select count(*) || ':' || coalesce(max(id), 0) || ':' || count(undone_at) from wording_mappings)",
        [campaign_code]).fetchone()
    return (campaign, *counts)


def _remember(key: tuple, ix: CampaignIndex) -> CampaignIndex:
    if len(_INDEX_CACHE) > 16:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = ix
    return ix


def _campaign_index(con: duckdb.DuckDBPyConnection, campaign_code: str) -> CampaignIndex:
    """Built once per campaign and master-data state (_index_key)."""
    key = _index_key(con, campaign_code)
    ix = _INDEX_CACHE.get(key)
    return ix if ix is not None else _remember(key, CampaignIndex.load(con, campaign_code, key[0]))


def preload_index(con: duckdb.DuckDBPyConnection, campaign_code: str, path: Path) -> None:
    """The campaign's index of a store just copied from the set-up cache (loaders/setup.py:
    index_cache_file): every such copy holds the same rows, so the same index; read from `path`
    (~5 ms) where the first copy wrote it, instead of built (~0.1 s of CPU on a new store's start)."""
    key = _index_key(con, campaign_code)
    if key in _INDEX_CACHE:
        return
    try:
        with open(path, "rb") as f:
            stored, ix, caps = pickle.load(f)
        if stored == key:
            _remember(key, ix)
            seed_ceilings(caps)     # the catalog's ceilings too: the catalog file is then never parsed
            return
    except Exception:   # noqa: BLE001 — missing, cut short, or of classes since changed: built again
        pass
    ix = _remember(key, CampaignIndex.load(con, campaign_code, key[0]))
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        part.write_bytes(pickle.dumps((key, ix, ceilings()), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part, path)      # whole or absent for another process reading it
    except OSError:
        part.unlink(missing_ok=True)


class Ingestor(ChecksMixin, WriterMixin):
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
        self.pending = Pending()
        self._load_state()

    def _load_state(self) -> None:
        # the mark is read BEFORE the rows: another writer's commit between the two reads then shows as
        # a moved mark and the write reconciles; read after, it would hide that commit's files (both
        # writers of one lake would accept the same report)
        mark = self._state_mark()
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
        self._mark = mark

    def _state_mark(self) -> tuple:
        """What the decisions were made on: another writer storing for this campaign moves it."""
        return tuple(self.con.execute("select count(*), coalesce(max(id), 0) from submissions where campaign_code = ?",
                                      [self.code]).fetchone())

    def _reconcile(self, pending: Pending) -> None:
        """Inside the write transaction (on a lake, under the write lock): when another writer stored
        reports for this campaign since this batch was checked (several app instances and commands
        write one lake), redo the decisions on what is stored now: a file someone else just stored
        becomes unchanged, and versions and the reports replaced come from the store. On a file
        nobody else writes in between, and this is one cheap query."""
        if self._state_mark() == self._mark:
            return
        self._load_state()
        kept = []
        results = list({id(s.result): s.result for s in pending.subs}.values())    # in order, once each
        for result in results:
            subs = [s for s in pending.subs if s.result is result]
            known = self.hashes.get(result.file_hash)
            if known:
                result.messages = []
                self._unchanged(result, known)
                continue
            for s in subs:
                key = (s.unit_code, s.start, s.end)
                s.version = self.versions.get(key, 0) + 1
                self.versions[key] = s.version
                prev = self.current.get(key)
                s.replaces = prev if prev is not None and not isinstance(prev, PendingSubmission) else None
                if isinstance(prev, PendingSubmission):
                    prev.is_current = False
                self.current[key] = s
                self.hashes.setdefault(s.file_hash, []).append((None, s.unit_code, s.start, s.end, s.version, True,
                                                               datetime.now()))
                kept.append(s)
        pending.subs[:] = kept

    # ---- checking

    def check(self, data: bytes | None, file_name: str, context: bool = True,
              parse_unchanged: bool = False, prepared: Prepared | None = None) -> tuple[FileResult, ParsedReport | None]:
        """What ingest would decide, without writing. context: run the checks against the store;
        parse_unchanged: parse a file already received too (its ParsedReport is returned);
        prepared: the file already read and parsed (prepare.py; data may then be None)."""
        prep = prepared or unread(data)
        digest = prep.digest
        result = FileResult(file_name, "rejected", None, None, None, [], [], digest, [])
        known = self.hashes.get(digest)
        if known and not parse_unchanged:
            return self._unchanged(result, known), None
        if not prep.read:
            prep = prepare(prep.data, file_name, self.ix, self.budget_s, digest)
        if prep.error is not None:
            result.messages.append(message("error", file_name, prep.error))
            return result, None
        parsed = prep.parsed
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
        result.messages = sorted_messages(msgs)
        result.status = "rejected" if any(m.level == "error" for m in msgs) else "accepted"
        if known:       # already received: say so, but let the caller see what the file holds
            return self._unchanged(FileResult(file_name, "unchanged", None, None, None, [], [], digest, []),
                                   known), parsed
        return result, parsed

    def add(self, data: bytes | None, file_name: str, refusal: str | None = None,
            prepared: Prepared | None = None) -> FileResult:
        """Check one file and queue what it writes (call flush() to write the queue). refusal: the file is
        refused with this reason, unread (a member an archive could not give; see upload_items).
        prepared: the file already read and parsed (a worker of parallel.py; data may then be None)."""
        prepared = prepared or unread(data)
        if refusal is not None:
            result = FileResult(file_name, "rejected", None, None, None, [],
                                [message("error", file_name, refusal)], prepared.digest, [])
            self.pending.audits.append((result, prepared.size))
            self.pending.results.append(result)
            return result
        result, parsed = self.check(None, file_name, context=False, prepared=prepared)
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
        size = prepared.size
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
            sub = PendingSubmission(unit, s.start, s.end, version, True, file_name, s.sheet, result.file_hash, size,
                       s.source_format, s, result)
            if isinstance(prev, PendingSubmission):
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
                 batch_files: int = BATCH_FILES, refresh: bool = True,
                 reader: EarlyReader | None = None) -> list[FileResult]:
    """Ingest files and folders (recursive), in name order; accepted files are written in batches,
    then the campaign's rollup is refreshed once (unless refresh=False). reader: workers already
    reading these files (parallel.EarlyReader, started before a new store was set up)."""
    files, _ = collect_paths(paths)
    ing = Ingestor(con, campaign_code, actor)
    results = []
    n = len(files)
    # read and parsed by worker processes when there are many (parallel.py); decided and written here,
    # in the files' order, exactly as one process would
    if reader is not None and reader.files == files:
        source = reader.items(ing.ix, ing.hashes)
    else:
        if reader is not None:
            reader.close()
        source = prepared_files(files, ing.ix, ing.hashes, ing.budget_s)
    for i, (f, error, items) in enumerate(source, 1):
        if error is not None:
            r = FileResult(f, "rejected", None, None, None, [], [message(
                "error", f, f"Không mở được tệp ({error}): hãy kiểm tra quyền đọc tệp.")], "", [])
            ing.pending.audits.append((r, 0))
            ing.pending.results.append(r)
            results.append(r)
        for name, refusal, prep in items:
            results.append(ing.add(None, name, refusal, prepared=prep))
            if len(ing.pending.audits) >= batch_files:
                ing.flush()
        if len(ing.pending.audits) >= batch_files:
            ing.flush()
        if progress:
            progress(i, n, f)
    ing.flush()
    if refresh and any(r.status == "accepted" for r in results):
        rollup.refresh(con, campaign_code)
    return results
