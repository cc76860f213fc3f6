"""Which indicator each report row is: matching a row's code cell or wording to the catalog.

The "Mã chỉ tiêu" code column wins when present; else the row's wording is matched on its folded form
against the catalog's names and aliases, then fuzzily (rapidfuzz) with a threshold and a margin over
the runner-up, so "Facebook" and "Zalo" rows never swap.

The index is built once per campaign (campaign_index.CampaignIndex.load) and answers from memory.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import duckdb
from rapidfuzz import fuzz, process

from loaders.common.text import clean, fold

_NUMBERING = re.compile(
    r"^\s*(?:(?:[ivxlc]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)/:]|[-+*•–·o]|\(\s*\d+\s*\))\s*", re.I)
_ABBREV = {"fb": "facebook", "ttdt": "thong tin dien tu", "yt": "youtube", "tiktok": "tiktok",
           "tik tok": "tiktok", "zalo oa": "zalo", "ttcs": "thong tin co so", "tt": "truyen thanh"}
_FILLER = re.compile(r"^(?:tong\s+)?(?:so\s+luong|so\s+luot|so)\s+")


@lru_cache(maxsize=100_000)
def _norm_words(text: str) -> str:
    f = fold(text)
    f = re.sub(r"[^0-9a-z]+", " ", f)
    return re.sub(r"\s+", " ", f).strip()


def norm_words(text: object) -> str:
    """Folded, punctuation turned into spaces: "Tin, bài (TT cơ sở)" → "tin bai tt co so"."""
    if isinstance(text, str):
        return _norm_words(text)
    f = fold(text)
    f = re.sub(r"[^0-9a-z]+", " ", f)
    return re.sub(r"\s+", " ", f).strip()


def strip_numbering(text: str) -> str:
    prev = None
    s = clean(text)
    while s != prev:
        prev = s
        s = _NUMBERING.sub("", s, count=1).strip()
    return s


@dataclass
class IndicatorMatch:
    code: str
    how: str            # code | exact | fuzzy
    score: float = 100.0
    alias: str = ""


class IndicatorIndex:
    """The indicator catalog, for matching a row's code cell or wording."""

    FUZZY_THRESHOLD = 86
    FUZZY_MARGIN = 6

    def __init__(self, con: duckdb.DuckDBPyConnection):
        rows = con.execute("select code, name, uom, is_flag, is_posting, group_code from indicators "
                           "order by sort").fetchall()
        self.info = {r[0]: {"name": r[1], "uom": r[2], "is_flag": r[3], "is_posting": r[4], "group": r[5]}
                     for r in rows}
        self.codes = {fold(c): c for c in self.info}
        self.exact: dict[str, set[str]] = {}
        for code, alias in con.execute("select indicator_code, alias from indicator_aliases").fetchall():
            if alias == fold(code):
                continue
            self._add(norm_words(alias), code)
        for code, i in self.info.items():
            self._add(norm_words(i["name"]), code)
            bare = re.sub(r"\s*\(.*?\)\s*", " ", i["name"])
            self._add(norm_words(bare), code)
        self.groups = {}
        for code, name in con.execute("select code, name from indicator_groups").fetchall():
            self.groups[norm_words(name)] = code
            self.groups[norm_words(code)] = code
        self.choices = sorted(self.exact)
        self.choice_codes = [self.exact[c] for c in self.choices]
        # words that appear in the wording of one indicator only ("tương tác", "fanpage", "cờ"),
        # folded and with diacritics kept (folding merges "cờ" with "cơ sở")
        self.unique_words: dict[str, str] = {}
        seen: dict[str, set[str]] = {}
        texts = [(code, a) for code, a in con.execute("select indicator_code, alias from indicator_aliases")
                 .fetchall() if a != fold(code)]
        texts += [(code, i["name"]) for code, i in self.info.items()]
        for code, t in texts:
            for w in _words(t):
                seen.setdefault(w, set()).add(code)
        for w, codes in seen.items():
            if len(codes) == 1 and len(w) >= 2:
                self.unique_words[w] = next(iter(codes))

    def _add(self, key: str, code: str) -> None:
        if key:
            self.exact.setdefault(key, set()).add(code)
            k2 = _FILLER.sub("", key)
            if k2 and k2 != key:
                self.exact.setdefault(k2, set()).add(code)

    def by_code(self, text: object) -> str | None:
        if isinstance(text, str) and text in self.info:
            return text
        f = fold(text).strip()
        return self.codes.get(f)

    def variants(self, text: str) -> list[str]:
        base = strip_numbering(text)
        out = []
        for t in (base, re.sub(r"\s*\(.*?\)\s*", " ", base), re.sub(r"[()]", " ", base)):
            k = norm_words(t)
            if k and k not in out:
                out.append(k)
            k2 = _FILLER.sub("", k)
            if k2 and k2 not in out:
                out.append(k2)
        expanded = []
        for k in out:
            e = " ".join(_ABBREV.get(w, w) for w in k.split())
            if e not in out and e not in expanded:
                expanded.append(e)
        return out + expanded

    def match(self, text: object, code_cell: object = None, loose: bool = True) -> IndicatorMatch | None:
        """The indicator a row names: its code cell, else its wording (exact on the folded form, then,
        with loose, fuzzy and by distinctive words). Cached: the same wordings come in every file."""
        key = (text if isinstance(text, str) else str(text), str(code_cell or ""), loose)
        cache = self.__dict__.setdefault("_match_cache", {})
        if key not in cache:
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = self._match(text, code_cell, loose)
        return cache[key]

    def _match(self, text: object, code_cell: object, loose: bool) -> IndicatorMatch | None:
        if code_cell not in (None, ""):
            c = self.by_code(code_cell)
            if c:
                return IndicatorMatch(c, "code")
        if not clean(text):
            return None
        vs = self.variants(clean(text))
        for v in vs:
            codes = self.exact.get(v)
            if codes and len(codes) == 1:
                return IndicatorMatch(next(iter(codes)), "exact", 100.0, v)
        c = self.by_code(text)
        if c:
            return IndicatorMatch(c, "code")
        if not loose:
            return None
        return self._fuzzy(vs) or self._keywords(clean(text))

    def _keywords(self, text: str) -> IndicatorMatch | None:
        """At least two words that only one indicator's wordings use ("treo cờ tổ quốc", "lượt chia sẻ"),
        and no word pointing to another indicator."""
        votes: dict[str, set[str]] = {}
        words = _words(strip_numbering(text))
        if len(words) > 24:
            return None
        for w in words:
            code = self.unique_words.get(w)
            if code:
                votes.setdefault(code, set()).add(fold(w))
        if len(votes) != 1:
            return None
        code, hits = next(iter(votes.items()))
        if len(hits) >= 2:
            return IndicatorMatch(code, "keyword", 0.0, " ".join(sorted(hits)))
        return None

    def _fuzzy(self, variants: list[str]) -> IndicatorMatch | None:
        best: dict[str, tuple[float, str]] = {}
        for v in variants:
            if len(v) < 4:
                continue
            for alias, score, i in process.extract(v, self.choices, scorer=_score, limit=8):
                for code in self.choice_codes[i]:
                    if score > best.get(code, (0, ""))[0]:
                        best[code] = (score, alias)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        code, (score, alias) = ranked[0]
        runner = ranked[1][1][0] if len(ranked) > 1 else 0
        if score >= self.FUZZY_THRESHOLD and score - runner >= self.FUZZY_MARGIN:
            return IndicatorMatch(code, "fuzzy", round(score, 1), alias)
        return None

    def is_group(self, text: object) -> bool:
        """A section heading naming a channel group ("II. Hệ thống thông tin cơ sở")."""
        key = str(text)
        cache = self.__dict__.setdefault("_group_cache", {})
        if key not in cache:
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = self._is_group(text)
        return cache[key]

    def _is_group(self, text: object) -> bool:
        k = norm_words(strip_numbering(clean(text)))
        if not k:
            return False
        if k in self.groups:
            return True
        k2 = _GROUP_FILLER.sub("", k).strip()
        if k2 in self.groups:
            return True
        words = set(k2.split())
        if len(k2) >= 5 and any(words <= set(g.split()) for g in self.groups):
            return True
        return any(fuzz.ratio(k2, g) >= 90 for g in self.groups)


_GROUP_FILLER = re.compile(r"^(?:cong tac |hoat dong |ket qua )?(?:thong tin )?(?:tuyen truyen )?(?:tren |qua |bang |ve )?"
                           r"(?:he thong |cac )?")


def _words(text: str) -> set[str]:
    """Words of a wording, folded and as written (lower case, NFC): {"co", "cờ", "loai", "loại"}."""
    raw = re.sub(r"[^\w]+", " ", unicodedata.normalize("NFC", clean(text).lower())).split()
    return {w for w in raw if not w.isdigit()} | {fold(w) for w in raw if not w.isdigit()}


def _score(a: str, b: str, **kwargs) -> float:
    """Reworded names: word order and a few extra words are fine, a different platform is not."""
    sort = fuzz.token_sort_ratio(a, b)
    tset = fuzz.token_set_ratio(a, b)
    # token_set is 100 whenever one side's words are a subset of the other's; trust it only in part
    return max(sort, 0.5 * sort + 0.5 * tset, fuzz.ratio(a, b))
