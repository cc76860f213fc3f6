"""Layout of the briefing (loaders/outputs/briefing.py) as a .docx, after Nghị định 30/2020/NĐ-CP.

Only layout: what to write comes in a `Briefing` (campaign row, as-of day, period, sections of
paragraphs, tables and chart images). Charts are drawn here with matplotlib (Agg, no display).
Table rows are written as one XML text per table: python-docx's cell API and OxmlElement parse a
string for every element, which made the lagging list of a large province take a second.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# A4 and the margins of NĐ 30 (top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}


# ---------------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------------

def bar_chart(labels: list[str], values: list[float], title: str, percent_axis: bool = False) -> bytes:
    """A horizontal bar chart with its values written at the bars, as PNG (16 cm wide at 130 dpi)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    height = 0.9 + 0.36 * max(len(labels), 1)
    fig, ax = plt.subplots(figsize=(6.3, height), dpi=130)
    # fixed margins: tight_layout measures every text and took half of a chart's time
    fig.subplots_adjust(left=0.40, right=0.95, top=1 - 0.45 / height, bottom=0.35 / height)
    try:
        bars = ax.barh([_wrap(s) for s in labels], values, color="#1565c0")
        top = max([v for v in values if v == v] + [1])
        ax.set_xlim(0, 105 if percent_axis else top * 1.18)
        for bar, v in zip(bars, values):
            text = f"{v:.0f}%" if percent_axis else f"{v:,.0f}".replace(",", ".")
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _wrap(label: str, width: int = 34) -> str:
    if len(label) <= width:
        return label
    cut = label.rfind(" ", 0, width)
    return label[:cut] + "\n" + _wrap(label[cut + 1:], width) if cut > 0 else label


# ---------------------------------------------------------------------------------------------------
# Document
# ---------------------------------------------------------------------------------------------------

