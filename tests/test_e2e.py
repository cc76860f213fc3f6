"""End to end in a real browser (Debian's chromium via Playwright) on the demo database: every page
opens in Vietnamese without an error, a campaign switch, an upload, a click on the map.
Screenshots land in tests/artifacts/ (kept by CI as artifacts, looked at by people)."""
from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from tests import workbooks as wb
from tests.browser import ROOT, browser_page, screenshot, served_app, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGES = [  # (sidebar link, a heading the page must show)
    ("Tổng quan", "Tổng quan"),
    ("Bản đồ", "Bản đồ"),
    ("Tiến độ", "Tiến độ"),
    ("Kế hoạch", "Kế hoạch tuyên truyền"),
    ("Xã chậm tiến độ", "chậm tiến độ"),
    ("Tình hình nộp báo cáo", "Tình hình nộp báo cáo"),
    ("Nộp báo cáo", "Nộp báo cáo tuần"),
    ("Nhắc nộp báo cáo", "Nhắc nộp báo cáo"),
    ("Chỉ tiêu chưa phân loại", "Chỉ tiêu chưa phân loại"),
    ("Cài đặt", "Cài đặt"),
    ("Nhật ký hoạt động", "Nhật ký hoạt động"),
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The built-in demo, made by the same commands the README's run command uses."""
    folder = tmp_path_factory.mktemp("e2e")
    path = folder / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "loaders", "demo", "--campaign", "daklak-2025", "--db", str(path),
                    "--out", str(folder / "files")], cwd=ROOT, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def app_url(demo_db):
    with served_app(demo_db) as url:
        yield url


def _sign_in(page, username="quantri", password="demo-quantri"):
    """The demo's accounts (README); the app creates them with the demo."""
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=60000)
    wait_for_app(page)


def _open(page, url, link):
    page.goto(url)
    wait_for_app(page)
    if page.get_by_role("button", name="Đăng nhập").count():
        _sign_in(page)
    page.get_by_test_id("stSidebarNav").get_by_text(link, exact=True).click()
    wait_for_app(page)


def _no_error(page):
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()


@pytest.mark.timeout(600)   # eleven pages in one browser: more than the default 300 s on a busy machine
def test_every_page_opens(app_url):
    with browser_page() as page:
        for link, heading in PAGES:
            _open(page, app_url, link)
            _no_error(page)
            main = page.get_by_test_id("stMain").inner_text()
            assert heading in main, (link, main[:300])
            screenshot(page, f"page-{link}")


def test_unit_staff_sees_only_their_pages(app_url):
    with browser_page() as page:
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, "canbo", "demo-canbo")
        nav = page.get_by_test_id("stSidebarNav").inner_text()
        assert "Nộp báo cáo" in nav and "Bản đồ" not in nav and "Cài đặt" not in nav
        screenshot(page, "signed-in-unit-staff")


def test_switch_campaign(app_url):
    with browser_page() as page:
        _open(page, app_url, "Kế hoạch")
        page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="Lạng Sơn — langson-2020").click()
        wait_for_app(page)
        _no_error(page)
        assert "Kế hoạch tuyên truyền — Lạng Sơn" in page.get_by_test_id("stMain").inner_text()
        screenshot(page, "switch-campaign")


def test_upload_a_file(app_url, tmp_path):
    data = wb.xlsx(wb.report("Phường Tân Lập", date(2025, 11, 17), date(2025, 11, 23),
                             {"ttcs_tin_bai": 9}, unit_code="24121"))
    f = tmp_path / "BaoCao_TanLap_tuan47.xlsx"
    f.write_bytes(data)
    with browser_page() as page:
        _open(page, app_url, "Nộp báo cáo")
        page.locator("input[type='file']").set_input_files(str(f))
        page.get_by_text("tuan47.xlsx").first.wait_for()  # the uploader shortens long names
        page.get_by_role("button", name="Nộp báo cáo").click()
        page.get_by_text("Đã nhận").first.wait_for(timeout=30000)
        wait_for_app(page)
        _no_error(page)
        assert "BaoCao_TanLap_tuan47.xlsx" in page.get_by_test_id("stMain").inner_text()
        screenshot(page, "upload-accepted")


def test_click_a_commune_on_the_map(app_url):
    import re

    with browser_page() as page:
        _open(page, app_url, "Bản đồ")
        _no_error(page)
        box = page.locator("[data-testid='stPlotlyChart']").first.bounding_box()
        assert box and box["width"] > 300
        detail = re.compile(r"(Xã|Phường|Đặc khu) · mã \d{5}")
        # click inside the map until a commune is hit (the middle of the province is never empty)
        for dx, dy in [(0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.4, 0.4), (0.6, 0.6)]:
            page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
            page.wait_for_timeout(1500)
            wait_for_app(page)
            if detail.search(page.get_by_test_id("stMain").inner_text()):
                break
        _no_error(page)
        text = page.get_by_test_id("stMain").inner_text()
        assert detail.search(text), text[:500]
        # the commune's own numbers open under the map
        assert "Độ phủ hình thức" in text and "Điểm chậm tiến độ" in text
        screenshot(page, "map-commune-clicked")


