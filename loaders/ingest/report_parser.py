"""Read the numbers out of a weekly report workbook, whatever its layout.

Input: the grids of loaders/ingest/reader.py and the campaign's indexes (loaders/ingest/matching.py). Output: a
`ParsedReport` — the unit, one `Section` per reported period (one sheet per week gives several), the
values per indicator with the cell they came from, the posts, and messages. Nothing here touches the
database; ingest.py decides and stores.

How a sheet is read
- Every text cell goes through vnencoding.fix_cell (TCVN3/VNI mojibake → Unicode) and text.clean.
- The header row is found by its words anywhere in the first rows, in any column order, after any title
  rows, blank rows or columns: Nội dung/Chỉ tiêu, Số lượng/trong kỳ, Đơn vị tính, Lũy kế, Ghi chú (with
  or without diacritics). A two-row header ("Số lượng" over "Trong kỳ | Lũy kế") is read as one.
- A table of indicators (the template and the free forms): one row per indicator, matched by its "Mã
  chỉ tiêu" code when present, else by its wording. Section rows (I., II., 1., a), a channel group
  name) and total rows ("Tổng cộng", "Cộng") are skipped, never added. The "trong kỳ" column is the
  value; "lũy kế" is kept as the cumulative for the cross-check.
- A long list (one row per activity: date, channel, quantity): quantities are summed per indicator
  and per campaign week.
- A post list ("Tin bài": date, platform, title, URL): URLs are normalised for de-duplication.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

from loaders.ingest import values as vals
from loaders.ingest import vnencoding
from loaders.ingest.matching import CampaignIndex, UnitMatch, file_name_candidates, norm_words, strip_numbering
from loaders.ingest.reader import META_SHEET, Sheet, Workbook, cell_ref
from loaders.common.text import clean, fold
from loaders.ingest.validate import Message, message, week_of

_fold = lru_cache(maxsize=100_000)(fold)

HEADER_SCAN_ROWS = 60

# --------------------------------------------------------------------------- cell text


@lru_cache(maxsize=100_000)
def _fix(text: str, hint: str | None) -> tuple[str, str | None]:
    fixed, enc = vnencoding.fix_cell(text, hint)
    return clean(fixed), enc


def normalize_sheet(sheet: Sheet) -> set[str]:
    """Convert the sheet's text cells in place: legacy encodings (TCVN3/VNI) to Unicode, NFC, spaces
    and line breaks collapsed. A wholly legacy sheet is recognised as a whole (vnencoding.detect_many),
    so short cells ("cã", "coù") convert too. Returns the encodings met."""
    strings = [v for row in sheet.rows for v in row if v and isinstance(v, str)]
    hint = vnencoding.detect_many(strings) if strings else None
    found: set[str] = set()
    for row in sheet.rows:
        for c, v in enumerate(row):
            if v and isinstance(v, str):
                t, enc = _fix(v, hint)
                if enc:
                    found.add(enc)
                row[c] = t
    return found


class Texts:
    """Display text of a cell value (text cells are already normalised by normalize_sheet)."""

    def __call__(self, v) -> str:
        if v is None or v == "":
            return ""
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "x" if v else ""
        if isinstance(v, datetime):
            v = v.date()
        if isinstance(v, date):
            return f"{v.day:02d}/{v.month:02d}/{v.year}"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return clean(v)


# --------------------------------------------------------------------------- header roles

_ROLE_RULES = [
    ("cum", re.compile(r"\bluy ke\b|\bcong don\b|\btu dau (dot|nam|ke hoach)\b")),
    ("code", re.compile(r"^ma\b|\bma chi tieu\b|\bma so\b|^code$")),
    ("url", re.compile(r"\bduong dan\b|\burl\b|\blink\b|\blien ket\b")),
    ("qty", re.compile(r"\btrong (ky|tuan|thang)\b|\btuan nay\b|\bky nay\b|\bky bao cao\b")),
    ("uom", re.compile(r"\bdon vi tinh\b|^dvt\b|^d v t$")),
    ("note", re.compile(r"\bghi chu\b")),
    ("stt", re.compile(r"^(stt|tt|so tt|so thu tu)$")),
    ("date", re.compile(r"^ngay\b|\bngay dang\b|\bngay thuc hien\b|^thoi gian\b|^ngay thang\b")),
    ("platform", re.compile(r"\bnen tang\b|^kenh dang\b|^trang dang\b|^noi dang\b")),
    ("title", re.compile(r"\btieu de\b|^ten (tin )?bai\b|^ten tin\b")),
    ("channel", re.compile(r"^hinh thuc\b|^kenh\b|^loai hinh\b|^loai hoat dong\b")),
    ("name", re.compile(r"\bnoi dung\b|\bchi tieu\b|\bdanh muc\b|^ten hoat dong\b|^hoat dong\b")),
    ("qty", re.compile(r"\bso luong\b|\bket qua\b|\bthuc hien\b|^so lieu\b|^tong so$|^so$")),
]


@lru_cache(maxsize=50_000)
def header_role(text: str) -> str | None:
    """The column role a header cell's text names (cached: the same headers come in every file)."""
    if len(text) > 80:
        return None
    k = norm_words(text)
    if not k or len(k) > 60:
        return None
    for role, rx in _ROLE_RULES:
        if rx.search(k):
            return role
    return None


