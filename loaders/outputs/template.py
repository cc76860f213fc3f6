"""The weekly report template the product issues, per campaign, unit and week (loaders/outputs/workbook.py).

Sheets:
  "Báo cáo"  title block (the unit, the national motto, the report title and the week), then the table
             STT | Mã chỉ tiêu | Nội dung | Đơn vị tính | Số lượng trong kỳ | Lũy kế | Ghi chú: one row per
             indicator the campaign's tasks assign to the unit's kind (a task naming a whole channel group
             brings all of its indicators), grouped by channel group under roman-numeral section rows.
             Quantities are validated as numbers ≥ 0; yes/no indicators as a list (có/không).
  "Tin bài"  STT | Ngày đăng | Nền tảng | Tiêu đề | Đường dẫn (URL), 50 prepared rows.
  "_meta"    veryHidden and protected; key/value rows in A:B, read by loaders/ingest/pipeline.py:
             template_version, campaign_code, unit_code, period_start, period_end (ISO dates).

Every cell is locked except the input cells (yellow), and every sheet is protected with
PROTECTION_PASSWORD. That password is NOT a secret: it only prevents accidental edits of labels and
codes; anyone may unprotect the sheet with it.

`TemplateFiller` writes the same workbook with a unit's values typed in (the demo and the benchmark
write thousands of them: about 10 ms each).

CLI: python -m loaders template --campaign CODE --unit CODE --week YYYY-MM-DD [--out FILE]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from loaders.outputs.workbook import Book, fit_to_width
from loaders.reference.campaign_model import Campaign

TEMPLATE_VERSION = "1"
SHEET_REPORT = "Báo cáo"
SHEET_POSTS = "Tin bài"
SHEET_META = "_meta"
META_KEYS = ("template_version", "campaign_code", "unit_code", "period_start", "period_end")
# Not a secret (see the module docstring): it only guards against accidental edits.
PROTECTION_PASSWORD = "theodoi"
PLATFORMS = ("Facebook", "Zalo", "YouTube", "TikTok", "Báo điện tử", "Cổng TTĐT", "Khác")
POST_ROWS = 50
HEADER_ROW = 8
COLUMNS = ("STT", "Mã chỉ tiêu", "Nội dung", "Đơn vị tính", "Số lượng trong kỳ", "Lũy kế", "Ghi chú")
WIDTHS = (6, 16, 58, 13, 14, 12, 24)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV")
KIND_WORDS = {"xa": "Xã", "phuong": "Phường", "thi_tran": "Thị trấn", "dac_khu": "Đặc khu"}


class TemplateError(ValueError):
    """A template cannot be made for this request; the message (Vietnamese) says why."""


# ---------------------------------------------------------------------------------------------
# What goes into a template

@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    short_name: str
    kind: str
    territorial: bool


@dataclass(frozen=True)
class Line:
    """One row of the table: a section (group) or an indicator."""
    section: bool
    label: str             # roman numeral for a section, running number for an indicator
    code: str              # indicator code, or group code for a section
    name: str
    uom: str
    is_flag: bool = False


def load_campaign(con: duckdb.DuckDBPyConnection, campaign_code: str) -> Campaign:
    campaign = Campaign.from_store(con, campaign_code)
    if campaign is None:
        raise TemplateError(f"Không có kế hoạch mã “{campaign_code}”.")
    return campaign


def load_unit(con: duckdb.DuckDBPyConnection, campaign_code: str, unit_code: str) -> Unit:
    row = con.execute(
        """select unit_code, name, short_name, kind, territorial from campaign_units
           where campaign_code = ? and unit_code = ?""", [campaign_code, str(unit_code)]).fetchone()
    if row is None:
        raise TemplateError(
            f"Đơn vị mã “{unit_code}” không phải là đơn vị báo cáo của kế hoạch “{campaign_code}”. "
            "Kiểm tra lại mã đơn vị (mã đơn vị hành chính hoặc mã cơ quan trong kế hoạch).")
    return Unit(*row)


def assigned_lines(con: duckdb.DuckDBPyConnection, campaign_code: str, unit_kind: str) -> list[Line]:
    """The table rows for a unit kind: its assigned indicators grouped by channel group, in catalog
    order. A task naming a whole group brings every indicator of the group."""
    rows = con.execute(
        """with assigned as (
               select distinct i.code
               from tasks t
               join indicators i on i.code = t.indicator_code
                                 or (t.indicator_code is null and i.group_code = t.group_code)
               where t.campaign_code = ? and t.unit_kind = ?
           )
           select g.code, g.name, i.code, i.name, i.uom, i.is_flag
           from assigned a
           join indicators i on i.code = a.code
           join indicator_groups g on g.code = i.group_code
           order by g.sort, i.sort""", [campaign_code, unit_kind]).fetchall()
    if not rows:
        raise TemplateError(
            f"Kế hoạch “{campaign_code}” chưa giao nhiệm vụ (chỉ tiêu) nào cho loại đơn vị “{unit_kind}”.")
    lines: list[Line] = []
    group, n = None, 0
    for gcode, gname, code, name, uom, is_flag in rows:
        if gcode != group:
            group, n = gcode, 0
            lines.append(Line(True, f"{ROMAN[sum(l.section for l in lines)]}.", gcode, gname, ""))
        n += 1
        lines.append(Line(False, str(n), code, name, "có/không" if is_flag else uom, bool(is_flag)))
    return lines


def unit_title(unit: Unit, campaign: Campaign) -> tuple[str, str]:
    """The two lines of the left title block."""
    if unit.territorial:
        return "ỦY BAN NHÂN DÂN", unit.name.upper()
    if unit.kind == "huyen":
        return campaign.province_authority, f"UBND {unit.name.upper()}"
    return campaign.province_authority, unit.name.upper()


def period_line(start: date, end: date) -> str:
    return f"Tuần từ ngày {start.day:02d}/{start.month}/{start.year} đến ngày {end.day:02d}/{end.month}/{end.year}"


def resolve_week(campaign: Campaign, day: date) -> tuple[date, date]:
    """The campaign week holding day; a week outside the campaign is refused."""
    start, end = campaign.week_of(day)
    if end < campaign.start or start > campaign.end:
        raise TemplateError(
            f"Tuần từ {start:%d/%m/%Y} đến {end:%d/%m/%Y} nằm ngoài thời gian của kế hoạch "
            f"“{campaign.code}” ({campaign.start:%d/%m/%Y} – {campaign.end:%d/%m/%Y}). Chọn một tuần trong "
            "thời gian kế hoạch.")
    return start, end


def template_filename(campaign_code: str, unit_code: str, week_start: date) -> str:
    """ASCII-safe name: BaoCao_daklak-2025_24121_2025-09-08.xlsx."""
    safe = lambda s: re.sub(r"[^0-9A-Za-z._-]+", "-", str(s)).strip("-") or "x"
    return f"BaoCao_{safe(campaign_code)}_{safe(unit_code)}_{week_start.isoformat()}.xlsx"


# ---------------------------------------------------------------------------------------------
# Rendering

@dataclass
class Layout:
    """Where things are in a rendered template (1-based rows; Excel cell references)."""
    lines: list[Line]
    rows: dict[str, int] = field(default_factory=dict)      # indicator code → row
    first_post_row: int = 2

    def value_cell(self, code: str) -> str:
        return f"E{self.rows[code]}"

    def cumulative_cell(self, code: str) -> str:
        return f"F{self.rows[code]}"


@dataclass
class Fill:
    """What a unit typed into its template: cell reference ("E12") → value, per sheet."""
    report: dict[str, object] = field(default_factory=dict)
    posts: dict[str, object] = field(default_factory=dict)


CENTER = {"align": "center", "valign": "vcenter", "text_wrap": True}
WRAP = {"valign": "vcenter", "text_wrap": True}
INPUT_FILL, HEADER_FILL, SECTION_FILL, CLOSED_FILL = "#FFF2CC", "#D9E1F2", "#EDEDED", "#F2F2F2"
NUMBER_RULE = {
    "validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True,
    "error_type": "stop", "error_title": "Số liệu không hợp lệ",
    "error_message": "Ô này chỉ nhận số không âm (ví dụ: 0, 5, 1200). Không nhập chữ, dấu trừ hay đơn vị tính.",
    "input_title": "Số lượng", "input_message": "Nhập số (không âm)."}
FLAG_RULE = {
    "validate": "list", "source": ["có", "không"], "ignore_blank": True, "error_type": "stop",
    "error_title": "Giá trị không hợp lệ", "error_message": "Chọn “có” hoặc “không” trong danh sách.",
    "input_title": "Có/không", "input_message": "Chọn có hoặc không."}
_EXCEL_EPOCH = date(1899, 12, 30)


class _Styles:
    """The template's cell formats on one workbook (XlsxWriter formats belong to their workbook)."""

    def __init__(self, book: Book):
        self.book = book
        self.head = self.boxed(bold=True, bg_color=HEADER_FILL, **CENTER)
        self.input = self.boxed(locked=False, bg_color=INPUT_FILL, **CENTER)
        self.input_wrap = self.boxed(locked=False, bg_color=INPUT_FILL, **WRAP)
        self.input_text = self.boxed(locked=False, bg_color=INPUT_FILL)
        self.input_day = self.boxed(locked=False, bg_color=INPUT_FILL, num_format="dd/mm/yyyy", **CENTER)
        self.closed = self.boxed(bg_color=CLOSED_FILL, **CENTER)
        self.label = [self.boxed(size=11 if col == 1 else 12, **(WRAP if col == 2 else CENTER)) for col in range(4)]
        self.section = [self.boxed(bold=True, bg_color=SECTION_FILL, **(CENTER if col == 0 else WRAP))
                        for col in range(7)]
        self.number = self.boxed(**CENTER)

    def __call__(self, size: int = 12, locked: bool = True, **props):
        base = {"font_name": "Times New Roman", "font_size": size}
        if not locked:
            base["locked"] = False
        return self.book.fmt(**base, **props)

    def boxed(self, **props):
        return self(border=1, border_color="#808080", **props)


