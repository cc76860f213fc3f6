"""The provinces and districts a report names, and whether they are the campaign's territory.

A report's title block or file name often names the levels above its commune: "UBND HUYỆN NÚI THÀNH –
TỈNH QUẢNG NAM", "UBND TP BMT", "Xã Ea Drông - TX Buôn Hồ", "Sở VHTTDL tỉnh Đắk Lắk". Those names are
evidence of where the report comes from: a report of Quảng Nam's Xã Tam Giang must not be stored as
Đắk Lắk's Xã Tam Giang because the commune names agree (issue 11). So:

- `Places.find(text)` reads every "<level word> <name>" of a text: tỉnh / thành phố / TP (a province,
  of 2025 or before; or, for TP, a district-level city), huyện / quận / thị xã / TX / thành phố / TP
  (a pre-2025 district), the name by its words or, for names of three words or more, its initials
  ("TP BMT", "TP HCM"). Level words count only as written: "tỉnh" or "tinh", never "tính"; "quận",
  never "quản" ("Ban quản lý").
- `Places.outside(found)` keeps those that are not the campaign's: a province or district none of
  whose readings is in its territory. A 2025 campaign's territory is its province and, before 2025,
  the provinces and districts of the old communes its units took over (new and old names both agree);
  a legacy campaign's is its province and districts, and the 2025 province they became part of.
- The districts of the territory a report names (`districts`) lead to its old communes: "Xã Hòa
  Thắng" under "TP Buôn Ma Thuột" is that city's Hòa Thắng, not another district's.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import duckdb

from loaders.common.text import clean, fold, fold_key

# level words as they may be written (lower case, NFC) → the levels they may introduce
_LEVELS = {
    ("tỉnh",): ("province",), ("tinh",): ("province",),
    ("thành", "phố"): ("province", "district"), ("thanh", "pho"): ("province", "district"),
    ("tp",): ("province", "district"),
    ("huyện",): ("district",), ("huyen",): ("district",),
    ("quận",): ("district",), ("quan",): ("district",),
    ("thị", "xã"): ("district",), ("thi", "xa"): ("district",), ("tx",): ("district",),
}
_NOT_AFTER = {"co", "ban", "lien", "tinh", "thanh"}   # "cơ quan", "ban quản" written without marks
# a text without any level word names no place: most title lines ("UBND XÃ EA KAO") stop here
_ANY_LEVEL = re.compile(r"(?:^|[^a-z])(?:tinh|thanh pho|tp|huyen|quan|thi xa|tx)(?:$|[^a-z])")
_MAX_WORDS = 5


@dataclass(frozen=True)
class Place:
    level: str                            # province | district
    written: str                          # as the file writes it ("TỈNH QUẢNG NAM", "TP BMT")
    codes: frozenset                      # (era, province code) or ('district', district code)
    display: str                          # "tỉnh Quảng Nam", "huyện Núi Thành (tỉnh Quảng Nam)"


def _lower_first(name: str) -> str:
    for word in ("Thành phố", "Thành Phố", "Tỉnh", "Huyện", "Quận", "Thị xã", "Thị Xã"):
        if name.startswith(word + " "):
            return word.lower() + name[len(word):]
    return name


class Places:
    """Province and district names of both eras, and one campaign's territory."""

    def __init__(self, con: duckdb.DuckDBPyConnection, campaign: dict):
        self.provinces: dict[str, set[tuple[str, str]]] = {}
        self.province_display: dict[tuple[str, str], str] = {}
        for era, code, name, short in con.execute("select era, code, name, short_name from provinces").fetchall():
            full = clean(name) if clean(name).startswith(("Thành phố", "Tỉnh")) else f"Tỉnh {clean(name)}"
            self.province_display[(era, code)] = _lower_first(full)
            for k in _keys(short):
                self.provinces.setdefault(k, set()).add((era, code))
        self.districts: dict[str, set[str]] = {}
        self.district_display: dict[str, str] = {}
        legacy_names = {c: d for (e, c), d in self.province_display.items() if e == "legacy"}
        for code, province, name in con.execute("select code, province_code, name from districts").fetchall():
            self.district_display[code] = f"{_lower_first(clean(name))} ({legacy_names.get(province, province)})"
            for k in _keys(re.sub(r"^(Thành phố|Thành Phố|Huyện|Quận|Thị xã|Thị Xã)\s+", "", clean(name))):
                self.districts.setdefault(k, set()).add(code)
        self.territory = _territory(con, campaign)
        self.campaign_display = self.province_display.get((campaign["era"], campaign["province_code"]), "")
        self._cache: dict[str, tuple[Place, ...]] = {}

    def find(self, text: object) -> list[Place]:
        key = str(text)
        if key not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = tuple(self._find(key))
        return list(self._cache[key])

    def _find(self, text: str) -> list[Place]:
        if not _ANY_LEVEL.search(fold(text)):
            return []
        source, spans = _tokens(text)
        tokens = [source[a:b].lower() for a, b in spans]
        out = []
        i = 0
        while i < len(tokens):
            hit = self._at(tokens, i, lambda a, b: source[spans[a][0]:spans[b - 1][1]])
            if hit is None:
                i += 1
                continue
            place, i = hit
            out.append(place)
        return out

    def _at(self, tokens: list[str], i: int, written_of) -> tuple[Place, int] | None:
        for n in (2, 1):
            word = tuple(tokens[i:i + n])
            levels = _LEVELS.get(word)
            if levels is None:
                continue
            if n == 1 and word[0] in ("quan", "tinh") and i > 0 and fold(tokens[i - 1]) in _NOT_AFTER:
                return None
            start = i + n + (1 if i + n < len(tokens) and tokens[i + n] == "." else 0)
            words = []
            for t in tokens[start:start + _MAX_WORDS]:
                if not t[0].isalnum():
                    break
                words.append(t)
            for m in range(len(words), 0, -1):
                k = fold_key(" ".join(words[:m]))
                codes: set = set()
                if "province" in levels:
                    codes |= self.provinces.get(k, set())
                if "district" in levels:
                    codes |= {("district", c) for c in self.districts.get(k, set())}
                if codes:
                    level = "province" if all(c[0] != "district" for c in codes) else "district"
                    written = written_of(i, start + m)
                    return Place(level, written, frozenset(codes), self._display(codes)), start + m
            return None
        return None

    def _display(self, codes: set) -> str:
        names = sorted({self.province_display[c] if c[0] != "district" else self.district_display[c[1]]
                        for c in codes})
        return " hoặc ".join(names[:3]) + (" …" if len(names) > 3 else "")

    def outside(self, found: list[Place]) -> list[Place]:
        return [p for p in found if not (p.codes & self.territory)]

    def districts_of(self, found: list[Place]) -> set[str]:
        """The territory's districts among what a text names: where its old communes are looked up."""
        return {c[1] for p in found for c in p.codes if c[0] == "district" and c in self.territory}


