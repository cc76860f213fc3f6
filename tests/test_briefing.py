"""The briefing (.docx) on the demo database of daklak-2025 as of 19/11/2025, opened with python-docx.

Every table is compared, cell by cell, with the named queries the pages read for the same campaign,
period and day, formatted with the pages' own formatters (ui.common); the units without a report
are also checked against a count from the raw tables (tests/demo_db.py). Layout: Quốc hiệu – Tiêu
ngữ beside the issuing body, number and symbol, place and date, headings, Times New Roman, A4 margins.
"""
from __future__ import annotations

import functools
import io
import subprocess
import sys
from datetime import date, timedelta

import docx
import pytest
from docx.shared import Pt

import queries
from loaders.outputs import briefing
from loaders.store import db
from tests import demo_db
from tests.browser import ROOT
from ui.charts import pct_points
from ui.common import vn_date, vn_number, vn_percent

AS_OF = demo_db.AS_OF
WEEK = date(2025, 11, 10)            # the latest week due by 19/11/2025 (the overview's week)
CODE = demo_db.CAMPAIGN
HEADINGS = ["I. TÌNH HÌNH NỘP BÁO CÁO", "II. KẾT QUẢ THỰC HIỆN", "III. TIẾN ĐỘ THỰC HIỆN CÁC ĐỢT",
            "IV. ĐƠN VỊ ĐỀ NGHỊ BIỂU DƯƠNG", "V. XÃ, PHƯỜNG CHẬM TIẾN ĐỘ", "VI. ĐƠN VỊ CHƯA NỘP BÁO CÁO",
            "VII. ĐỀ XUẤT, KIẾN NGHỊ"]


@pytest.fixture(scope="module")
def store(demo_path):
    """The documents (week 10/11–16/11 and Đợt II) and the query results, read on one connection."""
    con = db.connect(demo_path)
    try:
        run = functools.partial(queries.run, con=con)
        week = docx.Document(io.BytesIO(briefing.build(run, CODE, AS_OF, week=WEEK)))
        phase = docx.Document(io.BytesIO(briefing.build(run, CODE, AS_OF, phase=2)))
        names = ["reporting_rate_by_week", "reporting_rate_by_phase", "campaign_summary", "coverage_by_group",
                 "weekly_timeline", "posting_counts", "phase_completion_province", "phase_completion_by_unit",
                 "channel_coverage_by_unit", "lagging_units", "lagging_changes", "submission_grid", "reporting_rate_by_unit_phase"]
        data = {n: run(n, campaign=CODE, as_of=AS_OF) for n in names}
        data["reporting_units"] = run("reporting_units", campaign=CODE)
        data["campaign_phases"] = run("campaign_phases", campaign=CODE)
        data["units"] = demo_db.reporting_units(con)
        data["reported"] = demo_db.reported(con, (WEEK, WEEK + timedelta(days=6)))
    finally:
        con.close()
    return dict(week=week, phase=phase, **data)


def _cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def _table_after(document, heading: str, nth: int = 0) -> list[list[str]]:
    """The nth table after the heading paragraph `heading` (and before the next Heading 1)."""
    body = document.element.body
    seen, found = 0, False
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = docx.text.paragraph.Paragraph(el, document)
            if p.style.name == "Heading 1":
                if found:
                    break
                found = p.text == heading
        elif tag == "tbl" and found:
            if seen == nth:
                return _cells(docx.table.Table(el, document))
            seen += 1
    raise AssertionError(f"no table {nth} after {heading!r}")


def _points(now, before) -> str:
    d = pct_points(now, before)
    return "0 điểm %" if d == 0 else d


# ---------------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------------

