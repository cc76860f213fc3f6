"""The demo generator (on a short window) and the office-file writers it uses."""
from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from loaders.store import db
from loaders.demo import generator as demo
from loaders.demo import office_formats as of
from loaders.ingest.reader import ReadError, read_workbook

CAMPAIGN = "daklak-2025"
TODAY = date(2025, 9, 29)          # three weeks after the start (2025-09-08): weeks of 8, 15, 22 Sep
PERIOD = (date(2025, 9, 8), date(2025, 9, 14))
VALUES = {"ttcs_tin_bai": 12, "ttcs_thoi_luong": 1200, "web_banner": 1, "mxh_facebook": 5, "m_hoi_nghi": 0}
POSTS = [{"posted_on": date(2025, 9, 9), "platform": "Facebook", "title": "Xã Ea Kao tuyên truyền Đại hội",
          "url": "https://www.facebook.com/xaeakao/posts/1"}]


@pytest.fixture(scope="module")
def db_file(ready_db_path):
    return ready_db_path          # copied by _run, never written


def _run(db_file: Path, tmp: Path, name: str, seed: int = 5):
    path = tmp / f"{name}.duckdb"
    shutil.copy(db_file, path)
    con = db.connect(path)
    calls = []
    summary = demo.generate(con, CAMPAIGN, seed=seed, today=TODAY, out_dir=tmp / name,
                            progress=lambda i, n, label: calls.append((i, n)))
    values = con.execute(
        """select unit_code, period_start, indicator_code, value from v_report_values order by all""").fetchall()
    subs = con.execute(
        """select unit_code, period_start, version, is_current, file_hash, received_at from submissions
           order by all""").fetchall()
    return con, summary, values, subs, calls


@pytest.fixture(scope="module")
def runs(db_file, tmp_path_factory):
    pytest.importorskip("loaders.ingest.pipeline")
    tmp = tmp_path_factory.mktemp("demo_runs")
    a = _run(db_file, tmp, "a")
    b = _run(db_file, tmp, "b")
    yield a, b
    a[0].close()
    b[0].close()


def test_deterministic_for_a_seed(runs):
    (_, sa, va, suba, _), (_, sb, vb, subb, _) = runs
    assert Path(sa["out_dir"]).name == "a" and Path(sb["out_dir"]).name == "b"
    assert {k: v for k, v in sa.items() if k != "out_dir"} == {k: v for k, v in sb.items() if k != "out_dir"}
    assert va == vb and len(va) > 500
    assert suba == subb


def test_statuses_families_and_cohorts(runs):
    (con, s, _, _, calls), _ = runs
    assert s["weeks"] == 3 and s["units"] == 105
    st = s["status"]
    assert st.get("accepted", 0) > 250 and st.get("rejected", 0) >= 5 and st.get("unchanged", 0) >= 1
    assert s["by_intent"]["broken"] == {"rejected": s["by_intent"]["broken"].get("rejected", 0)}
    assert s["by_intent"]["resend"].get("unchanged", 0) >= 1
    assert s["by_intent"]["correction"].get("accepted", 0) >= 1
    assert 0.1 <= s["free_form_share"] <= 0.3
    fam = s["families"]
    for f in ("template", "copied", "no_diacritics", "tcvn3", "text_numbers", "xls", "ods", "old_name",
              "broken_random_bytes", "broken_truncated_zip", "broken_negative", "broken_unknown_unit",
              "broken_period_outside"):
        assert fam.get(f, 0) >= 1, f
    assert set(s["cohorts"]) == {"stopped", "sporadic", "weak", "silent", "dropping", "late"}
    assert s["late"] > 0 and s["missing"] > 0
    assert calls and calls[-1][0] == calls[-1][1]
    # corrected re-sends made a second version; receipt times are the planned ones, some late
    assert con.execute("select count(*) from submissions where version > 1").fetchone()[0] >= 1
    late = con.execute(
        """select count(*) from submissions s join campaigns c on c.code = s.campaign_code
           where s.is_current and s.received_at > (s.period_end + c.deadline_days)::timestamp
                 + to_hours(c.deadline_hour)""").fetchone()[0]
    assert late > 0
    assert con.execute("select max(received_at) from submissions").fetchone()[0] < datetime(2025, 9, 29, 12)


