"""Property tests for text folding, legacy encodings and value parsing (hypothesis; a few seconds)."""
from __future__ import annotations

import math
import os
import unicodedata
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.ingest import vnencoding as vn
from loaders.common.text import clean, fold
from loaders.ingest.values import find_period, parse_date, parse_flag, parse_number, parse_period

# PROPERTY_EXAMPLES=5000 for a longer hunt; the default keeps the file at a few seconds.
FAST = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", 100)), deadline=None)

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
VN_LOWER = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in TONES] + ["đ"]
VN_LETTERS = VN_LOWER + [c.upper() for c in VN_LOWER]

# --- real Vietnamese syllables: initial + rhyme, the tone where Vietnamese spelling puts it ---------
INITIALS = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
            "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
RHYMES = ("a ai ao au ay an ang anh at ac ach am ap ăn ăng ăt ăc ăm ăp ân âng ât âc âm âp âu ây e eo en "
          "eng et ec em ep ê êu ên ênh êt êch êm êp i ia iu in inh it ich im ip iên iêng iêt iêc iêm iêp "
          "iêu o oa oai oan oang oanh oat oac oach oe oen oet oi on ong ot oc om op oong ô ôi ôn ông ôt "
          "ôc ôm ôp ơ ơi ơn ơt ơm ơp u ua uân uât uê ui un ung ut uc um up uy uyên uyêt uynh uôi uôn "
          "uông uôt uôc uôm ư ưa ưi ưu ưng ưt ưc ươi ươn ương ươt ươc ươm ươp ươu y yêu yên").split()
MARKED = set("ăâêôơư")


def _tone_position(rhyme: str) -> int:
    vowels = [i for i, c in enumerate(rhyme) if c in "aăâeêioôơuưy"]
    marked = [i for i in vowels if rhyme[i] in MARKED]
    if marked:
        return marked[-1]
    if vowels[-1] < len(rhyme) - 1:                  # a final consonant: the last vowel
        return vowels[-1]
    if len(vowels) == 3:
        return vowels[1]
    if len(vowels) == 2 and rhyme[:2] in ("oa", "oe", "uy"):
        return vowels[1]
    return vowels[0]


@st.composite
def syllables(draw):
    initial = draw(st.sampled_from(INITIALS))
    rhyme = draw(st.sampled_from(RHYMES))
    if initial == "gi" and rhyme[0] == "i" or initial == "qu" and rhyme[0] == "u":
        initial = initial[0]
    tone = draw(st.sampled_from(TONES))
    p = _tone_position(rhyme)
    rhyme = unicodedata.normalize("NFC", rhyme[:p + 1] + tone + rhyme[p + 1:])
    word = initial + rhyme
    return draw(st.sampled_from([word, word.capitalize(), word.upper()]))


vietnamese_text = st.lists(
    st.one_of(syllables(), syllables(), syllables(),
              st.sampled_from(["Ea", "Kao", "UBND", "Facebook", "Zalo", "12", "1.200", "(lượt)", "08/9/2025",
                               "-", ",", ":", "x", "STT", "Ê-đê", "M'Drắk"])),
    min_size=1, max_size=12).map(" ".join)


# --- clean / fold -------------------------------------------------------------------------------
@FAST
@given(st.text())
def test_clean_and_fold_are_idempotent(s):
    c, f = clean(s), fold(s)
    assert clean(c) == c
    assert fold(f) == f
    assert fold(c) == f
    assert not any(unicodedata.category(ch) == "Mn" for ch in f)


@FAST
@given(vietnamese_text)
def test_fold_is_ascii_for_vietnamese(s):
    assert fold(s).isascii()
    assert fold(unicodedata.normalize("NFD", s)) == fold(s)


# --- vnencoding ---------------------------------------------------------------------------------
@FAST
@given(st.text())
def test_vnencoding_never_crashes(s):
    assert vn.detect(s) in (None, "tcvn3", "vni")
    out = vn.to_unicode(s)
    assert unicodedata.is_normalized("NFC", out)
    text, encoding = vn.fix_cell(s)
    assert encoding in (None, "tcvn3", "vni") and isinstance(text, str)
    for encoding in vn.ENCODINGS:
        vn.to_unicode(s, encoding)
        vn.from_unicode(s, encoding)
        vn.fix_cell(s, hint=encoding)


@FAST
@given(st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=8))
def test_detect_many_never_crashes(texts):
    assert vn.detect_many(texts) in (None, "tcvn3", "vni")


@FAST
@given(vietnamese_text, st.sampled_from(["NFC", "NFD"]))
def test_unicode_vietnamese_is_never_altered(s, form):
    s = unicodedata.normalize(form, s)
    assert vn.detect(s) is None
    assert vn.to_unicode(s) == unicodedata.normalize("NFC", s)
    assert vn.fix_cell(s)[1] is None


@FAST
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_is_never_altered(s):
    assert vn.detect(s) is None
    assert vn.to_unicode(s) == s


@FAST
@given(st.text(alphabet=st.sampled_from(VN_LETTERS + list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), min_size=1)
       .filter(lambda s: any(ord(c) > 0xFF for c in s)))
