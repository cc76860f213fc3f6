"""Element code the browser loads while it has nothing else to do (issue 13).

Streamlit loads each kind of element's code on its first use. The sign-in form has the kinds the
first pages show loaded while the person types (ui/session.py, a hidden container of elements). A
kind that only a later page shows is better loaded once the first page is drawn: on the form it
competed with the first page for the browser's main thread (the code block of Nhắc nộp báo cáo,
1.5 MB with every language's grammar, ~0.3 s of main-thread work), and not loading it at all made
that page wait 2-4 s for it.

idle_import() has the browser import such code on the person's next click or key press after
the page that calls it (the first page after sign-in): the browser then waits for the server's
run of that click anyway, and the module arrives and is evaluated meanwhile. The same module files
Streamlit's own lazy loading imports, so when a page shows the element its code is already there
(a module is evaluated once per page load). Timers did worse: a fixed 4 s delay landed on the
second or third page a quick person opens, the heaviest ones (map, timeline: +0.2 s of their
main-thread work in bench_browser), and "after the run has finished" fired while the first page's
charts were still being drawn on a busy machine."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The element kinds loaded this way: the stem of their module in Streamlit's build
# (static/js/<stem>.<hash>.js).
LATER = ("StreamlitSyntaxHighlighter",)      # st.code (Nhắc nộp báo cáo)


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


def import_on_next_click(stems: tuple[str, ...] = LATER) -> None:
    """Have the browser import the element modules of `stems` on the next click (see the docstring)."""
    files = module_files(stems)
    if not files:
        return
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    urls = [f"{'/' + base if base else ''}/static/js/{name}" for name in files]
    # file names from Streamlit's own build: URL-safe; json.dumps quotes them for the script
    st.html(
        "<script>(() => { if (window.__cmLater) return; window.__cmLater = true;"
        " const go = () => { removeEventListener('pointerdown', go, true); removeEventListener('keydown', go, true);"
        f" {json.dumps(urls)}.forEach(u => import(u).catch(() => {{}})); }};"
        " addEventListener('pointerdown', go, true); addEventListener('keydown', go, true); })();</script>",
        unsafe_allow_javascript=True, width=1,
    )
