"""Where the tables of a sheet are: header rows found by their words, column roles, table kinds."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from loaders.ingest.match_indicators import norm_words
from loaders.ingest.parser.text import Texts, _fold
from loaders.ingest.reader import Sheet

HEADER_SCAN_ROWS = 60

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