@dataclass
class Table:
    kind: str                         # indicators | long_list | posts
    header_row: int                   # 0-based
    first_row: int                    # first data row
    cols: dict[str, int]              # role → column
    name_cols: list[int] = field(default_factory=list)   # indicator wording columns, best first
    cum_scope: str = "campaign"       # campaign | phase
    end_row: int | None = None        # first row after its data
    title_start: int = 0              # first row of its title block


def _roles_of_row(sheet: Sheet, r: int, tx: Texts, width: int = 0) -> dict[int, tuple[str, str]]:
    """Column → (role, header text) for the header words found in row r (merged cells filled in)."""
    cache = sheet.__dict__.setdefault("_roles", {})
    if r in cache:
        return cache[r]
    out = {}
    row = sheet.rows[r] if r < len(sheet.rows) else []
    owners = sheet.owners() if sheet.merged else None
    for c, v in enumerate(row):
        if v == "" and owners:
            o = owners.get((r, c))          # = sheet.text_at(r, c), without its calls for plain cells
            if o is None:
                continue
            v = sheet.value(*o)
        if isinstance(v, str) and v:
            role = header_role(v)
            if role:
                out[c] = (role, v)
    cache[r] = out
    return out


def find_table(sheet: Sheet, tx: Texts, start: int = 0) -> Table | None:
    """The first table header at or after row `start`, with its column roles."""
    last = min(sheet.height, start + HEADER_SCAN_ROWS)
    for r in range(start, last):
        row = sheet.rows[r]
        roles = _roles_of_row(sheet, r, tx)
        if len(roles) < 2 or len({role for role, _ in roles.values()}) < 2:
            continue
        if sum(1 for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)) > 2:
            continue
        # a second header row below ("Trong kỳ | Lũy kế" under a merged "Số lượng")
        first = r + 1
        if r + 1 < sheet.height:
            sub = _roles_of_row(sheet, r + 1, tx)
            sub_numbers = sum(1 for v in sheet.rows[r + 1] if isinstance(v, (int, float)) and not isinstance(v, bool))
            if sub and sub_numbers == 0 and not _looks_like_data(sheet, r + 1, tx):
                merged = dict(roles)
                for c, (role, t) in sub.items():
                    top = roles.get(c)
                    combined = f"{top[1]} {t}" if top and top[1] != t else t
                    merged[c] = (header_role(combined) or role, combined)
                roles = merged
                first = r + 2
        table = _classify(roles)
        if table is not None:
            table.header_row, table.first_row = r, first
            return table
    return None


def _looks_like_data(sheet: Sheet, r: int, tx: Texts) -> bool:
    row = sheet.rows[r]
    texts = [tx(v) for v in row if isinstance(v, str) and v.strip()]
    return any(re.match(r"^(i|ii|iii|iv|v|vi|1|a)[.)]", _fold(t)) for t in texts)


def _classify(roles: dict[int, tuple[str, str]]) -> Table | None:
    by_role: dict[str, list[int]] = {}
    for c in sorted(roles):
        by_role.setdefault(roles[c][0], []).append(c)
    has = lambda r: r in by_role
    cols: dict[str, int] = {}
    for role, cs in by_role.items():
        cols[role] = cs[0]
    if "qty" in by_role and len(by_role["qty"]) > 1:
        # prefer "trong kỳ/tuần" over a plain "Số lượng"/"Kết quả"
        pick = [c for c in by_role["qty"] if re.search(r"trong (ky|tuan|thang)|ky nay|tuan nay", norm_words(roles[c][1]))]
        cols["qty"] = (pick or by_role["qty"])[0]
    cum_scope = "campaign"
    if has("cum") and re.search(r"\bdot\b", norm_words(roles[cols["cum"]][1])):
        cum_scope = "phase"
    if has("url") or (has("title") and (has("platform") or has("date")) and not has("qty")):
        return Table("posts", 0, 0, cols)
    name_cols = by_role.get("name", [])
    channel_cols = by_role.get("channel", [])
    if has("date") and (name_cols or channel_cols) and (has("qty") or channel_cols):
        return Table("long_list", 0, 0, cols, name_cols=channel_cols + name_cols)
    if (name_cols or channel_cols or has("code")) and (has("qty") or has("cum")):
        # "Chỉ tiêu" wins over "Nội dung" when both are there
        ordered = sorted(name_cols, key=lambda c: 0 if "chi tieu" in norm_words(roles[c][1]) else 1)
        return Table("indicators", 0, 0, cols, name_cols=ordered + channel_cols, cum_scope=cum_scope)
    return None


# --------------------------------------------------------------------------- parsed report

@dataclass
class Value:
    code: str
    value: float
    cumulative: float | None
    sheet: str
    cell: str
    cum_cell: str | None = None


@dataclass
class Post:
    posted_on: date | None
    platform: str
    title: str
    url: str
    url_norm: str
    sheet: str
    cell: str                 # the URL cell, or the row's first cell


@dataclass
class Section:
    """One reported period: a sheet (or a week of a long list) with its values."""
    sheet: str
    start: date | None
    end: date | None
    period_cell: str | None
    period_source: str                # meta | title | sheet_name | file_name | dates | none
    source_format: str                # template | free_form | long_list
    values: dict[str, Value] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    cum_scope: str = "campaign"


