"""Growth benchmark (not a test): reading time per cell must stay flat as files grow.

    .venv/bin/python bench/bench_growth.py [--sizes 1000,10000,50000,200000] [--whole]

For each kind of cell — numbers, shared strings, error values (filled-down formulas saved as #DIV/0!,
the case that was once quadratic), formulas with saved values, formulas saved without a value
(computed by loaders/ingest/formulas.py), merged cells, comments — it builds a real .xlsx of
1k → 200k such cells in memory (beside nothing else) and times loaders.ingest.reader.read_workbook
on it (best of 3, CPU time of this process, which a busy shared machine disturbs less than the wall
clock). It prints µs per cell for every size and, per kind, the ratio of the largest size's time per
cell to the 10k one's: flat means that ratio stays near 1 (target ≤ 2; 1k files are dominated by
fixed costs and not used for the ratio). --whole also times the whole check
(pipeline.check_bytes: reading, parsing, matching, validation; no writes) on a ready database.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders.ingest import reader  # noqa: E402
from loaders.ingest.reader import col_letter  # noqa: E402

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
OFF = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WIDTH = 10


def package(sheet_xml: str, shared: list[str] | None = None, comments: str | None = None) -> bytes:
    """A real minimal .xlsx: one sheet, optional shared strings and comments parts."""
    ct = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/>',
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.worksheet+xml"/>']
    rels = [f'<Relationship Id="rId1" Type="{OFF}/worksheet" Target="worksheets/sheet1.xml"/>']
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if shared is not None:
            ct.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sharedStrings+xml"/>')
            rels.append(f'<Relationship Id="rId2" Type="{OFF}/sharedStrings" Target="sharedStrings.xml"/>')
            items = "".join(f"<si><t>{t}</t></si>" for t in shared)
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS} count="{len(shared)}" '
                                               f'uniqueCount="{len(shared)}">{items}</sst>')
        if comments is not None:
            ct.append('<Override PartName="/xl/comments1.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.comments+xml"/>')
            z.writestr("xl/comments1.xml", comments)
            z.writestr("xl/worksheets/_rels/sheet1.xml.rels",
                       f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                       f'Type="{OFF}/comments" Target="../comments1.xml"/></Relationships>')
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>' + "".join(ct) + "</Types>")
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                  f'Type="{OFF}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS} {RNS}><sheets><sheet name="S1" '
                                      'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
                                                 + "".join(rels) + "</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buf.getvalue()


def _sheet(cell, n: int, tail: str = "") -> str:
    rows = []
    for r in range(1, n // WIDTH + 1):
        rows.append(f'<row r="{r}">' + "".join(cell(r, c) for c in range(WIDTH)) + "</row>")
    return f'<?xml version="1.0"?><worksheet {NS}><sheetData>{"".join(rows)}</sheetData>{tail}</worksheet>'


def build(kind: str, n: int) -> bytes:
    ref = lambda r, c: f"{col_letter(c)}{r}"  # noqa: E731
    if kind == "numbers":
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}"><v>{r * c}</v></c>', n))
    if kind == "shared strings":
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}" t="s"><v>{(r - 1) * WIDTH + c}</v></c>', n),
                       shared=[f"Chuỗi số {i}" for i in range(n)])
    if kind == "error values":
        def cell(r, c):
            f = '<f t="shared" ref="A1:J999999" si="0">1/0</f>' if r == c == 1 else '<f t="shared" si="0"/>'
            return f'<c r="{ref(r, c)}" t="e">{f}<v>#DIV/0!</v></c>'
        return package(_sheet(cell, n))
    if kind == "formulas":
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}"><f>{c}+{r}</f><v>{c + r}</v></c>', n))
    if kind == "formulas, no value":
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}"><f>{c}+{r}*2</f></c>', n))
    if kind == "merged cells":
        merges = "".join(f'<mergeCell ref="{ref(r, c)}:{ref(r, c + 1)}"/>'
                         for r in range(1, n // WIDTH + 1) for c in range(0, WIDTH, 2))
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}"><v>{r}</v></c>' if c % 2 == 0 else "", n,
                              tail=f'<mergeCells count="{n // 2}">{merges}</mergeCells>'))
    if kind == "comments":
        notes = "".join(f'<comment ref="{ref(r, c)}" authorId="0"><text><t>Ghi chú {r}-{c}</t></text></comment>'
                        for r in range(1, n // WIDTH + 1) for c in range(WIDTH))
        xml = (f'<?xml version="1.0"?><comments {NS}><authors><author>A</author></authors>'
               f'<commentList>{notes}</commentList></comments>')
        return package(_sheet(lambda r, c: f'<c r="{ref(r, c)}"><v>1</v></c>', n), comments=xml)
    raise ValueError(kind)


KINDS = ["numbers", "shared strings", "error values", "formulas", "formulas, no value", "merged cells",
         "comments"]


def _best(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,50000,200000")
    ap.add_argument("--whole", action="store_true", help="also time pipeline.check_bytes (read + parse + checks)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    check = None
    if args.whole:
        from loaders import setup as bootstrap
        from loaders.ingest import pipeline
        from loaders.store import db

        tmp = tempfile.mkdtemp()
        con = db.connect(Path(tmp) / "ready.duckdb")
        bootstrap.ensure_ready(con)

        def check(data):
            ing = pipeline.Ingestor(con, "daklak-2025", "bench", budget_s=600)
            return ing.check(data, "growth.xlsx")
    print(f"{'kind':<20}" + "".join(f"{n:>11,}".replace(",", ".") for n in sizes) + "   µs/cell; ratio largest/10k")
    worst = 0.0
    for kind in KINDS:
        per = []
        whole = []
        for n in sizes:
            data = build(kind, n)
            per.append(_best(lambda: reader.read_workbook(data, reader.limits.Deadline(600))) / n * 1e6)
            if check:
                whole.append(_best(lambda: check(data), 1) / n * 1e6)
        base = per[sizes.index(10000)] if 10000 in sizes else per[0]
        ratio = per[-1] / base
        worst = max(worst, ratio)
        print(f"{kind:<20}" + "".join(f"{p:11.2f}" for p in per) + f"   {ratio:.2f}")
        if whole:
            base = whole[sizes.index(10000)] if 10000 in sizes else whole[0]
            print(f"{'  whole check':<20}" + "".join(f"{p:11.2f}" for p in whole) + f"   {whole[-1] / base:.2f}")
    print(f"worst ratio {worst:.2f} (target ≤ 2: flat per cell); load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
