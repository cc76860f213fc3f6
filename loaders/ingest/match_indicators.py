"""Which indicator each report row is: matching a row's code cell or wording to the catalog.

The "Mã chỉ tiêu" code column wins when present; else the row's wording is matched on its folded form
against the catalog's names and aliases, then fuzzily (rapidfuzz) with a threshold and a margin over
the runner-up, so "Facebook" and "Zalo" rows never swap.

The index is built once per campaign (campaign_index.CampaignIndex.load) and answers from memory.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import duckdb
from rapidfuzz import fuzz, process

from loaders.common.text import clean, fold
from loaders.ingest.wording import WordingMatch, strip_numbering, vocabulary

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


def wording_key(text: object) -> str:
    """The key a wording is kept and mapped under: folded words without numbering ("2. Cờ hoa" → "co hoa")."""
    return norm_words(strip_numbering(clean(text)))


@dataclass
class IndicatorMatch:
    code: str
    how: str            # code | exact | mapped | wording (| fuzzy: a suggestion only)
    score: float = 100.0
    alias: str = ""
    mapping_id: int | None = None


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
        self.vocab = vocabulary()
        # wording key → (mapping id, code or None for "không tính"): set by CampaignIndex.load
        self.mapped: dict[str, tuple[int, str | None]] = {}

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

    def match(self, text: object, code_cell: object = None, loose: bool = True, uom: object = "",
              heading: str = "") -> IndicatorMatch | None:
        """The indicator a row names: its code cell, else its wording (exact on the folded form, then,
        with loose, a wording mapped by a person, then the wording read at high confidence, see
        wording.py). Cached: the same wordings come in every file."""
        key = (text if isinstance(text, str) else str(text), str(code_cell or ""), loose, str(uom or ""), heading)
        cache = self.__dict__.setdefault("_match_cache", {})
        if key not in cache:
            if len(cache) > 100_000:
                cache.clear()
            cache[key] = self._match(text, code_cell, loose, str(uom or ""), heading)
        return cache[key]

    def _match(self, text: object, code_cell: object, loose: bool, uom: str, heading: str) -> IndicatorMatch | None:
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
        hit = self.mapped.get(wording_key(text))
        if hit is not None:                   # a person's decision wins over the vocabulary
            return IndicatorMatch(hit[1], "mapped", mapping_id=hit[0]) if hit[1] else None
        w = self.vocab.read(clean(text), uom, heading)
        if w.code and w.confidence == "high":
            return IndicatorMatch(w.code, "wording", 100.0, " ".join(w.tags))
        return None

    def load_mappings(self, con: duckdb.DuckDBPyConnection, campaign_code: str) -> None:
        """The wordings people mapped (page "Chỉ tiêu chưa phân loại"): this campaign's, else all campaigns'."""
        rows = con.execute(
            "select wording_key, id, indicator_code from wording_mappings "
            "where undone_at is null and (campaign_code = ? or campaign_code is null) "
            "order by campaign_code nulls first, id", [campaign_code]).fetchall()
        self.mapped = {k: (i, code) for k, i, code in rows}
        self.__dict__.pop("_match_cache", None)

    def read(self, text: object, uom: object = "", heading: str = "") -> WordingMatch:
        """How the wording reads (for a row no indicator was stored under): the reason and the
        suggestion, from the vocabulary, else from the closest catalog name."""
        w = self.vocab.read(clean(text), str(uom or ""), heading)
        if w.suggestion or w.reason in ("other_domain", "generic", "several"):
            return w
        f = self._fuzzy(self.variants(clean(text)))
        return WordingMatch(None, w.confidence, w.reason, w.tags, (f.code,) if f else ())

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


def _score(a: str, b: str, **kwargs) -> float:
    """Reworded names: word order and a few extra words are fine, a different platform is not."""
    sort = fuzz.token_sort_ratio(a, b)
    tset = fuzz.token_set_ratio(a, b)
    # token_set is 100 whenever one side's words are a subset of the other's; trust it only in part
    return max(sort, 0.5 * sort + 0.5 * tset, fuzz.ratio(a, b))