def render(lines: list[Line], texts: dict[str, str], fill: Fill | None = None) -> tuple[bytes, Layout]:
    """The template workbook. texts: unit_line1, unit_line2, period, and the _meta values; fill: what
    a unit typed in (the demo and tests send templates back filled in)."""
    book = Book()
    st = _Styles(book)
    fill = fill or Fill()
    layout = Layout(lines)
    _report_sheet(book.sheet(SHEET_REPORT), st, layout, texts, fill.report)
    _posts_sheet(book.sheet(SHEET_POSTS), st, fill.posts)
    _meta_sheet(book.sheet(SHEET_META), st, texts)
    return book.close(lock_structure=PROTECTION_PASSWORD), layout


def _report_head(ws, st: _Styles, texts: dict[str, str]) -> None:
    ws.merge_range("A1:C1", texts["unit_line1"], st(**CENTER))
    ws.merge_range("A2:C2", texts["unit_line2"], st(bold=True, **CENTER))
    ws.merge_range("D1:G1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st(bold=True, **CENTER))
    ws.merge_range("D2:G2", "Độc lập - Tự do - Hạnh phúc", st(bold=True, underline=1, **CENTER))
    ws.merge_range("A4:G4", "BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN", st(size=14, bold=True, **CENTER))
    ws.merge_range("A5:G5", texts["period"], st(italic=True, **CENTER))
    ws.merge_range("A6:G6", "Hướng dẫn: chỉ nhập vào các ô nền vàng. Số lượng là số không âm (để trống hoặc 0 "
                            "nếu không có); chỉ tiêu có/không chọn trong danh sách. Danh sách tin, bài đã đăng "
                            f"nhập ở trang “{SHEET_POSTS}”. Không sửa cột Mã chỉ tiêu.", st(size=10, italic=True, **WRAP))
    ws.set_row(5, 30)
    for i, (title, width) in enumerate(zip(COLUMNS, WIDTHS)):
        ws.write_string(HEADER_ROW - 1, i, title, st.head)
        ws.set_column(i, i, width)
    ws.set_row(HEADER_ROW - 1, 32)


def _report_sheet(ws, st: _Styles, layout: Layout, texts: dict[str, str], values: dict[str, object]) -> None:
    _report_head(ws, st, texts)
    numbers, flags = [], []
    r = HEADER_ROW          # 0-based index of the first table row
    for line in layout.lines:
        if line.section:
            for col in range(7):
                value = line.label if col == 0 else line.name if col == 2 else None
                _put(ws, r, col, value, st.section[col])
        else:
            layout.rows[line.code] = r + 1
            for col, v in enumerate((int(line.label), line.code, line.name, line.uom)):
                _put(ws, r, col, v, st.label[col])
            for col in (4, 5, 6):
                ref = f"{'EFG'[col - 4]}{r + 1}"
                if col == 5 and line.is_flag:   # no cumulative for a yes/no indicator: stays locked
                    _put(ws, r, col, values.get(ref), st.closed)
                    continue
                _put(ws, r, col, values.get(ref), st.input_wrap if col == 6 else st.input)
            (flags if line.is_flag else numbers).append(f"E{r + 1}")
            if not line.is_flag:
                numbers.append(f"F{r + 1}")
        r += 1
    if numbers:
        ws.data_validation(numbers[0], dict(NUMBER_RULE, multi_range=" ".join(numbers)))
    if flags:
        ws.data_validation(flags[0], dict(FLAG_RULE, multi_range=" ".join(flags)))
    _signatures(ws, st, r + 1)
    ws.freeze_panes(HEADER_ROW, 0)
    ws.repeat_rows(HEADER_ROW - 1)
    _print_setup(ws, landscape=False)
    _protect(ws)


def _signatures(ws, st: _Styles, r: int) -> None:
    ws.write_string(r, 1, "NGƯỜI LẬP BIỂU", st(bold=True))
    ws.merge_range(r, 4, r, 6, "THỦ TRƯỞNG ĐƠN VỊ", st(bold=True, **CENTER))
    ws.write_string(r + 1, 1, "(Ký, ghi rõ họ tên)", st(size=10, italic=True))
    ws.merge_range(r + 1, 4, r + 1, 6, "(Ký, ghi rõ họ tên, đóng dấu)", st(size=10, italic=True, **CENTER))


def _put(ws, r: int, c: int, v, fmt) -> None:
    """A cell as a unit would have typed it: numbers as numbers, dates as dates, anything else as text."""
    if v is None or v == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v, fmt)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def _posts_sheet(ws, st: _Styles, values: dict[str, object]) -> None:
    for i, (h, w) in enumerate(zip(("STT", "Ngày đăng", "Nền tảng", "Tiêu đề", "Đường dẫn (URL)"),
                                   (6, 13, 16, 60, 60))):
        ws.write_string(0, i, h, st.head)
        ws.set_column(i, i, w)
    for k in range(POST_ROWS):
        ws.write_number(1 + k, 0, k + 1, st.number)
        for col in range(1, 5):
            _put(ws, 1 + k, col, values.get(f"{'ABCDE'[col]}{2 + k}"), st.input_day if col == 1 else st.input_text)
    ws.data_validation(f"B2:B{POST_ROWS + 1}", {
        "validate": "date", "criteria": ">", "value": date(2000, 1, 1), "ignore_blank": True,
        "error_title": "Ngày không hợp lệ", "error_message": "Nhập ngày đăng dạng ngày/tháng/năm, ví dụ 08/09/2025."})
    ws.data_validation(f"C2:C{POST_ROWS + 1}", {
        "validate": "list", "source": list(PLATFORMS), "ignore_blank": True, "error_title": "Nền tảng không hợp lệ",
        "error_message": "Chọn nền tảng trong danh sách (chọn “Khác” nếu không có)."})
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    _print_setup(ws, landscape=True)
    _protect(ws)


