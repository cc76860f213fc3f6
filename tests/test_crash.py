"""Crashes: a batch ingest killed with SIGKILL at several points leaves a database that opens and
holds only whole files; finishing the batch afterwards stores everything exactly once."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest

from loaders.store import db
from loaders.outputs.template import TemplateFiller
from tests.browser import ROOT

pytestmark = pytest.mark.slow

WEEKS = [date(2025, 9, 8) + timedelta(weeks=i) for i in range(8)]


@pytest.fixture(scope="module")
def batch(tmp_path_factory, ready_db_path):
    """About 800 real template files (every commune of Đắk Lắk × 8 weeks)."""
    folder = tmp_path_factory.mktemp("batch")
    con = db.connect(ready_db_path, read_only=True)
    filler = TemplateFiller(con, "daklak-2025")
    units = [u for (u,) in con.execute("select unit_code from campaign_units where campaign_code = 'daklak-2025' "
                                       "and territorial order by unit_code").fetchall()]
    rng = random.Random(11)
    for week in WEEKS:
        for unit in units:
            values = {"ttcs_tin_bai": rng.randint(0, 20), "mxh_facebook": rng.randint(0, 30),
                      "m_hoi_nghi": rng.randint(0, 4)}
            (folder / f"{unit}_{week}.xlsx").write_bytes(filler.fill(unit, week, values))
    con.close()
    return folder


def _ingest(db_file, folder) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "loaders", "ingest", str(folder), "--campaign", "daklak-2025",
                             "--db", str(db_file), "--json"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "CM_LOCK_WAIT": "30"})


def _values(db_file):
    con = db.connect(db_file)
    try:
        return sorted(con.execute("select unit_code, period_start, indicator_code, value from v_report_values"
                                  ).fetchall())
    finally:
        con.close()


def _whole_files_only(db_file, folder):
    """Every stored submission has all its values; none is stored twice; nothing dangles."""
    con = db.connect(db_file)
    try:
        per_sub = con.execute("""
            select s.id, count(v.indicator_code) from submissions s
            left join report_values v on v.submission_id = s.id group by s.id""").fetchall()
        counts = {n for _, n in per_sub}
        assert len(counts) <= 1, counts  # same template for every commune: same number of values
        assert con.execute("select count(*) from report_values v where not exists "
                           "(select 1 from submissions s where s.id = v.submission_id)").fetchone()[0] == 0
        dup = con.execute("select count(*) from (select unit_code, period_start from submissions where is_current "
                          "group by all having count(*) > 1)").fetchone()[0]
        assert dup == 0
        return len(per_sub)
    finally:
        con.close()


def test_sigkill_during_batch_ingest(batch, ready_db_path, tmp_path):
    import shutil

    files = len(list(batch.glob("*.xlsx")))
    reference = tmp_path / "reference.duckdb"
    shutil.copyfile(ready_db_path, reference)
    started = datetime.now()
    assert _ingest(reference, batch).wait(300) == 0
    # a point inside the batch: before its last files were written (received_at is stamped as a
    # batch is written); after them the command refreshes the weekly rollup (the writer refreshes,
    # reads never write) and closes the store, which is no longer "inside the batch"
    con = db.connect(reference)
    full = (con.execute("select max(received_at) from submissions").fetchone()[0] - started).total_seconds()
    con.close()
    expected = _values(reference)
    assert _whole_files_only(reference, batch) == files

    rng = random.Random(2026)
    inside, late = 0, 0
    for attempt in range(8):
        victim = tmp_path / f"killed-{attempt}.duckdb"
        shutil.copyfile(ready_db_path, victim)
        proc = _ingest(victim, batch)
        # a random point inside the batch, judged by the reference run; on a shared machine a run can be
        # much faster than the reference, so each kill that came too late aims earlier the next time
        time.sleep(rng.uniform(0.3, 0.9) * full * 0.5 ** late)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        stored = _whole_files_only(victim, batch)   # the database opens and holds whole files only
        if stored < files:
            inside += 1
        else:
            late += 1
        # finishing the batch stores everything exactly once
        assert _ingest(victim, batch).wait(300) == 0
        assert _whole_files_only(victim, batch) == files
        assert _values(victim) == expected
        if inside == 3:
            break
    assert inside == 3, f"only {inside} of {attempt + 1} kills landed inside the batch"
