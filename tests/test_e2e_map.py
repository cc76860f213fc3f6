"""The map in a real browser (Debian's chromium via Playwright) on a 1366×768 laptop screen: the whole
province and its class table are inside the viewport without scrolling, commune names show on hover,
and a click on a commune opens its detail. Screenshots land in tests/artifacts/."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.browser import ARTIFACTS, browser_page, screenshot, served_app, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WIDTH, HEIGHT = 1366, 768

# The map's view (the chart's plot area) and the extent of the commune polygons drawn in it, in screen
# pixels (the map is SVG, plotly geo: ui/geo.py).
VIEW_JS = """() => {
  const gd = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const paths = gd ? Array.from(gd.querySelectorAll('.choroplethlocation')) : [];
  if (!paths.length) return null;
  const b = gd.getBoundingClientRect();
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of paths) { const r = p.getBoundingClientRect();
    x0 = Math.min(x0, r.left); y0 = Math.min(y0, r.top); x1 = Math.max(x1, r.right); y1 = Math.max(y1, r.bottom); }
  return {view: [b.left, b.top, b.right, b.bottom], data: [x0, y0, x1, y1]};
}"""


@pytest.fixture(scope="module")
def app_url(demo_path, tmp_path_factory):
    """The session's demo database (tests/demo_db.py), copied: the served app holds its own lock."""
    path = tmp_path_factory.mktemp("e2e-map") / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    with served_app(path) as url:
        yield url


def _open_map(page, url):
    page.goto(url)
    wait_for_app(page)
    if page.get_by_role("button", name="Đăng nhập").count():
        page.get_by_label("Tên đăng nhập").fill("lanhdao")
        page.get_by_label("Mật khẩu").fill("demo-lanhdao")
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_test_id("stSidebarNav").wait_for(timeout=60000)
        wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Bản đồ", exact=True).click()
    wait_for_app(page)
    page.wait_for_function(f"({VIEW_JS})() !== null", timeout=30000)
    page.wait_for_timeout(500)  # hover and click handlers attached


def _inside_viewport(box) -> bool:
    return (box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= WIDTH
            and box["y"] + box["height"] <= HEIGHT)


def test_province_and_legend_fit_a_laptop_screen(app_url):
    with browser_page(WIDTH, HEIGHT) as page:
        _open_map(page, app_url)
        assert page.locator("[data-testid='stException']").count() == 0
        page.evaluate("window.scrollTo(0, 0)")
        chart = page.locator("[data-testid='stPlotlyChart']").first.bounding_box()
        assert _inside_viewport(chart), chart
        assert chart["width"] > 450 and chart["height"] > 400, chart
        # the whole province inside the map's view, so inside the chart, so inside the screen
        extent = page.evaluate(VIEW_JS)
        (vx0, vy0, vx1, vy1), (dx0, dy0, dx1, dy1) = extent["view"], extent["data"]
        assert vx0 <= dx0 and vy0 <= dy0 and dx1 <= vx1 and dy1 <= vy1, extent
        # and it fills the view (not a dot in the middle)
        assert (dx1 - dx0) / (vx1 - vx0) > 0.5 or (dy1 - dy0) / (vy1 - vy0) > 0.5, extent
        legend = page.locator("[data-testid='stHtml']").filter(has_text="Số xã").first
        box = legend.bounding_box()
        assert _inside_viewport(box), box
        text = legend.inner_text()
        assert "Tiến độ so với mức cần đạt" in text and "chậm hơn 15 điểm" in text
        assert legend.locator("span[style*='background']").count() >= 6  # a swatch per class
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-1366x768.png"))  # the first screen, as the user sees it


def test_hover_names_a_commune_and_a_click_opens_its_detail(app_url):
    detail = re.compile(r"(Xã|Phường|Đặc khu) · mã \d{5}")
    with browser_page(WIDTH, HEIGHT) as page:
        _open_map(page, app_url)
        box = page.locator("[data-testid='stPlotlyChart']").first.bounding_box()
        for dx, dy in [(0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.4, 0.4), (0.6, 0.6)]:
            page.mouse.move(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
            page.wait_for_timeout(500)
            hover = page.locator(".hoverlayer .hovertext")
            if hover.count():
                break
        assert hover.count(), "no hover label over the middle of the province"
        assert re.search(r"(Xã|Phường|Đặc khu) \S+", hover.first.text_content() or "")
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        page.wait_for_timeout(1500)
        wait_for_app(page)
        text = page.get_by_test_id("stMain").inner_text()
        assert detail.search(text), text[:500]
        name = re.search(r"\n((?:Xã|Phường|Đặc khu) [^\n]+)\s+(?:Xã|Phường|Đặc khu) · mã", text)
        assert name, text[:800]
        # the chosen commune is named on the map
        page.wait_for_function(f"({VIEW_JS})() !== null", timeout=30000)
        annotations = [t.text_content() for t in page.locator("[data-testid='stPlotlyChart'] .annotation-text").all()]
        assert name.group(1) in annotations, (name.group(1), annotations)
        screenshot(page, "map-1366x768-commune")