def test_layout_of_the_administrative_document(store):
    d = store["week"]
    header = _cells(d.tables[0])[0]
    assert header[0].split("\n") == ["UBND TỈNH ĐẮK LẮK", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Số:        /BC-"]
    assert header[1].split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                                     "Đắk Lắk, ngày 19 tháng 11 năm 2025"]
    borders = d.tables[0]._tbl.tblPr.xml
    assert 'w:val="nil"' in borders                                 # side by side, without borders
    texts = [p.text for p in d.paragraphs]
    assert "BÁO CÁO" in texts
    title = next(p for p in d.paragraphs if p.text == "BÁO CÁO")
    assert title.runs[0].bold and title.alignment == 1                 # bold, centred
    assert "Kết quả công tác thông tin, tuyên truyền tuần từ ngày 10/11/2025 đến ngày 16/11/2025" in texts
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == HEADINGS
    # Times New Roman 14, A4, margins of NĐ 30 (top 20–25, bottom 20–25, left 30–35, right 15–20 mm)
    normal = d.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    assert d.styles["Heading 1"].font.name == "Times New Roman"
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    mm = {k: round(getattr(s, f"{k}_margin").mm) for k in ("top", "bottom", "left", "right")}
    assert 20 <= mm["top"] <= 25 and 20 <= mm["bottom"] <= 25 and 30 <= mm["left"] <= 35 and 15 <= mm["right"] <= 20
    # two charts, as PNG images
    pictures = [r for r in d.part.rels.values() if "image" in r.reltype]
    assert len(pictures) == 2 and all(r.target_part.blob[:8] == b"\x89PNG\r\n\x1a\n" for r in pictures)
    # the last section is left for the author; the signature block follows
    assert texts[texts.index("VII. ĐỀ XUẤT, KIẾN NGHỊ") + 1].startswith("....")
    assert _cells(d.tables[-1])[0][1].startswith("THỦ TRƯỞNG CƠ QUAN")


# ---------------------------------------------------------------------------------------------------
# The weekly briefing: every table against the queries
# ---------------------------------------------------------------------------------------------------

def test_week_reporting_equals_the_overview(store):
    weeks = store["reporting_rate_by_week"].reset_index(drop=True)
    now, before = weeks.iloc[-1], weeks.iloc[-2]            # the overview's latest due week and the one before
    assert now["week_start"].date() == WEEK
    rows = _table_after(store["week"], HEADINGS[0])
    assert rows[0] == ["Chỉ số", f"Tuần {now['week_label']}", f"Tuần trước ({before['week_label']})", "Thay đổi"]

    def change(col):
        d = int(now[col] - before[col])
        return ("+" if d > 0 else "") + vn_number(d)
    assert rows[1:] == [
        ["Số báo cáo phải nộp", vn_number(now["expected"]), vn_number(before["expected"]), change("expected")],
        ["Số báo cáo đã nhận", vn_number(now["received"]), vn_number(before["received"]), change("received")],
        ["Tỷ lệ nộp báo cáo", vn_percent(now["reporting_rate"], 1), vn_percent(before["reporting_rate"], 1),
         _points(now["reporting_rate"], before["reporting_rate"])],
        ["Số báo cáo nộp đúng hạn", vn_number(now["on_time"]), vn_number(before["on_time"]), change("on_time")],
        ["Tỷ lệ nộp đúng hạn", vn_percent(now["on_time_rate"], 1), vn_percent(before["on_time_rate"], 1),
         _points(now["on_time_rate"], before["on_time_rate"])],
    ]
    # by hand: 105 units, those with a report covering the week
    assert now["expected"] == len(store["units"]) == 105
    assert now["received"] == len(store["reported"])
    s = store["campaign_summary"].iloc[0]
    assert (f"Từ đầu kế hoạch đến hết ngày 19/11/2025: đã nhận {vn_number(s['received'])}/{vn_number(s['expected'])} "
            f"báo cáo ({vn_percent(s['reporting_rate'], 1)}), 10 tuần đã đến hạn.") in [p.text for p in store["week"].paragraphs]


def test_week_results_per_group_and_platform(store):
    wt = store["weekly_timeline"]
    wt = wt[wt["week_start"] == str(WEEK)]
    cov = store["coverage_by_group"]
    cov = cov[(cov["unit_scope"] == "commune") & (cov["phase_number"] == 2)].set_index("group_code")
    groups = wt[wt["series_kind"] == "group"]
    rows = _table_after(store["week"], HEADINGS[1], 0)
    assert rows[0][-1] == "Độ phủ Đợt II (xã, phường)"
    assert rows[1:] == [
        [str(i), r.series_name, vn_number(r.value), vn_number(r.units_active),
         f"{vn_number(cov.loc[r.series_code, 'units_active'])}/{vn_number(cov.loc[r.series_code, 'units_assigned'])} "
         f"({vn_percent(cov.loc[r.series_code, 'coverage'])})" if r.series_code in cov.index else "—"]
        for i, r in enumerate(groups.itertuples(), 1)]
    posts = wt[wt["series_kind"] == "posting"]
    rows = _table_after(store["week"], HEADINGS[1], 1)
    assert rows[1:-1] == [[str(i), r.series_name, vn_number(r.value), vn_number(r.units_active)]
                          for i, r in enumerate(posts.itertuples(), 1)]
    assert rows[-1] == ["", "Tổng cộng", vn_number(posts["value"].sum()), ""]
    assert posts["value"].sum() > 0


