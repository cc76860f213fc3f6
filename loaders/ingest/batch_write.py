"""Writing a batch of decided files: one transaction for the batch, file by file if it fails.

`WriterMixin` is mixed into `pipeline.Ingestor`: `flush()` writes what `Ingestor.add` queued in
`self.pending` (submissions with their values, kept-aside rows and posts, the older versions they
replace made not current, then the context checks that need the whole batch stored, and one audit row
per file). A file is stored whole or not at all: if the batch's transaction fails, each file is
retried in its own transaction and a file that still fails is refused with the reason, its audit row
written. Bulk inserts go through `insert` (unnest of list parameters: no DataFrame, no pandas).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from loaders.store import db
from loaders.ingest import unclassified
from loaders.ingest.checks import sorted_messages
from loaders.ingest.parser import Section
from loaders.ingest.validate import FileResult, fmt_num, message


@dataclass
class PendingSubmission:
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
class Pending:
    subs: list[PendingSubmission] = field(default_factory=list)
    audits: list[tuple] = field(default_factory=list)   # (result, size)
    results: list[FileResult] = field(default_factory=list)



class WriterMixin:
    """The write side of pipeline.Ingestor (reads self.con, self.code, self.actor, self.ix, self.pending)."""

    def _changes(self, prev, section, limit: int = 6) -> str:
        """The values that differ from the replaced version, in words (": Facebook 5 → 0; …")."""
        if isinstance(prev, PendingSubmission):
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
        pending, self.pending = self.pending, Pending()
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
            self._mark = None         # each file's decisions are made again on what is stored (_reconcile)
            for result, size in pending.audits:
                single = Pending([s for s in pending.subs if s.result is result], [(result, size)], [result])
                for s in single.subs:
                    s.id = None
                try:
                    with db.transaction(self.con):
                        self._write(single)
                except Exception as e2:  # noqa: BLE001
                    self._fail(single, e2)
            self._load_state()

    def _fail(self, pending: Pending, error: Exception) -> None:
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

    def _write(self, pending: Pending) -> None:
        con = self.con
        self._reconcile(pending)         # another writer of the lake may have stored since the checks
        subs = pending.subs
        if subs:
            ids = db.next_ids(con, "submission_id_seq", len(subs))
            for s, i in zip(subs, ids):
                s.id = i
            now = datetime.now()
            # context checks see the values of the whole batch: write first, check, then fix messages
            replaced = [s.replaces for s in subs if s.replaces is not None]
            if replaced:
                con.execute("update submissions set is_current = false where id in (select unnest(?::bigint[]))",
                            [replaced])
            insert(con, "submissions", {
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
                insert(con, "report_values", {
                    "submission_id": [i for i, _ in values], "indicator_code": [v.code for _, v in values],
                    "value": [float(v.value) for _, v in values],
                    "cumulative": [None if v.cumulative is None else float(v.cumulative) for _, v in values],
                    "sheet": [v.sheet for _, v in values], "cell": [v.cell for _, v in values]})
            unclassified.store_rows(con, self.code, [(s.id, s.unit_code, s.start, s.end, s.file_name, s.section)
                                                     for s in subs])
            posts = [(s.id, p) for s in subs for p in s.section.posts]
            if posts:
                insert(con, "report_posts", {
                    "submission_id": [i for i, _ in posts], "posted_on": [p.posted_on for _, p in posts],
                    "platform": [p.platform or None for _, p in posts], "title": [p.title or None for _, p in posts],
                    "url": [p.url or None for _, p in posts], "url_norm": [p.url_norm or None for _, p in posts]})
            owners = {id(s.section): s.result for s in subs}
            extra = self._context_checks([(s.unit_code, s.section) for s in subs], owners=owners)
            for s in subs:
                new = extra.get(id(s.section), [])
                if new:
                    s.result.messages = sorted_messages(s.result.messages + [m for m in new if m not in s.result.messages])
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
        self._mark = self._state_mark()

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
        columns = {"action": [r[2] for r in rows], "object": [r[3] for r in rows], "details": [r[4] for r in rows]}
        if db.is_lake(self.con):      # no sequence on a lake: ids drawn under the write lock
            columns["id"] = db.next_ids(self.con, "audit_id_seq", len(rows))
        insert(self.con, "audit_log", columns, constants={"logged_at": now, "actor": self.actor})


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list],
            constants: dict[str, object] | None = None) -> None:
    """Bulk insert from Python lists (unnest of list parameters): no DataFrame, no pandas import."""
    constants = constants or {}
    names = list(columns) + list(constants)
    select = [f"unnest(${c})" + ("::json" if c in ("messages", "details") else "") for c in columns]
    select += [f"${c}" + ("::json" if c in ("messages", "details") else "") for c in constants]
    con.execute(f"insert into {table} ({', '.join(names)}) select {', '.join(select)}",
                {**columns, **constants})
