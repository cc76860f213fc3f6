"""Unit matching uses all the context a report gives (issue 11): a province or district named in the
title block or the file name — new or old names, with or without diacritics, abbreviated — must be
the campaign's territory, else the file is refused naming it; an old commune name is resolved within
the old district the report names."""
from __future__ import annotations

import pytest

from loaders.ingest.pipeline import check_bytes
from tests.workbooks import build, free_form

CAMPAIGN = "daklak-2025"
PERIOD = "Tuần từ ngày 08/9/2025 đến ngày 14/9/2025"
ROWS = [[1, "Bài đăng trên Facebook", None, 6, None, None]]

TAN_LAP, TAM_GIANG, EA_DRONG, PHU_HOA_1, SONG_HINH = "24121", "24352", "24328", "22319", "22207"

# (title lines, file name, expected unit code or None when refused, what the messages must say)
CASES = {
    # the report of the issue: Quảng Nam's Xã Tam Giang, not Đắk Lắk's
    "other province, old names": (["UBND HUYỆN NÚI THÀNH – TỈNH QUẢNG NAM", "UBND XÃ TAM GIANG"], "bc.xlsx",
                                  None, ["“TỈNH QUẢNG NAM”", "tỉnh Quảng Nam", "huyện Núi Thành", "daklak-2025"]),
    "other province, no diacritics": (["UBND HUYEN NUI THANH - TINH QUANG NAM", "UBND XA TAM GIANG"], "bc.xlsx",
                                      None, ["“TINH QUANG NAM”", "tỉnh Quảng Nam"]),
    "other province only": (["UBND TỈNH QUẢNG NAM", "UBND XÃ TAM GIANG"], "bc.xlsx", None, ["tỉnh Quảng Nam"]),
    "other province, new name": (["ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "UBND XÃ TAM GIANG"], "bc.xlsx",
                                 None, ["thành phố Đà Nẵng"]),
    "other district in the file name": (["UBND XÃ TAM GIANG"], "BC tuan 37 - Xa Tam Giang - huyen Nui Thanh.xlsx",
                                        None, ["huyện Núi Thành", "tên tệp"]),
    "same commune name, its own district": (["UBND HUYỆN KRÔNG NĂNG", "UBND XÃ TAM GIANG"], "bc.xlsx",
                                            TAM_GIANG, []),
    "the campaign's province, new name": (["UBND TỈNH ĐẮK LẮK", "UBND XÃ TAM GIANG"], "bc.xlsx", TAM_GIANG, []),
    "the campaign's province, no diacritics": (["UBND TINH DAK LAK", "UBND XA TAM GIANG"], "bc.xlsx", TAM_GIANG, []),
    "a province merged into the campaign's": (["UBND TỈNH PHÚ YÊN", "UBND XÃ SÔNG HINH"], "bc.xlsx", SONG_HINH, []),
    # old commune names, resolved within the old district the report names
    "old commune under TP BMT": (["UBND TP BMT", "UBND XÃ HÒA THẮNG"], "bc.xlsx", TAN_LAP,
                                 ["Xã Hòa Thắng", "Phường Tân Lập"]),
    "old commune under its city, no diacritics": (["UBND THANH PHO BUON MA THUOT", "UBND XA HOA THANG"], "bc.xlsx",
                                                  TAN_LAP, ["Phường Tân Lập"]),
    "same old name, another district": (["UBND HUYỆN PHÚ HÒA", "UBND XÃ HÒA THẮNG"], "bc.xlsx", PHU_HOA_1,
                                        ["Xã Phú Hòa 1"]),
    "old commune, district in the file name": (["BÁO CÁO TUẦN"], "Xa Hoa Thang - TP BMT.xlsx", TAN_LAP,
                                               ["Phường Tân Lập"]),
    "TX Buôn Hồ": (["UBND TX Buôn Hồ", "UBND XÃ EA DRÔNG"], "bc.xlsx", EA_DRONG, []),
    "a district of another province by abbreviation": (["UBND TP HCM", "UBND PHƯỜNG TÂN LẬP"], "bc.xlsx", None,
                                                       ["thành phố Hồ Chí Minh"]),
    "commune, district and province on one line": (["Xã Tam Giang, huyện Núi Thành, tỉnh Quảng Nam"], "bc.xlsx",
                                                    None, ["huyện Núi Thành", "tỉnh Quảng Nam"]),
    "old commune and old district of a merged province": (["UBND HUYỆN SÔNG HINH", "UBND THỊ TRẤN HAI RIÊNG"],
                                                          "bc.xlsx", SONG_HINH, ["Thị trấn Hai Riêng"]),
    "no place named": (["UBND PHƯỜNG TÂN LẬP"], "bc.xlsx", TAN_LAP, []),
    "words that only look like level words": (["Ban quản lý dự án", "UBND PHƯỜNG TÂN LẬP",
                                               "Tỉnh ủy giao, tính đến ngày 14/9"], "bc.xlsx", TAN_LAP, []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unit_context(ready_con, case):
    lines, file_name, expected, says = CASES[case]
    data = build("xlsx", [free_form(lines, PERIOD, ROWS)])
    result, _ = check_bytes(ready_con, data, file_name, CAMPAIGN)
    text = " | ".join(m.text for m in result.messages)
    if expected is None:
        assert result.status == "rejected", text
        assert result.unit_code is None
        refusal = [m for m in result.messages if m.level == "error" and "không thuộc địa bàn" in m.text]
        assert refusal, text
        for s in says:
            assert s in " ".join(m.text for m in refusal), (s, text)
    else:
        assert result.unit_code == expected, text
        assert result.status in ("accepted", "check") or not any(m.level == "error" for m in result.messages), text
        for s in says:
            assert s in text, (s, text)


def test_a_refusal_names_the_cell(ready_con):
    data = build("xlsx", [free_form(["UBND HUYỆN NÚI THÀNH – TỈNH QUẢNG NAM", "UBND XÃ TAM GIANG"], PERIOD, ROWS)])
    result, _ = check_bytes(ready_con, data, "tam-giang.xlsx", CAMPAIGN)
    [m] = [m for m in result.messages if "không thuộc địa bàn" in m.text]
    assert (m.sheet, m.cell) == ("Sheet1", "A1")


def test_a_legacy_campaign_has_its_own_territory(ready_con):
    """daknong-2020 (before 2025): its province and districts agree, Đắk Lắk does not."""
    ok = build("xlsx", [free_form(["UBND HUYỆN KRÔNG NÔ", "UBND TỈNH ĐẮK NÔNG"], PERIOD, ROWS)])
    bad = build("xlsx", [free_form(["UBND TỈNH ĐẮK LẮK", "UBND HUYỆN KRÔNG NÔ"], PERIOD, ROWS)])
    r_ok, _ = check_bytes(ready_con, ok, "bc.xlsx", "daknong-2020")
    r_bad, _ = check_bytes(ready_con, bad, "bc.xlsx", "daknong-2020")
    assert not any("không thuộc địa bàn" in m.text for m in r_ok.messages)
    assert any("không thuộc địa bàn" in m.text and "tỉnh Đắk Lắk" in m.text for m in r_bad.messages)


def test_twin_names_differ_and_tone_placement_does_not():
    from loaders.ingest.match_units import accent_key

    assert accent_key("Xã Văn Lăng") != accent_key("Xã Văn Lang")
    assert accent_key("Xã Sơn Hạ") != accent_key("Xã Sơn Hà")
    assert accent_key("Xã Thuận Hoà") == accent_key("Xã Thuận Hòa") == accent_key("XÃ THUẬN HÒA")
    assert accent_key("Xã Giao Thuỷ") == accent_key("Xã Giao Thủy")
    assert accent_key("Xã Tân Thành") != accent_key("Xã Tân Thanh")
