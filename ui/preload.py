"""Element code the browser loads while it has nothing else to do (issue 13).

Streamlit loads each kind of element's code on its first use. The sign-in form has the kinds the
first pages show loaded while the person types (ui/session.py, a hidden container of elements). A
kind that only a later page shows is better loaded once the first page is drawn: on the form it
competed with the first page for the browser's main thread (the code block of Nhắc nộp báo cáo,
1.5 MB with every language's grammar, ~0.3 s of main-thread work), and not loading it at all made
that page wait 2-4 s for it.

idle_import() asks the browser to import such code when it is idle, a little after the run that
calls it: the same module files Streamlit's own lazy loading imports, so when a page shows the
element its code is already there (a module is evaluated once per page load)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The element kinds loaded this way: the stem of their module in Streamlit's build
# (static/js/<stem>.<hash>.js).
LATER = ("StreamlitSyntaxHighlighter",)      # st.code (Nhắc nộp báo cáo)
DELAY_MS = 4000      # after the first page is drawn and read: not in the way of the next click's drawing


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


def idle_import(stems: tuple[str, ...] = LATER) -> None:
    """Have the browser import the element modules of `stems` when idle (see the docstring)."""
    files = module_files(stems)
    if not files:
        return
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    urls = [f"{'/' + base if base else ''}/static/js/{name}" for name in files]
    # file names from Streamlit's own build: URL-safe; json.dumps quotes them for the script
    st.html(
        "<script>setTimeout(() => (window.requestIdleCallback || setTimeout)(() => "
        f"{json.dumps(urls)}.forEach(u => import(u).catch(() => {{}})), {{timeout: 10000}}), {DELAY_MS});</script>",
        unsafe_allow_javascript=True, width=1,
    )
