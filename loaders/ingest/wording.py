"""Reading a report row's wording as a person would: which indicator it names, and how sure we are.

The vocabulary is data (the `wording` section and each indicator's `when`/`over` in
data/indicators.yaml), not code per wording. A row is read in steps:
1. its words, lower case with diacritics kept (and folded beside them), numbering and "Số lượng"
   stripped; abbreviations (TT, TTCS, TTĐT, MXH, FB …) expanded on the folded words;
2. its phrases, longest first, looked up in the tags ("băng rôn" → cloth_banner, "lượt xem" →
   interaction); the unit-of-measure column adds tags of its own ("phút" → duration);
3. the indicators whose `when` tag sets are all present, minus those another one is `over`;
4. exactly one left: named. Several: the row names several kinds at once ("Cờ, băng rôn, khẩu hiệu,
   pa nô") and is never stored under one. None: the section heading's tags are tried with the row's.
A row with a word of another domain ("kinh doanh", "hạ tầng") or only generic words ("Hoạt động khác")
names nothing.

Confidence: "high" (stored), "medium" (a short accented word matched only because the row is typed
without diacritics, or the heading was needed and the row itself has no tag), "low". Only high is
stored by the caller; anything else is kept aside for a person to map.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from loaders.common.text import clean, fold

CATALOG = Path(__file__).resolve().parents[2] / "data" / "indicators.yaml"

_NUMBERING = re.compile(
    r"^\s*(?:(?:[ivxlc]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)/:]|[-+*•–·o]|\(\s*\d+\s*\))\s*", re.I)
_FILLER = re.compile(r"^(?:tổng\s+)?(?:số\s+lượng|số)\s+", re.I)
# old and new tone-mark placement ("hoà"/"hòa", "thuỷ"/"thủy") read alike
_TONES = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe",
          "oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE_RX = re.compile("|".join(_TONES))
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class WordingMatch:
    """What a row's wording names. code None: nothing, or nothing for sure (see reason)."""
    code: str | None
    confidence: str            # high | medium | low
    reason: str                # named | heading | several | generic | other_domain | unknown
    tags: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()

    @property
    def suggestion(self) -> str | None:
        """The indicator a person would most likely map the row to (None when there is none)."""
        if self.code:
            return self.code
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass(frozen=True)
class _Token:
    acc: str        # lower case, NFC, diacritics kept
    fold: str       # without diacritics
    bare: bool      # typed without diacritics (or an expanded abbreviation): match on the folded form


def _accent_norm(text: str) -> str:
    s = unicodedata.normalize("NFC", clean(text)).lower().replace("ð", "đ")
    return _TONE_RX.sub(lambda m: _TONES[m.group(0)], s)


def _has_diacritics(word: str) -> bool:
    return fold(word) != word


