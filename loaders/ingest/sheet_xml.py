"""The cells calamine cannot tell us about, found in one linear pass over an .xlsx sheet part:
error values (t="e": #REF!, #VALUE!, … which calamine reads as empty) and formulas saved without a
value (which calamine also reads as empty).

Linear on purpose. The earlier single regular expression for error cells had a lazy `.*?</f>` that, on
a shared formula (`<f t="shared" si="0"/>`, what Excel writes for a filled-down column), ran on to the
next `</f>` of the part — with 20,000 such cells, minutes of scanning. Here every pattern is anchored
at a tag and bounded ({0,N} on attributes), and the scan moves forward only: each cell body is sliced
once between its start tag and its own `</c>`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

_NAME = rb"(?:[A-Za-z_][\w.-]{0,31}:)?"
_TAG = re.compile(rb"<(" + _NAME + rb")(row|c)\b([^<>]{0,4096}?)(/?)>")
_F = re.compile(rb"<" + _NAME + rb"f\b([^<>]{0,4096}?)(/?)>")
_V = re.compile(rb"<" + _NAME + rb"v\b[^<>]{0,256}?(/?)>")
_R = re.compile(rb'\br="([A-Za-z]{1,3})([0-9]{1,7})"')
_ROW_R = re.compile(rb'\br="([0-9]{1,7})"')
_T = re.compile(rb'\bt="([A-Za-z]{1,12})"')
_MAX_ERROR_TEXT = 64
_MAX_FORMULA_TEXT = 8192


@dataclass
class Found:
    errors: list[tuple[int, int, str]] = field(default_factory=list)       # (row, col, "#REF!")
    unvalued: list[tuple[int, int, str]] = field(default_factory=list)     # (row, col, formula text or "")


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def scan(xml: bytes, tick=None, every: int = 4096) -> Found:
    """Error cells and formula cells without a saved value of one sheet part (zero-based positions).

    tick: called every `every` cells (the reader's deadline check)."""
    out = Found()
    pos = 0
    row = -1
    col = -1
    n = 0
    search = _TAG.search
    while True:
        m = search(xml, pos)
        if m is None:
            return out
        prefix, kind, attrs, closed = m.groups()
        pos = m.end()
        if kind == b"row":
            rr = _ROW_R.search(attrs)
            row = int(rr.group(1)) - 1 if rr else row + 1
            col = -1
            continue
        n += 1
        if tick is not None and n % every == 0:
            tick()
        ref = _R.search(attrs)
        if ref:
            row, col = int(ref.group(2)) - 1, _col(ref.group(1))
        else:
            col += 1
            row = max(row, 0)
        if closed:
            continue
        end = xml.find(b"</" + prefix + b"c>", pos)
        if end < 0:
            return out               # a cell that never closes: the rest is not a sheet we can read
        body = xml[pos:end]
        pos = end + 4 + len(prefix)
        if b"f" not in body and b't="e"' not in attrs:
            continue                 # a plain value (the common case): nothing calamine misses
        t = _T.search(attrs)
        typ = t.group(1) if t else b"n"
        f = _F.search(body)
        v = _V.search(body)
        value = None
        if v is not None and not v.group(1):
            stop = body.find(b"<", v.end())
            value = body[v.end():stop if stop >= 0 else len(body)]
        if typ == b"e":
            if value:
                out.errors.append((row, col, unescape(value[:_MAX_ERROR_TEXT].decode("utf-8", "replace"))))
            continue
        if f is None:
            continue
        has_value = (value is not None and (value.strip() != b"" or typ in (b"str", b"s"))) or \
            (typ == b"inlineStr" and b"<is" in body)
        if has_value:
            continue
        text = b""
        if not f.group(2):
            stop = body.find(b"<", f.end())
            text = body[f.end():stop if stop >= 0 else len(body)][:_MAX_FORMULA_TEXT]
        out.unvalued.append((row, col, unescape(text.decode("utf-8", "replace")).strip()))