def _meta_sheet(ws, st: _Styles, texts: dict[str, str]) -> None:
    as_text = st(num_format="@")
    for i, key in enumerate(META_KEYS):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, texts[key], as_text)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 24)
    ws.very_hidden()
    _protect(ws)


def _print_setup(ws, landscape: bool) -> None:
    ws.set_paper(9)                       # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    fit_to_width(ws)                      # one page wide, as many tall as needed
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()


def _protect(ws) -> None:
    # Resizing rows and columns does no harm; everything else stays protected.
    ws.protect(PROTECTION_PASSWORD, {"format_columns": True, "format_rows": True})


def _texts(campaign: Campaign, unit: Unit, start: date, end: date) -> dict[str, str]:
    l1, l2 = unit_title(unit, campaign)
    return {"unit_line1": l1, "unit_line2": l2, "period": period_line(start, end),
            "template_version": TEMPLATE_VERSION, "campaign_code": campaign.code,
            "unit_code": unit.code, "period_start": start.isoformat(), "period_end": end.isoformat()}


def build_template(con: duckdb.DuckDBPyConnection, campaign_code: str, unit_code: str,
                   week_start: date) -> bytes:
    """The .xlsx template of a unit for the campaign week holding week_start (any day of the week)."""
    campaign = load_campaign(con, campaign_code)
    unit = load_unit(con, campaign_code, unit_code)
    start, end = resolve_week(campaign, week_start)
    data, _ = render(assigned_lines(con, campaign_code, unit.kind), _texts(campaign, unit, start, end))
    return data


