"""Who sent the report: matching a written unit name to a reporting unit of the campaign.

A report names its unit in the template metadata (unit_code), else in its title block ("UBND
XÃ EA KAO", "ỦY BAN NHÂN DÂN PHƯỜNG TÂN LẬP", "Đơn vị: Xã Ea Kao"), else in its file name ("BC tuan 37
- Xa Ea Kao.xlsx"). Names are matched on `fold_key` against unit_aliases of the campaign's era,
restricted to the campaign's own reporting units (campaign_units). For a 2025 campaign, a pre-2025 name
("Xã Hòa Thắng, TP Buôn Ma Thuột") is looked up among the old communes that became part of the
campaign's units and mapped through unit_history, with a notice naming both; an old commune divided
between several new ones maps to the official default, with a warning. A name shared by several units
(the same commune name in two districts) is never guessed: the district or the unit code is asked for.

The index is built once per campaign (campaign_index.CampaignIndex.load) and answers from memory.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import duckdb

from loaders.common.text import clean, fold, fold_key, tone_key
from loaders.reference.campaign_model import Campaign

KIND_WORDS = {  # folded spelling → folded canonical kind word
    "xa": "xa", "x": "xa", "phuong": "phuong", "p": "phuong", "thi tran": "thi tran", "tt": "thi tran",
    "dac khu": "dac khu",
}
KIND_OF_WORD = {"xa": "xa", "phuong": "phuong", "thi tran": "thi_tran", "dac khu": "dac_khu"}
DISTRICT_WORDS = ("thanh pho", "thi xa", "huyen", "quan", "tp", "tx", "h")
_PREFIX = re.compile(
    r"^(?:(?:ubnd|uy ban nhan dan|u ban nhan dan|dang uy|dang bo|ban chi dao|bcd|ban tuyen giao|"
    r"don vi bao cao|ten don vi|don vi|co quan|noi gui|kinh gui)\b[\s:.\-]*)+")
_KIND_AT = re.compile(r"(?:^|[\s,(:\-])((?:xa|phuong|thi tran|dac khu)\b|(?:p|x|tt)\.)\s*")
_DISTRICT_AT = re.compile(r"[\s,(\-–]+(?:thanh pho|thi xa|huyen|quan|tp|tx|h)(?:\.|\s)\s*(.+?)\)?\s*$")
_NOT_A_NAME = {"xa": {"hoi"}, "phuong": {"tien", "thuc", "cham", "phap", "huong"}}  # xã hội, phương tiện …


def accent_key(text: object) -> str:
    """Lower-case letters and digits with their diacritics kept ("Văn Lăng" ≠ "Văn Lang", "Sơn Hạ" ≠
    "Sơn Hà"), tone mark placement aside ("Hoà" = "Hòa": both spellings are in use)."""
    s = tone_key(unicodedata.normalize("NFC", clean(text).lower()).replace("ð", "đ"))
    # tone_key leaves a tone mark after the syllable's last letter, where it may stay uncomposed
    return "".join(ch for ch in s if ch.isalnum() or unicodedata.combining(ch))


@dataclass
class UnitMatch:
    """The outcome of matching one written name. code is None when nothing or several matched."""
    code: str | None
    written: str                                   # the text as written (cleaned)
    candidates: list[str] = field(default_factory=list)   # display names when ambiguous
    notices: list[tuple[str, str]] = field(default_factory=list)  # (level, Vietnamese text)
    legacy: bool = False                           # matched through an old (pre-2025) name
    territorial: bool = True
    example: str = ""                              # when ambiguous: how to write it unambiguously

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1


@dataclass
class _Unit:
    code: str
    name: str
    kind: str
    district_code: str | None
    territorial: bool = True


class UnitIndex:
    """The reporting units of one campaign, and the old names that lead to them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, campaign: Campaign):
        self.era = campaign["era"]
        rows = con.execute(
            "select unit_code, name, kind, district_code, territorial from campaign_units "
            "where campaign_code = ?", [campaign["code"]]).fetchall()
        self.units = {r[0]: _Unit(*r) for r in rows}
        self.district_names = {}
        for code, name in con.execute("select code, name from districts").fetchall():
            self.district_names[code] = clean(name)
        codes = [c for c, u in self.units.items() if u.territorial]
        self.by_key: dict[str, set[str]] = {}      # names, short names and the package's keywords
        self.by_name: dict[str, set[str]] = {}     # official names and short names only
        self.by_accent: dict[str, set[str]] = {}
        if codes:
            for code, alias in con.execute(
                    "select unit_code, alias from unit_aliases where era = ? and list_contains(?, unit_code)",
                    [self.era, codes]).fetchall():
                self.by_key.setdefault(alias, set()).add(code)
        for code, u in self.units.items():
            if u.territorial:
                short = u.name.split(" ", 1)[1] if " " in u.name else u.name
                if u.kind == "thi_tran":
                    short = u.name.split(" ", 2)[-1]
                if u.kind == "dac_khu":
                    short = u.name.replace("Đặc khu ", "")
                for k in (fold_key(u.name), fold_key(short)):
                    self.by_key.setdefault(k, set()).add(code)
                    self.by_name.setdefault(k, set()).add(code)
                for k in (accent_key(u.name), accent_key(short)):
                    self.by_accent.setdefault(k, set()).add(code)
        # org units (departments, press, districts of a legacy campaign): folded full name
        self.org_by_key: dict[str, set[str]] = {}
        for code, u in self.units.items():
            if not u.territorial:
                for k in _org_keys(u.name):
                    self.org_by_key.setdefault(k, set()).add(code)
        # old communes that became part of this campaign's units (2025 campaigns only)
        self.legacy: dict[str, _Unit] = {}
        self.history: dict[str, list[tuple[str, bool]]] = {}
        self.legacy_by_key: dict[str, set[str]] = {}
        self.legacy_by_name: dict[str, set[str]] = {}
        self.legacy_by_accent: dict[str, set[str]] = {}
        if self.era == "2025" and codes:
            hist = con.execute(
                "select h.old_code, h.new_code, h.is_default, o.name, o.kind, o.district_code "
                "from unit_history h join units o on o.era = 'legacy' and o.code = h.old_code "
                "where list_contains(?, h.new_code)", [codes]).fetchall()
            for old, new, default, name, kind, district in hist:
                self.legacy[old] = _Unit(old, clean(name), kind, district)
                self.history.setdefault(old, []).append((new, bool(default)))
            for code, alias in con.execute(
                    "select unit_code, alias from unit_aliases where era = 'legacy' and "
                    "list_contains(?, unit_code)", [list(self.legacy)]).fetchall():
                self.legacy_by_key.setdefault(alias, set()).add(code)
            for code, u in self.legacy.items():
                short = u.name.split(" ", 1)[1] if " " in u.name else u.name
                if u.kind == "thi_tran":
                    short = u.name.split(" ", 2)[-1]
                for k in (fold_key(u.name), fold_key(short)):
                    self.legacy_by_key.setdefault(k, set()).add(code)
                    self.legacy_by_name.setdefault(k, set()).add(code)
                for k in (accent_key(u.name), accent_key(short)):
                    self.legacy_by_accent.setdefault(k, set()).add(code)
        self.district_keys: dict[str, set[str]] = {}
        for code, name in self.district_names.items():
            for k in _district_keys(name):
                self.district_keys.setdefault(k, set()).add(code)

    # ---- display

    def display(self, code: str) -> str:
        u = self.units.get(code)
        return f"{u.name} (mã {code})" if u else code

    def _legacy_display(self, code: str) -> str:
        u = self.legacy[code]
        d = self.district_names.get(u.district_code or "")
        return f"{u.name}, {d}" if d else u.name

    def _current_display(self, code: str) -> str:
        u = self.units[code]
        d = self.district_names.get(u.district_code or "") if self.era == "legacy" else None
        return f"{u.name}, {d} (mã {code})" if d else f"{u.name} (mã {code})"

    # ---- matching

    def by_code(self, code: str) -> str | None:
        code = clean(code)
        if code in self.units:
            return code
        if code.isdigit() and code.zfill(5) in self.units:
            return code.zfill(5)
        return None

    def district_hint(self, text: object) -> set[str]:
        """Districts a title line names on its own ("UBND TP BUÔN MA THUỘT", "Huyện Krông Búk")."""
        key = clean(text)
        cache = self.__dict__.setdefault("_hint_cache", {})
        if key not in cache:
            if len(cache) > 50_000:
                cache.clear()
            cache[key] = frozenset(self._district_hint(key))
        return set(cache[key])

    def _district_hint(self, text: str) -> set[str]:
        f = re.sub(r"\s+", " ", fold(text)).strip(" .:")
        stripped = _PREFIX.sub("", f).strip(" .:-")
        if not re.match(r"(thanh pho|thi xa|huyen|quan|tp|tx)\b", stripped):
            return set()
        return self._districts(stripped)

    def match_text(self, text: object, strong_only: bool = False,
                   district_hint: set[str] | None = None) -> UnitMatch | None:
        """Find a unit named in one piece of text (a title cell, a file name). None: no unit named.

        strong_only: only text that reads as a unit heading ("UBND XÃ …", "Xã …", "Đơn vị: …"), not
        a unit mentioned inside a sentence ("Báo cáo của xã Ea Kao tuần 37").
        """
        written = clean(text)
        if not written:
            return None
        key = (str(text), strong_only, frozenset(district_hint) if district_hint else None)
        cache = self.__dict__.setdefault("_match_cache", {})
        if key in cache:
            return cache[key]
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = result = self._match_text(text, written, strong_only, district_hint)
        return result

    def _match_text(self, text: object, written: str, strong_only: bool,
                    district_hint: set[str] | None) -> UnitMatch | None:
        lines = [written]
        if "\n" in str(text):
            lines += [clean(x) for x in str(text).splitlines() if clean(x)]
        best: UnitMatch | None = None
        for line in lines:
            m = self._match_line(line, strong_only, district_hint)
            if m is not None and m.code is not None:
                return m
            if m is not None and best is None:
                best = m
        return best

    def match_exact(self, text: object) -> UnitMatch | None:
        """A piece of text that is exactly a unit's name or short name ("EaKao" in a file name)."""
        k = fold_key(text)
        if len(k) < 3:
            return None
        for where, index in (("current", self.by_key), ("legacy", self.legacy_by_key)):
            codes = set(index.get(k, ()))
            if codes:
                return self._result(clean(text), self._narrow(codes, where, accent_key(text), None), where, None)
        codes = self.org_by_key.get(k)
        if codes and len(codes) == 1:
            return UnitMatch(next(iter(codes)), clean(text), territorial=False)
        return None

    def _match_line(self, line: str, strong_only: bool, hint: set[str] | None) -> UnitMatch | None:
        f = re.sub(r"\s+", " ", fold(line).replace("–", "-")).strip(" .:")
        stripped = _PREFIX.sub("", f).strip(" .:-")
        had_prefix = stripped != f
        # org units: the whole (prefix-stripped) line is the name
        for cand in (f, stripped):
            for k in _org_keys(cand):
                codes = self.org_by_key.get(k)
                if codes and len(codes) == 1:
                    return UnitMatch(next(iter(codes)), line, territorial=False)
        # territorial: "<kind word> <name>[, <district>]" at the start, or after a kind word inside
        for m in _KIND_AT.finditer(stripped):
            pos = m.start(1)
            if strong_only and pos != 0:
                break
            before = stripped[:pos].split()
            word = m.group(1).rstrip(".")
            rest = stripped[m.end():].strip()
            after = rest.split()[:1]
            if before and before[-1] in ("dia", "thi", "cap", "cac") or after and after[0] in _NOT_A_NAME.get(word, ()):
                continue
            kind = KIND_WORDS[word]
            district = None
            d = _DISTRICT_AT.search(" " + rest)
            if d and d.start() > 0:
                district = d.group(1).strip(" .)")
                rest = (" " + rest)[:d.start()].strip(" ,-(")
            parts = re.split(r"[,;:(]| - ", rest)
            name_part = parts[0].strip()
            if district is None and len(parts) > 1 and parts[1].strip(" )"):
                district = parts[1].strip(" )")       # "Xã Hòa Thắng - Buôn Ma Thuột": a hint only
            found = self._lookup(line, kind, name_part, district, hint)
            if found is not None:
                return found
        if had_prefix and stripped and not strong_only:
            return self._lookup(line, None, stripped, None, hint)
        return None

    def _lookup(self, written: str, kind: str | None, name: str, district: str | None,
                hint: set[str] | None = None) -> UnitMatch | None:
        words = name.split()
        if not words:
            return None
        district_codes = (self._districts(district) if district else None) or hint or None
        accented = _accented(written, words)
        # the whole name, or a shorter span when what follows is clearly not part of a name
        # ("xã Ea Kao tuần 37" → "Ea Kao"; "Xã Hòa Bình Xanh" is never read as "Xã Hòa Bình")
        for n in range(min(len(words), 6), 0, -1):
            if n < len(words) and not _ends_name(words[n]):
                continue
            span = " ".join(words[:n])
            full = fold_key(f"{kind} {span}") if kind else None
            short = fold_key(span)
            acc_span = " ".join(accented[:n]) if accented else None
            acc_short = accent_key(acc_span) if acc_span else None
            acc_full = accent_key(f"{_KIND_NAMES.get(kind, kind)} {acc_span}") if acc_span and kind else None
            ambiguous = None
            steps = [("current", full, acc_full), ("legacy", full, acc_full),
                     ("current", short, acc_short), ("legacy", short, acc_short)]
            if district_codes and self.legacy:
                steps.insert(0, ("legacy-in-district", full, acc_full))
            for where, key, acc in steps:
                if not key:
                    continue
                index = self.by_key if where == "current" else self.legacy_by_key
                codes = set(index.get(key, ()))
                if not codes:
                    continue
                if where == "legacy-in-district":
                    codes = {c for c in codes if self.legacy[c].district_code in district_codes}
                    where = "legacy"
                if len(codes) > 1:   # a unit named so wins over one that only has it as a keyword
                    named = codes & (self.by_name if where == "current" else self.legacy_by_name).get(key, set())
                    codes = named or codes
                codes = self._narrow(codes, where, acc, district_codes)
                result = self._result(written, codes, where, district)
                if result is None:
                    continue
                if result.code is not None:
                    return result
                ambiguous = ambiguous or result
            if ambiguous is not None:
                return ambiguous
        return None

    def _districts(self, district: str) -> set[str]:
        out = set()
        for k in _district_keys(district):
            out |= self.district_keys.get(k, set())
        return out

    def _narrow(self, codes: set[str], where: str, acc: str | None, district_codes: set[str] | None) -> set[str]:
        units = self.units if where == "current" else self.legacy
        if len(codes) > 1 and acc:
            index = self.by_accent if where == "current" else self.legacy_by_accent
            same = codes & index.get(acc, set())
            if same:
                codes = same
        if district_codes:
            same = {c for c in codes if units[c].district_code in district_codes}
            if same:
                codes = same
        return codes

    def _result(self, written: str, codes: set[str], where: str, district: str | None) -> UnitMatch | None:
        if where == "current":
            if len(codes) == 1:
                return UnitMatch(next(iter(codes)), written)
            first = sorted(codes)[0]
            d = self.district_names.get(self.units[first].district_code or "")
            return UnitMatch(None, written, candidates=sorted(self._current_display(c) for c in codes),
                             example=f"{self.units[first].name}, {d}" if d else "")
        # old names: each old commune leads to its default new unit
        targets = {}
        for old in codes:
            news = self.history.get(old, [])
            default = [n for n, d in news if d] or [n for n, _ in news]
            if default:
                targets.setdefault(default[0], []).append(old)
        if not targets:
            return None
        if len(targets) > 1:
            return UnitMatch(None, written, candidates=sorted(
                f"{self._legacy_display(o)} → {self._current_display(n)}"
                for n, olds in targets.items() for o in olds),
                example=self._legacy_display(sorted(o for olds in targets.values() for o in olds)[0]))
        new, olds = next(iter(targets.items()))
        old = olds[0]
        notices = [("info", f"Tên đơn vị “{written}” là tên trước ngày 01/7/2025 ({self._legacy_display(old)}); "
                            f"số liệu được ghi cho đơn vị mới {self._current_display(new)}. Lần sau hãy dùng "
                            f"tên mới hoặc tệp mẫu của đơn vị.")]
        others = [n for n, _ in self.history.get(old, []) if n != new]
        if others:
            notices.append(("warning", f"Đơn vị cũ {self._legacy_display(old)} đã được chia cho nhiều đơn vị mới "
                                       f"({', '.join(self._current_display(n) for n in [new] + others)}); số liệu "
                                       f"được ghi cho {self._current_display(new)} theo phương án sắp xếp chính "
                                       f"thức. Nếu không đúng, hãy nộp lại bằng tệp mẫu của đơn vị mới."))
        return UnitMatch(new, written, notices=notices, legacy=True)