def _keys(name: str) -> set[str]:
    """A name's keys: folded, and its initials when it has three words or more ("bmt", "hcm")."""
    words = re.sub(r"[-–]", " ", fold(name)).split()
    keys = {fold_key(name)}
    if len(words) >= 3:
        keys.add("".join(w[0] for w in words))
    return {k for k in keys if k}


def _tokens(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text (NFC) and the spans of its words and punctuation marks; apostrophes inside names
    and hyphens between letters read as part of the name ("Ea H'Leo", "Rang-Tháp Chàm"), file-name
    underscores as spaces."""
    s = unicodedata.normalize("NFC", clean(text)).replace("_", " ")
    s = re.sub(r"(?<=\w)-(?=\w)", " ", s)
    return s, [m.span() for m in re.finditer(r"\w+(?:['’‘ʼ]\w+)*|[^\w\s]", s)]


def _territory(con: duckdb.DuckDBPyConnection, campaign: dict) -> set[tuple[str, str]]:
    """(era, province code) and ('district', code) pairs of a campaign's territory."""
    code, era, province = campaign["code"], campaign["era"], campaign["province_code"]
    out: set[tuple[str, str]] = {(era, province)}
    if era == "2025":
        rows = con.execute(
            "select distinct o.province_code, o.district_code from campaign_units cu "
            "join unit_history h on h.new_code = cu.unit_code "
            "join units o on o.era = 'legacy' and o.code = h.old_code "
            "where cu.campaign_code = ? and cu.territorial", [code]).fetchall()
        for p, d in rows:
            out.add(("legacy", p))
            if d:
                out.add(("district", d))
    else:
        rows = con.execute(
            "select distinct u.district_code, n.province_code from campaign_units cu "
            "join units u on u.era = 'legacy' and u.code = cu.unit_code "
            "left join unit_history h on h.old_code = u.code "
            "left join units n on n.era = '2025' and n.code = h.new_code "
            "where cu.campaign_code = ? and cu.territorial", [code]).fetchall()
        for d, p in rows:
            if d:
                out.add(("district", d))
            if p:
                out.add(("2025", p))
        out |= {("district", c) for (c,) in con.execute(
            "select code from org_units where campaign_code = ? and kind = 'huyen'", [code]).fetchall()}
    return out
