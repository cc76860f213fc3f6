"""Writers of the weekly reports offices really send, for the demo, the benchmark and tests.

The product issues a template (loaders/outputs/template.py), but many units keep sending what they sent last
year: a sheet made by hand, copied and re-typed, sometimes in an old font or an old file format. Each
writer here makes one such file from plain data and returns an `OfficeFile` (bytes, a suggested file
name, the family it belongs to). None of them needs the database; indicator wordings come from the
catalog (data/indicators.yaml).

Common arguments: `unit_name` as the office writes it ("Xã Ea Kao"), `period` = (first day, last day),
`values` = indicator code → number (flags 1/0), `posts` = list of dicts with posted_on (date), platform,
title, url. Options are keyword-only; `seed` picks the wording and layout variant deterministically.

Families (the name in OfficeFile.family):
  copied        "copied from last year": title rows, merged cells, blank rows/columns before the table,
                columns Nội dung | Đơn vị tính | Số lượng | Lũy kế | Ghi chú, reworded indicator names,
                section rows, a "Tổng cộng" row
  no_diacritics the same typed without diacritics ("So tin bai tren Facebook")
  tcvn3 / vni   the same typed in the old TCVN3 (.VnTime) or VNI encodings
  text_numbers  numbers typed as text ("1.200", "12 tin", "-", "không"), flags as "x"
  xls / ods     the same layout saved as Excel 97-2003 or OpenDocument
  multi_week    one workbook, one sheet per week
  activity_list one row per activity: date, channel, quantity
  old_name      the pre-2025 commune and district in the title block
  broken_*      files that must be rejected (random bytes, truncated zip, negative number,
                unknown unit, period outside the campaign)

Every .xlsx/.ods written here is byte-for-byte deterministic for the same inputs (fixed zip
timestamps and document dates), so an "exact re-send" of a file is the same bytes.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from loaders.common.text import fold

# the grid and its serializers live with the one workbook writer; re-exported for older callers
from loaders.outputs.workbook import (FIXED_TIME, Sheet, fixed_core_dates, rezip, serialize,  # noqa: F401
                                      sheets_to_ods, sheets_to_xls, sheets_to_xlsx)

Period = tuple[date, date]

FAMILIES = ("copied", "no_diacritics", "tcvn3", "vni", "text_numbers", "xls", "ods", "multi_week",
            "activity_list", "old_name")
BROKEN_FAMILIES = ("broken_random_bytes", "broken_truncated_zip", "broken_negative",
                   "broken_unknown_unit", "broken_period_outside")

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
PLATFORMS = ["Facebook", "Zalo", "YouTube", "TikTok", "Báo điện tử", "Cổng TTĐT", "Khác"]


@dataclass(frozen=True)
class OfficeFile:
    data: bytes
    name: str
    family: str


# ---------------------------------------------------------------------------------------------
# Catalog wordings

@lru_cache(maxsize=1)
def catalog() -> dict:
    """Groups and indicators of data/indicators.yaml, indexed for the writers."""
    from loaders.reference.indicators import read_catalog

    cat = read_catalog()
    groups = {g["code"]: dict(g, sort=i) for i, g in enumerate(cat["groups"])}
    inds = {}
    for i, ind in enumerate(cat["indicators"]):
        inds[ind["code"]] = dict(ind, sort=i, is_flag=ind["uom"] == "flag",
                                 aliases=list(ind.get("aliases", [])))
    return {"groups": groups, "indicators": inds}


def indicator_label(code: str, rng: random.Random | None = None, style: str = "any") -> str:
    """How an office words an indicator: the catalog name, or one of its aliases (abbreviated,
    reworded). style: "name" (the catalog name), "alias" (an alias when there is one), "any"."""
    ind = catalog()["indicators"][code]
    if style == "name" or rng is None:
        return ind["name"]
    # Aliases of one word ("Facebook", "Cờ") are how people label a row only now and then.
    aliases = [a for a in ind["aliases"] if len(a.split()) > 1] or ind["aliases"]
    if style == "alias" and aliases:
        return rng.choice(aliases)
    return rng.choice([ind["name"]] + aliases)


def uom_label(code: str) -> str:
    ind = catalog()["indicators"][code]
    return "có/không" if ind["is_flag"] else ind["uom"]


def ordered_codes(codes: Iterable[str]) -> list[str]:
    inds = catalog()["indicators"]
    return sorted((c for c in codes if c in inds), key=lambda c: inds[c]["sort"])


# ---------------------------------------------------------------------------------------------
# Text transforms

def strip_diacritics(text: str) -> str:
    """"Số tin bài trên Facebook" → "So tin bai tren Facebook" (case kept)."""
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", s.replace("đ", "d").replace("Đ", "D"))


def legacy_encoder(encoding: str) -> Callable[[str], str]:
    """Text as a .VnTime (TCVN3) or VNI cell shows it in Unicode; needs loaders.ingest.vnencoding."""
    from loaders.ingest import vnencoding

    return lambda s: vnencoding.from_unicode(s, encoding)


def ascii_name(text: str) -> str:
    """A file-name-safe ASCII form: "Xã Ea Kao" → "Xa_Ea_Kao"."""
    s = strip_diacritics(text)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_")
    return s or "don_vi"


def dmy(d: date, pad_month: bool = False) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if pad_month else f"{d.day:02d}/{d.month}/{d.year}"


def period_text(period: Period, variant: int = 0) -> str:
    """The period line of a report title, in the ways offices write it."""
    a, b = period
    variants = [
        f"Tuần từ ngày {dmy(a)} đến ngày {dmy(b)}",
        f"(Từ ngày {a.day:02d}/{a.month} đến {b.day:02d}/{b.month}/{b.year})",
        f"Từ ngày {a.day:02d} tháng {a.month} năm {a.year} đến ngày {b.day:02d} tháng {b.month} năm {b.year}",
        f"(Từ {a.day}-{a.month}-{a.year} đến {b.day}-{b.month}-{b.year})",
        f"Thời gian báo cáo: từ {dmy(a, True)} đến {dmy(b, True)}",
    ]
    if a.isoweekday() == 1 and (b - a).days == 6:
        variants.append(f"Tuần {a.isocalendar()[1]}/{a.isocalendar()[0]} (từ {dmy(a)} đến {dmy(b)})")
    return variants[variant % len(variants)]


def number_as_text(value: float, code: str, rng: random.Random) -> object:
    """A quantity as a hurried office types it: "1.200", "12 tin", "-", "không"; flags as "x"."""
    ind = catalog()["indicators"][code]
    if ind["is_flag"]:
        return "x" if value else rng.choice(["", "không", "-"])
    if not value:
        return rng.choice(["-", "không", "0", ""])
    v = int(round(value))
    word = ind["uom"].split(",")[0].split()[0]
    r = rng.random()
    if v >= 1000 and r < 0.7:
        return f"{v:,}".replace(",", ".")
    if r < 0.45:
        return f"{v} {word}"
    if r < 0.6:
        return f"{v} ({ind['uom']})"
    return str(v)


# ---------------------------------------------------------------------------------------------
# Layouts

def _title_block(sh: Sheet, r: int, c0: int, width: int, unit_lines: Sequence[str], period: Period,
                 rng: random.Random, extra_title: bool = True, place_date: date | None = None) -> int:
    """Write the title block from row r, columns c0..c0+width-1; return the next free row."""
    left = max(2, width // 2 - 1)
    right_c = c0 + left
    for i, line in enumerate(unit_lines):
        sh.merge(r + i, c0, r + i, right_c - 1, line)
        if i:
            sh.bold_rows.add(r + i)
    sh.merge(r, right_c, r, c0 + width - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    sh.merge(r + 1, right_c, r + 1, c0 + width - 1, "Độc lập - Tự do - Hạnh phúc")
    sh.bold_rows.update({r, r + 1})
    r += max(len(unit_lines), 2)
    if place_date is not None:
        sh.merge(r, right_c, r, c0 + width - 1,
                 f"ngày {place_date.day:02d} tháng {place_date.month} năm {place_date.year}")
        r += 1
    r += rng.choice([1, 1, 2])
    titles = ["BÁO CÁO", "BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN", "BÁO CÁO TUẦN"]
    sh.merge(r, c0, r, c0 + width - 1, rng.choice(titles))
    sh.bold_rows.add(r)
    r += 1
    if extra_title:
        sh.merge(r, c0, r, c0 + width - 1, rng.choice([
            "Kết quả tuyên truyền Đại hội Đảng bộ các cấp và Đại hội XIV của Đảng",
            "Công tác thông tin, tuyên truyền Đại hội đại biểu Đảng bộ tỉnh",
            "V/v kết quả thực hiện Kế hoạch tuyên truyền Đại hội",
        ]))
        r += 1
    sh.merge(r, c0, r, c0 + width - 1, period_text(period, rng.randrange(10)))
    return r + 2


def unit_title_lines(unit_name: str, parent: str | None = None, rng: random.Random | None = None) -> list[str]:
    """The left block: ["UBND TỈNH ĐẮK LẮK", "UBND XÃ EA KAO"] or ["ỦY BAN NHÂN DÂN", "XÃ EA KAO"]."""
    up = unit_name.upper()
    kind_words = ("XÃ ", "PHƯỜNG ", "THỊ TRẤN ", "ĐẶC KHU ", "HUYỆN ", "THỊ XÃ ", "THÀNH PHỐ ")
    territorial = up.startswith(kind_words)
    if not territorial:
        return [parent.upper() if parent else "UBND TỈNH", up]
    r = rng.random() if rng else 0.0
    if r < 0.4:
        lines = ["ỦY BAN NHÂN DÂN", up]
    elif r < 0.8:
        lines = [f"UBND {up}"]
    else:
        lines = [f"ỦY BAN NHÂN DÂN {up}"]
    if parent:
        lines.insert(0, f"UBND {parent.upper()}")
    return lines


def copied_sheet(unit_name: str, period: Period, values: dict[str, float], *,
                 rng: random.Random, cumulative: dict[str, float] | None = None,
                 parent: str | None = None, sheet_name: str | None = None,
                 numbers_as_text: bool = False, negative: str | None = None,
                 place_date: date | None = None) -> Sheet:
    """The "copied from last year" sheet: the core of most free-form families."""
    cat = catalog()
    sh = Sheet.new(sheet_name or rng.choice(["Sheet1", "BC tuan", "Báo cáo", "Tuan"]))
    c0 = rng.choice([0, 1, 1, 2])  # blank columns before the table
    r = rng.choice([0, 0, 1])
    with_stt = rng.random() < 0.8
    cols = (["STT"] if with_stt else []) + [
        rng.choice(["Nội dung", "Nội dung tuyên truyền", "Chỉ tiêu", "Nội dung công việc"]),
        rng.choice(["Đơn vị tính", "Đơn vị tính"]),
        rng.choice(["Số lượng", "Số lượng trong tuần", "Số lượng trong kỳ"]),
        rng.choice(["Lũy kế", "Luỹ kế", "Lũy kế từ đầu đợt"]),
        "Ghi chú",
    ]
    width = len(cols)
    r = _title_block(sh, r, c0, width, unit_title_lines(unit_name, parent, rng), period, rng,
                     extra_title=rng.random() < 0.6, place_date=place_date)
    header_row = r
    for i, h in enumerate(cols):
        sh.put(r, c0 + i, h)
    sh.bold_rows.add(r)
    r += 1
    ci = c0 + (1 if with_stt else 0)  # the Nội dung column
    codes = ordered_codes(values)
    by_group: dict[str, list[str]] = {}
    for code in codes:
        by_group.setdefault(cat["indicators"][code]["group"], []).append(code)
    section_style = rng.choice(["roman", "roman", "arabic", "letter"])
    total = 0.0
    for gi, (g, gcodes) in enumerate(by_group.items()):
        label = {"roman": f"{ROMAN[gi]}.", "arabic": f"{gi + 1}.", "letter": f"{chr(97 + gi)})"}[section_style]
        gname = cat["groups"][g]["name"]
        if with_stt:
            sh.put(r, c0, label)
            sh.put(r, ci, gname)
        else:
            sh.put(r, ci, f"{label} {gname}")
        sh.bold_rows.add(r)
        r += 1
        for k, code in enumerate(gcodes):
            v = values[code]
            if code == negative:
                v = -abs(v or 3)
            if with_stt:
                sh.put(r, c0, k + 1)
            sh.put(r, ci, indicator_label(code, rng))
            sh.put(r, ci + 1, uom_label(code))
            is_flag = cat["indicators"][code]["is_flag"]
            if numbers_as_text:
                sh.put(r, ci + 2, number_as_text(v, code, rng))
            elif is_flag:
                sh.put(r, ci + 2, "có" if v else "không")
            else:
                sh.put(r, ci + 2, v)
            if cumulative is not None and code in cumulative and not is_flag:
                cv = cumulative[code]
                sh.put(r, ci + 3, number_as_text(cv, code, rng) if numbers_as_text else cv)
            if not is_flag:
                total += v
            r += 1
    if rng.random() < 0.85:
        sh.put(r, ci, "Tổng cộng")
        sh.put(r, ci + 2, int(total) if float(total).is_integer() else total)
        sh.bold_rows.add(r)
        r += 1
    sh.table_box = (header_row, c0, r - 1, c0 + width - 1)
    r += 1
    sh.merge(r, c0 + width - 3, r, c0 + width - 1, rng.choice(["NGƯỜI LẬP BIỂU", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]))
    sh.bold_rows.add(r)
    for i, w in enumerate([6] * with_stt + [48, 12, 12, 12, 16]):
        sh.widths[c0 + i] = w
    return sh


def posts_sheet(posts: Sequence[dict], rng: random.Random, name: str = "Danh sách tin bài") -> Sheet:
    sh = Sheet.new(name)
    sh.merge(0, 0, 0, 4, "DANH SÁCH TIN, BÀI ĐÃ ĐĂNG")
    sh.bold_rows.update({0, 2})
    for i, h in enumerate(["STT", "Ngày đăng", "Nền tảng", "Tiêu đề", rng.choice(["Đường dẫn", "Link", "Đường dẫn (URL)"])]):
        sh.put(2, i, h)
    for k, p in enumerate(posts):
        sh.put(3 + k, 0, k + 1)
        sh.put(3 + k, 1, p.get("posted_on"))
        sh.put(3 + k, 2, p.get("platform"))
        sh.put(3 + k, 3, p.get("title"))
        sh.put(3 + k, 4, p.get("url"))
    sh.widths.update({0: 6, 1: 12, 2: 14, 3: 50, 4: 50})
    return sh


def _file_name(unit_name: str, period: Period, rng: random.Random, ext: str) -> str:
    a, b = period
    u = unit_name if rng.random() < 0.4 else ascii_name(unit_name).replace("_", " ")
    return rng.choice([
        f"BC tuyen truyen {u} tuan {a.day:02d}-{a.month:02d}.{ext}",
        f"Bao cao tuan {u} {a.day:02d}.{a.month:02d} - {b.day:02d}.{b.month:02d}.{b.year}.{ext}",
        f"{u} - BC Dai hoi ({a.day:02d}{a.month:02d}{a.year}).{ext}",
        f"BC TT {u} {a.isoformat()}.{ext}",
    ])


def _rng(seed: int | random.Random | None) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def copied_from_last_year(unit_name: str, period: Period, values: dict[str, float],
                          posts: Sequence[dict] | None = None, *, seed: int | random.Random | None = 0,
                          cumulative: dict[str, float] | None = None, parent: str | None = None,
                          diacritics: bool = True, encoding: str | None = None,
                          numbers_as_text: bool = False, fmt: str = "xlsx",
                          negative: str | None = None, place_date: date | None = None,
                          family: str | None = None) -> OfficeFile:
    """The hand-made layout, with every optional twist; the other families call this."""
    rng = _rng(seed)
    sheets = [copied_sheet(unit_name, period, values, rng=rng, cumulative=cumulative, parent=parent,
                           numbers_as_text=numbers_as_text, negative=negative, place_date=place_date)]
    if posts:
        sheets.append(posts_sheet(posts, rng))
    _transform(sheets, diacritics, encoding)
    name = _file_name(unit_name, period, rng, fmt)
    if not diacritics or encoding:
        name = strip_diacritics(name)
    fam = family or ("tcvn3" if encoding == "tcvn3" else "vni" if encoding == "vni" else
                     "no_diacritics" if not diacritics else "text_numbers" if numbers_as_text else
                     fmt if fmt != "xlsx" else "copied")
    return OfficeFile(serialize(sheets, fmt), name, fam)


def _transform(sheets: Sequence[Sheet], diacritics: bool, encoding: str | None) -> None:
    if not diacritics:
        for sh in sheets:
            sh.map_text(strip_diacritics)
    if encoding:
        enc = legacy_encoder(encoding)
        for sh in sheets:
            sh.map_text(enc)
            sh.font = ".VnTime" if encoding == "tcvn3" else "VNI-Times"


def no_diacritics(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, diacritics=False, **kw)


def tcvn3(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, encoding="tcvn3", **kw)


def vni(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, encoding="vni", **kw)


def text_numbers(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, numbers_as_text=True, **kw)


def xls(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, fmt="xls", **kw)


def ods(unit_name, period, values, posts=None, **kw) -> OfficeFile:
    return copied_from_last_year(unit_name, period, values, posts, fmt="ods", **kw)


def old_name(old_unit_name: str, old_district: str, period: Period, values: dict[str, float],
             posts=None, **kw) -> OfficeFile:
    """A pre-2025 commune in the title block: "UBND TP BUÔN MA THUỘT" / "UBND XÃ HÒA THẮNG"."""
    return copied_from_last_year(old_unit_name, period, values, posts, parent=old_district,
                                 family="old_name", **kw)


def multi_week(unit_name: str, weeks: Sequence[tuple[Period, dict[str, float]]], posts=None, *,
               seed: int | random.Random | None = 0, fmt: str = "xlsx", parent: str | None = None,
               diacritics: bool = True) -> OfficeFile:
    """One workbook, one sheet per week ("Tuần 37", "T 15-9" …), oldest first."""
    rng = _rng(seed)
    sheets = []
    for period, values in weeks:
        a = period[0]
        name = rng.choice([f"Tuần {a.isocalendar()[1]}", f"T {a.day:02d}-{a.month}", f"{a.day:02d}.{a.month:02d}"])
        if any(s.name == name for s in sheets):
            name = f"{name} ({len(sheets) + 1})"
        sheets.append(copied_sheet(unit_name, period, values, rng=rng, parent=parent, sheet_name=name))
    if posts:
        sheets.append(posts_sheet(posts, rng))
    _transform(sheets, diacritics, None)
    first, last = weeks[0][0], weeks[-1][0]
    name = f"BC {ascii_name(unit_name).replace('_', ' ')} tu {first[0].day:02d}-{first[0].month:02d} den {last[1].day:02d}-{last[1].month:02d}-{last[1].year}.{fmt}"
    return OfficeFile(serialize(sheets, fmt), name, "multi_week")


CHANNEL_ACTIVITIES = {
    "ttcs": ["Phát trên loa truyền thanh các thôn, buôn", "Phát trên đài truyền thanh xã"],
    "mieng": ["Lồng ghép tuyên truyền tại họp thôn", "Sinh hoạt chi bộ, tổ dân phố"],
    "mxh": ["Chia sẻ bài viết trên trang của UBND", "Đăng tải trên nhóm Zalo thôn, buôn"],
    "web": ["Đăng trên Trang thông tin điện tử", "Cập nhật chuyên mục Đại hội"],
    "truc_quan": ["Treo dọc các tuyến đường chính", "Cấp phát cho các thôn, buôn"],
    "van_hoa": ["Tổ chức tại nhà văn hóa", "Phối hợp đoàn thanh niên tổ chức"],
    "bao_chi": ["Phối hợp Báo và Phát thanh, Truyền hình tỉnh", "Cộng tác viên gửi bài"],
    "cuoc_thi": ["Hưởng ứng cuộc thi trực tuyến", "Phát động trong cán bộ, đoàn viên"],
    "phan_bac": ["Đăng trên các trang mạng xã hội", "Lực lượng dư luận viên"],
}


def activity_list(unit_name: str, period: Period, values: dict[str, float], posts=None, *,
                  seed: int | random.Random | None = 0, fmt: str = "xlsx", parent: str | None = None) -> OfficeFile:
    """One row per activity (Ngày | Hình thức tuyên truyền | Nội dung hoạt động | Số lượng | ĐVT):
    each quantity split into one to three activities on days of the period."""
    rng = _rng(seed)
    cat = catalog()
    sh = Sheet.new(rng.choice(["Nhat ky", "Danh sách hoạt động", "Sheet1"]))
    r = _title_block(sh, 0, 0, 6, unit_title_lines(unit_name, parent, rng), period, rng, extra_title=False)
    header = r
    for i, h in enumerate(["STT", "Ngày", "Hình thức tuyên truyền", "Nội dung hoạt động", "Số lượng", "Đơn vị tính"]):
        sh.put(r, i, h)
    sh.bold_rows.add(r)
    r += 1
    days = (period[1] - period[0]).days + 1
    acts = []
    for code in ordered_codes(values):
        v = values[code]
        ind = cat["indicators"][code]
        if not v:
            continue
        if ind["is_flag"]:
            parts = [1]
        else:
            n = 1 if v < 3 else rng.choice([1, 2, 3])
            cuts = sorted(rng.sample(range(1, int(v)), n - 1)) if n > 1 and v >= n else []
            parts = [b - a for a, b in zip([0] + cuts, cuts + [int(v)])]
        for q in parts:
            acts.append((period[0] + timedelta(days=rng.randrange(days)), code, q))
    acts.sort(key=lambda a: (a[0], catalog()["indicators"][a[1]]["sort"]))
    for k, (d, code, q) in enumerate(acts):
        ind = cat["indicators"][code]
        sh.put(r, 0, k + 1)
        sh.put(r, 1, d)
        sh.put(r, 2, indicator_label(code, rng))
        sh.put(r, 3, rng.choice(CHANNEL_ACTIVITIES.get(ind["group"], ["Hoạt động tuyên truyền"])))
        sh.put(r, 4, "có" if ind["is_flag"] else q)
        sh.put(r, 5, uom_label(code))
        r += 1
    sh.table_box = (header, 0, r - 1, 5)
    sh.widths.update({0: 6, 1: 12, 2: 40, 3: 40, 4: 10, 5: 12})
    sheets = [sh] + ([posts_sheet(posts, rng)] if posts else [])
    name = f"Nhat ky hoat dong {ascii_name(unit_name).replace('_', ' ')} {period[0].isoformat()}.{fmt}"
    return OfficeFile(serialize(sheets, fmt), name, "activity_list")


# ---------------------------------------------------------------------------------------------
# Broken files: each must be rejected with a reason

def broken_random_bytes(seed: int | random.Random | None = 0, name: str = "Bao cao tuan.xlsx") -> OfficeFile:
    rng = _rng(seed)
    return OfficeFile(bytes(rng.getrandbits(8) for _ in range(rng.randrange(2000, 6000))), name,
                      "broken_random_bytes")


def broken_truncated_zip(unit_name: str, period: Period, values: dict[str, float], *,
                         seed: int | random.Random | None = 0, parent: str | None = None) -> OfficeFile:
    f = copied_from_last_year(unit_name, period, values, seed=seed, parent=parent)
    return OfficeFile(f.data[: len(f.data) // 2], f.name, "broken_truncated_zip")


def broken_negative(unit_name: str, period: Period, values: dict[str, float], *,
                    seed: int | random.Random | None = 0, code: str | None = None,
                    parent: str | None = None) -> OfficeFile:
    """A sheet with one negative quantity (a typo for a dash)."""
    code = code or next(c for c in ordered_codes(values) if not catalog()["indicators"][c]["is_flag"])
    f = copied_from_last_year(unit_name, period, values, seed=seed, negative=code, parent=parent)
    return OfficeFile(f.data, f.name, "broken_negative")


def broken_unknown_unit(period: Period, values: dict[str, float], *,
                        seed: int | random.Random | None = 0,
                        unit_name: str = "Xã Hòa Bình Xanh") -> OfficeFile:
    """A commune that does not exist in the province."""
    f = copied_from_last_year(unit_name, period, values, seed=seed)
    return OfficeFile(f.data, f.name, "broken_unknown_unit")


def broken_period_outside(unit_name: str, period: Period, values: dict[str, float], *,
                          seed: int | random.Random | None = 0, parent: str | None = None) -> OfficeFile:
    """A report for a week outside the campaign (pass such a period)."""
    f = copied_from_last_year(unit_name, period, values, seed=seed, parent=parent)
    return OfficeFile(f.data, f.name, "broken_period_outside")
