"""The weekly report template the product issues, per campaign, unit and week (openpyxl).

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

`TemplateFiller` renders the workbook once per unit kind and patches unit, week and values into the
package XML: the demo and the benchmark write thousands of filled-in templates that way in seconds.

CLI: python -m loaders template --campaign CODE --unit CODE --week YYYY-MM-DD [--out FILE]
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

import duckdb

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


def render(lines: list[Line], texts: dict[str, str]) -> tuple[bytes, Layout]:
    """The template workbook. texts: unit_line1, unit_line2, period, and the _meta values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    font = lambda **kw: Font(name="Times New Roman", size=kw.pop("size", 12), **kw)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)
    input_fill = PatternFill("solid", fgColor="FFF2CC")
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    section_fill = PatternFill("solid", fgColor="EDEDED")
    closed_fill = PatternFill("solid", fgColor="F2F2F2")
    unlocked = Protection(locked=False)

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_REPORT
    layout = Layout(lines)

    def merged(rng: str, value: str, f: Font, align: Alignment = center) -> None:
        ws.merge_cells(rng)
        c = ws[rng.split(":")[0]]
        c.value, c.font, c.alignment = value, f, align

    merged("A1:C1", texts["unit_line1"], font())
    merged("A2:C2", texts["unit_line2"], font(bold=True))
    merged("D1:G1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font(bold=True))
    merged("D2:G2", "Độc lập - Tự do - Hạnh phúc", font(bold=True, underline="single"))
    merged("A4:G4", "BÁO CÁO KẾT QUẢ CÔNG TÁC TUYÊN TRUYỀN", font(bold=True, size=14))
    merged("A5:G5", texts["period"], font(italic=True))
    merged("A6:G6", "Hướng dẫn: chỉ nhập vào các ô nền vàng. Số lượng là số không âm (để trống hoặc 0 nếu "
                    "không có); chỉ tiêu có/không chọn trong danh sách. Danh sách tin, bài đã đăng nhập ở "
                    f"trang “{SHEET_POSTS}”. Không sửa cột Mã chỉ tiêu.",
           font(italic=True, size=10), wrap)
    ws.row_dimensions[6].height = 30

    for i, (title, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        c = ws.cell(row=HEADER_ROW, column=i, value=title)
        c.font, c.alignment, c.fill, c.border = font(bold=True), center, header_fill, box
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[HEADER_ROW].height = 32

    number_dv = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="Số liệu không hợp lệ",
        error="Ô này chỉ nhận số không âm (ví dụ: 0, 5, 1200). Không nhập chữ, dấu trừ hay đơn vị tính.",
        showInputMessage=True, promptTitle="Số lượng", prompt="Nhập số (không âm).")
    flag_dv = DataValidation(
        type="list", formula1='"có,không"', allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle="Giá trị không hợp lệ", error="Chọn “có” hoặc “không” trong danh sách.",
        showInputMessage=True, promptTitle="Có/không", prompt="Chọn có hoặc không.")
    ws.add_data_validation(number_dv)
    ws.add_data_validation(flag_dv)

    r = HEADER_ROW + 1
    for line in lines:
        if line.section:
            ws.cell(row=r, column=1, value=line.label)
            ws.cell(row=r, column=3, value=line.name)
            for col in range(1, 8):
                c = ws.cell(row=r, column=col)
                c.font, c.fill, c.border = font(bold=True), section_fill, box
                c.alignment = center if col == 1 else wrap
        else:
            layout.rows[line.code] = r
            vals = (int(line.label), line.code, line.name, line.uom)
            for col, v in enumerate(vals, start=1):
                c = ws.cell(row=r, column=col, value=v)
                c.font, c.border = font(size=11 if col == 2 else 12), box
                c.alignment = wrap if col == 3 else center
            for col in (5, 6, 7):
                c = ws.cell(row=r, column=col)
                c.font, c.border = font(), box
                c.alignment = wrap if col == 7 else center
                if col == 6 and line.is_flag:
                    c.fill = closed_fill        # no cumulative for a yes/no indicator: stays locked
                    continue
                c.fill, c.protection = input_fill, unlocked
            (flag_dv if line.is_flag else number_dv).add(f"E{r}")
            if not line.is_flag:
                number_dv.add(f"F{r}")
        r += 1

    r += 1
    ws.cell(row=r, column=2, value="NGƯỜI LẬP BIỂU").font = font(bold=True)
    ws.merge_cells(start_row=r, start_column=5, end_row=r, end_column=7)
    ws.cell(row=r, column=5, value="THỦ TRƯỞNG ĐƠN VỊ").font = font(bold=True)
    ws.cell(row=r, column=5).alignment = center
    ws.cell(row=r + 1, column=2, value="(Ký, ghi rõ họ tên)").font = font(italic=True, size=10)
    ws.merge_cells(start_row=r + 1, start_column=5, end_row=r + 1, end_column=7)
    ws.cell(row=r + 1, column=5, value="(Ký, ghi rõ họ tên, đóng dấu)").font = font(italic=True, size=10)
    ws.cell(row=r + 1, column=5).alignment = center

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_setup(ws, landscape=False)
    _protect(ws)

    # Tin bài
    wp = wb.create_sheet(SHEET_POSTS)
    heads = ("STT", "Ngày đăng", "Nền tảng", "Tiêu đề", "Đường dẫn (URL)")
    for i, (h, w) in enumerate(zip(heads, (6, 13, 16, 60, 60)), start=1):
        c = wp.cell(row=1, column=i, value=h)
        c.font, c.alignment, c.fill, c.border = font(bold=True), center, header_fill, box
        wp.column_dimensions[get_column_letter(i)].width = w
    date_dv = DataValidation(
        type="date", operator="greaterThan", formula1="36526", allow_blank=True, showErrorMessage=True,
        errorTitle="Ngày không hợp lệ", error="Nhập ngày đăng dạng ngày/tháng/năm, ví dụ 08/09/2025.")
    platform_dv = DataValidation(
        type="list", formula1='"' + ",".join(PLATFORMS) + '"', allow_blank=True, showErrorMessage=True,
        errorTitle="Nền tảng không hợp lệ", error="Chọn nền tảng trong danh sách (chọn “Khác” nếu không có).")
    wp.add_data_validation(date_dv)
    wp.add_data_validation(platform_dv)
    for k in range(POST_ROWS):
        rr = 2 + k
        c = wp.cell(row=rr, column=1, value=k + 1)
        c.font, c.alignment, c.border = font(), center, box
        for col in range(2, 6):
            c = wp.cell(row=rr, column=col)
            c.font, c.border, c.fill, c.protection = font(), box, input_fill, unlocked
            if col == 2:
                c.number_format = "dd/mm/yyyy"
                c.alignment = center
    date_dv.add(f"B2:B{POST_ROWS + 1}")
    platform_dv.add(f"C2:C{POST_ROWS + 1}")
    wp.freeze_panes = "A2"
    wp.print_title_rows = "1:1"
    _print_setup(wp, landscape=True)
    _protect(wp)

    # _meta
    wm = wb.create_sheet(SHEET_META)
    for i, key in enumerate(META_KEYS, start=1):
        wm.cell(row=i, column=1, value=key)
        c = wm.cell(row=i, column=2, value=texts[key])
        c.number_format = "@"
    wm.column_dimensions["A"].width = 18
    wm.column_dimensions["B"].width = 24
    wm.sheet_state = "veryHidden"
    _protect(wm)

    wb.active = 0
    wb.security = WorkbookProtection(workbookPassword=PROTECTION_PASSWORD, lockStructure=True)
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic(buf.getvalue()), layout


def _print_setup(ws, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True


def _protect(ws) -> None:
    p = ws.protection
    p.sheet = True
    p.password = PROTECTION_PASSWORD
    # Resizing rows and columns does no harm; everything else stays protected.
    p.formatColumns = False
    p.formatRows = False


def _deterministic(data: bytes) -> bytes:
    from loaders.demo.office_formats import fixed_core_dates, rezip

    return rezip(data, {"docProps/core.xml": fixed_core_dates})


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
# Filled-in templates, fast: render once per unit kind, patch the package XML per file

_PLACEHOLDERS = {k: f"__CM_{k.upper()}__" for k in
                 ("unit_line1", "unit_line2", "period") + META_KEYS}
# An empty cell of the skeleton, written <c …/> or <c …></c> depending on the openpyxl version (the
# second form went unmatched: every filled template, the demo's included, was stored with 0s).
_EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")?[^>]*?(?:/>|></c>)')
_EXCEL_EPOCH = date(1899, 12, 30)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


class TemplateFiller:
    """Filled-in templates as a unit would send them back, for the demo, benchmark and tests.

    filler = TemplateFiller(con, "daklak-2025")
    data = filler.fill("24121", date(2025, 9, 8), {"ttcs_tin_bai": 12, "web_banner": 1},
                       cumulative={"ttcs_tin_bai": 40}, posts=[{...}])
    """

    SHEETS = {SHEET_REPORT: "xl/worksheets/sheet1.xml", SHEET_POSTS: "xl/worksheets/sheet2.xml",
              SHEET_META: "xl/worksheets/sheet3.xml"}

    def __init__(self, con: duckdb.DuckDBPyConnection, campaign_code: str, compresslevel: int = 1):
        self.con = con
        self.campaign = load_campaign(con, campaign_code)
        self.level = compresslevel
        self._units: dict[str, Unit] = {r[0]: Unit(*r) for r in con.execute(
            """select unit_code, name, short_name, kind, territorial from campaign_units
               where campaign_code = ?""", [campaign_code]).fetchall()}
        self._kinds: dict[str, tuple[list[tuple[zipfile.ZipInfo, bytes]], Layout]] = {}

    def unit(self, unit_code: str) -> Unit:
        if unit_code not in self._units:
            self._units[unit_code] = load_unit(self.con, self.campaign.code, unit_code)
        return self._units[unit_code]

    def layout(self, kind: str) -> Layout:
        return self._skeleton(kind)[1]

    def _skeleton(self, kind: str):
        if kind not in self._kinds:
            lines = assigned_lines(self.con, self.campaign.code, kind)
            data, layout = render(lines, dict(_PLACEHOLDERS))
            z = zipfile.ZipFile(io.BytesIO(data))
            members = [(i, z.read(i.filename)) for i in z.infolist()]
            self._kinds[kind] = (members, layout)
        return self._kinds[kind]

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
        members, layout = self._skeleton(unit.kind)

        report: dict[str, str] = {}
        flags = {l.code for l in layout.lines if l.is_flag}
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
        post_cells: dict[str, object] = {}
        for k, p in enumerate((posts or [])[:POST_ROWS]):
            rr = layout.first_post_row + k
            d = p.get("posted_on")
            if isinstance(d, datetime):
                d = d.date()
            if isinstance(d, date):
                post_cells[f"B{rr}"] = (d - _EXCEL_EPOCH).days
            elif d:
                post_cells[f"B{rr}"] = str(d)
            for col, key in (("C", "platform"), ("D", "title"), ("E", "url")):
                if p.get(key):
                    post_cells[f"{col}{rr}"] = str(p[key])

        repl = {_PLACEHOLDERS[k]: escape(v) for k, v in t.items() if k in _PLACEHOLDERS}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for info, body in members:
                if info.filename == self.SHEETS[SHEET_REPORT]:
                    body = _patch(body, repl, report)
                elif info.filename == self.SHEETS[SHEET_POSTS]:
                    body = _patch(body, repl, post_cells) if post_cells else body
                elif info.filename == self.SHEETS[SHEET_META]:
                    body = _patch(body, repl, {})
                z.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=self.level)
        return out.getvalue()

    def filename(self, unit_code: str, week_start: date) -> str:
        return template_filename(self.campaign.code, unit_code, self.campaign.week_of(week_start)[0])


def _patch(body: bytes, repl: dict[str, str], cells: dict[str, object]) -> bytes:
    s = body.decode("utf-8")
    for k, v in repl.items():
        if k in s:
            s = s.replace(k, v)
    if cells:
        def fill(m: re.Match) -> str:
            ref = m.group(1)
            if ref not in cells:
                return m.group(0)
            v, style = cells[ref], m.group(2) or ""
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return f'<c r="{ref}"{style}><v>{_num(v)}</v></c>'
            return f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        s = _EMPTY_CELL.sub(fill, s)
    return s.encode("utf-8")
