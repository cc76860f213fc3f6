"""Text folding shared by every matcher (units, indicators, headers).

Reports spell the same thing many ways: with or without diacritics, NFC or NFD, odd spacing,
"Thuỷ" or "Thủy". Matching always happens on the folded form, never on the raw string.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^0-9a-z]+")


class _CombiningMarks(dict):
    """A str.translate table deleting combining marks (category Mn), filled in as characters are met."""

    def __missing__(self, cp: int):
        v = None if unicodedata.category(chr(cp)) == "Mn" else cp
        self[cp] = v
        return v


_MARKS = _CombiningMarks()


def clean(text: object) -> str:
    """NFC, no stray whitespace or line breaks inside; the form we store and show."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    if s.isprintable() and "  " not in s:
        # every whitespace but the plain space is unprintable: nothing for the regex to collapse
        return s.strip()
    return _SPACES.sub(" ", s).strip()


def fold(text: object) -> str:
    """Diacritic-free, lower-case, whitespace-collapsed form used for matching."""
    s = unicodedata.normalize("NFD", clean(text).lower())
    if not s.isascii():
        s = s.translate(_MARKS).replace("đ", "d")
    return _SPACES.sub(" ", s).strip()


def fold_key(text: object) -> str:
    """Folded and stripped of everything but letters and digits ("Phường  Tân-Lập" → "phuongtanlap")."""
    # = fold() without the steps that only touch what is dropped here anyway (marks, spaces)
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", unicodedata.normalize("NFC", str(text)).lower())
    if not s.isascii():
        s = s.replace("đ", "d")
    return _NOT_KEY.sub("", s)


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2019": "'", "\u2018": "'",
                         "\u02bc": "'", "`": "'"})


def tone_key(text: object) -> str:
    """Lower-case, diacritics kept, tone mark placement made irrelevant ("Thuỷ" = "Thủy", "Hoà" = "Hòa")
    and dashes/apostrophes unified: two spellings of one official name compare equal, while names
    that differ only by a diacritic ("Văn Lăng" / "Văn Lang") stay apart."""
    s = unicodedata.normalize("NFD", clean(text).lower().translate(_DASHES))
    words = []
    for w in s.split(" "):
        # the tone mark of a syllable moved to its end: placement conventions differ, the tone does not
        words.append("".join(ch for ch in w if ch not in _TONES) + "".join(ch for ch in w if ch in _TONES))
    return unicodedata.normalize("NFC", " ".join(words)).replace(" - ", "-")
