"""Files read and parsed by worker processes while one writer stores them in order.

Reading and parsing a report (prepare.py) is pure Python work on the file's bytes and the campaign's
index, about nine tenths of ingesting one; deciding and writing need the store and stay in the one
process that holds it. So a long list of files is read by a pool of forked workers (each inherits the
index the writer built, nothing is rebuilt) and handed back in the files' order: the writer decides
and stores exactly what it would have alone, in the same order, with the same results.

- `file_items(path, ix=None, known=(), budget_s=None)`: one file's upload items as
  (name, refusal, Prepared); read and parsed when ix is given, unless refused or already known.
- `prepared_files(files, ix, known, budget_s)`: (path, error, items) per file, in order; by workers
  when there are enough files and more than one core (CM_INGEST_WORKERS: how many, 0 or 1 = none).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

from loaders.ingest.archive import upload_items
from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.prepare import Prepared, prepare, unread

MIN_FILES = 48           # below this, forking workers costs more than it saves
CHUNK = 4                # files per task handed to a worker (fewer round trips, order kept)
WINDOW = 1000            # files handed to the pool at a time (bounds the parsed reports held)

FileItems = tuple[str, str | None, list[tuple[str, str | None, Prepared]]]


def workers_wanted(n_files: int) -> int:
    """How many workers for n_files (0: none, the writer reads them itself)."""
    env = os.environ.get("CM_INGEST_WORKERS")
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        cores = os.cpu_count() or 1
    n = int(env) if env and env.strip().lstrip("-").isdigit() else cores
    if n <= 1 or n_files < MIN_FILES or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(n, max(1, n_files // CHUNK))


def file_items(path: Path, ix: CampaignIndex | None = None, known: Iterable[str] = (),
               budget_s: float | None = None) -> FileItems:
    """(path, why it could not be opened or None, [(name, refusal, Prepared)]) for one file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return str(path), str(e.strerror or e), []
    out = []
    for name, member, refusal in upload_items(data, str(path)):
        prep = unread(member)
        if ix is not None and refusal is None and prep.digest not in known:
            prep = prepare(member, name, ix, budget_s, prep.digest)
        out.append((name, refusal, prep))
    return str(path), None, out


# what the workers read: set in the writer's process just before forking, inherited by the workers
_SHARED: dict[str, object] = {}


def _init_worker() -> None:
    # a worker must not outlive the writer (a killed ingest would leave it waiting on its queue forever)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl+C stops the writer, which stops the pool


def _work(path: Path) -> FileItems:
    return file_items(path, _SHARED["ix"], _SHARED["known"], _SHARED["budget_s"])


def prepared_files(files: list[Path], ix: CampaignIndex, known: Iterable[str],
                   budget_s: float | None = None) -> Iterator[FileItems]:
    """Every file's items, in the files' order. Files already known (by hash) are not parsed: the
    writer says "unchanged" without reading them, as it does alone."""
    workers = workers_wanted(len(files))
    if not workers:
        for f in files:
            yield file_items(f)          # the writer reads each file when it decides (check)
        return
    _SHARED.update(ix=ix, known=frozenset(known), budget_s=budget_s)
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
    try:
        # a window at a time: imap queues every result the writer has not taken yet, and the writer is
        # the slower side, so a folder of tens of thousands of files would otherwise pile up in memory
        for start in range(0, len(files), WINDOW):
            yield from pool.imap(_work, files[start:start + WINDOW], chunksize=CHUNK)
    finally:
        pool.terminate()
        pool.join()
        _SHARED.clear()


# --------------------------------------------------------------------------- reading while a new store is set up

READ_AHEAD = 1500        # workbooks a worker holds while it waits for the index (memory bound)


class EarlyReader:
    """Workers forked before the store is opened (the ingest command on a new database): while the
    writer sets the new database up (schema, master data, campaigns: a second or more on one core),
    they read their share of the files (every n-th: file i is worker i % n's); once the writer sends
    the campaign's index (`items`), they parse what they read and the rest, and hand each file back
    in order. The budget of a file counts its reading and its parsing, not the wait between."""

    def __init__(self, files: list[Path], budget_s: float | None = None):
        self.files = list(files)
        self.conns: list = []
        self.procs: list = []
        n = workers_wanted(len(self.files))
        ctx = multiprocessing.get_context("fork") if n else None
        for k in range(n):
            mine, theirs = ctx.Pipe()
            p = ctx.Process(target=_early_worker, args=(self.files[k::n], theirs, budget_s), daemon=True)
            p.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(p)

    def items(self, ix: CampaignIndex, known: Iterable[str]) -> Iterator[FileItems]:
        """Every file's items in the files' order (as prepared_files gives them)."""
        if not self.procs:
            for f in self.files:
                yield file_items(f)
            return
        import pickle

        blob = pickle.dumps((ix, frozenset(known)), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            for c in self.conns:
                c.send_bytes(blob)
            n = len(self.conns)
            for i in range(len(self.files)):
                yield self.conns[i % n].recv()
        finally:
            self.close()

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join()
        for c in self.conns:
            c.close()
        self.procs, self.conns = [], []


def _read_ahead(path: Path, budget_s: float | None) -> tuple:
    """A file read (not parsed): (path, error, [(name, refusal, Prepared, workbook, deadline, left)])."""
    import time

    from loaders.ingest import limits
    from loaders.ingest.prepare import read_stage

    try:
        data = path.read_bytes()
    except OSError as e:
        return str(path), str(e.strerror or e), []
    out = []
    for name, member, refusal in upload_items(data, str(path)):
        prep = unread(member)
        wb = deadline = left = None
        if refusal is None:
            deadline = limits.Deadline(budget_s)
            wb = read_stage(prep, member, deadline)
            left = deadline.end - time.monotonic()
        out.append((name, refusal, prep, wb, deadline, left))
    return str(path), None, out


def _parse_read(entry: tuple, ix: CampaignIndex, known: frozenset[str]) -> FileItems:
    import time

    from loaders.ingest.prepare import parse_stage

    path, error, read = entry
    items = []
    for name, refusal, prep, wb, deadline, left in read:
        if refusal is None and prep.digest not in known:
            if wb is not None:
                deadline.end = time.monotonic() + left     # the wait for the index is not the file's
                parse_stage(prep, wb, name, ix, deadline)
            prep.data = None                            # read: the writer needs only the outcome
        items.append((name, refusal, prep))
    return path, error, items


def _early_worker(files: list[Path], conn, budget_s: float | None) -> None:
    import pickle

    _init_worker()
    read = []
    for f in files:
        if len(read) >= READ_AHEAD or conn.poll():
            break                                       # the index is here (or enough is held)
        read.append(_read_ahead(f, budget_s))
    ix, known = pickle.loads(conn.recv_bytes())
    for entry in read:
        conn.send(_parse_read(entry, ix, known))
    for f in files[len(read):]:
        conn.send(file_items(f, ix, known, budget_s))
    conn.close()
