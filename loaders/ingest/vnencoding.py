"""Legacy Vietnamese encodings (TCVN3/ABC and VNI Windows) read as Unicode, and back.

Offices still type in ".VnTime" (TCVN3, ABC keyboard) and "VNI-Times" fonts. Those fonts draw
Vietnamese letters at byte positions that Excel stores as the Windows-1252/Latin-1 characters of the
same byte, so a cell reads as mojibake: "B¸o c¸o" (TCVN3) or "Baùo caùo" (VNI) for "Báo cáo".

API
- ``detect(text)``           → 'tcvn3', 'vni' or None (conservative, see below)
- ``to_unicode(text, enc)``  → NFC Unicode; converts when ``enc`` is given or detected
- ``from_unicode(text, enc)``→ the mojibake a legacy-font cell shows when read as Unicode
- ``fix_cell(value, hint)``  → (unicode text, encoding detected or None), one call per cell
- ``detect_many(texts)``     → the encoding of a wholly legacy sheet, used as ``fix_cell``'s hint

Tables
- TCVN3 = TCVN 5712:1993 "VN3", the 8-bit set used by ABC fonts: Ă Â Ê Ô Ơ Ư Đ at 0xA1–0xA7, their
  lower-case forms at 0xA8–0xAE, and the 60 toned lower-case vowels at 0xB5–0xFE (e.g. 0xB8 "¸" = á,
  0xAD soft hyphen = ư). VN3 has no code for upper-case toned vowels: ABC writes them with the
  lower-case code and an all-caps font (".VnTimeH") draws them upper-case. ``from_unicode`` therefore
  writes Ấ as the code of ấ, and ``to_unicode`` cannot read the case from the code. It gives those
  "caseless" letters (every code but the seven base capitals) the case of their context:
    * upper-case in an all-caps cell (no lower-case letter, one word with two or more capitals):
      "ñY BAN NH¢N D¢N X· EA KAO" → "ỦY BAN NHÂN DÂN XÃ EA KAO";
    * upper-case in a word whose other letters (two or more) are capitals: "TR¦êNG" → "TRƯỜNG";
    * upper-case when starting a word between capitalised words ("X· B¸c ¸i T©y" → "Xã Bác Ái
      Tây"), or starting the cell when the cell has a capital ("ñy ban nh©n d©n B¾c Ninh" → "Ủy ban
      …");
    * lower-case otherwise: "X· Ea Kao" → "Xã Ea Kao", a lone "¸" → "á", and an all-caps cell of
      one-letter words ("X· Bµ Nµ") reads as "Xã Bà Nà".
  The VN1/VN2 variants' extra upper-case positions are not decoded.
- VNI Windows: a base letter followed by one mark character — tones ù ø û õ ï (acute, grave, hook,
  tilde, dot), â for the circumflex and á à å ã ä for circumflex + tone, ê for the breve and é è ú ü ë
  for breve + tone; ô = ơ, ö = ư, ñ = đ; i has its own letters í ì æ ó ò (í ì ỉ ĩ ị) and ỵ is î.
  Upper case uses the upper-case letters and marks ("AÙ" = Á, "Ö" = Ư), so VNI keeps case exactly.
- Readings: both encodings use only bytes ≥ 0xA1, where Latin-1 and Windows-1252 read the same, so
  the tables hold for a cell read either way; Windows-1252 punctuation typed in a legacy-font cell
  (“ ” – …) and anything outside the tables passes through unchanged.

Detection works on the characters of the string alone and prefers missing to damaging Unicode
text. A string is never flagged when it has a letter or combining mark above U+00FF other than the
few Windows-1252 letters (so any ư ơ đ ạ … or NFD text means Unicode), nor when it is plain ASCII.
Otherwise every word is decoded both ways. A word counts for an encoding when it is not a
well-formed Vietnamese syllable as it stands and becomes one once decoded ("B¸o" → "Báo", "Baùo" →
"Báo"); words that already are syllables ("Cá", "Ê", "Hoà") count for nothing. It counts against
when the decoding leaves a legacy character in it ("X·" read as VNI), makes a non-syllable ("café"
→ "cafộ") or mixes case ("NghÖ" read as VNI → "NghƯ"). An encoding is reported when at least one
word with an ASCII letter counts for it (a stray "¸" or "«»" alone is not enough), the words against
are at most half the evidence, and the other encoding does not score as well (a tie is None).
Syllables are judged by shape — initial, one of the Vietnamese vowel clusters, final, one tone at a
place the cluster allows — with no dictionary, and finals k h l r are accepted for Central
Highlands names ("Đắk", "Păh", "Tôr"). Short cells that read well both ways ("NGHÖ AN") or that
Unicode could have written ("Sôn La" is VNI for "Sơn La") stay undetected; pass the encoding to
``to_unicode`` when it is known from elsewhere.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["detect", "detect_many", "to_unicode", "from_unicode", "fix_cell", "ENCODINGS"]

ENCODINGS = ("tcvn3", "vni")

# Tone marks in the order the tables below list them.
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_TONES_GHTAD = (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)
_TONE_MARKS = frozenset(_TONES_GHTAD)
_VOWELS = "aăâeêioôơuưy"


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _toned(vowel: str, mark: str) -> str:
    return _nfc(vowel + mark)


# --- TCVN3 (TCVN 5712:1993 VN3, ABC) ------------------------------------------------------------
# Toned lower-case vowels: byte codes for grave, hook, tilde, acute, dot.
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_UPPER_BASE = dict(zip("ĂÂÊÔƠƯĐ", range(0xA1, 0xA8)))   # distinct codes: always upper-case
_TCVN3_LOWER_BASE = dict(zip("ăâêôơưđ", range(0xA8, 0xAF)))

_TCVN3_ENC: dict[str, str] = {}          # Unicode letter → the character the cell shows
for _v, _codes in _TCVN3_TONED.items():
    for _mark, _code in zip(_TONES_GHTAD, _codes):
        _TCVN3_ENC[_toned(_v, _mark)] = chr(_code)
for _table in (_TCVN3_UPPER_BASE, _TCVN3_LOWER_BASE):
    for _letter, _code in _table.items():
        _TCVN3_ENC[_letter] = chr(_code)
_TCVN3_DEC: dict[str, str] = {v: k for k, v in _TCVN3_ENC.items()}
# Codes whose case the encoding does not carry (everything but the seven base capitals).
_TCVN3_CASELESS = frozenset(ch for ch, letter in _TCVN3_DEC.items() if letter.islower())

# --- VNI Windows --------------------------------------------------------------------------------
_VNI_TONE = {"lower": "ùøûõï", "upper": "ÙØÛÕÏ"}                 # acute grave hook tilde dot
_VNI_CIRC = {"lower": ("â", "áàåãä"), "upper": ("Â", "ÁÀÅÃÄ")}   # circumflex, + the same tones
_VNI_BREVE = {"lower": ("ê", "éèúüë"), "upper": ("Ê", "ÉÈÚÜË")}
_AGHTD = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)                   # VNI's own order of the marks

_VNI_ENC: dict[str, str] = {}
for _case in ("lower", "upper"):
    _up = _case == "upper"

    def _c(s: str) -> str:
        return s.upper() if _up else s

    # letters written as one character
    _VNI_ENC[_c("đ")] = _c("ñ")
    _VNI_ENC[_c("ơ")] = _c("ô")
    _VNI_ENC[_c("ư")] = _c("ö")
    for _mark, _ch in zip((_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT), "íìæóò"):
        _VNI_ENC[_c(_toned("i", _mark))] = _c(_ch)
    _VNI_ENC[_c(_toned("y", _DOT))] = _c("î")
    # base + tone
    for _base, _written in (("a", "a"), ("e", "e"), ("o", "o"), ("u", "u"), ("y", "y"),
                            ("ơ", "ô"), ("ư", "ö")):
        for _mark, _m in zip(_AGHTD, _VNI_TONE[_case]):
            if _base == "y" and _mark == _DOT:
                continue                                        # ỵ is "î"
            _VNI_ENC[_c(_toned(_base, _mark))] = _c(_written) + _m
    # circumflex (+ tone) on a e o, breve (+ tone) on a
    for _bases, (_plain, _with_tones) in (("aeo", _VNI_CIRC[_case]), ("a", _VNI_BREVE[_case])):
        _hat = "\u0302" if _plain in "âÂ" else "\u0306"
        for _b in _bases:
            _VNI_ENC[_c(_nfc(_b + _hat))] = _c(_b) + _plain
            for _mark, _m in zip(_AGHTD, _with_tones):
                _VNI_ENC[_c(_nfc(_b + _hat + _mark))] = _c(_b) + _m
del _case, _up, _c

_VNI_DEC: dict[str, str] = {v: k for k, v in _VNI_ENC.items()}
_VNI_DEC2 = {k: v for k, v in _VNI_DEC.items() if len(k) == 2}
_VNI_DEC1 = {k: v for k, v in _VNI_DEC.items() if len(k) == 1 and k != v}

# --- readings of bytes 0x80–0x9F ----------------------------------------------------------------
# A table byte would read as a Windows-1252 character (U+20AC …) or as a C1 control (U+0080 …)
# depending on the reader. Neither table uses those bytes today; the aliases keep the decoders right
# if a table ever does.
_CP1252_ALIAS: dict[str, str] = {}
for _b in range(0x80, 0xA0):
    try:
        _ch = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        continue
    _CP1252_ALIAS[_ch] = chr(_b)
for _dec in (_TCVN3_DEC, _VNI_DEC1):
    for _alias, _latin1 in _CP1252_ALIAS.items():
        if _latin1 in _dec:
            _dec[_alias] = _dec[_latin1]
_CP1252_LETTERS = frozenset(ch for ch in _CP1252_ALIAS if ch.isalpha())

# The Latin-1 characters the two tables use:
_TCVN3_CHARS = frozenset(k for k in _TCVN3_DEC if len(k) == 1)
_VNI_CHARS = frozenset("".join(_VNI_DEC))


# --- decoders -----------------------------------------------------------------------------------
def _decode_tcvn3(text: str, restore_case: bool = True) -> str:
    out: list[str] = []
    caseless: list[bool] = []
    for ch in text:
        letter = _TCVN3_DEC.get(ch)
        if letter is None:
            out.append(ch)
            caseless.append(False)
        else:
            out.append(letter)
            caseless.append(ch in _TCVN3_CASELESS)
    if restore_case and any(caseless):
        _restore_case(out, caseless)
    return "".join(out)


def _restore_case(chars: list[str], caseless: list[bool]) -> None:
    """Give caseless TCVN3 letters the case their context shows (rules in the module notes)."""
    words: list[tuple[int, int]] = []
    i, n = 0, len(chars)
    while i < n:
        if chars[i].isalpha():
            j = i
            while j < n and chars[j].isalpha():
                j += 1
            words.append((i, j))
            i = j
        else:
            i += 1

    def cased(p: int) -> bool:
        return not caseless[p] and chars[p].lower() != chars[p].upper()

    known = [[chars[p] for p in range(i, j) if cased(p)] for i, j in words]
    all_known = [c for k in known for c in k]
    caps = not any(c.islower() for c in all_known) and any(len(k) >= 2 for k in known)
    # initial letter of each word: True upper, False lower, None caseless
    initial = [chars[i].isupper() if cased(i) else None for i, j in words]

    def capitalised(w: int) -> bool:
        before = [u for u in initial[:w] if u is not None][-2:]
        after = [u for u in initial[w + 1:] if u is not None][:2]
        if before and after:
            return before[-1] and after[0]
        side = before or after
        return len(side) == 2 and all(side) or w == 0 and any(c.isupper() for c in all_known)

    for w, (i, j) in enumerate(words):
        k = known[w]
        if caps or len(k) >= 2 and all(c.isupper() for c in k):
            upper = range(i, j)
        elif initial[w] is None and capitalised(w):
            upper = range(i, i + 1)
        else:
            continue
        for p in upper:
            if caseless[p]:
                chars[p] = chars[p].upper()


def _decode_vni(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in _VNI_DEC2:
            out.append(_VNI_DEC2[pair])
            i += 2
            continue
        ch = text[i]
        out.append(_VNI_DEC1.get(ch, ch))
        i += 1
    return "".join(out)


_DECODERS = {"tcvn3": _decode_tcvn3, "vni": _decode_vni}

# --- Vietnamese syllable shape (used only to weigh evidence) ------------------------------------
_BASE_OF: dict[str, tuple[str, str]] = {}    # toned vowel → (vowel, tone mark or "")
for _v in _VOWELS:
    _BASE_OF[_v] = (_v, "")
    for _mark in _TONES_GHTAD:
        _BASE_OF[_toned(_v, _mark)] = (_v, _mark)
_CONSONANTS = "bcdđfghjklmnpqrstvwxz"
# k, h, l, r end Central Highlands names (Đắk Lắk, Ia Păh, Krêl, Ia Tôr).
_FINALS = frozenset(("", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t", "h", "l", "r"))
# nucleus → (positions the tone may take, final consonant: "none" | "need" | "any")
_NUCLEI: dict[str, tuple[frozenset[int], str]] = {}
for _names, _pos, _final in (
        ("a e ê o ô ơ u ư i", {0}, "any"), ("ă â", {0}, "need"), ("y", {0}, "none"),
        ("ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu ia ua ưa", {0}, "none"),
        ("oa oe uy", {0, 1}, "any"), ("uê", {1}, "any"), ("uơ", {1}, "none"),
        ("iê yê uô ươ oă uâ oo ôô", {1}, "need"),
        ("iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyu", {1}, "none"), ("uyê", {2}, "need")):
    for _n in _names.split():
        _NUCLEI[_n] = (frozenset(_pos), _final)
_SHAPE = re.compile(rf"([{_CONSONANTS}]*)([{_VOWELS}]+)([{_CONSONANTS}]*)")


def _is_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese (or Central Highlands) syllable: "Krông", "đắk", "người".

    Checks the shape (initial, a known vowel cluster, a final), one tone at most and where the tone
    may sit ("hoá"/"hòa" but not "aõ"); no dictionary, so "đy" passes too."""
    bare: list[str] = []
    tone_at = None
    for i, ch in enumerate(word.lower()):
        if ch in _BASE_OF:
            base, mark = _BASE_OF[ch]
            bare.append(base)
            if mark:
                if tone_at is not None:
                    return False
                tone_at = i
        elif ch in _CONSONANTS:
            bare.append(ch)
        else:
            return False
    m = _SHAPE.fullmatch("".join(bare))
    if m is None:
        return False
    initial, vowels, final = m.groups()
    if final not in _FINALS:
        return False
    splits = [(initial, vowels)]
    if len(vowels) > 1 and (initial[-1:], vowels[0]) in (("q", "u"), ("g", "i")):
        splits.append((initial + vowels[0], vowels[1:]))     # "qu", "gi" as the initial
    for init, nucleus in splits:
        if len(init) > 3 or nucleus not in _NUCLEI:
            continue
        positions, final_rule = _NUCLEI[nucleus]
        if tone_at is not None and tone_at - len(init) not in positions:
            continue
        if final_rule == "none" and final or final_rule == "need" and not final:
            continue
        if final in ("ch", "nh") and nucleus[-1] not in "aêiy":
            continue
        if final in ("c", "ng") and nucleus in ("i", "y"):
            continue
        return True
    return False


