"""Text folding shared by every matcher (units, indicators, headers).

Reports spell the same thing many ways: with or without diacritics, NFC or NFD, odd spacing,
"Thuỷ" or "Thủy". Matching always happens on the folded form, never on the raw string.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(text: object) -> str:
    """NFC, no stray whitespace or line breaks inside; the form we store and show."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    return _SPACES.sub(" ", s).strip()


def fold(text: object) -> str:
    """Diacritic-free, lower-case, whitespace-collapsed form used for matching."""
    s = unicodedata.normalize("NFD", clean(text).lower())
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d")
    return _SPACES.sub(" ", s).strip()


def fold_key(text: object) -> str:
    """Folded and stripped of everything but letters and digits ("Phường  Tân-Lập" → "phuongtanlap")."""
    return re.sub(r"[^0-9a-z]", "", fold(text))