@dataclass
class ParsedReport:
    file_name: str
    format: str | None = None
    meta: dict = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)       # posts not tied to one section yet
    messages: list[Message] = field(default_factory=list)
    unit: UnitMatch | None = None
    unit_source: str | None = None                         # meta | title | file_name
    unit_sheet: str | None = None
    unit_cell: str | None = None
    encodings: set[str] = field(default_factory=set)

    def add(self, level: str, text: str, sheet: str | None = None, cell: str | None = None) -> None:
        self.messages.append(message(level, self.file_name, text, sheet, cell))

    @property
    def ok(self) -> bool:
        return not any(m.level == "error" for m in self.messages)


# --------------------------------------------------------------------------- URLs

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|zarsrc|zalo_.*|_ga|ref|ref_src|"
                       r"refsrc|mibextid|__tn__|__cft__.*|si|feature|share_id|rdid|sfnsn|s|_rdr|_rdc|)$", re.I)


def normalize_url(url: str) -> str:
    """Comparable form of a post URL: no scheme, www/m., fragment, tracking parameters or trailing slash;
    lower-case host. "https://www.Facebook.com/x/posts/1/?fbclid=…" → "facebook.com/x/posts/1"."""
    u = clean(url)
    if not u:
        return ""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", u, re.I):
        u = "http://" + u
    try:
        parts = urlsplit(u)
    except ValueError:
        return clean(url).lower()
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "web."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/+", "/", parts.path or "").rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    q = ("?" + urlencode(query)) if query else ""
    return f"{host}{path}{q}"


# --------------------------------------------------------------------------- the parser