_VN_LETTERS = frozenset(_BASE_OF) | frozenset(c.upper() for c in _BASE_OF) | frozenset("đĐ")
_LEGACY_CHARS = _TCVN3_CHARS | _VNI_CHARS
# Latin-1 characters no Vietnamese word holds: left in a decoded word they show a wrong reading.
_JUNK = frozenset(chr(c) for c in range(0xA0, 0x100)) - _VN_LETTERS


def _unicode_only(text: str) -> bool:
    """A letter or combining mark no Latin-1/Windows-1252 reading produces: the text is Unicode."""
    for ch in text:
        if ord(ch) > 0xFF and ch not in _CP1252_LETTERS and unicodedata.category(ch)[0] in "LM":
            return True
    return False


def _case_ok(word: str) -> bool:
    """lower, UPPER or Title case."""
    letters = [c for c in word if c.lower() != c.upper()]
    rest = letters[1:]
    return all(c.islower() for c in rest) or all(c.isupper() for c in letters)


def _score(text: str, encoding: str) -> tuple[float, int, int]:
    """(evidence, strong evidence, damaged words) for reading `text` in `encoding`.

    A word is evidence when it is not a Vietnamese syllable as it stands and becomes one once
    decoded ("B¸o" → "Báo"); strong evidence when it also has an ASCII letter. A word the decoding
    leaves with a legacy character ("X·" read as VNI), turns into a non-syllable ("café" → "cafộ")
    or into mixed case ("NghÖ" read as VNI → "NghƯ") counts as damaged."""
    tcvn3 = encoding == "tcvn3"
    strong = weak = bad = 0
    token: list[str] = []
    for ch in text + " ":
        if ch.isalpha() or ch in _LEGACY_CHARS:
            token.append(ch)
            continue
        if not token:
            continue
        word = "".join(token)
        token = []
        if tcvn3:
            decoded = _decode_tcvn3(word, restore_case=False)
            cased = "".join("" if c in _TCVN3_CASELESS else _TCVN3_DEC.get(c, c) for c in word)
        else:
            decoded = cased = _decode_vni(word)
        if any(c in _JUNK for c in decoded):
            bad += any(c in _LEGACY_CHARS for c in word)
        elif decoded == word or _is_syllable(word):
            continue
        elif _is_syllable(decoded) and _case_ok(cased):
            if any("a" <= c <= "z" or "A" <= c <= "Z" for c in word):
                strong += 1
            else:
                weak += 1
        else:
            bad += 1
    return strong + weak / 2, strong, bad