def test_progress_of_the_phases_equals_the_overview(store):
    prov = store["phase_completion_province"]
    prov = prov[prov["unit_scope"] == "all"].sort_values("phase_number")
    phases = store["campaign_phases"].set_index("phase_number")
    expected = []
    for r in prov.itertuples():
        gap = round(100 * (r.completion - r.expected))
        expected.append([r.phase_name, f"{vn_date(phases.loc[r.phase_number, 'start_date'])}–"
                                       f"{vn_date(phases.loc[r.phase_number, 'end_date'])}",
                         vn_percent(r.completion), vn_percent(r.expected), f"{'+' if gap > 0 else ''}{gap} điểm %",
                         f"{int(r.units_on_track)}/{int(r.units)} ({vn_percent(r.share_on_track)})"])
    for doc in (store["week"], store["phase"]):
        assert _table_after(doc, HEADINGS[2])[1:] == expected
    assert [r[0] for r in expected] == ["Đợt I", "Đợt II"]
    p2 = prov[prov["phase_number"] == 2].iloc[0]
    gap = round(100 * (p2["completion"] - p2["expected"]))       # the overview's "Cao/Thấp hơn mức cần đạt"
    side = "cao" if gap >= 0 else "thấp"
    assert any(f"{side} hơn mức cần đạt ({vn_percent(p2['expected'])}) {abs(gap)} điểm %" in p.text
               for p in store["week"].paragraphs)


def test_commended_communes_are_the_best_on_track_and_not_lagging(store):
    comp = store["phase_completion_by_unit"]
    comp = comp[comp["territorial"] & (comp["phase_number"] == 2)].set_index("unit_name")
    cov = store["channel_coverage_by_unit"]
    cov = cov[cov["phase_number"] == 2].set_index("unit_name")
    lagging = set(store["lagging_units"]["unit_name"])
    rows = _table_after(store["week"], HEADINGS[3])[1:]
    assert 1 <= len(rows) <= briefing.COMMEND_TOP
    for i, (n, name, completion, expected, coverage) in enumerate(rows, 1):
        c, v = comp.loc[name], cov.loc[name]
        assert (n, completion, expected) == (str(i), vn_percent(c["completion"]), vn_percent(c["expected"]))
        assert coverage == f"{int(v['groups_active'])}/{int(v['groups_assigned'])} ({vn_percent(v['coverage'])})"
        assert c["on_track"] and name not in lagging
    # nobody left out did better: every other on-track, non-lagging commune completes no more
    chosen = [r[1] for r in rows]
    others = comp[comp["on_track"] & ~comp.index.isin(lagging) & ~comp.index.isin(chosen)]
    assert all(others["completion"] <= comp.loc[chosen[-1], "completion"])
    assert _table_after(store["phase"], HEADINGS[3]) == _table_after(store["week"], HEADINGS[3])


def test_lagging_communes_equal_the_lagging_list(store):
    lag = store["lagging_units"]
    communes = lag[lag["territorial"]].sort_values("rank")
    rows = _table_after(store["week"], HEADINGS[4])
    assert rows[0] == ["STT", "Xã, phường", "Điểm", "Lý do", "Hoàn thành đợt", "Số tuần chậm"]
    assert rows[1:] == [[str(i), r.unit_name, vn_number(r.score), "\n".join(r.reasons), vn_percent(r.completion),
                         vn_number(r.weeks_lagging)] for i, r in enumerate(communes.itertuples(), 1)]
    changes = store["lagging_changes"]
    changes = changes[changes["territorial"]]
    n = {s: int((changes["status"] == s).sum()) for s in ("new", "still", "recovered")}
    assert any(p.text.startswith(f"So với một tuần trước: {n['new']} xã, phường mới chậm tiến độ, {n['still']} vẫn "
                                 f"chậm, {n['recovered']} hết chậm") for p in store["week"].paragraphs)
    s = store["campaign_summary"].iloc[0]
    assert s["lagging_communes"] == len(communes)
    assert f"có {int(s['lagging_communes'])}/{int(s['communes'])} xã, phường chậm tiến độ:" in \
        " ".join(p.text for p in store["week"].paragraphs)