def _set_font(style_or_run, size: float | None = None, bold: bool | None = None) -> None:
    font = style_or_run.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _new_document():
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    _set_font(doc.styles["Normal"], BODY_PT)
    pf = doc.styles["Normal"].paragraph_format
    pf.space_after, pf.space_before, pf.line_spacing = Pt(6), Pt(0), 1.1
    for name in ("Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        _set_font(style, BODY_PT, True)
        style.font.color.rgb = None
        style.font.italic = False
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(6), Pt(6)
    return doc


def _para(container, text: str = "", size: float = BODY_PT, bold: bool = False, italic: bool = False,
          align=None, underline: bool = False):
    """A paragraph of one run. Aligned ones (title block, signature) sit close together: no space after."""
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
        p.paragraph_format.space_after = Pt(0)
    if text:
        run = p.add_run(text)
        run.font.size, run.font.bold, run.font.italic, run.font.underline = Pt(size), bold, italic, underline
    return p


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _issuer_lines(campaign: dict) -> tuple[str | None, str]:
    """(governing body, issuing body) in capitals: "Sở … tỉnh X" → ("UBND TỈNH X", "SỞ …")."""
    issuer = str(campaign.get("issuer") or "").strip()
    province = str(campaign.get("province_name") or "").strip()
    if issuer.lower().startswith("sở ") and " tỉnh " in issuer:
        head, _, prov = issuer.rpartition(" tỉnh ")
        return f"UBND TỈNH {prov.upper()}", head.upper()
    return (None, issuer.upper()) if issuer else (None, f"TỈNH {province.upper()}")


def _header(doc, briefing) -> None:
    """Issuing body | Quốc hiệu – Tiêu ngữ, number and symbol, place and date (NĐ 30, Phụ lục I)."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.8), Cm(9.7)
    parent, issuer = _issuer_lines(briefing.campaign)
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if parent:
        left.paragraphs[0].add_run(parent).font.size = Pt(13)
        _para(left, issuer, 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, underline=True)
    else:
        r = left.paragraphs[0].add_run(issuer)
        r.font.size, r.font.bold, r.font.underline = Pt(13), True, True
    _para(left, "Số:        /BC-", 13, align=WD_ALIGN_PARAGRAPH.CENTER)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.font.size, r.font.bold = Pt(12), True
    _para(right, "Độc lập - Tự do - Hạnh phúc", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, underline=True)
    d = briefing.as_of
    place = str(briefing.campaign.get("province_name") or "")
    _para(right, f"{place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", 14, italic=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)


def _title(doc, briefing) -> None:
    c, p = briefing.campaign, briefing.period
    _para(doc, "")
    _para(doc, "BÁO CÁO", BODY_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    what = f"tuần từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y}" if p.kind == "week" else \
        f"{p.phase_name} (từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y})"
    _para(doc, f"Kết quả công tác thông tin, tuyên truyền {what}", BODY_PT, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"(số liệu tính đến hết ngày {briefing.as_of:%d/%m/%Y})", 13, italic=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    doc_ref = ""
    if c.get("doc_number") and str(c["doc_number"]) != "nan":
        doc_ref = f" số {c['doc_number']}"
    intro = (f"Thực hiện {c.get('title', '')}{doc_ref}, {c.get('issuer', '')} báo cáo kết quả thực hiện "
             f"{'tuần' if p.kind == 'week' else p.phase_name} như sau:")
    q = _para(doc, intro)
    q.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    q.paragraph_format.first_line_indent = Cm(1)


def _cell_xml(text: str, width_twips: int, bold: bool) -> str:
    """One table cell: its width, one paragraph per line of text, in the table's size."""
    rpr = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{2 * TABLE_PT}"/></w:rPr>'
    paras = "".join(
        '<w:p><w:pPr><w:spacing w:before="20" w:after="20"/></w:pPr>'
        + (f'<w:r>{rpr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>' if line else "") + "</w:p>"
        for line in (text.split("\n") if text else [""]))
    return f'<w:tc><w:tcPr><w:tcW w:w="{width_twips}" w:type="dxa"/></w:tcPr>{paras}</w:tc>'


def _table(doc, table) -> None:
    """A bordered table; the header row bold and repeated on every printed page. The rows are
    written as one XML text and parsed once (python-docx builds each element from a parsed string)."""
    t = doc.add_table(rows=0, cols=len(table.header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [int(w / 2.54 * 1440) for w in table.widths_cm]
    for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(w))
    rows = []
    for i, row in enumerate([table.header] + table.rows):
        head = "<w:trPr><w:tblHeader/></w:trPr>" if i == 0 else ""
        rows.append(f"<w:tr>{head}{''.join(_cell_xml(str(x), w, i == 0) for x, w in zip(row, widths))}</w:tr>")
    for tr in parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>"):
        t._tbl.append(tr)
    _para(doc, "").paragraph_format.space_after = Pt(0)


def _signature(doc) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    r = left.paragraphs[0].add_run("Nơi nhận:")
    r.font.size, r.font.bold, r.font.italic = Pt(12), True, True
    for line in ("- ……………;", "- Lưu: VT."):
        _para(left, line, 11)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = right.paragraphs[0].add_run("THỦ TRƯỞNG CƠ QUAN")
    r.font.size, r.font.bold = Pt(14), True
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", 13, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def render(briefing) -> bytes:
    """The .docx of a Briefing."""
    doc = _new_document()
    _header(doc, briefing)
    _title(doc, briefing)
    for number, section in zip(ROMAN, briefing.sections):
        doc.add_paragraph(f"{number}. {section.heading.upper()}", style="Heading 1")
        for kind, value in section.blocks:
            if kind == "p":
                p = doc.add_paragraph(value)
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                p.paragraph_format.first_line_indent = Cm(1)
            elif kind == "h":
                doc.add_paragraph(value, style="Heading 2")
            elif kind == "table":
                _table(doc, value)
            elif kind == "chart":
                doc.add_picture(io.BytesIO(value), width=Cm(15.5))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _signature(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
