"""The report template: sheets, _meta contract, assigned indicators, validations, protection, CLI,
the fast filler, and a filled template through the real ingestion."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from loaders.store import db
from loaders.outputs import template
from loaders.outputs.template import TemplateError, TemplateFiller, build_template, template_filename

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "daklak-2025"
PHUONG = "24121"          # Phường Tân Lập (2025 code)
SO = "so_vhttdl"          # a department: its tasks include a yes/no indicator (web_banner)


@pytest.fixture(scope="module")
def db_file(ready_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "t.duckdb"
    shutil.copyfile(ready_db_path, path)
    return path


@pytest.fixture(scope="module")
def con(db_file):
    c = db.connect(db_file)
    yield c
    c.close()


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _assigned(con, kind: str) -> list[str]:
    return [r[0] for r in con.execute(
        """select distinct i.code, g.sort, i.sort from tasks t
           join indicators i on i.code = t.indicator_code or (t.indicator_code is null and i.group_code = t.group_code)
           join indicator_groups g on g.code = i.group_code
           where t.campaign_code = ? and t.unit_kind = ? order by g.sort, i.sort""", [CAMPAIGN, kind]).fetchall()]


def _table(ws) -> list[tuple]:
    rows = list(ws.iter_rows(min_row=template.HEADER_ROW, values_only=True))
    return [r[:7] for r in rows]


def test_sheets_meta_and_title(con):
    wb = _open(build_template(con, CAMPAIGN, PHUONG, date(2025, 9, 10)))
    assert wb.sheetnames == ["Báo cáo", "Tin bài", "_meta"]
    meta = wb["_meta"]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)} == {
        "template_version": "1", "campaign_code": CAMPAIGN, "unit_code": PHUONG,
        "period_start": "2025-09-08", "period_end": "2025-09-14"}
    ws = wb["Báo cáo"]
    texts = [v for row in ws.iter_rows(max_row=6, values_only=True) for v in row if v]
    assert "ỦY BAN NHÂN DÂN" in texts and "PHƯỜNG TÂN LẬP" in texts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "Độc lập - Tự do - Hạnh phúc" in texts
    assert "BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN" in texts
    assert "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025" in texts
    assert _table(ws)[0] == template.COLUMNS


def test_assigned_indicators_grouped_with_section_rows(con):
    for unit, kind in ((PHUONG, "phuong"), (SO, "so_nganh")):
        ws = _open(build_template(con, CAMPAIGN, unit, date(2025, 9, 8)))["Báo cáo"]
        rows = [r for r in _table(ws)[1:] if r[0] is not None]
        codes = [r[1] for r in rows if r[1]]
        assert codes == _assigned(con, kind)
        sections = [r for r in rows if not r[1]]
        assert [s[0] for s in sections] == [f"{template.ROMAN[i]}." for i in range(len(sections))]
        group_names = dict(con.execute("select code, name from indicator_groups").fetchall())
        group_of = dict(con.execute("select code, group_code from indicators").fetchall())
        # every indicator sits under the section of its group
        current = None
        for r in rows:
            if not r[1]:
                current = r[2]
            else:
                assert group_names[group_of[r[1]]] == current
                assert isinstance(r[0], int)


def test_whole_group_task_brings_all_its_indicators(con, tmp_path):
    con.execute("insert into tasks values (?, 'phuong', 'van_hoa', null, null, null, true, 'test')", [CAMPAIGN])
    try:
        ws = _open(build_template(con, CAMPAIGN, PHUONG, date(2025, 9, 8)))["Báo cáo"]
        codes = [r[1] for r in _table(ws)[1:] if r[1]]
        assert {"vh_bieu_dien", "vh_luu_dong", "vh_trien_lam", "vh_the_thao"} <= set(codes)
    finally:
        con.execute("delete from tasks where campaign_code = ? and note = 'test'", [CAMPAIGN])


def test_validations_protection_print(con):
    wb = _open(build_template(con, CAMPAIGN, SO, date(2025, 9, 8)))
    ws = wb["Báo cáo"]
    rows = {r[1]: i for i, r in enumerate(ws.iter_rows(values_only=True), start=1) if r[1]}
    dvs = {dv.type: dv for dv in ws.data_validations.dataValidation}
    number, flag = dvs["decimal"], dvs["list"]
    assert number.operator == "greaterThanOrEqual" and number.formula1 == "0" and number.showErrorMessage
    assert "không âm" in number.error
    assert flag.formula1 == '"có,không"'
    r_num, r_flag = rows["web_tin_bai"], rows["web_banner"]
    assert f"E{r_num}" in number.sqref and f"F{r_num}" in number.sqref
    assert f"E{r_flag}" in flag.sqref and f"E{r_flag}" not in number.sqref
    # protection: labels locked, inputs unlocked
    assert ws.protection.sheet and wb.security.lockStructure
    assert ws[f"C{r_num}"].protection.locked and ws[f"B{r_num}"].protection.locked
    assert not ws[f"E{r_num}"].protection.locked and not ws[f"F{r_num}"].protection.locked
    assert not ws[f"G{r_num}"].protection.locked
    assert ws[f"F{r_flag}"].protection.locked          # no cumulative for a yes/no indicator
    assert ws["A1"].protection.locked
    assert int(ws.page_setup.paperSize) == 9 and int(ws.page_setup.fitToWidth) == 1  # A4, fit to width
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["C"].width >= 40
    # Tin bài
    wp = wb["Tin bài"]
    assert [c.value for c in wp[1]] == ["STT", "Ngày đăng", "Nền tảng", "Tiêu đề", "Đường dẫn (URL)"]
    assert [wp.cell(row=r, column=1).value for r in range(2, 52)] == list(range(1, 51))
    assert wp.protection.sheet and not wp["D2"].protection.locked and not wp["E51"].protection.locked
    plat = next(dv for dv in wp.data_validations.dataValidation if dv.type == "list")
    assert plat.formula1 == '"Facebook,Zalo,YouTube,TikTok,Báo điện tử,Cổng TTĐT,Khác"'
    assert "C2:C51" in str(plat.sqref)


def test_week_alignment_and_refusals(con):
    c = template.load_campaign(con, CAMPAIGN)
    assert template.resolve_week(c, date(2025, 9, 14)) == (date(2025, 9, 8), date(2025, 9, 14))
    assert template.resolve_week(c, date(2025, 9, 15))[0] == date(2025, 9, 15)
    with pytest.raises(TemplateError, match="nằm ngoài thời gian"):
        build_template(con, CAMPAIGN, PHUONG, date(2025, 9, 1))
    with pytest.raises(TemplateError, match="không phải là đơn vị báo cáo"):
        build_template(con, CAMPAIGN, "99999", date(2025, 9, 8))
    with pytest.raises(TemplateError, match="Không có kế hoạch"):
        build_template(con, "khong-co", PHUONG, date(2025, 9, 8))
    assert template_filename(CAMPAIGN, PHUONG, date(2025, 9, 8)) == "BaoCao_daklak-2025_24121_2025-09-08.xlsx"
    assert template_filename("x y/ữ", "a:b", date(2025, 9, 8)).isascii()


def test_cli(db_file, tmp_path, capsys):
    from loaders.__main__ import main

    cli_db = tmp_path / "cli.duckdb"
    shutil.copy(db_file, cli_db)
    args = ["template", "--db", str(cli_db), "--campaign", CAMPAIGN]
    ok = subprocess.run([sys.executable, "-m", "loaders"] + args + [
        "--unit", PHUONG, "--week", "2025-09-11", "--out", str(tmp_path) + "/"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    out = tmp_path / "BaoCao_daklak-2025_24121_2025-09-08.xlsx"
    assert out.exists() and _open(out.read_bytes())["_meta"]["B4"].value == "2025-09-08"
    assert main(args + ["--unit", "99999", "--week", "2025-09-11"]) == 2
    assert "không phải là đơn vị báo cáo" in capsys.readouterr().err
    assert main(args + ["--unit", PHUONG, "--week", "2027-01-04"]) == 2
    assert "nằm ngoài thời gian" in capsys.readouterr().err
    assert main(args + ["--unit", PHUONG, "--week", "8/9/2025"]) == 2
    assert "không đúng dạng" in capsys.readouterr().err


def test_filler_writes_values_deterministically(con):
    f = TemplateFiller(con, CAMPAIGN)
    values = {"ttcs_tin_bai": 12, "mxh_facebook": 3, "tq_co": 1200, "not_assigned": 5}
    posts = [{"posted_on": date(2025, 9, 9), "platform": "Facebook", "title": "A & B <c>",
              "url": "https://facebook.com/p/1"}]
    data = f.fill(PHUONG, date(2025, 9, 12), values, cumulative={"ttcs_tin_bai": 30}, posts=posts,
                  notes={"tq_co": "treo cờ"})
    assert data == f.fill(PHUONG, date(2025, 9, 12), values, cumulative={"ttcs_tin_bai": 30}, posts=posts,
                          notes={"tq_co": "treo cờ"})
    wb = _open(data)
    ws = wb["Báo cáo"]
    got = {r[1]: (r[4], r[5], r[6]) for r in ws.iter_rows(values_only=True) if r[1] in values}
    assert got == {"ttcs_tin_bai": (12, 30, None), "mxh_facebook": (3, None, None), "tq_co": (1200, None, "treo cờ")}
    assert wb["Tin bài"]["D2"].value == "A & B <c>" and wb["Tin bài"]["B2"].value.date() == date(2025, 9, 9)
    assert wb["_meta"]["B3"].value == PHUONG and ws["A2"].value == "PHƯỜNG TÂN LẬP"
    # same workbook as build_template apart from the values
    plain = _open(build_template(con, CAMPAIGN, PHUONG, date(2025, 9, 8)))["Báo cáo"]
    assert [r[:4] for r in plain.iter_rows(values_only=True)] == [r[:4] for r in ws.iter_rows(values_only=True)]
    flag = _open(f.fill(SO, date(2025, 9, 8), {"web_banner": 1}))["Báo cáo"]
    assert [r[4] for r in flag.iter_rows(values_only=True) if r[1] == "web_banner"] == ["có"]


def test_filled_template_ingests_with_exactly_its_values(con, tmp_path):
    ingest = pytest.importorskip("loaders.ingest.pipeline")
    f = TemplateFiller(con, CAMPAIGN)
    values = {"ttcs_tin_bai": 7, "web_tin_bai": 2, "mxh_facebook": 1200, "mxh_zalo": 0, "tq_co": 15}
    path = tmp_path / f.filename(PHUONG, date(2025, 9, 15))
    path.write_bytes(f.fill(PHUONG, date(2025, 9, 15), values, cumulative={"tq_co": 40}))
    [res] = ingest.ingest_paths(con, [str(path)], CAMPAIGN, actor="test")
    assert res.status == "accepted", res.messages
    stored = dict(con.execute(
        """select v.indicator_code, v.value from submissions s join report_values v on v.submission_id = s.id
           where s.campaign_code = ? and s.unit_code = ? and s.period_start = ? and s.is_current""",
        [CAMPAIGN, PHUONG, date(2025, 9, 15)]).fetchall())
    assert {k: v for k, v in stored.items() if v} == {k: float(v) for k, v in values.items() if v}
    assert stored.get("mxh_zalo", 0) == 0