class Vocabulary:
    """The `wording` section of the catalog, compiled for phrase look-up."""

    def __init__(self, catalog: dict):
        w = catalog.get("wording") or {}
        self.abbrev = {tuple(k.split()): tuple(v.split()) for k, v in (w.get("abbreviations") or {}).items()}
        self.abbrev_len = max((len(k) for k in self.abbrev), default=1)
        self.phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], str | None]]] = {}
        for tag, words in (w.get("tags") or {}).items():
            for p in words:
                self._add(p, tag)
        for p in w.get("neutral") or []:
            self._add(p, None)
        self.max_len = max((len(k) for k in self.phrases), default=1)
        self.uom_tags = {}
        for tag, words in (w.get("uom_tags") or {}).items():
            for p in words:
                self.uom_tags[_accent_norm(p)] = tag
        self.generic = {self._key(p) for p in w.get("generic") or []}
        self.other_domain = [tuple(_phrase_words(p)) for p in w.get("other_domain") or []]
        self.rules: dict[str, list[frozenset[str]]] = {}
        self.over: dict[str, set[str]] = {}
        for ind in catalog.get("indicators") or []:
            self.rules[ind["code"]] = [frozenset(r) for r in ind.get("when") or []]
            self.over[ind["code"]] = set(ind.get("over") or [])

    def _add(self, phrase: str, tag: str | None) -> None:
        words = tuple(_phrase_words(phrase))
        if words:
            self.phrases.setdefault(tuple(fold(x) for x in words), []).append((words, tag))

    @staticmethod
    def _key(text: str) -> str:
        return " ".join(fold(x) for x in _phrase_words(text))

    # ---- reading

    def tokens(self, text: str) -> list[_Token]:
        s = strip_numbering(text)
        s = _FILLER.sub("", _accent_norm(s))
        words = _WORD.findall(s)
        bare_row = not any(_has_diacritics(x) for x in words)
        toks = [_Token(x, fold(x), bare_row) for x in words]
        out: list[_Token] = []
        i = 0
        while i < len(toks):
            for n in range(min(self.abbrev_len, len(toks) - i), 0, -1):
                key = tuple(t.fold for t in toks[i:i + n])
                exp = self.abbrev.get(key)
                # a one-word abbreviation is typed as such, without diacritics
                if exp is not None and (n > 1 or not _has_diacritics(toks[i].acc)):
                    out += [_Token(x, x, True) for x in exp]
                    i += n
                    break
            else:
                out.append(toks[i])
                i += 1
        return out

    def tags(self, toks: list[_Token]) -> tuple[set[str], bool]:
        """Tags of the phrases found (longest first); weak: a short accented word matched only on its
        folded form (a row typed without diacritics: "co" may be "cờ", "có" or "cổ")."""
        hits = []                                   # (length, start, tag, weak)
        for i in range(len(toks)):
            for n in range(min(self.max_len, len(toks) - i), 0, -1):
                window = toks[i:i + n]
                entries = self.phrases.get(tuple(t.fold for t in window))
                hit = next(((words, tag) for words, tag in entries if _fits(window, words)), None) \
                    if entries else None
                if hit is not None:
                    words, tag = hit
                    short = n == 1 and len(words[0]) <= 3 and _has_diacritics(words[0]) and window[0].acc != words[0]
                    hits.append((n, i, tag, short))
                    break
        # the longest phrases first, each word read once ("treo cờ tổ quốc": "cờ tổ quốc", not "treo cờ" + "tờ")
        used = [False] * len(toks)
        found: set[str] = set()
        weak = False
        for n, i, tag, short in sorted(hits, key=lambda h: (-h[0], h[1])):
            if any(used[i:i + n]):
                continue
            used[i:i + n] = [True] * n
            if tag is not None:
                found.add(tag)
                weak = weak or short
        return found, weak

    def resolve(self, tags: set[str]) -> list[str]:
        named = [code for code, rules in self.rules.items() if any(r <= tags for r in rules)]
        beaten = set().union(*(self.over.get(c, set()) for c in named)) if named else set()
        return [c for c in named if c not in beaten]

    def other_domain_in(self, toks: list[_Token]) -> bool:
        folded = [t.fold for t in toks]
        accs = [t.acc for t in toks]
        for words in self.other_domain:
            n = len(words)
            fw = tuple(fold(x) for x in words)
            for i in range(len(toks) - n + 1):
                if tuple(folded[i:i + n]) == fw and all(
                        toks[i + k].bare or accs[i + k] == words[k] or not _has_diacritics(words[k])
                        for k in range(n)):
                    return True
        return False

    def read(self, text: str, uom: str = "", heading: str = "") -> WordingMatch:
        toks = self.tokens(text)
        if not toks:
            return WordingMatch(None, "low", "unknown")
        if self.other_domain_in(toks):
            return WordingMatch(None, "low", "other_domain")
        tags, weak = self.tags(toks)
        u = _accent_norm(uom)
        if u in self.uom_tags:
            tags.add(self.uom_tags[u])
        codes = self.resolve(tags)
        if len(codes) == 1:
            return WordingMatch(codes[0], "medium" if weak else "high", "named", tuple(sorted(tags)), tuple(codes))
        if len(codes) > 1:
            return WordingMatch(None, "low", "several", tuple(sorted(tags)), tuple(codes))
        if " ".join(t.fold for t in toks) in self.generic:
            return WordingMatch(None, "low", "generic", tuple(sorted(tags)))
        if heading:
            return self._with_heading(tags, weak, heading)
        return WordingMatch(None, "low", "unknown", tuple(sorted(tags)))

    def _with_heading(self, tags: set[str], weak: bool, heading: str) -> WordingMatch:
        """A row that names no channel of its own ("Số tin, bài", "Nền tảng khác") under a heading that
        does ("3. Trang thông tin điện tử", "Mạng xã hội"). The heading may not name several kinds."""
        htags, hweak = self.tags(self.tokens(heading))
        own = self.resolve(htags)
        both = self.resolve(tags | htags)
        if len(both) != 1 or len(own) > 1:
            return WordingMatch(None, "low", "unknown", tuple(sorted(tags)), tuple(both))
        conf = "medium" if weak or hweak else "high"
        return WordingMatch(both[0], conf, "heading", tuple(sorted(tags | htags)), tuple(both))


def _fits(window: list[_Token], words: tuple[str, ...]) -> bool:
    return all(t.acc == w or t.bare or not _has_diacritics(w) for t, w in zip(window, words))


def _phrase_words(text: str) -> list[str]:
    return _WORD.findall(_accent_norm(text))


def strip_numbering(text: str) -> str:
    prev = None
    s = clean(text)
    while s != prev:
        prev = s
        s = _NUMBERING.sub("", s, count=1).strip()
    return s


@lru_cache(maxsize=4)
def _vocabulary(path: str, mtime: float) -> Vocabulary:
    import yaml     # here: a store copied with its campaign's index (the ingest command) never reads the file

    return Vocabulary(yaml.load(Path(path).read_text(encoding="utf-8"),
                                Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def vocabulary(path: Path = CATALOG) -> Vocabulary:
    """The compiled vocabulary of the catalog file (read again when the file changes)."""
    return _vocabulary(str(path), path.stat().st_mtime)