def test_files_on_disk_match_manifest(runs):
    import json

    (_, s, *_), _ = runs
    out = Path(s["out_dir"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) == s["files"]
    assert all((out / m["file"]).exists() for m in manifest)
    out_b = out.parent / "b"
    digest = lambda root: hashlib.sha256(b"".join((root / m["file"]).read_bytes() for m in manifest)).hexdigest()
    assert digest(out) == digest(out_b)


def test_ensure_demo_leaves_a_filled_store_alone(runs):
    (con, *_), _ = runs
    assert demo.ensure_demo(con) is False


def test_out_dir_with_foreign_files_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("x")
    with pytest.raises(ValueError, match="thư mục trống"):
        demo._prepare_out(tmp_path)
    assert (tmp_path / "mine.txt").exists()


# --------------------------------------------------------------------------- office writers

@pytest.mark.parametrize("writer,ext", [
    (of.copied_from_last_year, "xlsx"), (of.no_diacritics, "xlsx"), (of.text_numbers, "xlsx"),
    (of.xls, "xls"), (of.ods, "ods"), (of.tcvn3, "xlsx"), (of.vni, "xlsx")])
def test_office_writers_read_back(writer, ext):
    f = writer("Xã Ea Kao", PERIOD, VALUES, POSTS, seed=3, cumulative=VALUES)
    assert f.name.endswith("." + ext)
    assert f.data == writer("Xã Ea Kao", PERIOD, VALUES, POSTS, seed=3, cumulative=VALUES).data
    wb = read_workbook(f.data)
    assert wb.format == ext and len(wb.sheets) == 2
    text = " ".join(str(v) for row in wb.sheets[0].rows for v in row)
    if writer is of.tcvn3:
        assert "B¸O C¸O" in text or "B¸o c¸o" in text
    elif writer is of.vni:
        assert "COÄNG HOØA" in text
    elif writer is of.no_diacritics:
        assert text.isascii() or "EA KAO" in text
    else:
        assert "EA KAO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert POSTS[0]["url"] in " ".join(str(v) for row in wb.sheets[1].rows for v in row)


def test_text_numbers_and_layout_features():
    f = of.text_numbers("Phường Tân Lập", PERIOD, {"ttcs_thoi_luong": 1200, "web_banner": 1, "m_hoi_nghi": 0},
                        seed=1)
    rows = read_workbook(f.data).sheets[0].rows
    flat = [v for row in rows for v in row]
    assert "1.200" in flat and "x" in flat
    assert any(v in ("-", "không", "0", "") for row in rows for v in row[-4:-2])
    f = of.copied_from_last_year("Xã Ea Kao", PERIOD, VALUES, seed=0)
    sheet = read_workbook(f.data).sheets[0]
    assert sheet.merged
    labels = " ".join(str(v) for row in sheet.rows for v in row)
    assert "Tổng cộng" in labels or "Ghi chú" in labels


def test_multi_week_activity_list_old_name():
    weeks = [(PERIOD, VALUES), ((date(2025, 9, 15), date(2025, 9, 21)), VALUES)]
    assert len(read_workbook(of.multi_week("Xã Ea Kao", weeks, seed=2).data).sheets) == 2
    rows = read_workbook(of.activity_list("Xã Ea Kao", PERIOD, VALUES, seed=2).data).sheets[0].rows
    dated = [r for r in rows if any(isinstance(v, date) for v in r)]
    qty = sum(v for r in dated for v in r if isinstance(v, (int, float)) and not isinstance(v, bool)
              and v < 10000) - sum(range(1, len(dated) + 1))
    assert qty == sum(v for c, v in VALUES.items() if c != "web_banner")
    old = read_workbook(of.old_name("Xã Hòa Thắng", "TP Buôn Ma Thuột", PERIOD, VALUES, seed=2).data)
    title = " ".join(str(v) for row in old.sheets[0].rows[:3] for v in row)
    assert "HÒA THẮNG" in title and "BUÔN MA THUỘT" in title


def test_broken_files_are_unreadable_or_wrong():
    with pytest.raises(ReadError):
        read_workbook(of.broken_random_bytes(1).data)
    with pytest.raises(ReadError):
        read_workbook(of.broken_truncated_zip("Xã Ea Kao", PERIOD, VALUES).data)
    neg = read_workbook(of.broken_negative("Xã Ea Kao", PERIOD, VALUES).data).sheets[0].rows
    assert any(isinstance(v, (int, float)) and v < 0 for row in neg for v in row)
