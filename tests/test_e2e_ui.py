"""The dashboard as people use it (issue 13), in Debian's chromium on the built-in demo: a reload
keeps the session, a bookmarked page opens after sign-in, no English on any page for any role,
and the upload flow names units and clears its box. Screenshots land in tests/artifacts/."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from datetime import date

import pytest

from tests import workbooks as wb
from tests.browser import ROOT, browser_page, screenshot, served_app, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROLES = {"quantri": "demo-quantri", "lanhdao": "demo-lanhdao", "kiemtra": "demo-kiemtra",
         "canbo": "demo-canbo"}
MONTHS = ("January|February|March|April|June|July|August|September|October|November|December|"
          "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
# English a user must never meet: Streamlit's own texts, the charts' button tooltips, month names,
# empty values, event codes and JSON keys of the activity log
ENGLISH = re.compile(r"\b(Upload|Deploy|Page not found|Browse files|Drag and drop|per file|None|nan|NaN|"
                     r"Download plot|Reset view|Autoscale|Zoom in|Zoom out|"
                     rf"{MONTHS}|unit_code|submission_ids|login\.success|login\.failure|ingest\.\w+)\b")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The built-in demo, untouched: each server below serves a copy of it."""
    folder = tmp_path_factory.mktemp("e2e_ui")
    path = folder / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "loaders", "demo", "--campaign", "daklak-2025", "--db", str(path),
                    "--out", str(folder / "files")], cwd=ROOT, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def app_url(demo_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e_ui_served") / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    with served_app(path) as url:
        yield url


def _sign_in(page, username="quantri"):
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(ROLES[username])
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_test_id("stSidebarNav").wait_for(timeout=60000)
    wait_for_app(page)


def _visible_text(page) -> str:
    """What a person can read: the page's text, the charts' SVG labels (axes, legends), the cells of
    the tables (drawn on a canvas; their text is in the grid's accessible cells) and the charts'
    button tooltips."""
    return "\n".join([
        page.inner_text("body"),
        *page.locator("svg text").all_text_contents(),
        *page.locator("[data-testid='stDataFrame'] [role='gridcell'], "
                      "[data-testid='stDataFrame'] [role='columnheader']").all_text_contents(),
        *page.evaluate("() => Array.from(document.querySelectorAll('.modebar-btn'))"
                       ".map(b => b.getAttribute('data-title') || '')"),
    ])


def test_reload_keeps_the_session(app_url):
    with browser_page() as page:
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, "lanhdao")
        page.get_by_test_id("stSidebarNav").get_by_text("Tiến độ", exact=True).click()
        wait_for_app(page)
        assert page.url.endswith("/tien-do")
        page.reload()
        wait_for_app(page)
        # still signed in, on the same page
        assert page.get_by_role("button", name="Đăng nhập").count() == 0
        assert page.url.endswith("/tien-do") and "Tiến độ" in page.get_by_test_id("stMain").inner_text()
        # sign-out ends it: a reload asks for the password again
        page.get_by_role("button", name="Đăng xuất").click()
        wait_for_app(page)
        page.reload()
        wait_for_app(page)
        assert page.get_by_role("button", name="Đăng nhập").count() == 1


def test_a_bookmarked_page_opens_after_sign_in(app_url):
    with browser_page() as page:
        page.goto(app_url + "/xa-cham-tien-do")
        wait_for_app(page)
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30000)   # the form's widget code may still load
        text = page.inner_text("body")
        assert "Page not found" not in text and "Tên đăng nhập" in text
        _sign_in(page, "lanhdao")           # whose first page is the overview, not this one
        assert page.url.endswith("/xa-cham-tien-do")
        assert "chậm tiến độ" in page.get_by_test_id("stMain").inner_text()
        screenshot(page, "deep-link-after-sign-in")


