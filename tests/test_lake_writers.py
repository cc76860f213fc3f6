"""Several writers on one lake (issue 14): two `ingest` processes at once while a reader loops over
queries, and a writer killed with SIGKILL in the middle of its batch.

Writers take turns under one PostgreSQL advisory lock (loaders/store/lake.py), so every file is
stored once, one current version per unit and period, no conflict error, and the result equals one
writer's; a killed writer's transaction never commits (DuckLake commits in the catalog), so only
whole files are stored.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pytest

import queries
from loaders.outputs.template import TemplateFiller
from loaders.store import copy, db
from tests.browser import ROOT
from tests.test_crash import _whole_files_only

pytestmark = pytest.mark.slow

CAMPAIGN = "daklak-2025"
WEEKS = [date(2025, 9, 8), date(2025, 9, 15)]
READS = ("campaign_summary", "submission_grid", "reporting_rate_by_unit", "data_version")


@pytest.fixture(scope="module")
def files(tmp_path_factory, ready_db_path):
    """Two folders of real template files: different communes, plus one commune and week in both
    (the same report, sent twice)."""
    root = tmp_path_factory.mktemp("lake_batch")
    con = db.connect(ready_db_path, read_only=True)
    filler = TemplateFiller(con, CAMPAIGN)
    units = [u for (u,) in con.execute("select unit_code from campaign_units where campaign_code = ? "
                                       "and territorial order by unit_code limit 61", [CAMPAIGN]).fetchall()]
    rng = random.Random(14)
    shared, rest = units[0], units[1:]
    folders = {"a": root / "a", "b": root / "b"}
    for name, part in (("a", rest[:30]), ("b", rest[30:])):
        folders[name].mkdir()
        for unit in [shared, *part]:
            for week in WEEKS:
                r = random.Random(f"{unit}{week}") if unit == shared else rng
                values = {"ttcs_tin_bai": r.randint(0, 20), "mxh_facebook": r.randint(0, 30)}
                (folders[name] / f"{unit}_{week}.xlsx").write_bytes(filler.fill(unit, week, values))
    con.close()
    return folders


def _ingest(where: str, folder) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "loaders", "ingest", str(folder), "--campaign", CAMPAIGN,
                             "--db", where, "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ})


def _current(where: str) -> list:
    con = db.connect(where, read_only=True)
    try:
        return sorted(con.execute("select unit_code, period_start, indicator_code, value from v_report_values"
                                  ).fetchall())
    finally:
        con.close()


def _reader(where: str, stop: threading.Event, seen: dict) -> None:
    con = db.connect(where, read_only=True)
    try:
        while not stop.is_set():
            for name in READS:
                params = {"campaign": CAMPAIGN, "as_of": date(2025, 9, 30)}
                declared = {p.lstrip("$") for p in queries.header(name)["params"]}
                queries.run(name, con, timeout_s=300, **{k: v for k, v in params.items() if k in declared})
                seen["reads"] += 1
    except Exception as e:   # noqa: BLE001 - the test reports it
        seen["error"] = repr(e)
    finally:
        con.close()


def test_two_writers_and_a_reader_at_once(files, ready_db_path, new_lake, tmp_path):
    where = new_lake()
    copy.copy(ready_db_path, where)
    stop, seen = threading.Event(), {"reads": 0}
    reader = threading.Thread(target=_reader, args=(where, stop, seen))
    reader.start()
    procs = [_ingest(where, files["a"]), _ingest(where, files["b"])]
    outs = [p.communicate(timeout=600) for p in procs]
    stop.set()
    reader.join(60)
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    assert "error" not in seen and seen["reads"] > 0, seen
    results = [json.loads(line) for out, _ in outs for line in out.splitlines()]
    by_file = {}
    for r in results:
        by_file.setdefault((r["file"].split("/")[-1]), []).append(r["status"])
    total = len(list(files["a"].glob("*.xlsx"))) + len(list(files["b"].glob("*.xlsx")))
    assert len(results) == total
    # each commune's report stored once; the report sent by both: accepted once, unchanged once
    for name, statuses in by_file.items():
        assert sorted(statuses) in (["accepted"], ["accepted", "unchanged"]), (name, statuses)
    assert sum(s.count("accepted") for s in by_file.values()) == len(by_file)
    # one current version per unit and period, whole files only
    _whole_files_only(where, None)
    # the same as one writer: both folders one after the other into a file
    single = tmp_path / "single.duckdb"
    import shutil

    shutil.copyfile(ready_db_path, single)
    for folder in (files["a"], files["b"]):
        assert _ingest(str(single), folder).wait(600) == 0
    assert _current(where) == _current(str(single))


# the ingest command's own code path in a process of its own, in batches of 5 files (the command
# writes 400 at a time: the whole folder would be one transaction), so a kill lands between commits
# or inside one
SMALL_BATCHES = ("import sys; from loaders.store import db; from loaders.ingest import pipeline; "
                 "con = db.connect(sys.argv[1]); pipeline.ingest_paths(con, [sys.argv[2]], 'daklak-2025', "
                 "batch_files=5); con.close()")


def test_sigkill_of_a_lake_writer_leaves_whole_files(files, ready_db_path, new_lake):
    where = new_lake()
    copy.copy(ready_db_path, where)
    proc = subprocess.Popen([sys.executable, "-c", SMALL_BATCHES, where, str(files["a"])], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # kill it once some files are stored (a batch commits as it goes), before it finishes
    deadline = time.monotonic() + 300
    stored = 0
    con = db.connect(where, read_only=True)
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            stored = con.execute("select count(*) from submissions").fetchone()[0]
            if stored:
                break
            time.sleep(0.05)
    finally:
        con.close()
    time.sleep(random.Random(9).uniform(0.05, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    kept = _whole_files_only(where, None)
    assert kept < len(list(files["a"].glob("*.xlsx")))
    # the lock died with the writer: the next writer gets in and completes the batch exactly once
    assert _ingest(where, files["a"]).wait(600) == 0
    assert _whole_files_only(where, None) == len(list(files["a"].glob("*.xlsx")))