def _decide(scores: dict[str, tuple[float, int, int]]) -> str | None:
    ranked = sorted(((score, -bad, strong), encoding) for encoding, (score, strong, bad) in scores.items()
                    if strong >= 1 and bad * 2 <= score)
    ranked.reverse()
    if not ranked or len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None                       # nothing, or a tie: leave the text alone
    return ranked[0][1]


def _candidate(text) -> bool:
    return (isinstance(text, str) and any("\u0080" <= ch <= "\u00ff" for ch in text)
            and not _unicode_only(text))


def detect(text: str) -> str | None:
    """'tcvn3', 'vni' or None; None for Unicode (NFC or NFD), ASCII and anything in doubt."""
    if not _candidate(text):
        return None
    return _decide({encoding: _score(text, encoding) for encoding in ENCODINGS})


def _evidence(text: str) -> tuple[tuple[float, int, int], ...] | bool:
    """One text's part in detect_many: False when it holds a letter only Unicode writes, True when it
    is no candidate (nothing to weigh), else its _score per encoding (in ENCODINGS order). Cached for
    short texts: the same headers and indicator names come in file after file."""
    return _evidence_cached(text) if len(text) <= 256 else _evidence_of(text)


def _evidence_of(text: str) -> tuple[tuple[float, int, int], ...] | bool:
    if _unicode_only(text):
        return False
    if not any("\u0080" <= ch <= "\u00ff" for ch in text):
        return True
    return tuple(_score(text, encoding) for encoding in ENCODINGS)


