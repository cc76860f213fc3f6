"""`python -m loaders ingest PATH... --campaign CODE [--db FILE] [--json]`: weekly reports into the store.

PATH: files or folders (folders are walked recursively for .xlsx/.xlsm/.xls/.ods). A --db that does not
exist yet is created, migrated and made ready (master data, indicators, campaigns; the map's polygons are
left to the app's start), while worker processes already read the files: a copy of the set-up store
cached for this checkout (loaders/setup.py: new_store; CM_STORE_CACHE=off builds it in place). Many files are read and parsed
by worker processes (CM_INGEST_WORKERS, default one per core) and stored in order by this one.

Output contract (other tools rely on it)
- --json: one JSON object per file per line on stdout, in the order the files were read:
  {"file", "status": "accepted"|"unchanged"|"rejected", "unit_code", "period_start": "YYYY-MM-DD",
   "period_end", "messages": [{"level": "error"|"warning"|"info", "text", "sheet", "cell"}]}
  plus "periods": [{"start", "end"}] for a workbook holding several weeks.
- without --json: a progress bar on stderr and a readable Vietnamese summary on stdout.
- exit status: 0 when no file was rejected, 1 when any was, 2 for a usage error (unknown campaign,
  no files, a path that does not exist).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from loaders.store import db, lake, rollup


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="tệp báo cáo hoặc thư mục (đọc cả thư mục con)")
    p.add_argument("--campaign", required=True, help="mã kế hoạch, ví dụ daklak-2025")
    p.add_argument("--json", action="store_true", help="mỗi tệp một dòng JSON trên stdout")
    p.add_argument("--actor", default="cli", help="người/công cụ nộp, ghi vào nhật ký (mặc định: cli)")


def own_process() -> None:
    """`python -m loaders ingest`: no pandas object ever reaches DuckDB here, so DuckDB is spared
    importing pandas (loaders.store.db.skip_pandas_probe)."""
    db.skip_pandas_probe()


def _usage_error(text: str) -> int:
    print(f"Lỗi: {text}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from loaders.ingest.pipeline import UnknownCampaign, collect_paths, ingest_paths

    started = time.perf_counter()
    files, missing = collect_paths(args.paths)
    if missing:
        return _usage_error("không tìm thấy " + ", ".join(f"“{p}”" for p in missing) + ".")
    if not files:
        return _usage_error("không có tệp báo cáo nào (.xlsx, .xlsm, .xls, .ods) trong "
                            + ", ".join(f"“{p}”" for p in args.paths) + ".")
    new, one_thread, early, con = _open(db.location(args.db), files)
    try:
        ready = con.execute("select count(*) from units").fetchone()[0] > 0 and \
            con.execute("select count(*) from campaigns where code = ?", [args.campaign]).fetchone()[0] > 0
        if not ready:
            from loaders import setup as bootstrap

            # no map polygons: ingest reads none; the app's start loads them (api.prepare). One rollup
            # refresh after the reports, for the setup and them (a kill in between: the next opening
            # for writing refreshes what is stale, db.connect)
            bootstrap.ensure_ready(con, map_boundaries=False, refresh=False)
        known = [c for (c,) in con.execute("select code from campaigns order by code").fetchall()]
        if args.campaign not in known:
            if not ready:
                rollup.refresh(con)
            return _usage_error(f"không có kế hoạch “{args.campaign}”. Các kế hoạch: {', '.join(known) or '(chưa có)'}.")
        if new:
            from loaders import setup as bootstrap

            cached = bootstrap.index_cache_file(args.campaign)   # None: the store was not a copy
            if cached is not None:
                from loaders.ingest.pipeline import preload_index

                preload_index(con, args.campaign, cached)
        progress = None
        if not args.json:
            from loaders.cli.progress import Bar     # tqdm: a tenth of a second, only for the bar

            progress = Bar(sys.stderr, label_width=40)
        try:
            results = ingest_paths(con, files, args.campaign, actor=args.actor, progress=progress, refresh=False,
                                   reader=early)
            if not ready:
                rollup.refresh(con)     # every stale campaign: the new ones and the reports' one
            elif any(r.status == "accepted" for r in results):
                # the workers are done: a large store's rollup may use every core; a new store's holds
                # one campaign's reports, whose refresh is mostly planning (a second thread: +40% CPU)
                if one_thread and not new:
                    con.execute("reset threads")
                rollup.refresh(con, args.campaign)
        except UnknownCampaign as e:
            return _usage_error(str(e))
        if progress:
            progress.close()
    finally:
        if early:
            early.close()
        con.close()
    if args.json:
        out = sys.stdout
        if hasattr(out, "reconfigure") and (out.encoding or "").lower().replace("-", "") != "utf8":
            out.reconfigure(encoding="utf-8")   # the contract is UTF-8 JSON whatever the locale
        try:
            for r in results:
                out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        except BrokenPipeError:             # the reader stopped early (… | head): not an error of ours
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    else:
        _summary(results, time.perf_counter() - started)
    return 1 if any(r.status == "rejected" for r in results) else 0


def _open(path: str, files: list[Path]):
    """(new, one_thread, early, con): the store at `path` opened for writing. A new one is a copy of
    the set-up store cached for this checkout (loaders/setup.py: new_store; built once when missing),
    and worker processes read the files meanwhile (forked before the store is opened)."""
    from loaders.ingest.parallel import EarlyReader, workers_wanted

    early = None
    new = not lake.is_lake(path) and not Path(path).exists()
    if new:
        # a new database takes a second or more to set up, on one core: workers read the files
        # meanwhile (forked now, before the store is open) and parse them once it is ready
        early = EarlyReader(files)
    try:
        # one DuckDB thread while a new store is set up (many small statements) or while worker
        # processes use the cores: a second thread costs more CPU in hand-overs than it saves
        one_thread = new or workers_wanted(len(files)) > 0
        if new:
            from loaders import setup as bootstrap

            bootstrap.new_store(path, threads=1)
        con = db.connect(path, threads=1 if one_thread else None)
    except BaseException:
        if early:
            early.close()
        raise
    return new, one_thread, early, con


def _summary(results, seconds: float) -> None:
    counts = {"accepted": 0, "unchanged": 0, "rejected": 0}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    n = len(results)
    print(f"Đã đọc {n} tệp trong {seconds:.1f} giây: {counts['accepted']} được nhận, "
          f"{counts['unchanged']} không thay đổi (đã nộp trước đó), {counts['rejected']} bị từ chối.")
    warned = [r for r in results if r.status == "accepted" and r.warnings]
    if warned:
        print(f"{len(warned)} tệp được nhận có cảnh báo cần xem lại.")
    for r in results:
        if r.status != "rejected" and not r.warnings:
            continue
        label = "TỪ CHỐI" if r.status == "rejected" else "CẢNH BÁO"
        print(f"\n[{label}] {r.file}")
        for m in r.messages:
            if m.level == "error" or (m.level == "warning" and r.status != "rejected"):
                print(f"  - {m.text}")