def test_a_bookmark_opened_first_on_a_fresh_server(demo_file, tmp_path):
    """The very first page a just-started server shows is a bookmarked one (Streamlit used to answer
    the first session with "Page not found … Running the app's main page" there)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    with served_app(path) as url, browser_page(1366, 768) as page:
        page.goto(url + "/tien-do")
        wait_for_app(page)
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30000)
        text = page.inner_text("body")
        assert "Page not found" not in text and "main page" not in text and "Tên đăng nhập" in text
        _sign_in(page, "lanhdao")           # whose first page is the overview, not this one
        assert page.url.endswith("/tien-do")
        main = page.get_by_test_id("stMain").inner_text()
        assert "Tiến độ" in main and "Page not found" not in page.inner_text("body")


# The first page of each role's navigation (app.py NAVIGATION) with a heading it shows.
FIRST_PAGES = {"quantri": ("/tong-quan", "Tổng quan"), "lanhdao": ("/tong-quan", "Tổng quan"),
               "kiemtra": ("/xa-cham-tien-do", "chậm tiến độ"), "canbo": ("/nop-bao-cao", "Nộp báo cáo tuần")}


def _no_page_not_found(page) -> None:
    text = page.inner_text("body")
    assert "Page not found" not in text and "main page" not in text, text[:300]


@pytest.mark.parametrize("username", list(ROLES))
def test_the_first_page_opens_at_its_own_address(app_url, username):
    """The first page of a role is also the one served at the app's root: its own address (a new tab,
    a bookmark, typed) opens it without Streamlit's "Page not found" box, signed in or not."""
    path, heading = FIRST_PAGES[username]
    with browser_page(1366, 768) as page:
        page.goto(app_url + "/dang-nhap")         # the sign-in form's own address
        wait_for_app(page)
        _no_page_not_found(page)
        page.goto(app_url + path)                 # not signed in: the form, then the page
        wait_for_app(page)
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30000)
        _no_page_not_found(page)
        _sign_in(page, username)
        assert page.url.endswith(path)
        assert heading in page.get_by_test_id("stMain").inner_text()
        _no_page_not_found(page)
        _session_cookie(page)
        with page.expect_popup() as opened:       # signed in: the same address in a new tab
            page.evaluate("url => window.open(url)", app_url + path)
        tab = opened.value
        wait_for_app(tab)
        _no_page_not_found(tab)
        assert tab.get_by_role("button", name="Đăng nhập").count() == 0
        assert heading in tab.get_by_test_id("stMain").inner_text()
        tab.goto(app_url)                         # the root opens the same page, under its address
        wait_for_app(tab)
        _no_page_not_found(tab)
        assert heading in tab.get_by_test_id("stMain").inner_text()
        tab.goto(app_url + "/dang-nhap")          # the sign-in form's address, when signed in
        wait_for_app(tab)
        _no_page_not_found(tab)
        assert tab.get_by_role("button", name="Đăng nhập").count() == 0


