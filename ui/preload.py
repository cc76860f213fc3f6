"""Element code the browser loads while it has nothing else to do (issue 13).

Streamlit loads each kind of element's code on its first use. The sign-in form has the kinds the
first pages show loaded while the person types (ui/session.py, a hidden container of elements). A
kind that only a later page shows is better loaded once the first page is drawn: on the form it
competed with the first page for the browser's main thread (the code block of Nhắc nộp báo cáo,
1.5 MB with every language's grammar, ~0.3 s of main-thread work), and not loading it at all made
that page wait 2-4 s for it.

when_quiet() has the browser import such code once the page has been quiet for a while (no
script run, nothing changing on screen for QUIET_MS): the person is reading, and the ~0.3 s the
code block's module takes to evaluate is spent then. The same module files Streamlit's own lazy
loading imports, so when a page shows the element its code is already there (a module is
evaluated once per page load); a person who opens that page before any quiet moment loads it then,
as without this. Measured against the alternatives (bench_browser, shared machine): a fixed 4 s
timer landed on the second or third page a quick person opens, the heaviest ones (map, timeline:
+0.2 s of main-thread work), and the first click after the first page added 0.33 s to that
click's page."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The element kinds loaded this way: the stem of their module in Streamlit's build
# (static/js/<stem>.<hash>.js).
LATER = ("StreamlitSyntaxHighlighter",)      # st.code (Nhắc nộp báo cáo)
QUIET_MS = 1500


@functools.lru_cache(maxsize=None)
def module_files(stems: tuple[str, ...] = LATER) -> tuple[str, ...]:
    """The file names of the element modules in the installed Streamlit build (none when the build
    is laid out differently: nothing is preloaded then, each page loads its code as before)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = []
    for stem in stems:
        files = sorted(folder.glob(f"{stem}.*.js"))
        if len(files) == 1:
            found.append(files[0].name)
    return tuple(found)


def when_quiet(stems: tuple[str, ...] = LATER) -> None:
    """Have the browser import the element modules of `stems` once the page is quiet (see the docstring)."""
    files = module_files(stems)
    if not files:
        return
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    urls = [f"{'/' + base if base else ''}/static/js/{name}" for name in files]
    # file names from Streamlit's own build: URL-safe; json.dumps quotes them for the script
    st.html(_QUIET_JS.replace("URLS", json.dumps(urls)).replace("QUIET_MS", str(QUIET_MS)),
            unsafe_allow_javascript=True, width=1)


# Quiet: the app's script state is notRunning and no element changed for QUIET_MS (checked every
# 250 ms); then the modules are imported, once per page load.
_QUIET_JS = """<script>(() => {
  if (window.__cmLater) return; window.__cmLater = true;
  let last = performance.now();
  const seen = new MutationObserver(() => { last = performance.now(); });
  seen.observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') last = performance.now();
    if (performance.now() - last < QUIET_MS) return setTimeout(check, 250);
    seen.disconnect();
    URLS.forEach(u => import(u).catch(() => {}));
  };
  setTimeout(check, 250);
})();</script>"""