def test_text_with_a_unicode_only_letter_is_never_altered(s):
    assert vn.detect(s) is None
    assert vn.to_unicode(s) == s


lower_text = st.text(alphabet=st.sampled_from(VN_LOWER + list("bcdghklmnpqrstvx0123456789 ,.-:()/")))


@FAST
@given(lower_text)
def test_lower_case_round_trips_through_both_encodings(s):
    for encoding in vn.ENCODINGS:
        assert vn.to_unicode(vn.from_unicode(s, encoding), encoding) == s


@FAST
@given(vietnamese_text)
def test_vni_keeps_case_exactly(s):
    assert vn.to_unicode(vn.from_unicode(s, "vni"), "vni") == s


@FAST
@given(st.lists(syllables(), min_size=4, max_size=10).map(" ".join), st.sampled_from(vn.ENCODINGS))
def test_legacy_sentences_are_detected_as_their_own_encoding(s, encoding):
    legacy = vn.from_unicode(s, encoding)
    # never the wrong encoding; undecided only when nothing in the text changed or reads both ways
    assert vn.detect(legacy) in (encoding, None)
    if vn.detect(legacy) == encoding and encoding == "vni":
        assert vn.to_unicode(legacy) == s
    if vn.detect(legacy) == encoding:
        assert fold(vn.to_unicode(legacy)) == fold(s)


# --- values -------------------------------------------------------------------------------------
any_cell = st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans(), st.dates(),
                     st.decimals())


@FAST
@given(any_cell)
def test_parse_number_raises_only_value_error(v):
    try:
        x = parse_number(v)
    except ValueError:
        return
    assert x is None or (isinstance(x, float) and math.isfinite(x) and x >= 0)


@FAST
@given(st.from_regex(r"[-+ ]?[0-9]{0,7}([.,][0-9]{1,4}){0,3}( ?[a-z(ưư)]{0,6})?", fullmatch=True))
def test_parse_number_on_number_like_text(s):
    try:
        x = parse_number(s)
    except ValueError:
        return
    assert x is None or x >= 0


@FAST
@given(st.integers(min_value=0, max_value=10 ** 12), st.sampled_from([".", ",", " "]))
def test_thousands_separators_round_trip(n, sep):
    assert parse_number(f"{n:,}".replace(",", sep)) == n
    assert parse_number(f"{n:,} tin".replace(",", sep)) == n


@FAST
@given(any_cell)
def test_parse_flag_raises_only_value_error(v):
    try:
        assert parse_flag(v) in (0, 1)
    except ValueError:
        pass


@FAST
@given(any_cell, st.one_of(st.none(), st.integers(min_value=1900, max_value=2100)))
def test_parse_date_raises_only_value_error(v, year):
    try:
        d = parse_date(v, default_year=year)
    except ValueError:
        return
    assert isinstance(d, date)


@FAST
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip(d):
    assert parse_date(f"{d.day}/{d.month}/{d.year}") == d
    assert parse_date(f"{d:%d-%m-%Y}") == d
    assert parse_date(f"ngày {d.day} tháng {d.month} năm {d.year}") == d
    assert parse_date(d.isoformat()) == d
    assert parse_date((d - date(1899, 12, 30)).days) == d


@FAST
@given(st.text(), st.one_of(st.none(), st.text()), st.integers(min_value=1, max_value=7))
def test_parse_period_raises_only_value_error(s, file_name, week_start):
    try:
        start, end = parse_period(s, file_name=file_name, week_start=week_start)
    except ValueError:
        return
    assert start <= end


period_words = st.lists(st.sampled_from(
    ["tuần", "Tuần", "từ", "ngày", "đến", "tháng", "năm", "-", "/", ".", "–", " ", "37", "9", "08", "14",
     "2025", "29", "12", "1", "0", "53", "99", "31", "2", "(", ")"]), max_size=14).map("".join)


@FAST
@given(period_words, st.integers(min_value=1, max_value=7))
def test_parse_period_on_period_like_text(s, week_start):
    try:
        start, end = parse_period(s, week_start=week_start)
    except ValueError:
        return
    assert start <= end


@FAST
@given(st.lists(st.one_of(st.text(), period_words, st.dates(), st.none()), max_size=6),
       st.one_of(st.none(), st.text(), period_words.map(lambda s: s + ".xlsx")))
def test_find_period_raises_only_value_error(texts, file_name):
    try:
        period = find_period(texts, file_name)
    except ValueError:
        return
    assert period is None or period[0] <= period[1]


@FAST
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 1)), st.integers(0, 40),
       st.integers(min_value=1, max_value=7))
def test_ranges_and_weeks_round_trip(start, days, week_start):
    end = start + timedelta(days=days)
    assert parse_period(f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}") == (start, end)
    assert parse_period(f"tu {start.day}/{start.month} den {end.day}/{end.month}/{end.year}") == (start, end)
    year, week, _ = start.isocalendar()
    first, last = parse_period(f"Tuần {week}/{year}", week_start=week_start)
    assert first.isoweekday() == week_start and (last - first).days == 6
    assert first <= date.fromisocalendar(year, week, 4) <= last