class ReportParser:
    """Parse one workbook for one campaign. Use `parse(workbook, file_name, index)`."""

    def __init__(self, wb: Workbook, file_name: str, index: CampaignIndex):
        self.wb = wb
        self.file = file_name
        self.ix = index
        self.campaign = index.campaign
        self.week_start = int(self.campaign["week_start"])
        self.tx = Texts()
        self.encodings: set[str] = set()
        self.out = ParsedReport(file_name, wb.format, wb.meta)
        self.title_texts: list[tuple[str, str, str]] = []    # (sheet, cell, text) above report tables

    # ---- entry

    def parse(self) -> ParsedReport:
        out = self.out
        meta = out.meta
        if meta and meta.get("campaign_code") and meta["campaign_code"] != self.campaign["code"]:
            out.add("error", f"Đây là tệp mẫu của kế hoạch “{meta['campaign_code']}”, không phải kế hoạch "
                             f"“{self.campaign['code']}”: hãy tải tệp mẫu của kế hoạch này và điền lại.",
                    META_SHEET)
        report_sheets = []
        for sheet in self.wb.data_sheets:
            self.encodings |= normalize_sheet(sheet)
        for sheet in self.wb.data_sheets:
            tables = self._tables(sheet)
            if not tables:
                continue
            report_sheets.append((sheet, tables))
        if not any(t.kind in ("indicators", "long_list") for _, ts in report_sheets for t in ts):
            if any(t.kind == "posts" for _, ts in report_sheets for t in ts):
                out.add("error", "Tệp chỉ có danh sách tin bài, không có bảng số liệu các chỉ tiêu: hãy điền trang "
                                 "“Báo cáo” của tệp mẫu (cột “Nội dung” và “Số lượng trong kỳ”).")
            else:
                names = ", ".join(f"“{s.name}”" for s in self.wb.data_sheets) or "(không có)"
                out.add("error", f"Không tìm thấy bảng số liệu trong các trang {names}: cần một dòng tiêu đề cột có "
                                 "“Nội dung” (hoặc “Chỉ tiêu”) và “Số lượng” (hoặc “Lũy kế”). Hãy dùng tệp mẫu "
                                 "của kế hoạch.")
            self._finish()
            return out
        single = sum(1 for _, ts in report_sheets for t in ts if t.kind != "posts") == 1
        for sheet, tables in report_sheets:
            for t in tables:
                if t.kind == "indicators":
                    self._indicator_table(sheet, t, single=single)
                elif t.kind == "long_list":
                    self._long_list(sheet, t, single=single)
                else:
                    self._posts(sheet, t)
        self._unit()
        self._assign_posts()
        self._finish()
        return out

    def _finish(self) -> None:
        enc = self.encodings
        self.out.encodings = set(enc)
        if enc:
            names = {"tcvn3": "TCVN3 (phông .VnTime)", "vni": "VNI (phông VNI-Times)"}
            self.out.add("info", "Văn bản gõ bằng bảng mã " + " và ".join(names[e] for e in sorted(enc))
                         + " đã được chuyển sang Unicode. Nên dùng phông Unicode (Times New Roman) cho báo cáo sau.")

    def _tables(self, sheet: Sheet) -> list[Table]:
        """Every table of the sheet, top to bottom (a week's table, then a post list, …)."""
        tables = []
        start = 0
        while start < sheet.height:
            t = find_table(sheet, self.tx, start)
            if t is None:
                break
            t.title_start = start            # its own title rows: after the previous table
            t.end_row = max(t.first_row, self._table_end(sheet, t))
            tables.append(t)
            start = t.end_row
        return tables

    def _table_end(self, sheet: Sheet, t: Table) -> int:
        """First row after the table's data: a signature block, or the next header."""
        for r in range(t.first_row, sheet.height):
            row = sheet.rows[r]
            first_text = next((v for v in row if v and isinstance(v, str)), "")
            if not first_text:
                continue
            if _STOP.match(_fold(first_text)):
                return r
            if any(v.__class__ in (int, float) for v in row):
                continue                      # a row with numbers is data, not the next header
            row_roles = _roles_of_row(sheet, r, self.tx)
            if len(row_roles) >= 2 and len({role for role, _ in row_roles.values()}) >= 2 \
                    and _classify(row_roles) is not None:
                return r
        return sheet.height

    # ---- title block, period

    def _title_rows(self, sheet: Sheet, t: Table) -> list[tuple[str, str]]:
        """(cell, text) of the cells of the table's title block, in reading order."""
        out = []
        for r in range(t.title_start, t.header_row):
            row = sheet.rows[r]
            cells = [(c, self.tx(v)) for c, v in enumerate(row) if v not in ("", None)]
            for c, t in cells:
                if t:
                    out.append((cell_ref(r, c), t))
        return out

    def _period(self, sheet: Sheet, t: Table, single: bool) -> tuple[date | None, date | None, str | None, str]:
        """The sheet's period: template metadata, else the title block, the sheet name, the file name.

        Returns (start, end, cell, source); on failure (None, None, cell, reason-text)."""
        row_texts = []
        for r in range(t.title_start, t.header_row):
            cells = [(c, self.tx(v)) for c, v in enumerate(sheet.rows[r]) if v not in ("", None)]
            cells = [(c, x) for c, x in cells if x]
            if cells:
                row_texts.append((r, cells))
        meta = self.out.meta
        meta_period = None
        if meta.get("period_start") and meta.get("period_end") and (single or sheet.name == "Báo cáo"):
            try:
                meta_period = (date.fromisoformat(meta["period_start"][:10]),
                               date.fromisoformat(meta["period_end"][:10]))
            except ValueError:
                meta_period = None
        found, cell, problem = None, None, None
        for r, cells in row_texts:
            joined = " ".join(x for _, x in cells)
            if not re.search(r"\d", joined):
                continue
            try:
                p = vals.find_period([joined], None, self.week_start)
            except ValueError as e:
                problem = problem or (str(e), cell_ref(r, cells[0][0]))
                continue
            if p:
                found = p
                cell = cell_ref(r, next((c for c, x in cells if re.search(r"\d", x)), cells[0][0]))
                break
        if found is None and len(row_texts) > 1:
            try:
                found = vals.find_period([" ".join(x for _, x in cells) for _, cells in row_texts], None,
                                         self.week_start)
            except ValueError:
                found = None
            if found:
                cell = cell_ref(row_texts[0][0], row_texts[0][1][0][0])
        if meta_period:
            if found and tuple(found) != meta_period:
                self.out.add("error", f"Kỳ báo cáo ghi ở tiêu đề ({_dmy(found[0])} – {_dmy(found[1])}) khác kỳ của tệp "
                                      f"mẫu ({_dmy(meta_period[0])} – {_dmy(meta_period[1])}): tệp mẫu được sao từ tuần "
                                      "khác? Hãy tải tệp mẫu đúng tuần rồi điền lại.", sheet.name, cell)
            return meta_period[0], meta_period[1], cell, "meta"
        if found:
            return found[0], found[1], cell, "title"
        p = self._period_from_sheet_name(sheet.name, [x for _, cells in row_texts for _, x in cells])
        if p:
            return p[0], p[1], None, "sheet_name"
        if single:
            try:
                p = vals.find_period([], self.file, self.week_start)
            except ValueError as e:
                problem = problem or (str(e), None)
                p = None
            if p and not self._whole_weeks_or_month(*p):
                # the last resort must be unambiguous: a file name read as an odd span is more likely misread
                return None, None, None, (f"tên tệp gợi ý kỳ {_dmy(p[0])} – {_dmy(p[1])}, không trọn tuần "
                                          "nên không dùng được")
            if p:
                self.out.add("info", f"Kỳ báo cáo được lấy từ tên tệp: {_dmy(p[0])} – {_dmy(p[1])}. Nên ghi kỳ báo "
                                     "cáo ở phần tiêu đề (ví dụ “Tuần từ ngày 08/9/2025 đến ngày 14/9/2025”).",
                             sheet.name)
                return p[0], p[1], None, "file_name"
        if problem:
            return None, None, problem[1], problem[0]
        return None, None, None, ""

    def _whole_weeks_or_month(self, start: date, end: date) -> bool:
        days = (end - start).days + 1
        return (start.isoweekday() == self.week_start and days % 7 == 0) or \
            (start.day == 1 and (end + timedelta(days=1)).day == 1)

    def _period_from_sheet_name(self, name: str, texts: list[str]) -> tuple[date, date] | None:
        """"Tuần 37", "T 15-9", "15.09": with the year of the title block, else of the campaign."""
        if not re.search(r"\d", name):
            return None
        c = self.campaign
        years = [int(y) for y in re.findall(r"\b(20\d\d)\b", " ".join(texts))]
        years += [c["start_date"].year, c["end_date"].year]
        lo, hi = c["start_date"] - timedelta(days=7), c["end_date"] + timedelta(days=7)
        try:
            p = vals.find_period([name], None, self.week_start)
        except ValueError:
            p = None
        if p:
            return p
        for year in dict.fromkeys(years):
            try:
                p = vals.find_period([f"{name}/{year}"], None, self.week_start)
            except ValueError:
                p = None
            if p and lo <= p[0] <= hi:
                return p
            m = re.search(r"(?<!\d)(\d{1,2})[-./](\d{1,2})(?!\d)", name)
            if m:
                try:
                    day = vals.parse_date(f"{m.group(1)}/{m.group(2)}", default_year=year)
                except ValueError:
                    continue
                if lo <= day <= hi:
                    return week_of(day, self.week_start)
        return None

    # ---- indicator tables

    def _indicator_table(self, sheet: Sheet, t: Table, single: bool) -> None:
        start, end, pcell, psource = self._period(sheet, t, single)
        is_template = bool(self.out.meta) and "code" in t.cols
        sec = Section(sheet.name, start, end, pcell, psource, "template" if is_template else "free_form",
                      cum_scope=t.cum_scope)
        self._remember_titles(sheet, t)
        if start is None:
            self._no_period(sheet, pcell, psource)
        last = t.end_row
        seen: dict[str, list[str]] = {}
        ix = self.ix.indicators
        for r in range(t.first_row, last):
            row = sheet.rows[r]
            if not any(v not in ("", None) for v in row):
                continue
            name_c = next((c for c in t.name_cols if self.tx(sheet.value(r, c))), t.name_cols[0] if t.name_cols else None)
            name = self.tx(sheet.value(r, name_c)) if name_c is not None else ""
            code_cell = self.tx(sheet.value(r, t.cols["code"])) if "code" in t.cols else ""
            stt = self.tx(sheet.value(r, t.cols["stt"])) if "stt" in t.cols else ""
            qc = t.cols.get("qty")
            cc = t.cols.get("cum")
            raw_q = sheet.value(r, qc) if qc is not None else ""
            raw_c = sheet.value(r, cc) if cc is not None else ""
            if qc is not None and sheet.is_merged_extra(r, qc):
                raw_q = ""
            qref = cell_ref(r, qc) if qc is not None else cell_ref(r, name_c or 0)
            cref = cell_ref(r, cc) if cc is not None else None
            kind = self._row_kind(name, stt, code_cell)
            if kind in ("total", "numbering", "section"):
                continue
            if kind == "empty":
                if _has_number(raw_q):
                    self.out.add("error", f"Dòng {r + 1} có số “{self.tx(raw_q)}” nhưng không ghi chỉ tiêu: hãy ghi tên "
                                          "chỉ tiêu ở cột nội dung hoặc xóa số này.", sheet.name, qref)
                continue
            m = ix.match(name, code_cell, loose=False)
            if m is None and ix.is_group(name):
                continue                      # a channel group heading (or its subtotal)
            if m is not None and m.how != "code" and raw_q in ("", None) and norm_words(
                    strip_numbering(name)) in ix.groups:
                continue                      # "8. Cuộc thi": a heading that is also an indicator's name
            if m is None:
                m = ix.match(name, code_cell)
            if m is None:
                if kind == "candidate" and code_cell and not ix.by_code(code_cell) and _has_number(raw_q):
                    self.out.add("error", f"Mã chỉ tiêu “{code_cell}” không có trong danh mục: hãy dùng tệp mẫu, "
                                          "không sửa cột “Mã chỉ tiêu”.", sheet.name,
                                 cell_ref(r, t.cols["code"]))
                    continue
                if _has_number(raw_q):
                    label = name or code_cell or "(trống)"
                    self.out.add("error", f"Không nhận ra chỉ tiêu “{label}” (dòng {r + 1}) nên không biết ghi số "
                                          f"“{self.tx(raw_q)}” vào đâu: hãy ghi tên chỉ tiêu như trong tệp mẫu "
                                          "(ví dụ “Tin, bài đăng trên Cổng/Trang thông tin điện tử”) hoặc xóa dòng.",
                                 sheet.name, cell_ref(r, name_c if name_c is not None else 0))
                continue
            info = ix.info[m.code]
            if m.how in ("fuzzy", "keyword"):
                self.out.add("info", f"Dòng “{name}” được hiểu là chỉ tiêu “{info['name']}” ({m.code}).",
                             sheet.name, cell_ref(r, name_c if name_c is not None else 0))
            value = self._quantity(raw_q, info, sheet.name, qref)
            if value is None:
                continue
            cum = self._cumulative(raw_c, info, sheet.name, cref) if cc is not None else None
            if m.code in sec.values:
                prev = sec.values[m.code]
                if not prev.value and value:          # point at the row that holds the number
                    prev.cell, prev.cum_cell = qref, cref
                prev.value = max(prev.value, value) if info["is_flag"] else prev.value + value
                if cum is not None:
                    prev.cumulative = (prev.cumulative or 0) + cum
                if value:
                    seen[m.code].append(qref)
            else:
                sec.values[m.code] = Value(m.code, value, cum, sheet.name, qref, cref)
                seen[m.code] = [qref] if value else []
        for code, refs in seen.items():
            if len(refs) > 1:
                self.out.add("warning", f"Chỉ tiêu “{ix.info[code]['name']}” có ở {len(refs)} dòng "
                                        f"({', '.join(refs)}): đã cộng lại thành {_num(sec.values[code].value)}. "
                                        "Nếu một dòng là dòng cộng, hãy xóa nó.", sheet.name, refs[-1])
        self.out.sections.append(sec)

    def _no_period(self, sheet: Sheet, cell: str | None, problem: str) -> None:
        why = f" ({problem.rstrip('.')})" if problem else ""
        self.out.add("error", f"Không đọc được kỳ báo cáo{why}: hãy ghi ở phần tiêu đề, ví dụ “Tuần từ ngày 08/9/2025 "
                              "đến ngày 14/9/2025”, hoặc dùng tệp mẫu của tuần.", sheet.name, cell)

    def _row_kind(self, name: str, stt: str, code_cell: str) -> str:
        if code_cell and self.ix.indicators.by_code(code_cell):
            return "candidate"
        f = _fold(name)
        fs = _fold(stt)
        if _TOTAL.match(f) or _TOTAL.match(fs):
            return "total"
        if not name and not code_cell:
            return "empty"
        if re.fullmatch(r"\(?\d{1,2}\)?", name) or re.fullmatch(r"\(?[a-z]\)?", f):
            return "numbering"
        if _ROMAN.match(fs) or _ROMAN_PREFIX.match(f) or re.fullmatch(r"[a-dA-D]", stt):
            return "section"
        return "candidate"

    def _quantity(self, raw, info: dict, sheet: str, ref: str) -> float | None:
        if info["is_flag"]:
            try:
                return float(vals.parse_flag(raw))
            except ValueError as e:
                self.out.add("error", f"Chỉ tiêu “{info['name']}” là có/không nhưng ô ghi “{self.tx(raw)}”: {e} "
                                      "Hãy ghi “có” hoặc “không” (hoặc x, 1, 0).", sheet, ref)
                return None
        if _is_negative(raw):
            self.out.add("error", f"Số lượng của chỉ tiêu “{info['name']}” là số âm ({self.tx(raw)}): hãy ghi số không "
                                  "âm (0 nếu không có hoạt động).", sheet, ref)
            return None
        try:
            v = vals.parse_number(raw)
        except ValueError as e:
            self.out.add("error", f"Số lượng “{self.tx(raw)}” của chỉ tiêu “{info['name']}” không đọc được: {e} "
                                  "Hãy ghi một số không âm (ví dụ 12), hoặc để trống/ghi 0 nếu không có.", sheet, ref)
            return None
        return 0.0 if v is None else float(v)

    def _cumulative(self, raw, info: dict, sheet: str, ref: str | None) -> float | None:
        if info["is_flag"] or raw in ("", None):
            return None
        try:
            v = vals.parse_number(raw)
        except ValueError:
            self.out.add("warning", f"Lũy kế “{self.tx(raw)}” của chỉ tiêu “{info['name']}” không phải là số nên "
                                    "không dùng để đối chiếu.", sheet, ref)
            return None
        return v

    # ---- long lists

    def _long_list(self, sheet: Sheet, t: Table, single: bool) -> None:
        start, end, pcell, psource = self._period(sheet, t, single)
        self._remember_titles(sheet, t)
        last = t.end_row
        ix = self.ix.indicators
        dc, qc = t.cols.get("date"), t.cols.get("qty")
        sums: dict[tuple[date, date], dict[str, Value]] = {}
        default_year = (start or self.campaign["start_date"]).year
        n_rows = 0
        for r in range(t.first_row, last):
            row = sheet.rows[r]
            if not any(v not in ("", None) for v in row):
                continue
            texts = [(c, self.tx(sheet.value(r, c))) for c in t.name_cols]
            if not any(x for _, x in texts):
                continue
            if any(_TOTAL.match(_fold(x)) for _, x in texts if x):
                continue
            m, name_c = None, texts[0][0]
            for c, x in texts:
                if x:
                    m = ix.match(x)
                    if m:
                        name_c = c
                        break
            raw_q = sheet.value(r, qc) if qc is not None else ""
            qref = cell_ref(r, qc) if qc is not None else cell_ref(r, name_c)
            label = next((x for _, x in texts if x), "")
            if m is None:
                self.out.add("error", f"Không nhận ra hình thức/chỉ tiêu “{label}” của hoạt động dòng {r + 1}: hãy ghi "
                                      "tên chỉ tiêu như trong tệp mẫu (ví dụ “Bài đăng trên Facebook”).",
                             sheet.name, cell_ref(r, texts[0][0]))
                continue
            info = ix.info[m.code]
            raw_d = sheet.value(r, dc) if dc is not None else ""
            try:
                day = vals.parse_date(raw_d, default_year=default_year) if raw_d not in ("", None) else None
            except ValueError as e:
                self.out.add("error", f"Ngày “{self.tx(raw_d)}” của hoạt động dòng {r + 1} không đọc được: {e} "
                                      "Hãy ghi dạng 08/9/2025.", sheet.name, cell_ref(r, dc))
                continue
            if day is None:
                if start is None:
                    self.out.add("error", f"Hoạt động dòng {r + 1} không ghi ngày: hãy ghi ngày thực hiện.",
                                 sheet.name, cell_ref(r, dc) if dc is not None else None)
                    continue
                day = start
            if raw_q in ("", None) and not info["is_flag"]:
                value = 1.0
            else:
                value = self._quantity(raw_q, info, sheet.name, qref)
                if value is None:
                    continue
            n_rows += 1
            if start is not None and not (start <= day <= end):
                self.out.add("warning", f"Ngày {_dmy(day)} của hoạt động dòng {r + 1} nằm ngoài kỳ báo cáo "
                                        f"{_dmy(start)} – {_dmy(end)}; hoạt động được tính vào tuần của ngày đó.",
                             sheet.name, cell_ref(r, dc))
            week = week_of(day, self.week_start)
            bucket = sums.setdefault(week, {})
            if m.code in bucket:
                v = bucket[m.code]
                v.value = max(v.value, value) if info["is_flag"] else v.value + value
            else:
                bucket[m.code] = Value(m.code, value, None, sheet.name, qref)
        # periods: a declared week (or shorter) takes every row; a longer declared period is cut into
        # the campaign weeks it covers (clipped to it); without one, the weeks of the rows' dates
        plan: dict[tuple[date, date], dict[str, Value]] = {}
        if start is not None and (end - start).days < 7:
            plan[(start, end)] = {}
            for bucket in sums.values():
                self._merge(plan[(start, end)], bucket)
        else:
            if start is not None:
                d = week_of(start, self.week_start)[0]
                while d <= end:
                    plan[(max(d, start), min(d + timedelta(days=6), end))] = {}
                    d += timedelta(days=7)
            for (a, b), bucket in sorted(sums.items()):
                key = (a, b)
                if start is not None and a <= end and b >= start:
                    key = (max(a, start), min(b, end))
                self._merge(plan.setdefault(key, {}), bucket)
        if not plan:
            self.out.add("error", "Danh sách hoạt động không có dòng nào đọc được và không ghi kỳ báo cáo: hãy "
                                  "ghi ngày, hình thức và số lượng của từng hoạt động.", sheet.name,
                         cell_ref(t.first_row, 0))
            return
        for (a, b), bucket in sorted(plan.items()):
            source = psource if (a, b) == (start, end) or start is not None else "dates"
            sec = Section(sheet.name, a, b, pcell, source, "long_list")
            sec.values = bucket
            self.out.sections.append(sec)
        if len(plan) > 1:
            self.out.add("info", f"Danh sách {n_rows} hoạt động được cộng theo chỉ tiêu cho {len(plan)} tuần.",
                         sheet.name)

    def _merge(self, target: dict[str, Value], bucket: dict[str, Value]) -> None:
        for code, v in bucket.items():
            if code not in target:
                target[code] = Value(code, v.value, None, v.sheet, v.cell)
            elif self.ix.indicators.info[code]["is_flag"]:
                target[code].value = max(target[code].value, v.value)
            else:
                target[code].value += v.value

    # ---- posts

    def _posts(self, sheet: Sheet, t: Table) -> None:
        dc, pc, tc, uc = (t.cols.get(k) for k in ("date", "platform", "title", "url"))
        last = t.end_row
        default_year = self.campaign["start_date"].year
        width = sheet.width
        present = [c if c is not None and c < width else None for c in (dc, pc, tc, uc)]
        for r in range(t.first_row, last):
            row = sheet.rows[r]
            raw_d, raw_p, raw_t, raw_u = [row[c] if c is not None else "" for c in present]
            if raw_d == "" and raw_p == "" and raw_t == "" and raw_u == "":
                continue                      # the template's prepared, empty rows
            platform, title, url = self.tx(raw_p), self.tx(raw_t), self.tx(raw_u)
            if not (platform or title or url or raw_d not in ("", None)):
                continue
            first_text = next((self.tx(v) for v in sheet.rows[r] if isinstance(v, str) and v.strip()), "")
            if first_text and _STOP.match(_fold(first_text)):
                break
            day = None
            if raw_d not in ("", None):
                try:
                    day = vals.parse_date(raw_d, default_year=default_year)
                except ValueError:
                    self.out.add("warning", f"Ngày đăng “{self.tx(raw_d)}” không đọc được; tin bài vẫn được ghi nhận.",
                                 sheet.name, cell_ref(r, dc))
            if not url:
                if title or platform:
                    self.out.add("warning", "Tin bài không có đường dẫn (URL): không đối chiếu được với các báo cáo "
                                            "khác. Hãy dán đường dẫn bài viết.", sheet.name,
                                 cell_ref(r, uc if uc is not None else 0))
            ref = cell_ref(r, uc) if uc is not None else cell_ref(r, 0)
            self.out.posts.append(Post(day, platform, title, url, normalize_url(url) if url else "", sheet.name, ref))

    def _assign_posts(self) -> None:
        secs = [s for s in self.out.sections if s.start is not None]
        if not self.out.posts or not secs:
            return
        seen: dict[str, str] = {}
        for p in self.out.posts:
            if p.url_norm:
                if p.url_norm in seen:
                    self.out.add("warning", f"Đường dẫn trùng với ô {seen[p.url_norm]}: tin bài chỉ được tính một lần.",
                                 p.sheet, p.cell)
                    continue
                seen[p.url_norm] = p.cell
            target = None
            if len(secs) == 1:
                target = secs[0]
            elif p.posted_on is not None:
                target = next((s for s in secs if s.start <= p.posted_on <= s.end), None)
            if target is None:
                target = next((s for s in secs if s.sheet == p.sheet), None)
            if target is None:
                self.out.add("warning", "Tin bài không có ngày đăng thuộc tuần nào của báo cáo nên không được ghi "
                                        "nhận: hãy ghi ngày đăng.", p.sheet, p.cell)
                continue
            if p.posted_on is not None and not (target.start - timedelta(days=7) <= p.posted_on <= target.end + timedelta(days=1)):
                self.out.add("warning", f"Ngày đăng {_dmy(p.posted_on)} nằm ngoài kỳ báo cáo {_dmy(target.start)} – "
                                        f"{_dmy(target.end)}.", p.sheet, p.cell)
            target.posts.append(p)
        self.out.posts = []

    # ---- unit

    def _remember_titles(self, sheet: Sheet, t: Table) -> None:
        for ref, text in self._title_rows(sheet, t):
            self.title_texts.append((sheet.name, ref, text))

    def _unit(self) -> None:
        out, units = self.out, self.ix.units
        meta_code = clean(out.meta.get("unit_code", "")) if out.meta else ""
        title = self._unit_from_titles()
        if meta_code:
            code = units.by_code(meta_code)
            if code is None:
                out.add("error", f"Mã đơn vị “{meta_code}” của tệp mẫu không thuộc kế hoạch “{self.campaign['code']}”: "
                                 "hãy tải tệp mẫu của đơn vị mình trên trang Nộp báo cáo.", META_SHEET)
                return
            out.unit, out.unit_source = UnitMatch(code, meta_code), "meta"
            if title is not None and title[0].code is not None and title[0].code != code:
                m, sheet, ref = title
                out.add("error", f"Tệp mẫu này là của {units.display(code)} nhưng tiêu đề ghi “{m.written}” "
                                 f"({units.display(m.code)}): có thể tệp được sao từ đơn vị khác. Hãy tải tệp mẫu "
                                 "của đơn vị mình và điền lại.", sheet, ref)
            return
        if title is not None:
            m, sheet, ref = title
            if m.code is None:
                example = f" (ví dụ “{m.example}”)" if m.example else ""
                out.add("error", f"Tên đơn vị “{m.written}” ứng với nhiều đơn vị: {'; '.join(m.candidates)}. Không thể "
                                 f"đoán: hãy ghi rõ cả huyện{example} hoặc dùng tệp mẫu có mã đơn vị.", sheet, ref)
                return
            out.unit, out.unit_source, out.unit_sheet, out.unit_cell = m, "title", sheet, ref
            for level, text in m.notices:
                out.add(level, text, sheet, ref)
            return
        for piece in file_name_candidates(self.file):
            m = units.match_text(piece) or units.match_exact(piece)
            if m is not None:
                if m.code is None:
                    out.add("error", f"Tên đơn vị “{m.written}” trong tên tệp ứng với nhiều đơn vị: "
                                     f"{'; '.join(m.candidates)}. Hãy ghi tên đơn vị kèm huyện ở phần tiêu đề "
                                     "của báo cáo hoặc dùng tệp mẫu có mã đơn vị.")
                    return
                out.unit, out.unit_source = m, "file_name"
                out.add("info", f"Đơn vị được xác định từ tên tệp: {units.display(m.code)}. Nên ghi tên đơn vị ở "
                                "phần tiêu đề báo cáo.")
                for level, text in m.notices:
                    out.add(level, text)
                return
        first = next(((s, ref) for s, ref, _ in self.title_texts), (None, None))
        out.add("error", "Không xác định được đơn vị báo cáo: phần tiêu đề không có tên đơn vị nào của kế hoạch "
                         f"“{self.campaign['code']}” (ví dụ “UBND XÃ EA KAO”), tên tệp cũng không. Hãy ghi tên đơn vị ở "
                         "góc trên bên trái hoặc dùng tệp mẫu của đơn vị.", first[0], first[1])

    def _unit_from_titles(self) -> tuple[UnitMatch, str, str] | None:
        units = self.ix.units
        hint: set[str] = set()
        for _, _, text in self.title_texts:
            hint |= units.district_hint(text)
        for strong in (True, False):
            found: list[tuple[UnitMatch, str, str]] = []
            for sheet, ref, text in self.title_texts:
                if _NOT_UNIT.match(_fold(text)):
                    continue
                m = units.match_text(text, strong_only=strong, district_hint=hint or None)
                if m is not None:
                    found.append((m, sheet, ref))
            # a commune under its district's line ("UBND HUYỆN BẮC SƠN" / "UBND XÃ TÂN THÀNH") is the
            # reporter; a district or department reports when no commune is named
            for pick in (lambda m: m.code and m.territorial, lambda m: m.code, lambda m: True):
                hit = next(((m, sheet, ref) for m, sheet, ref in found if pick(m)), None)
                if hit:
                    return hit
        return None