_evidence_cached = lru_cache(maxsize=20_000)(_evidence_of)


def detect_many(texts) -> str | None:
    """The legacy encoding of a whole sheet or file, or None.

    The evidence of every text is pooled, so a sheet of short legacy cells is recognised where each
    cell alone is too short. Returns None as soon as one text holds a letter only Unicode writes (a
    template typed into, mixing Unicode and legacy cells): only a wholly legacy sheet gets a hint."""
    totals = {encoding: [0.0, 0, 0] for encoding in ENCODINGS}
    for text in texts:
        if not isinstance(text, str):
            continue
        ev = _evidence(text)
        if ev is False:
            return None
        if ev is True:
            continue
        for encoding, score in zip(ENCODINGS, ev):
            for k, value in enumerate(score):
                totals[encoding][k] += value
    return _decide({encoding: tuple(t) for encoding, t in totals.items()})


def _canonical(encoding: str) -> str:
    key = re.sub(r"[^0-9a-z]", "", str(encoding).lower())
    aliases = {"tcvn3": "tcvn3", "tcvn": "tcvn3", "abc": "tcvn3", "vn3": "tcvn3", "tcvn5712": "tcvn3",
               "vni": "vni", "vniwindows": "vni", "vniwin": "vni"}
    if key not in aliases:
        raise ValueError(f'Bảng mã "{encoding}" không được hỗ trợ; cần "tcvn3" hoặc "vni".')
    return aliases[key]