# ---------------------------------------------------------------------------------------------
# Filled-in templates: the same writer, with the values typed in

class TemplateFiller:
    """Filled-in templates as a unit would send them back, for the demo, benchmark and tests.

    filler = TemplateFiller(con, "daklak-2025")
    data = filler.fill("24121", date(2025, 9, 8), {"ttcs_tin_bai": 12, "web_banner": 1},
                       cumulative={"ttcs_tin_bai": 40}, posts=[{...}])
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, campaign_code: str):
        self.con = con
        self.campaign = load_campaign(con, campaign_code)
        self._units: dict[str, Unit] = {r[0]: Unit(*r) for r in con.execute(
            """select unit_code, name, short_name, kind, territorial from campaign_units
               where campaign_code = ?""", [campaign_code]).fetchall()}
        self._lines: dict[str, list[Line]] = {}
        self._layouts: dict[str, Layout] = {}

    def unit(self, unit_code: str) -> Unit:
        if unit_code not in self._units:
            self._units[unit_code] = load_unit(self.con, self.campaign.code, unit_code)
        return self._units[unit_code]

    def lines(self, kind: str) -> list[Line]:
        if kind not in self._lines:
            self._lines[kind] = assigned_lines(self.con, self.campaign.code, kind)
        return self._lines[kind]

    def layout(self, kind: str) -> Layout:
        if kind not in self._layouts:
            self._layouts[kind] = render(self.lines(kind), {k: "" for k in _TEXT_KEYS})[1]
        return self._layouts[kind]

    def fill(self, unit_code: str, week_start: date, values: dict[str, object] | None = None,
             cumulative: dict[str, float] | None = None, posts: list[dict] | None = None,
             notes: dict[str, str] | None = None, texts: dict[str, str] | None = None,
             check_week: bool = True) -> bytes:
        """The template of unit for the week of week_start, with values (code → number; flags 1/0
        or "có"/"không"; a string is written as typed), cumulative (code → number), posts (dicts
        with posted_on, platform, title, url) and notes (code → text) filled in. texts overrides
        title/meta texts (e.g. a copied file that kept another unit's _meta)."""
        unit = self.unit(unit_code)
        if check_week:
            start, end = resolve_week(self.campaign, week_start)
        else:
            start, end = self.campaign.week_of(week_start)
        t = _texts(self.campaign, unit, start, end)
        t.update(texts or {})
        layout = self.layout(unit.kind)
        fill = Fill(_report_cells(layout, values, cumulative, notes), _post_cells(layout, posts))
        return render(self.lines(unit.kind), t, fill)[0]

    def filename(self, unit_code: str, week_start: date) -> str:
        return template_filename(self.campaign.code, unit_code, self.campaign.week_of(week_start)[0])


_TEXT_KEYS = ("unit_line1", "unit_line2", "period") + META_KEYS


def _report_cells(layout: Layout, values, cumulative, notes) -> dict[str, object]:
    report: dict[str, object] = {}
    flags = {line.code for line in layout.lines if line.is_flag}
    for code, v in (values or {}).items():
        if code not in layout.rows or v is None:
            continue
        if code in flags and not isinstance(v, str):
            v = "có" if v else "không"
        report[layout.value_cell(code)] = v
    for code, v in (cumulative or {}).items():
        if code in layout.rows and code not in flags and v is not None:
            report[layout.cumulative_cell(code)] = v
    for code, v in (notes or {}).items():
        if code in layout.rows and v:
            report[f"G{layout.rows[code]}"] = v
    return report


def _post_cells(layout: Layout, posts) -> dict[str, object]:
    cells: dict[str, object] = {}
    for k, p in enumerate((posts or [])[:POST_ROWS]):
        rr = layout.first_post_row + k
        d = p.get("posted_on")
        if isinstance(d, datetime):
            d = d.date()
        if isinstance(d, date):
            cells[f"B{rr}"] = (d - _EXCEL_EPOCH).days      # a date cell: the serial number, dd/mm/yyyy
        elif d:
            cells[f"B{rr}"] = str(d)
        for col, key in (("C", "platform"), ("D", "title"), ("E", "url")):
            if p.get(key):
                cells[f"{col}{rr}"] = str(p[key])
    return cells
