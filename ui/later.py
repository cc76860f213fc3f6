"""The first page after sign-in draws its first screen first, and what is below it a moment later
(issue 13: sign-in to the first page ≤ 1.5 s).

In the browser the first page's wait is mostly drawing, on the browser's main thread: on the
overview its four plotly charts, all below the first screen (the lagging communes' table fills it),
were ~0.4 s of the ~1.0 s of main-thread work after the click on "Đăng nhập" (bench_browser,
CPU profile: plotly's code and its text measuring). Drawn after the first screen is painted, they
no longer delay what the person sees first.

How: the sign-in run marks the session (signed_in()); on the next run, the first page's, a page's
section(...) shows a small button in place of the section, in a fragment, and a few lines of
JavaScript click it once the run is over and a frame is painted. The click reruns only the
fragment (Streamlit reruns a fragment alone when one of its widgets changes), which draws the
section. Should the script not run, the button is there to press ("Hiện …"). Every other run (a
page opened from the sidebar, a filter changed, AppTest) draws the section at once.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

_SIGNED_IN = "_later_signed_in"        # set by the sign-in run, read by the next run
_THIS_RUN = "_later_this_run"          # this run is the first page's after sign-in
KEY_PREFIX = "cm_later_"               # the waiting section's container: class st-key-cm_later_<key>


def signed_in() -> None:
    """Called by the run that signs the person in (app.py): the next run, the first page's, defers."""
    st.session_state[_SIGNED_IN] = True


def new_run() -> None:
    """Called by app.py at the start of every run: whether this run is the first page after sign-in."""
    st.session_state[_THIS_RUN] = st.session_state.pop(_SIGNED_IN, False)


def section(key: str, draw: Callable[[], None], label: str) -> None:
    """draw() now, or (the first page after sign-in) once the first screen is painted. label: the
    button shown meanwhile, a Vietnamese "Hiện …" (seen only where the script does not run).

    Drawn at once, the section is in the same fragment too: its elements keep their place in the
    page from run to run, so the next run (a filter changed right after sign-in) updates the
    section's charts instead of drawing them anew (~0.4 s of the browser's main thread)."""
    _fragment(key, draw, label, bool(st.session_state.get(_THIS_RUN)))


@st.fragment
def _fragment(key: str, draw: Callable[[], None], label: str, wait: bool) -> None:
    if not wait or st.session_state.get(KEY_PREFIX + key):    # or the button's click: its own rerun
        draw()
        return
    with st.container(key=KEY_PREFIX + key + "_wait"):
        st.button(label, key=KEY_PREFIX + key, type="tertiary", icon=":material/expand_more:")
        # the key is the app's own ASCII identifier: nothing to escape
        st.html(_CLICK_JS.replace("KEY", KEY_PREFIX + key), unsafe_allow_javascript=True, width=1)


# Once the run is over (the app's script state notRunning) and the next frame painted, click the
# section's button: the fragment reruns alone and draws the section.
_CLICK_JS = """<script>(() => {
  const button = () => document.querySelector('.st-key-KEY button');
  const wait = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!button()) return;
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return setTimeout(wait, 30);
    requestAnimationFrame(() => setTimeout(() => { const b = button(); if (b) b.click(); }, 0));
  };
  setTimeout(wait, 0);
})();</script>"""