def _session_cookie(page, present: bool = True, timeout_s: float = 20) -> dict | None:
    """The session cookie as the browser keeps it, once it is there (or gone, present=False)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = next((c for c in page.context.cookies() if c["name"] == "cm_session"), None)
        if (found is not None) == present or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(100)


def test_the_session_cookie_is_out_of_reach_of_scripts(app_url):
    """HttpOnly: the page's scripts cannot read the session token, yet a reload keeps the session;
    sign-out removes the cookie; a made-up code does not get one."""
    with browser_page() as page:
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, "kiemtra")
        cookie = _session_cookie(page)
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert cookie["expires"] > time.time() + 7 * 3600      # it lasts the working day of a session
        assert "cm_session" not in page.evaluate("document.cookie")
        assert cookie["value"] not in page.content()
        page.reload()
        wait_for_app(page)
        assert page.get_by_role("button", name="Đăng nhập").count() == 0
        assert "Đoàn kiểm tra" in page.get_by_test_id("stSidebar").inner_text()
        # the cookie route answers only a code the server handed out, once
        status = page.evaluate("""() => fetch('/_cm/session', {method: 'POST', credentials: 'same-origin',
            headers: {'X-CM-Session': '1', 'Content-Type': 'text/plain'}, body: 'made-up'}).then(r => r.status)""")
        assert status == 403
        assert _session_cookie(page)["value"] == cookie["value"]
        page.get_by_role("button", name="Đăng xuất").click()
        wait_for_app(page)
        assert _session_cookie(page, present=False) is None
        page.reload()
        wait_for_app(page)
        assert page.get_by_role("button", name="Đăng nhập").count() == 1


def test_the_sign_in_form_loads_the_chart_and_table_code_beforehand(app_url):
    """Streamlit loads each kind of element's code on first use (plotly.js alone is 4.6 MB): the sign-in
    form has them fetched while the person types, so that little is left to fetch after the click."""
    with browser_page() as page:
        page.goto(app_url)
        wait_for_app(page)
        page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('Plotly'))",
                               timeout=30000)
        # typing in the form has the server open the database meanwhile (ui/session.keep_warm), once
        # the form's script listens (it runs after the form is shown; a person types longer than that)
        page.wait_for_function("() => window.__cmWarm === true", timeout=30000)
        page.get_by_label("Tên đăng nhập").fill("quantri")
        page.wait_for_function("() => performance.getEntriesByType('resource')"
                               ".some(e => e.name.endsWith('/_cm/warm') && e.responseStatus === 204)", timeout=10000)
        click = page.evaluate("performance.now()")
        _sign_in(page)
        # what the first page fetched after the click
        late = page.evaluate("""(t) => performance.getEntriesByType('resource')
            .filter(e => e.startTime > t && e.name.endsWith('.js'))
            .reduce((n, e) => n + e.encodedBodySize, 0)""", click)
        assert late < 1_200_000, late
        assert page.get_by_test_id("stMain").locator(".js-plotly-plot").count() >= 1   # the overview's charts
        # the reporting cards' weekly trends are drawn without vega's code (0.8 MB), which is not loaded
        trend = page.locator("img.cm-sparkline").first
        assert trend.is_visible() and trend.bounding_box()["width"] > 100
        assert "tuần đã đến hạn" in trend.get_attribute("title")
        assert not _loaded(page, "vega") and not _loaded(page, "embed.")


def _loaded(page, stem: str) -> bool:
    return page.evaluate("s => performance.getEntriesByType('resource').some(e => e.name.includes(s))", stem)


def test_the_reminder_messages_copy_without_the_code_block(app_url):
    """Nhắc nộp báo cáo shows each late unit's message under its name, and its button puts the message
    on the clipboard, without Streamlit's code block (st.code: 1.5 MB of syntax grammars the browser
    fetched and evaluated to show plain text), which no page loads any more."""
    with browser_page() as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, "kiemtra")
        page.get_by_test_id("stSidebarNav").get_by_text("Nhắc nộp báo cáo", exact=True).click()
        wait_for_app(page)
        block = page.locator(".cm-msgs details").first
        name = block.locator("summary").inner_text().removesuffix(" — đã nhắc").strip()
        assert name.startswith(("Xã ", "Phường ", "Đặc khu ")), name
        message = block.locator("pre")
        assert not message.is_visible()                 # folded until its unit is opened
        block.locator("summary").click()
        assert message.is_visible()
        text = message.inner_text()
        assert text.startswith("Nhắc nộp báo cáo tuần") and name in text
        button = block.get_by_role("button", name="Sao chép tin nhắn")
        button.click()
        page.wait_for_function("() => document.querySelector('.cm-msgs button.cm-copy').textContent === 'Đã sao chép'",
                               timeout=5000)
        assert page.evaluate("navigator.clipboard.readText()") == text
        assert not _loaded(page, "StreamlitSyntaxHighlighter")
        screenshot(page, "reminders-copy")


def test_the_overview_headline_cards_are_read_in_full_on_a_laptop(app_url):
    """At 1366×768 the four headline cards' labels, numbers and the words beside each change are shown
    whole (a second line if needed), none cut with an ellipsis ("tuần 10/11…", issue 13)."""
    with browser_page(1366, 768) as page:
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, "lanhdao")                      # whose first page is the overview
        cards = page.locator(".st-key-cm_headline [data-testid='stMetric']")
        assert cards.count() == 4
        assert "tuần 10/11–16/11 so với tuần trước" in cards.nth(1).inner_text()
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.st-key-cm_headline [data-testid="stMetric"] *'))
            .filter(e => e.clientWidth > 0 && e.textContent.trim() && e.scrollWidth > e.clientWidth)
            .map(e => [e.getAttribute('data-testid') || e.tagName, e.textContent, e.scrollWidth, e.clientWidth])""")
        assert clipped == [], clipped
        for i in range(4):
            box = cards.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, box


