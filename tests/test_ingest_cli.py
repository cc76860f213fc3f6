"""`python -m loaders ingest`: the contract other tools rely on, run as a real subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.workbooks import build, free_form, report

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "daklak-2025"
W1 = (date(2025, 9, 8), date(2025, 9, 14))
W2 = (date(2025, 9, 15), date(2025, 9, 21))
KEYS = {"file", "status", "unit_code", "period_start", "period_end", "messages"}


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CM_DB", None)
    return subprocess.run([sys.executable, "-m", "loaders", "ingest", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def lines(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def _files(folder: Path) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "1 tan lap.xlsx").write_bytes(build("xlsx", report("Phường Tân Lập", *W1, {"mxh_facebook": 3},
                                                                  unit_code="24121")))
    weeks = [report("Xã Ea Drông", a, b, {"mxh_zalo": 2}, meta=False, sheet_name=f"T{i}")[0]
             for i, (a, b) in enumerate([W1, W2])]
    (folder / "sub" / "2 ea drong.ods").write_bytes(build("ods", weeks))


def _bad(folder: Path) -> Path:
    p = folder / "3 loi.xls"
    p.write_bytes(build("xls", [free_form(["UBND XÃ EA DRÔNG"], "Tuần 37/2025",
                                          [[1, "Bài đăng trên Facebook", None, -4, None, None]])]))
    return p


def test_json_lines_and_exit_codes(db_path, tmp_path):
    folder = tmp_path / "in"
    _files(folder)
    r = run(str(folder), "--campaign", CAMPAIGN, "--db", str(db_path), "--json")
    assert r.returncode == 0, r.stderr
    out = lines(r.stdout)
    assert [Path(o["file"]).name for o in out] == ["1 tan lap.xlsx", "2 ea drong.ods"]
    first, second = out
    assert set(first) == KEYS
    assert (first["status"], first["unit_code"], first["period_start"], first["period_end"]) == \
        ("accepted", "24121", "2025-09-08", "2025-09-14")
    assert set(second) == KEYS | {"periods"}
    assert second["periods"] == [{"start": "2025-09-08", "end": "2025-09-14"},
                                 {"start": "2025-09-15", "end": "2025-09-21"}]
    assert (second["period_start"], second["period_end"]) == ("2025-09-08", "2025-09-21")

    bad = _bad(tmp_path)
    r = run(str(folder), str(bad), "--campaign", CAMPAIGN, "--db", str(db_path), "--json")
    assert r.returncode == 1
    out = lines(r.stdout)
    assert [o["status"] for o in out] == ["unchanged", "unchanged", "rejected"]
    msg = [m for m in out[2]["messages"] if m["level"] == "error"][0]
    assert set(msg) == {"level", "text", "sheet", "cell"}
    assert (msg["sheet"], msg["cell"]) == ("Sheet1", "D8") and "số âm" in msg["text"]
    assert all(m["level"] in ("error", "warning", "info") for o in out for m in o["messages"])


def test_usage_errors_exit_2(db_path, tmp_path):
    (tmp_path / "empty").mkdir()
    f = tmp_path / "a.xlsx"
    f.write_bytes(build("xlsx", report("Phường Tân Lập", *W1, {"mxh_facebook": 3}, unit_code="24121")))
    r = run(str(f), "--campaign", "no-such-plan", "--db", str(db_path), "--json")
    assert r.returncode == 2 and "no-such-plan" in r.stderr and r.stdout == ""
    r = run(str(tmp_path / "empty"), "--campaign", CAMPAIGN, "--db", str(db_path))
    assert r.returncode == 2 and "không có tệp" in r.stderr
    r = run(str(tmp_path / "missing.xlsx"), "--campaign", CAMPAIGN, "--db", str(db_path))
    assert r.returncode == 2 and "không tìm thấy" in r.stderr
    r = run(str(f), "--db", str(db_path))                       # --campaign is required
    assert r.returncode == 2


def test_readable_summary_and_progress_without_json(db_path, tmp_path):
    folder = tmp_path / "in"
    _files(folder)
    bad = _bad(tmp_path)
    r = run(str(folder), str(bad), "--campaign", CAMPAIGN, "--db", str(db_path))
    assert r.returncode == 1
    assert "Đã đọc 3 tệp" in r.stdout and "2 được nhận" in r.stdout and "1 bị từ chối" in r.stdout
    assert "[TỪ CHỐI]" in r.stdout and "số âm" in r.stdout
    assert "3/3" in r.stderr                                       # the progress bar


def test_a_new_database_is_created_and_made_ready(tmp_path):
    db = tmp_path / "new" / "store.duckdb"
    f = tmp_path / "a.xlsx"
    f.write_bytes(build("xlsx", report("Phường Tân Lập", *W1, {"mxh_facebook": 3}, unit_code="24121")))
    r = run(str(f), "--campaign", CAMPAIGN, "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr
    assert lines(r.stdout)[0]["status"] == "accepted"
    assert db.exists()
    # made ready for ingest: every campaign's rollup fresh; the map's polygons are left to the app's
    # start (ingest reads none of them), which loads them
    from loaders import api
    from loaders.store import db as store
    from loaders.store import rollup

    con = store.connect(db, read_only=True)       # read only: nothing refreshed on opening
    try:
        assert rollup.stale(con) == [] and rollup.is_fresh(con)
        assert con.execute("select count(*) from campaigns").fetchone()[0] >= 5
        assert con.execute("select count(*) from shipped_boundaries").fetchone()[0] == 0
    finally:
        con.close()
    con = store.connect(db)
    try:
        api.prepare(con, demo=False)
        assert con.execute("select count(*) from shipped_boundaries").fetchone()[0] > 3000
        assert con.execute("select count(*) from submissions").fetchone()[0] == 1
    finally:
        con.close()


def test_unknown_row_accepted_with_a_warning_then_mapped_without_sending_again(db_path, tmp_path):
    """Issue 10 end to end: the CLI accepts a report with a row it cannot name and warns about it; a
    wording mapped once (loaders/ingest/unclassified.py, as the page does) counts in the overview and
    the lagging list at once; undoing it takes the number back; both are in the audit log."""
    from datetime import datetime

    import queries
    from loaders.accounts import auth
    from loaders.ingest.unclassified import map_wording, undo_mapping
    from loaders.store import db, rollup

    f = tmp_path / "ea drong.xlsx"
    f.write_bytes(build("xlsx", [free_form(["UBND XÃ EA DRÔNG"], "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
                                           [[1, "Bài đăng trên Facebook", "bài", 2, None, None],
                                            [2, "Phông, bạt chào mừng Đại hội", "cái", 6, None, None]])]))
    r = run(str(f), "--campaign", CAMPAIGN, "--db", str(db_path), "--json")
    assert r.returncode == 0, r.stderr
    out = lines(r.stdout)[0]
    assert out["status"] == "accepted"
    assert any(m["level"] == "warning" and "Phông, bạt chào mừng Đại hội" in m["text"] and m["cell"] == "B9"
               for m in out["messages"])

    con = db.connect(db_path)
    con.execute("update submissions set received_at = ?", [datetime(2025, 9, 15, 9)])   # sent on time
    rollup.refresh(con)          # a raw write refreshes the rollup itself, as writers do (reads never write)
    as_of = date(2025, 9, 30)

    def truc_quan() -> tuple[int, float]:
        cov = queries.run("coverage_by_group", con, campaign=CAMPAIGN, as_of=as_of)
        lag = queries.run("lagging_units", con, campaign=CAMPAIGN, as_of=as_of).set_index("unit_code")
        active = cov[(cov["group_code"] == "truc_quan") & (cov["phase_number"] == 1)]["units_active"].max()
        return int(active), float(lag.loc["24328", "completion"])

    before = truc_quan()
    key = queries.run("unclassified_wordings", con, campaign=CAMPAIGN)["wording_key"][0]
    user = auth.User("quantri", "Quản trị", "quan_tri")
    mapping = map_wording(con, key, "Phông, bạt chào mừng Đại hội", "tq_bang_ron", None, user)
    after = truc_quan()
    assert before[0] == 0 and after[0] == 1 and after[1] > before[1]
    undo_mapping(con, mapping["mapping_id"], user)
    assert truc_quan() == before
    actions = [a for (a,) in con.execute("select action from audit_log order by id").fetchall()]
    assert actions[-2:] == ["wording.map", "wording.unmap"]
    con.close()


def test_a_new_database_with_many_files_is_read_while_it_is_set_up(ready_db_path, tmp_path, monkeypatch):
    """On a new database, worker processes read the files while the store is set up, then parse them
    (loaders/ingest/parallel.py, EarlyReader): the output and what is stored are exactly those of one
    process, in the same order, a damaged file and an archive included."""
    import io
    import zipfile

    from loaders.ingest.parallel import MIN_FILES
    from loaders.outputs.template import TemplateFiller
    from loaders.store import db as store

    folder = tmp_path / "files"
    folder.mkdir()
    con = store.connect(ready_db_path, read_only=True)
    filler = TemplateFiller(con, CAMPAIGN)
    units = [u for (u,) in con.execute("select unit_code from campaign_units where campaign_code = ? "
                                       "and territorial order by unit_code limit ?", [CAMPAIGN, MIN_FILES]).fetchall()]
    for i, u in enumerate(units):
        (folder / filler.filename(u, W1[0])).write_bytes(filler.fill(u, W1[0], {"mxh_facebook": i}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.xlsx", filler.fill(units[0], W2[0], {"mxh_zalo": 7}))
        z.writestr("b.xlsx", b"not a workbook")
    con.close()
    (folder / "zz-archive.zip").write_bytes(buf.getvalue())
    _bad(folder)

    out = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("CM_INGEST_WORKERS", workers)
        dbfile = tmp_path / f"new-{workers}.duckdb"
        r = run(str(folder), "--campaign", CAMPAIGN, "--db", str(dbfile), "--json")
        assert r.returncode == 1, r.stderr          # the damaged files are refused
        con = store.connect(dbfile, read_only=True)
        stored = con.execute("select s.file_name, s.unit_code, s.period_start, v.indicator_code, v.value "
                             "from submissions s join report_values v on v.submission_id = s.id "
                             "order by all").fetchall()
        con.close()
        out[workers] = (r.stdout, stored)
    assert out["0"] == out["2"]
    statuses = [x["status"] for x in lines(out["2"][0])]
    assert statuses.count("accepted") == len(units) + 1 and statuses.count("rejected") == 2
    assert len({row[0] for row in out["2"][1]}) == len(units) + 1      # one submission per accepted file


PROBE = """
import runpy, sys
sys.argv = ["loaders", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("loaders", run_name="__main__")
except SystemExit as e:
    code = e.code
heavy = ("pandas", "numpy", "pyarrow", "streamlit", "plotly", "geopandas", "shapely", "openpyxl", "tqdm")
print("LOADED", code, " ".join(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


def test_the_ingest_command_on_a_new_database_imports_only_what_it_uses(tmp_path):
    """A new store's first ingest (the command's cold start) loads no library it does not use: not
    the app's (streamlit, plotly), not the map's (shapely, geopandas, pyarrow), not pandas, which
    DuckDB would import for its first statement with parameters (loaders.store.db.skip_pandas_probe);
    the master data comes from the shipped files. What is stored is what the set-up always stored."""
    db = tmp_path / "new.duckdb"
    f = tmp_path / "a.xlsx"
    f.write_bytes(build("xlsx", report("Phường Tân Lập", *W1, {"mxh_facebook": 3}, unit_code="24121")))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("CM_DB", None)
    r = subprocess.run([sys.executable, "-c", PROBE, "ingest", str(f), "--campaign", CAMPAIGN, "--db", str(db),
                        "--json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    loaded = [x for x in r.stderr.splitlines() if x.startswith("LOADED")]
    assert loaded and loaded[0].split(" ", 2)[1:] == ["0", ""], r.stderr[-3000:]
    assert lines(r.stdout)[0]["status"] == "accepted"
    from loaders.store import db as store

    con = store.connect(db, read_only=True)
    try:
        units = con.execute("select count(*), count(distinct province_code) from units where era = '2025'").fetchone()
        assert units == (3321, 34)
        assert con.execute("select unit_code, indicator_code, value from report_values v join submissions s "
                           "on s.id = v.submission_id where value > 0").fetchall() == [("24121", "mxh_facebook", 3.0)]
        # the parameters DuckDB took without pandas: dates, texts and numbers as ever
        assert con.execute("select period_start, file_name from submissions").fetchall() == [(W1[0], str(f))]
    finally:
        con.close()
