"""End-to-end support: the real app served by streamlit on a free port, driven by Debian's chromium
through Playwright (Playwright's own browser download does not work offline; `make test` installs
the chromium package)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that keep chromium from calling home on a closed network (each refused call costs time).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(db_path: Path, timeout: float = 60):
    """Serve app.py on the given database; yield its base URL."""
    port = free_port()
    env = {**os.environ, "CM_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    log = open(db_path.parent / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {(db_path.parent / f'streamlit-{port}.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def browser_page(width: int = 1440, height: int = 900):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
            yield page
        finally:
            browser.close()


def wait_for_app(page, timeout_ms: int = 60000) -> None:
    """Until streamlit has finished running the script (no spinner, no 'running' status)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    # the app root carries the script state; wait for a finished run that rendered something, and
    # for what the first page after sign-in draws after its first screen (ui/later.py)
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'
                       && !document.querySelector('[class*="st-key-cm_later_"][class*="_wait"]')
                       && document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'); }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)  # let plotly finish drawing


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
