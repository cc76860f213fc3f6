"""Legacy Vietnamese encodings: the tables letter by letter, detection, conversion, what is left alone."""
from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from loaders.ingest import vnencoding as vn

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")   # none, grave, acute, hook, tilde, dot
VOWELS = "aăâeêioôơuưy"
LOWER = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES] + ["đ"]
UPPER = [c.upper() for c in LOWER]
# The seven capitals TCVN3 has codes of their own for; every other upper-case Vietnamese letter
# shares the code of its lower-case form (A E I O U Y are ASCII and need no code).
TCVN3_CAPITALS = set("ĂÂÊÔƠƯĐ")
TCVN3_SHARED = [c for c in UPPER if c not in TCVN3_CAPITALS and not c.isascii()]

PHRASES = [
    "Báo cáo kết quả tuyên truyền",
    "ỦY BAN NHÂN DÂN XÃ EA KAO",
    "Tin, bài phát trên hệ thống truyền thanh cơ sở",
    "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số lượng trong kỳ",
    "Đơn vị tính",
    "Tổng cộng",
    "Ủy ban nhân dân xã Ea Kao, tỉnh Đắk Lắk",
    "Số buổi tuyên truyền lưu động: 12 buổi",
]

NEVER_DETECTED = [
    "", " ", "Facebook", "Zalo OA", "STT", "1.200", "12 tin", "Tổng: 12", "#REF!",
    "Ê-đê", "Ê", "Cà Mau", "Cá Mè", "Hoà", "Bà Nà", "São Paulo", "café naïve", "Grüße aus München",
    "señor Peña", "© 2025", "«Tin»", "« Tin »", "2×3 m", "½ ngày", "£100 and £200",
    "Bao cao ¸", "Báo cáo¸", "Tin bài¸ đăng", "¸", "x", "✓", "–", "Tuần 37/2025",
] + PHRASES


def test_tcvn3_table_matches_the_standard_codes():
    # Spot checks against TCVN 5712:1993 VN3 byte values.
    codes = {"á": 0xB8, "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "ạ": 0xB9, "ắ": 0xBE, "ặ": 0xC6, "ấ": 0xCA,
             "è": 0xCC, "ẻ": 0xCE, "ì": 0xD7, "ĩ": 0xDC, "í": 0xDD, "ò": 0xDF, "ỏ": 0xE1, "ồ": 0xE5,
             "ờ": 0xEA, "ù": 0xEF, "ủ": 0xF1, "ự": 0xF9, "ỳ": 0xFA, "ỵ": 0xFE,
             "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
             "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE}
    for letter, code in codes.items():
        assert vn.from_unicode(letter, "tcvn3") == chr(code), letter
    assert vn.from_unicode("Báo cáo", "tcvn3") == "B¸o c¸o"


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv not installed")
def test_tcvn3_table_agrees_with_iconv():
    probe = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=b"\xb8",
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1")
    for letter in LOWER + sorted(TCVN3_CAPITALS):
        legacy = vn.from_unicode(letter, "tcvn3")
        if legacy == letter:
            continue
        out = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"],
                             input=legacy.encode("latin-1"), capture_output=True).stdout.decode()
        assert out == letter


def test_vni_table_matches_known_spellings():
    assert vn.from_unicode("Xin chào các bạn", "vni") == "Xin chaøo caùc baïn"
    assert vn.from_unicode("Báo cáo", "vni") == "Baùo caùo"
    cases = {"ă": "aê", "ắ": "aé", "ằ": "aè", "ẳ": "aú", "ẵ": "aü", "ặ": "aë", "â": "aâ", "ấ": "aá",
             "ầ": "aà", "ẩ": "aå", "ẫ": "aã", "ậ": "aä", "ơ": "ô", "ớ": "ôù", "ư": "ö", "ự": "öï",
             "đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î", "ý": "yù",
             "Ắ": "AÉ", "Ấ": "AÁ", "Ơ": "Ô", "Ư": "Ö", "Đ": "Ñ", "Ĩ": "Ó", "Ỵ": "Î", "Ủ": "UÛ"}
    for letter, legacy in cases.items():
        assert vn.from_unicode(letter, "vni") == legacy, letter


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_every_letter_round_trips_through_vni(letter):
    legacy = vn.from_unicode(letter, "vni")
    assert vn.to_unicode(legacy, "vni") == letter
    word = f"x{letter}n" if letter.islower() else f"X{letter}N"
    assert vn.to_unicode(vn.from_unicode(word, "vni"), "vni") == word


@pytest.mark.parametrize("letter", LOWER + sorted(TCVN3_CAPITALS))
def test_lower_case_letters_and_base_capitals_round_trip_through_tcvn3(letter):
    legacy = vn.from_unicode(letter, "tcvn3")
    assert vn.to_unicode(legacy, "tcvn3") == letter
    word = f"x{letter}n" if letter.islower() else f"X{letter}N"
    assert vn.to_unicode(vn.from_unicode(word, "tcvn3"), "tcvn3") == word