_NAME_ENDS = {"tuan", "thang", "nam", "bao", "bc", "ngay", "tu", "den", "dot", "ky", "t", "w", "week",
              "ve", "cong", "tuyen", "ket", "qua", "dai", "hoi", "so", "lan", "quy", "nhat", "danh"}


_KIND_NAMES = {"xa": "xã", "phuong": "phường", "thi tran": "thị trấn", "dac khu": "đặc khu"}


def _accented(line: str, words: list[str]) -> list[str] | None:
    """The words of `line` as written (lower case, diacritics kept) that fold to `words`, in order."""
    tokens = [t.strip(".,;:()[]-–\"'“”") for t in unicodedata.normalize("NFC", clean(line)).lower().split()]
    folded = [fold(t) for t in tokens]
    n = len(words)
    for i in range(len(tokens) - n + 1):
        if folded[i:i + n] == words:
            return tokens[i:i + n]
    return None


def _ends_name(word: str) -> bool:
    """A word that cannot continue a unit name ("tuần", "báo", "37", "08.09")."""
    w = word.strip(".,:;-()")
    return not w or w in _NAME_ENDS or any(ch.isdigit() for ch in w)


def _org_keys(text: str) -> set[str]:
    """Keys of an org unit's name: as written, and without the province ("… tỉnh Đắk Lắk")."""
    f = fold(text)
    keys = {fold_key(f)}
    bare = re.sub(r"\b(tinh|tp|thanh pho)\b.*$", "", f).strip(" ,-")
    if bare and bare != f:
        keys.add(fold_key(bare))
    return {k for k in keys if len(k) >= 4}


def _district_keys(text: str) -> set[str]:
    """"Thành phố Buôn Ma Thuột", "TP Buôn Ma Thuột", "TP. BMT", "Buôn Ma Thuột" → the same keys."""
    f = fold(text).replace(".", " ")
    f = re.sub(r"\s+", " ", f).strip()
    bare = re.sub(r"^(thanh pho|thi xa|huyen|quan|tp|tx|h)\s+", "", f).strip()
    keys = {fold_key(bare)}
    words = bare.split()
    if len(words) > 1:
        keys.add("".join(w[0] for w in words))  # initials: "bmt"
    return {k for k in keys if k}


def file_name_candidates(file_name: str) -> list[str]:
    """Pieces of a file name that may name a unit: "BC tuan 37 - Xa Ea Kao.xlsx" → ["xa ea kao", …]."""
    base = re.sub(r"\.(xlsx|xlsm|xls|ods|xlsb)$", "", file_name.rsplit("/", 1)[-1], flags=re.I)
    base = base.replace("_", " ")
    pieces = [p.strip() for p in re.split(r"\s+-\s+|[-,()\[\]]", base) if p.strip()]
    return [base] + pieces