# --------------------------------------------------------------------------- helpers

_TOTAL = re.compile(r"^(tong cong|cong|tong so|tong|cong chung|tong hop|tong cong:|cong:)\b\s*(:|$|chung|cac|toan)")
_ROMAN = re.compile(r"^(?=[ivxlc])(x{0,3})(ix|iv|v?i{0,3})[.)]?$")
_ROMAN_PREFIX = re.compile(r"^(?=[ivxlc])(x{0,3})(ix|iv|v?i{0,3})[.)/]\s+\S")
_STOP = re.compile(r"^(noi nhan|nguoi lap|nguoi bao cao|tm\.?\s|t/m|chu tich|thu truong|xac nhan|ky ten|"
                   r"pho chu tich|kt\.?\s|ghi chu:)")
_NOT_UNIT = re.compile(r"^(cong hoa xa hoi|doc lap|so:|so \d)")


def _has_number(raw) -> bool:
    if raw in ("", None):
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return raw != 0
    try:
        v = vals.parse_number(raw)
    except ValueError:
        return bool(re.search(r"\d", str(raw)))
    return bool(v)


def _is_negative(raw) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return raw < 0
    return isinstance(raw, str) and bool(re.match(r"^\s*[-−–—]\s*\d*[.,]?\d*[1-9]", raw))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def parse(wb: Workbook, file_name: str, index: CampaignIndex) -> ParsedReport:
    return ReportParser(wb, file_name, index).parse()
