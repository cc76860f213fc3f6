"""What a person waits for in the browser (issue 13), in Debian's chromium on the built-in demo.

    .venv/bin/python bench/bench_browser.py            # 3 rounds over every page
    .venv/bin/python bench/bench_browser.py --rounds 5

The real app is served by streamlit on the demo database (bench/out/demo.duckdb, made by
`python -m loaders demo` if missing; a copy is served, so the demo stays untouched). Measured:
- sign-in: from the click on "Đăng nhập" to the first page settled;
- every page: from the click on its link in the sidebar to the page settled.
"Settled": the address is the page's, the script has finished its run (the app's
data-test-script-state is notRunning again after running) and no element is left stale from the
previous page. Plotly's own drawing after that is not included. The first visit of a page (cold
query caches) and later visits (warm) are reported separately, as the median over the rounds.
Targets: every page ≤ 1.0 s after a click; sign-in to the first page ≤ 1.5 s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser_page, served_app, wait_for_app  # noqa: E402

OUT = ROOT / "bench" / "out"
SETTLED = """(path) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const here = location.pathname.replace(/\/$/, '');
    return (path === null || here === path.replace(/\/$/, '')) && app
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-stale="true"]')
        && document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]');
}"""
RUNNING = """() => document.querySelector('[data-testid="stApp"]')
                 ?.getAttribute('data-test-script-state') === 'running'"""


def demo_db() -> Path:
    path = OUT / "demo.duckdb"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "loaders", "demo", "--campaign", "daklak-2025", "--db", str(path),
                        "--out", str(OUT / "demo-files")], cwd=ROOT, check=True)
    return path


def _settle(page, path: str | None, t0: float) -> float:
    try:   # the run starts a few ms after the click; a very fast one may be missed, hence the guard
        page.wait_for_function(RUNNING, timeout=2000, polling=10)
    except Exception:  # noqa: BLE001 - already finished
        pass
    page.wait_for_function(SETTLED, arg=path, timeout=60000, polling=10)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--user", default="quantri")
    ap.add_argument("--password", default="demo-quantri")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cm_bench_browser_"))
    db = folder / "demo.duckdb"
    shutil.copyfile(demo_db(), db)
    sign_in, cold, warm = [], {}, {}
    load_before = os.getloadavg()[0]
    with served_app(db) as url:
        for r in range(args.rounds):
            with browser_page(1440, 900) as page:    # a new browser: no cookie, signs in again
                page.goto(url)
                wait_for_app(page)
                page.get_by_label("Tên đăng nhập").fill(args.user)
                page.get_by_label("Mật khẩu").fill(args.password)
                t0 = time.perf_counter()
                page.get_by_role("button", name="Đăng nhập").click()
                page.get_by_test_id("stSidebarNav").wait_for(timeout=60000)
                sign_in.append(_settle(page, None, t0))     # lands on the first page of the role
                links = page.get_by_test_id("stSidebarNav").locator("a")
                hrefs = [links.nth(i).evaluate("a => new URL(a.href).pathname") for i in range(links.count())]
                names = [t.strip().splitlines()[-1] for t in links.all_inner_texts()]   # no icon name
                for i, (href, name) in enumerate(zip(hrefs, names)):
                    path = href
                    t0 = time.perf_counter()
                    page.get_by_test_id("stSidebarNav").locator("a").nth(i).click()
                    s = _settle(page, path, t0)
                    (cold if r == 0 else warm).setdefault(name, []).append(s)
    print(f"Browser bench on the demo (daklak-2025), {args.rounds} rounds, chromium 1440×900; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    print(f"{'sign-in → first page':<34} median {statistics.median(sign_in):5.2f} s  "
          f"(max {max(sign_in):.2f} s; target ≤ 1.5 s)")
    print(f"{'page (click → settled)':<34} {'first visit':>12} {'later (median)':>15}")
    worst = 0.0
    for name in cold:
        c = cold[name][0]
        w = statistics.median(warm[name]) if warm.get(name) else float("nan")
        worst = max(worst, c, w if w == w else 0)
        print(f"  {name:<32} {c:10.2f} s {w:13.2f} s")
    print(f"slowest page settle: {worst:.2f} s (target ≤ 1.0 s)")


if __name__ == "__main__":
    main()