def test_units_without_a_report_for_the_week_by_hand(store):
    rows = _table_after(store["week"], HEADINGS[5])[1:]
    grid = store["submission_grid"]
    missing = grid[(grid["week_start"] == str(WEEK)) & (grid["status"] == "missing")]
    units = store["units"]
    by_hand = set(units["unit_code"]) - set(store["reported"]["unit_code"])
    assert set(missing["unit_code"]) == by_hand
    kinds = store["reporting_units"].set_index("unit_code")["kind_name"]
    assert sorted((r[1], r[2]) for r in rows) == sorted(
        (n, kinds[c]) for c, n in zip(missing["unit_code"], missing["unit_name"]))
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert len(rows) == 105 - len(store["reported"])


# ---------------------------------------------------------------------------------------------------
# The phase briefing
# ---------------------------------------------------------------------------------------------------

def test_phase_briefing_tables(store):
    d = store["phase"]
    assert "Kết quả công tác thông tin, tuyên truyền Đợt II (từ ngày 02/10/2025 đến ngày 23/01/2026)" in \
        [p.text for p in d.paragraphs]
    rates = store["reporting_rate_by_phase"].set_index("phase_number")
    now, before = rates.loc[2], rates.loc[1]
    rows = _table_after(d, HEADINGS[0])
    assert rows[0] == ["Chỉ số", "Đợt II", "Đợt I", "Thay đổi"]
    assert rows[2][1:3] == [vn_number(now["received"]), vn_number(before["received"])]
    assert rows[3][1:] == [vn_percent(now["reporting_rate"], 1), vn_percent(before["reporting_rate"], 1),
                           _points(now["reporting_rate"], before["reporting_rate"])]
    cov = store["coverage_by_group"]
    cov = cov[(cov["unit_scope"] == "commune") & (cov["phase_number"] == 2)]
    assert _table_after(d, HEADINGS[1], 0)[1:] == [
        [str(i), r.group_name, vn_number(r.units_assigned), vn_number(r.units_active), vn_percent(r.coverage)]
        for i, r in enumerate(cov.itertuples(), 1)]
    # posts per platform in the phase, as the overview sums them
    pc = store["posting_counts"]
    by = pc[pc["phase_number"] == 2].groupby(["indicator_code", "indicator_name"], sort=False)["posts"].sum()
    rows = _table_after(d, HEADINGS[1], 1)
    assert rows[1:-1] == [[str(i), name, vn_number(v)] for i, ((_, name), v) in enumerate(by.items(), 1)]
    assert rows[-1] == ["", "Tổng cộng", vn_number(by.sum())]
    rup = store["reporting_rate_by_unit_phase"]
    rup = rup[(rup["phase_number"] == 2) & (rup["received"] < rup["expected"])].set_index("unit_name")
    rows = _table_after(d, HEADINGS[5])[1:]
    assert {r[1]: r[3] for r in rows} == {n: f"{int(r.expected - r.received)}/{int(r.expected)}"
                                           for n, r in rup.iterrows()}


def test_command_line_writes_and_audits(demo_path, tmp_path):
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_path, path)
    out = tmp_path / "bc.docx"
    cmd = [sys.executable, "-m", "loaders", "briefing", "--campaign", CODE, "--db", str(path)]
    done = subprocess.run(cmd + ["--week", "2025-11-12", "--as-of", "2025-11-19", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    d = docx.Document(str(out))
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == HEADINGS
    done = subprocess.run(cmd + ["--week", "2025-11-19", "--as-of", "2025-11-19", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Tuần 17/11–23/11/2025 chưa đến hạn nộp báo cáo vào ngày 19/11/2025." in done.stderr
    con = db.connect(path)
    try:
        rows = con.execute("select actor, object from audit_log where action = 'export.briefing'").fetchall()
    finally:
        con.close()
    assert rows == [("cli", CODE)]