@pytest.mark.parametrize("letter", TCVN3_SHARED)
def test_tcvn3_upper_case_toned_letters_share_the_lower_case_code(letter):
    # TCVN3 (ABC) cannot tell Ấ from ấ: both are written 0xCA. Defined behaviour:
    # - alone, or among lower-case letters, the letter comes back lower-case;
    # - in an all-caps word or cell it comes back upper-case;
    # - starting a word between capitalised words it comes back upper-case.
    assert vn.from_unicode(letter, "tcvn3") == vn.from_unicode(letter.lower(), "tcvn3")
    legacy = vn.from_unicode(letter, "tcvn3")
    assert vn.to_unicode(legacy, "tcvn3") == letter.lower()
    assert vn.to_unicode(vn.from_unicode(f"xx{letter.lower()}n", "tcvn3"), "tcvn3") == f"xx{letter.lower()}n"
    for caps in (f"NG{letter}N", f"UBND X{letter}", f"{letter}NH SÁNG"):
        assert vn.to_unicode(vn.from_unicode(caps, "tcvn3"), "tcvn3") == caps
    title = f"Xã Bác {letter}n Tây"
    assert vn.to_unicode(vn.from_unicode(title, "tcvn3"), "tcvn3") == title


@pytest.mark.parametrize("letter", LOWER)
def test_lower_and_upper_case_differ_in_vni(letter):
    if letter.upper() != letter:
        assert vn.from_unicode(letter, "vni") != vn.from_unicode(letter.upper(), "vni")


@pytest.mark.parametrize("encoding", vn.ENCODINGS)
@pytest.mark.parametrize("phrase", PHRASES)
def test_phrases_are_detected_and_converted(phrase, encoding):
    for form in (phrase, phrase.upper(), phrase.lower()):
        legacy = vn.from_unicode(form, encoding)
        assert legacy != form
        assert vn.detect(legacy) == encoding, legacy
        assert vn.to_unicode(legacy) == form
        assert vn.fix_cell(legacy) == (form, encoding)


def test_examples():
    assert vn.to_unicode("B¸o c¸o") == "Báo cáo"
    assert vn.to_unicode("Baùo caùo keát quaû") == "Báo cáo kết quả"
    assert vn.to_unicode("ñY BAN NH¢N D¢N X· EA KAO") == "ỦY BAN NHÂN DÂN XÃ EA KAO"
    assert vn.to_unicode("UÛY BAN NHAÂN DAÂN XAÕ EA KAO") == "ỦY BAN NHÂN DÂN XÃ EA KAO"
    assert vn.to_unicode("Sè l\xadîng") == "Số lượng"        # ư is 0xAD, a soft hyphen in Latin-1
    assert vn.to_unicode("§¾k L¾k, Kr«ng Bók, M'Dr¾k") == "Đắk Lắk, Krông Búk, M'Drắk"
    assert vn.to_unicode("X· Ea Kao") == "Xã Ea Kao"
    assert vn.to_unicode("X· B¸c ¸i T©y") == "Xã Bác Ái Tây"
    assert vn.to_unicode("TR¦êNG") == "TRƯỜNG"


def test_windows_1252_punctuation_passes_through():
    assert vn.to_unicode("B¸o c¸o – “tin” …") == "Báo cáo – “tin” …"
    assert vn.to_unicode("Baùo caùo – “tin” …") == "Báo cáo – “tin” …"


@pytest.mark.parametrize("text", NEVER_DETECTED)
def test_unicode_and_ascii_are_never_detected_or_altered(text):
    for form in ("NFC", "NFD"):
        s = unicodedata.normalize(form, text)
        assert vn.detect(s) is None
        assert vn.to_unicode(s) == unicodedata.normalize("NFC", text)
        assert vn.fix_cell(s) == (unicodedata.normalize("NFC", text), None)


def test_vni_text_read_back_in_nfd_still_converts():
    legacy = unicodedata.normalize("NFD", vn.from_unicode("Báo cáo kết quả", "vni"))
    assert vn.to_unicode(legacy, "vni") == "Báo cáo kết quả"


def test_fix_cell_leaves_other_values_alone():
    assert vn.fix_cell(12) == (12, None)
    assert vn.fix_cell(None) == (None, None)
    assert vn.fix_cell(1.5) == (1.5, None)


def test_sheet_hint_converts_short_cells():
    header = ["STT", "Nội dung", "Đơn vị tính", "Số lượng trong kỳ", "Lũy kế", "Ghi chú"]
    legacy = [vn.from_unicode(c, "tcvn3") for c in header] + [12, None, ""]
    assert vn.fix_cell("Ghi chó") == ("Ghi chó", None)           # also a Unicode phrase
    hint = vn.detect_many(legacy)
    assert hint == "tcvn3"
    assert [vn.fix_cell(c, hint)[0] for c in legacy[:6]] == header
    # a sheet mixing Unicode and legacy cells gets no hint: "Ghi chú" there may be either
    assert vn.detect_many(legacy + ["Ghi chú của xã"]) is None
    assert vn.detect_many(["STT", "Facebook", 3]) is None


def test_encoding_names():
    assert vn.from_unicode("á", "TCVN3") == vn.from_unicode("á", "ABC") == "¸"
    assert vn.from_unicode("á", "VNI-Windows") == "aù"
    with pytest.raises(ValueError, match="Bảng mã"):
        vn.from_unicode("á", "viscii")
    with pytest.raises(ValueError):
        vn.to_unicode("á", "utf-7")