def test_download_the_briefing_and_remind_the_late_units(app_url, demo_db, tmp_path):
    """The weekly briefing downloaded from the overview is a Word document whose list of units without
    a report is the one the reminder page shows, and the one the queries give."""
    import re

    import docx

    import queries
    from loaders.store import db

    with browser_page() as page:
        _open(page, app_url, "Tổng quan")
        _no_error(page)
        with page.expect_download(timeout=60000) as download:
            page.get_by_test_id("stDownloadButton").filter(has_text=re.compile("Báo cáo tuần")).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.name == "bao-cao-tuan_daklak-2025_2025-11-10.docx"
        d = docx.Document(str(path))
        headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
        assert headings[0] == "I. TÌNH HÌNH NỘP BÁO CÁO" and headings[-1] == "VII. ĐỀ XUẤT, KIẾN NGHỊ"
        body = d.element.body
        after = list(body).index(next(p._p for p in d.paragraphs if p.text == "VI. ĐƠN VỊ CHƯA NỘP BÁO CÁO"))
        table = next(docx.table.Table(el, d) for el in list(body)[after:] if el.tag.endswith("}tbl"))
        in_briefing = {row.cells[1].text for row in table.rows[1:]}

        _open(page, app_url, "Nhắc nộp báo cáo")
        _no_error(page)
        text = page.get_by_test_id("stMain").inner_text()
        assert "Tuần 10/11–16/11/2025" in text
        # each message block's line is a unit name
        shown = {t.removesuffix(" — đã nhắc").strip() for t in page.locator(".cm-msgs summary").all_inner_texts()}
        screenshot(page, "reminders")
    con = db.connect(demo_db, read_only=True, wait_s=60)   # the app lets go of the file when idle
    try:
        grid = queries.run("submission_grid", con, campaign="daklak-2025", as_of=date(2025, 11, 19))
    finally:
        con.close()
    late = set(grid.loc[(grid["week_start"] == "2025-11-10") & (grid["status"] == "missing"), "unit_name"])
    assert late and in_briefing == late and shown == late


def test_map_a_wording_on_the_page(app_url, tmp_path):
    """Issue 10: a report with a row it cannot name is accepted with a warning; the wording is mapped on
    the page "Chỉ tiêu chưa phân loại", then the mapping is undone."""
    wording = "Phông, bạt chào mừng Đại hội"
    rows = [[1, "Bài đăng trên Facebook", "bài", 2, None, None], [2, wording, "cái", 6, None, None]]
    f = tmp_path / "phong_bat.xlsx"
    f.write_bytes(wb.xlsx([wb.free_form(["UBND PHƯỜNG TÂN LẬP"], "Tuần từ ngày 10/11/2025 đến ngày 16/11/2025",
                                        rows)]))
    with browser_page() as page:
        _open(page, app_url, "Nộp báo cáo")
        page.locator("input[type='file']").set_input_files(str(f))
        page.get_by_text("phong_bat.xlsx").first.wait_for()
        page.get_by_role("button", name="Nộp báo cáo").click()
        page.get_by_text("Đã nhận").first.wait_for(timeout=30000)
        wait_for_app(page)
        _no_error(page)

        _open(page, app_url, "Chỉ tiêu chưa phân loại")
        _no_error(page)
        main = page.get_by_test_id("stMain")
        assert "Phân loại một cách ghi" in main.inner_text()
        boxes = main.get_by_test_id("stSelectbox")
        boxes.nth(0).click()
        page.get_by_role("option", name=f"{wording} — 1 dòng, 1 đơn vị").click()
        wait_for_app(page)
        boxes.nth(1).click()
        page.keyboard.type("tq_bang_ron")
        page.get_by_role("option", name="Băng rôn, khẩu hiệu (tq_bang_ron)").click()
        wait_for_app(page)
        screenshot(page, "unclassified-before-mapping")
        page.get_by_role("button", name="Phân loại").click()
        page.get_by_text("Đã phân loại").first.wait_for(timeout=30000)
        wait_for_app(page)
        _no_error(page)
        screenshot(page, "unclassified-mapped")
        page.get_by_role("button", name="Hoàn tác").click()
        page.get_by_text("Đã hoàn tác").first.wait_for(timeout=30000)
        wait_for_app(page)
        _no_error(page)