def to_unicode(text: str, encoding: str | None = None) -> str:
    """`text` in NFC, converted from `encoding` (or from the detected one) when there is one."""
    if encoding is None:
        encoding = detect(text)
        if encoding is None:
            return _nfc(text)
    encoding = _canonical(encoding)
    # NFC first: VNI marks survive an NFD round trip (ù → u + ̀) only once recomposed.
    return _nfc(_DECODERS[encoding](_nfc(text)))


def from_unicode(text: str, encoding: str) -> str:
    """What a cell typed in a .VnTime (tcvn3) or VNI-Times (vni) font shows when read as Unicode.

    Characters the encoding has no code for are kept as they are. TCVN3 writes upper-case toned
    vowels with their lower-case codes (see the module notes)."""
    encoding = _canonical(encoding)
    table = _TCVN3_ENC if encoding == "tcvn3" else _VNI_ENC
    out = []
    for ch in _nfc(text):
        code = table.get(ch)
        if code is None and encoding == "tcvn3" and ch.isupper():
            code = table.get(ch.lower())
        out.append(ch if code is None else code)
    return "".join(out)


def fix_cell(text, hint: str | None = None) -> tuple[str, str | None]:
    """(Unicode text, 'tcvn3' | 'vni' | None) for one cell value; non-text values come back as is.

    `hint` is the encoding ``detect_many`` found for the cell's whole sheet: a cell too short to
    decide alone ("Ghi chó", which is also a Unicode phrase) is then converted with it, unless a word
    would come out damaged. Do not pass a hint for sheets that mix Unicode and legacy cells: there a
    Unicode cell written with Latin-1 letters only ("Ghi chú") cannot be told from a legacy one."""
    if not isinstance(text, str):
        return text, None
    encoding = detect(text)
    if encoding is None and hint is not None and _candidate(text):
        hint = _canonical(hint)
        if _score(text, hint)[2] == 0 and to_unicode(text, hint) != _nfc(text):
            encoding = hint
    if encoding is None:
        return _nfc(text), None
    return to_unicode(text, encoding), encoding
