"""Process model: the app's shared connection lets command-line tools in when idle, and a busy
database gets a plain Vietnamese answer instead of a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date

from loaders.store import db
from tests import workbooks as wb
from tests.browser import ROOT


def _cli_ingest(db_path, file, wait="1"):
    env = {**os.environ, "CM_LOCK_WAIT": wait}
    return subprocess.run([sys.executable, "-m", "loaders", "ingest", str(file), "--campaign", "daklak-2025",
                           "--db", str(db_path), "--json"], capture_output=True, text=True, cwd=ROOT, env=env)


def _report(tmp_path):
    f = tmp_path / "tan-lap.xlsx"
    f.write_bytes(wb.xlsx(wb.report("Phường Tân Lập", date(2025, 9, 8), date(2025, 9, 14),
                                    {"ttcs_tin_bai": 6}, unit_code="24121")))
    return f


def test_cli_ingest_gets_in_while_the_app_is_idle(db_path, tmp_path):
    shared = db.SharedConnection(db_path, idle_s=0.3)
    con = shared.get()
    assert con.execute("select count(*) from campaigns").fetchone()[0] == 5
    time.sleep(1.0)  # the app has been idle: the file is released
    assert not shared.is_open
    r = _cli_ingest(db_path, _report(tmp_path), wait="20")
    assert r.returncode == 0, r.stderr
    # and the app sees the new report on its next use
    assert con.execute("select count(*) from v_report_values where unit_code = '24121'").fetchone()[0] > 0
    shared.close()


def test_busy_database_is_explained(db_path, tmp_path):
    shared = db.SharedConnection(db_path, idle_s=60)
    con = shared.get()
    with db.transaction(con):
        r = _cli_ingest(db_path, _report(tmp_path), wait="1")
    assert r.returncode == 3
    assert "đang được một chương trình khác sử dụng" in r.stderr and "Traceback" not in r.stderr
    shared.close()


def test_open_cursor_keeps_the_file(db_path):
    shared = db.SharedConnection(db_path, idle_s=0.2)
    cur = shared.get().cursor()
    time.sleep(0.8)
    assert shared.is_open  # never closed under a cursor in use
    assert cur.execute("select 1").fetchone()[0] == 1
    cur.close()
    time.sleep(0.8)
    assert not shared.is_open


def test_two_uploads_at_the_same_time_both_succeed(db_path):
    """Two sessions of the app send files at the same moment: both are stored, each exactly once."""
    import threading

    from loaders.ingest import pipeline as ingest

    shared = db.SharedConnection(db_path, idle_s=5)
    files = {unit: wb.xlsx(wb.report(name, date(2025, 9, 8), date(2025, 9, 14), {"ttcs_tin_bai": n},
                                      unit_code=unit))
             for unit, name, n in [("24121", "Phường Tân Lập", 4), ("24169", "Phường Ea Kao", 6)]}
    results, start = {}, threading.Barrier(2)

    def upload(unit):
        start.wait()
        for _ in range(3):  # and again, as impatient people do
            with shared.writer() as con:
                results.setdefault(unit, []).append(
                    ingest.ingest_bytes(con, files[unit], f"{unit}.xlsx", "daklak-2025").status)

    threads = [threading.Thread(target=upload, args=(u,)) for u in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {u: ["accepted", "unchanged", "unchanged"] for u in files}
    con = shared.get()
    assert dict(con.execute("select unit_code, value from v_report_values where indicator_code = 'ttcs_tin_bai'"
                            ).fetchall()) == {"24121": 4, "24169": 6}
    shared.close()
