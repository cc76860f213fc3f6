"""Ready-made messages to copy (Nhắc nộp báo cáo): one folding block per unit with its contact, the
message as plain text and a "Sao chép" button, all in one light HTML element.

Why not st.code: its copy button comes with Streamlit's syntax highlighter, 1.5 MB of grammars the
browser fetched and evaluated (~0.3 s of its main thread) just to show plain text, and one code block
and expander per unit made the page draw for 0.6-0.8 s (issue 13). Plain <details>, <pre> and a
button draw at once; one delegated click handler copies the text of the message beside the button
(the Clipboard API where the page is a secure context, else the selection and execCommand('copy'),
as on a plain-http LAN address), and the button says "Đã sao chép" for a moment.
"""
from __future__ import annotations

import html
from typing import Iterable, NamedTuple

import streamlit as st


class Message(NamedTuple):
    title: str          # the folding block's line: the unit's name (and "— đã nhắc")
    contact: str        # who to send it to, in words; "" when the unit has no contact
    text: str           # the message itself, copied as is


CSS = """<style>
.cm-msgs details { border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; margin-bottom: 0.5rem; }
.cm-msgs summary { padding: 0.55rem 1rem; cursor: pointer; }
.cm-msgs summary:hover { color: #ff4b4b; }
.cm-msgs .cm-msg-body { padding: 0 1rem 0.8rem 1rem; }
.cm-msgs .cm-msg-contact { margin: 0.1rem 0 0.4rem 0; }
.cm-msgs pre.cm-msg-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 0.5rem 0; padding: 0.75rem 1rem;
  background: #f6f7f9; border-radius: 0.5rem; font-family: inherit; font-size: 0.9rem; line-height: 1.5; }
.cm-msgs button.cm-copy { font: inherit; font-size: 0.875rem; padding: 0.25rem 0.75rem; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; background: #fff; color: inherit; }
.cm-msgs button.cm-copy:hover { border-color: #ff4b4b; color: #ff4b4b; }
</style>"""

# One handler for every copy button of the page, installed once per page load (the element is drawn
# again on each run; the listener stays). It copies the message next to the clicked button.
COPY_JS = """<script>(() => {
  if (window.__cmCopy) return; window.__cmCopy = true;
  const fallback = (pre) => {
    const range = document.createRange(); range.selectNodeContents(pre);
    const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    let ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    return Promise.resolve(ok);
  };
  document.addEventListener('click', (ev) => {
    const button = ev.target.closest && ev.target.closest('button.cm-copy');
    if (!button) return;
    const pre = button.parentElement.querySelector('pre.cm-msg-text');
    const text = pre.textContent;
    const done = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text).then(() => true, () => fallback(pre)) : fallback(pre);
    done.then((ok) => {
      button.textContent = ok ? 'Đã sao chép' : 'Chưa sao chép được: hãy chọn tin nhắn rồi bấm Ctrl+C';
      setTimeout(() => { button.textContent = 'Sao chép tin nhắn'; }, 2000);
    });
  });
})();</script>"""


def messages_html(items: Iterable[Message]) -> str:
    """The folding blocks of `items` (every text escaped), with the style and the copy handler."""
    blocks = []
    for m in items:
        contact = html.escape(m.contact) if m.contact else "<em>Chưa có liên hệ.</em>"
        blocks.append(
            f'<details class="cm-msg"><summary>{html.escape(m.title)}</summary><div class="cm-msg-body">'
            f'<div class="cm-msg-contact">{contact}</div><pre class="cm-msg-text">{html.escape(m.text)}</pre>'
            f'<button type="button" class="cm-copy">Sao chép tin nhắn</button></div></details>')
    return f'{CSS}<div class="cm-msgs">{"".join(blocks)}</div>{COPY_JS}'


def show_messages(items: Iterable[Message]) -> None:
    """Draw the messages to copy (see the docstring)."""
    st.html(messages_html(items), unsafe_allow_javascript=True)