# What the overview's main block holds, frame by frame: the lagging table, the waiting section (its
# button), the plotly charts below the first screen (ui/later.py)
# (the sign-in form's hidden warm-up elements left out)
_FRAMES = """() => { window.__cmFrames = [];
    const frame = () => {
        const main = document.querySelector('[data-testid="stMain"]');
        const shown = (sel) => main && Array.from(main.querySelectorAll(sel)).some(e => !e.closest('.st-key-cm_warm_up'));
        if (main) window.__cmFrames.push([shown('[data-testid="stDataFrame"] canvas'),
            shown('.st-key-cm_later_overview_wait'), shown('.js-plotly-plot .main-svg')]);
        if (window.__cmFrames.length < 2000) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame); }"""


def test_the_first_page_draws_its_first_screen_first(app_url):
    """After sign-in the overview shows its first screen (the cards, the lagging communes' table) before
    its charts below it, which then come by themselves: nothing to press, no button left. Opened from
    the sidebar later, it is drawn in one go (issue 13: sign-in to the first page ≤ 1.5 s)."""
    with browser_page(1366, 768) as page:
        page.goto(app_url)
        wait_for_app(page)
        page.evaluate(_FRAMES)
        _sign_in(page, "lanhdao")                      # whose first page is the overview
        frames = page.evaluate("window.__cmFrames")
        # a frame painted with the table drawn and the charts still to come, then the charts
        first_screen = frames.index([True, True, False])
        assert [True, False, True] in frames[first_screen:] and frames[-1] == [True, False, True]
        main = page.get_by_test_id("stMain")
        assert main.get_by_text("Nộp báo cáo — tuần", exact=False).count() == 1
        assert main.locator(".js-plotly-plot").count() == 4
        assert page.locator("[class*='st-key-cm_later_']").get_by_role("button").count() == 0
        page.evaluate(_FRAMES)
        page.get_by_test_id("stSidebarNav").get_by_text("Kế hoạch", exact=True).click()
        wait_for_app(page)
        page.evaluate(_FRAMES)
        page.get_by_test_id("stSidebarNav").get_by_text("Tổng quan", exact=True).click()
        wait_for_app(page)
        assert not any(waiting for _, waiting, _ in page.evaluate("window.__cmFrames"))
        assert main.locator(".js-plotly-plot").count() == 4


@pytest.mark.parametrize("username", list(ROLES))
def test_no_english_on_any_page(app_url, username):
    with browser_page(1366, 768) as page:       # the laptop screen
        page.goto(app_url)
        wait_for_app(page)
        _sign_in(page, username)
        links = page.get_by_test_id("stSidebarNav").locator("a")
        titles = [t.strip() for t in links.all_inner_texts()]
        assert titles
        found = {}
        for i, _ in enumerate(titles):
            page.get_by_test_id("stSidebarNav").locator("a").nth(i).click()
            wait_for_app(page)
            hits = sorted(set(m.group(0) for m in ENGLISH.finditer(_visible_text(page))))
            if hits:
                found[page.url.rsplit("/", 1)[-1]] = hits
                screenshot(page, f"english-{username}-{i}")
        assert not found, found
        # Streamlit's Deploy button and developer menu are hidden
        assert page.get_by_test_id("stAppDeployButton").count() == 0


def test_upload_names_the_unit_and_clears_the_box(app_url, tmp_path):
    data = wb.xlsx(wb.report("Phường Tân Lập", date(2025, 11, 10), date(2025, 11, 16),
                             {"ttcs_tin_bai": 4}, unit_code="24121"))
    f = tmp_path / "BaoCao_TanLap_tuan46.xlsx"
    f.write_bytes(data)
    with browser_page() as page:
        page.goto(app_url + "/nop-bao-cao")
        wait_for_app(page)
        _sign_in(page, "canbo")
        page.locator("input[type='file']").set_input_files(str(f))
        page.get_by_text("tuan46.xlsx").first.wait_for()
        page.get_by_role("button", name="Nộp báo cáo").click()
        page.get_by_text("Đã nhận").first.wait_for(timeout=60000)
        wait_for_app(page)
        result = page.get_by_test_id("stAlert").first.inner_text()
        assert "BaoCao_TanLap_tuan46.xlsx" in result and "Phường Tân Lập" in result
        assert "24121" not in page.get_by_test_id("stMain").inner_text()
        # the box is empty after sending: the next send does not send the same file again
        assert page.locator("[data-testid='stFileUploaderFile']").count() == 0
        screenshot(page, "upload-names-and-cleared")
