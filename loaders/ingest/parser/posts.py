"""Post lists ("Tin bài": date, platform, title, URL): read, URLs normalised, assigned to a week."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from loaders.common.text import clean
from loaders.ingest import values as vals
from loaders.ingest.parser.layout import Table
from loaders.ingest.parser.model import Post
from loaders.ingest.parser.text import _STOP, _dmy, _fold
from loaders.ingest.reader import Sheet, cell_ref

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


class PostsMixin:
    """ReportParser's post-list part."""

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
