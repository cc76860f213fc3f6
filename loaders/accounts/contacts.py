"""Contacts of reporting units and reminders to the units whose weekly report is missing.

Contacts (person, phone, e-mail, Zalo) per unit of a campaign come from an Excel list an admin
imports (`read_contact_list` + `import_contacts`) or from the Cài đặt page (`update_contact`). Every
value is checked; a refused list changes nothing and every problem names the file, the sheet and the
cell. Each changed unit is one audit_log row (contacts.import / contacts.edit, with before and after).

Reminders: `reminder_rows` lists, for the latest week whose deadline has passed, the units without
a report (the submissions grid), with their contact and a ready Vietnamese message. `send_reminders`
e-mails them through the SMTP server of the configuration (CM_SMTP_*): a unit is first reserved in
`reminders` (its key: campaign, unit, week) so it is never reminded twice for the same week, even
by two senders at once; the message is then sent and audited (reminder.email), or the reservation
is released and the failure audited (reminder.failed).
"""
from __future__ import annotations

import json
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import duckdb
import pandas as pd

from loaders.common.text import clean, fold
from loaders.store.db import audit, transaction

FIELDS = {"person": "Người liên hệ", "phone": "Điện thoại", "email": "Email", "zalo": "Zalo"}
# Header texts of a contact list (folded) → field; the unit is named by its code or its name.
HEADERS = {
    "ma don vi": "unit_code", "ma": "unit_code", "ma xa": "unit_code",
    "ten don vi": "unit_name", "don vi": "unit_name", "xa, phuong": "unit_name", "ten xa, phuong": "unit_name",
    "nguoi lien he": "person", "ho va ten": "person", "ho ten": "person", "can bo phu trach": "person",
    "dien thoai": "phone", "so dien thoai": "phone", "sdt": "phone", "dt": "phone",
    "email": "email", "e-mail": "email", "thu dien tu": "email", "zalo": "zalo",
}
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^0\d{9,10}$")
MAX_TEXT = 120


class ContactError(ValueError):
    """A contact or a list refused; `problems` holds one Vietnamese message per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------------
# Checking values
# ---------------------------------------------------------------------------------------------------

def _text(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return clean(v)


def normalize_phone(v) -> str:
    """"0912 345 678", "+84 912.345.678", 912345678 (a number cell lost its 0) → "0912345678"."""
    s = re.sub(r"[\s.\-()]", "", _text(v))
    if s.startswith("+84"):
        s = "0" + s[3:]
    elif s.startswith("84") and len(s) in (11, 12):
        s = "0" + s[2:]
    elif s.isdigit() and len(s) in (9, 10) and not s.startswith("0"):
        s = "0" + s
    return s


def check_contact(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """(normalized values, [(field, problem)]) for person, phone, email, zalo."""
    out, problems = {}, []
    for key in FIELDS:
        v = _text(values.get(key))
        if len(v) > MAX_TEXT:
            problems.append((key, f"{FIELDS[key]} dài quá {MAX_TEXT} ký tự"))
            continue
        if key == "phone" and v:
            v = normalize_phone(v)
            if not _PHONE.match(v):
                problems.append((key, f"số điện thoại “{_text(values.get(key))}” không hợp lệ (cần 10 hoặc 11 "
                                      "chữ số, bắt đầu bằng 0 hoặc +84)"))
        elif key == "email" and v:
            v = v.lower()
            if not _EMAIL.match(v):
                problems.append((key, f"địa chỉ email “{_text(values.get(key))}” không hợp lệ"))
        elif key == "zalo" and v and re.fullmatch(r"[\d\s.+\-()]+", v):
            v = normalize_phone(v)          # a Zalo number is a phone number
            if not _PHONE.match(v):
                problems.append((key, f"số Zalo “{_text(values.get(key))}” không hợp lệ"))
        out[key] = v or None
    return out, problems


# ---------------------------------------------------------------------------------------------------
# The Excel list
# ---------------------------------------------------------------------------------------------------

def _header_row(sheet) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first 15) naming the unit and at least one contact column."""
    for r in range(min(sheet.height, 15)):
        cols = {}
        for c in range(sheet.width):
            field = HEADERS.get(fold(sheet.value(r, c)).rstrip(":").strip())
            if field and field not in cols:
                cols[field] = c
        if ("unit_code" in cols or "unit_name" in cols) and set(cols) & set(FIELDS):
            return r, cols
    return None


def read_contact_list(data: bytes, file_name: str, units: pd.DataFrame) -> list[dict]:
    """The rows of a contact list (.xlsx, .xls, .ods), checked against the campaign's units
    (unit_contacts or reporting_units: unit_code, unit_name). Raises ContactError naming each cell."""
    from loaders.ingest.reader import ReadError, cell_ref, read_workbook

    try:
        book = read_workbook(data)
    except ReadError as e:
        raise ContactError([f"Tệp {file_name}: {e}"]) from e
    found = next(((s, h) for s in book.data_sheets if (h := _header_row(s))), None)
    if found is None:
        raise ContactError([f"Tệp {file_name}: không tìm thấy dòng tiêu đề có cột “Mã đơn vị” (hoặc “Tên đơn vị”) "
                            "và ít nhất một cột “Người liên hệ”, “Điện thoại”, “Email”, “Zalo”."])
    sheet, (head, cols) = found
    by_code = dict(zip(units["unit_code"].astype(str), units["unit_name"]))
    by_name: dict[str, list[str]] = {}
    for code, name in by_code.items():
        by_name.setdefault(fold(name), []).append(code)
    rows, problems, seen = [], [], {}
    where = lambda r, key: f"Tệp {file_name}, trang “{sheet.name}”, ô {cell_ref(r, cols[key])}"  # noqa: E731
    for r in range(head + 1, sheet.height):
        raw = {k: sheet.value(r, c) for k, c in cols.items()}
        if not any(_text(v) for v in raw.values()):
            continue
        code, key = _text(raw.get("unit_code")), "unit_code"
        if code and code not in by_code:
            problems.append(f"{where(r, key)}: mã đơn vị “{code}” không thuộc kế hoạch.")
            continue
        if not code:
            key = "unit_name"
            hits = by_name.get(fold(raw.get("unit_name")), [])
            if len(hits) != 1:
                problems.append(f"{where(r, key)}: không xác định được đơn vị “{_text(raw.get('unit_name'))}”"
                                + (" (trùng tên nhiều đơn vị, hãy ghi mã đơn vị)." if hits else "."))
                continue
            code = hits[0]
        if code in seen:
            problems.append(f"{where(r, key)}: đơn vị {by_code[code]} đã có ở dòng {seen[code] + 1}.")
            continue
        seen[code] = r
        values, bad = check_contact(raw)
        problems += [f"{where(r, field)}: {problem}." for field, problem in bad]
        rows.append({"unit_code": code, **{k: values[k] for k in FIELDS if k in cols}})
    if problems:
        raise ContactError(problems)
    if not rows:
        raise ContactError([f"Tệp {file_name}, trang “{sheet.name}”: không có dòng liên hệ nào dưới dòng tiêu đề."])
    return rows


# ---------------------------------------------------------------------------------------------------
# Writing contacts
# ---------------------------------------------------------------------------------------------------

def _current(con, campaign: str) -> dict[str, dict]:
    rows = con.execute("select unit_code, person, phone, email, zalo from unit_contacts where campaign_code = ?",
                       [campaign]).fetchall()
    return {r[0]: dict(zip(FIELDS, r[1:])) for r in rows}


def _write(con, campaign: str, changes: list[dict], actor: str, action: str) -> int:
    """Upsert the given contacts (unit_code + any of FIELDS); audit each changed unit. One transaction."""
    now = datetime.now()
    before_all = _current(con, campaign)
    changed = 0
    with transaction(con):
        for row in changes:
            code = row["unit_code"]
            before = before_all.get(code, dict.fromkeys(FIELDS))
            after = {k: row.get(k, before[k]) for k in FIELDS}
            if after == before:
                continue
            con.execute("delete from unit_contacts where campaign_code = ? and unit_code = ?", [campaign, code])
            con.execute("insert into unit_contacts values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [campaign, code, after["person"], after["phone"], after["email"], after["zalo"], now, actor])
            diff = {k: {"before": before[k], "after": after[k]} for k in FIELDS if before[k] != after[k]}
            audit(con, actor, action, f"{campaign}/{code}", json.dumps(diff, ensure_ascii=False))
            changed += 1
    return changed


def _require_admin(user) -> None:
    if user is not None and not user.is_admin:
        raise ContactError(["Chỉ tài khoản quản trị được sửa danh bạ và gửi nhắc nhở."])


def import_contacts(con: duckdb.DuckDBPyConnection, campaign: str, rows: list[dict], user) -> int:
    """Store the rows of a checked list; returns how many units changed."""
    _require_admin(user)
    return _write(con, campaign, rows, user.username, "contacts.import")


def update_contact(con: duckdb.DuckDBPyConnection, campaign: str, unit_code: str, values: dict, user) -> bool:
    """One unit's contact from the settings page; ContactError names the field."""
    _require_admin(user)
    known = con.execute("select count(*) from campaign_units where campaign_code = ? and unit_code = ?",
                        [campaign, unit_code]).fetchone()[0]
    if not known:
        raise ContactError([f"Đơn vị {unit_code} không thuộc kế hoạch {campaign}."])
    clean_values, problems = check_contact(values)
    if problems:
        raise ContactError([p[:1].upper() + p[1:] + "." for _, p in problems])
    return _write(con, campaign, [{"unit_code": unit_code, **clean_values}], user.username, "contacts.edit") > 0


# ---------------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------------

REMINDER_COLUMNS = ["unit_code", "unit_name", "kind_name", "territorial", "week_start", "week_label", "deadline",
                    "person", "phone", "email", "zalo", "reminded", "reminded_at", "subject", "message"]


def _dmy(d) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")


def reminder_message(campaign: dict, unit_name: str, person, week_label: str, week_start, deadline,
                     as_of) -> tuple[str, str]:
    """(subject, text) of the reminder to one unit, in Vietnamese, ready to send or paste into Zalo."""
    year = pd.Timestamp(week_start).year
    whom = _text(person) or "đồng chí phụ trách"
    subject = f"Nhắc nộp báo cáo tuần {week_label}/{year} — {unit_name}"
    issuer = _text(campaign.get("issuer")) or "Cơ quan theo dõi"
    text = (f"Kính gửi: {whom} ({unit_name}).\n\n"
            f"Đến ngày {_dmy(as_of)}, {issuer} chưa nhận được báo cáo kết quả công tác tuyên truyền tuần "
            f"{week_label}/{year} của {unit_name} (hạn nộp: {pd.Timestamp(deadline):%H:%M} ngày {_dmy(deadline)}), "
            f"theo {_text(campaign.get('title'))}.\n\n"
            "Đề nghị đơn vị khẩn trương gửi báo cáo qua hệ thống theo dõi công tác tuyên truyền (mục “Nộp báo "
            "cáo”). Nếu đơn vị đã gửi, xin bỏ qua thông báo này.\n\n"
            f"Trân trọng,\n{issuer}")
    return subject, text


def reminder_rows(campaign: dict, grid: pd.DataFrame, contacts: pd.DataFrame, sent: pd.DataFrame,
                  as_of) -> pd.DataFrame:
    """The units without a report for the latest week whose deadline has passed by as_of, with their
    contact, whether they were already reminded for it, and their message.

    grid: submission_grid (campaign, as_of); contacts: unit_contacts; sent: reminder_log."""
    if grid.empty:
        return pd.DataFrame(columns=REMINDER_COLUMNS)
    week = grid["week_start"].max()
    late = grid[(grid["week_start"] == week) & (grid["status"] == "missing")]
    late = late[["unit_code", "unit_name", "territorial", "week_start", "week_label", "deadline"]].merge(
        contacts[["unit_code", "kind_name", "person", "phone", "email", "zalo"]], on="unit_code", how="left")
    done = sent[pd.to_datetime(sent["week_start"]) == pd.Timestamp(week)][["unit_code", "sent_at"]]
    late = late.merge(done.rename(columns={"sent_at": "reminded_at"}), on="unit_code", how="left")
    late["reminded"] = late["reminded_at"].notna()
    for col in FIELDS:        # no NaN for a missing contact: None, which every caller tests for
        late[col] = late[col].astype(object).where(late[col].notna(), None)
    texts = [reminder_message(campaign, r.unit_name, r.person, r.week_label, r.week_start, r.deadline, as_of)
             for r in late.itertuples()]
    late["subject"] = [t[0] for t in texts]
    late["message"] = [t[1] for t in texts]
    return late.sort_values(["territorial", "unit_name"], ascending=[False, True])[REMINDER_COLUMNS] \
        .reset_index(drop=True)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    tls: str                       # starttls | ssl | none

    @classmethod
    def from_env(cls, env=None) -> "SmtpSettings | None":
        """CM_SMTP_HOST, CM_SMTP_PORT, CM_SMTP_USER, CM_SMTP_PASSWORD, CM_SMTP_FROM, CM_SMTP_TLS
        (starttls, the default; ssl; none). None when no host is set."""
        env = os.environ if env is None else env
        host = (env.get("CM_SMTP_HOST") or "").strip()
        if not host:
            return None
        tls = (env.get("CM_SMTP_TLS") or "starttls").strip().lower()
        tls = {"1": "starttls", "true": "starttls", "yes": "starttls", "0": "none", "false": "none",
               "no": "none", "off": "none"}.get(tls, tls)
        if tls not in ("starttls", "ssl", "none"):
            raise ContactError([f"CM_SMTP_TLS “{tls}” không hợp lệ: dùng starttls, ssl hoặc none."])
        port = int(env.get("CM_SMTP_PORT") or {"starttls": 587, "ssl": 465, "none": 25}[tls])
        user = env.get("CM_SMTP_USER") or None
        sender = env.get("CM_SMTP_FROM") or user
        if not sender:
            raise ContactError(["Thiếu CM_SMTP_FROM (địa chỉ gửi thư)."])
        return cls(host, port, user, env.get("CM_SMTP_PASSWORD") or None, sender, tls)

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.tls}), gửi từ {self.sender}"

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls == "ssl":
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=30)
            if self.tls == "starttls":
                server.starttls(context=context)
        if self.user:
            server.login(self.user, self.password or "")
        return server


def _reserve(con, campaign: str, row, actor: str) -> bool:
    """Mark the unit reminded for the week before sending; False when it already was."""
    try:
        with transaction(con):
            con.execute("insert into reminders values (?, ?, ?, 'email', ?, ?, ?)",
                        [campaign, row.unit_code, pd.Timestamp(row.week_start).date(), row.email, datetime.now(), actor])
    except duckdb.ConstraintException:
        return False
    return True


def send_reminders(con: duckdb.DuckDBPyConnection, campaign: str, rows: pd.DataFrame, settings: SmtpSettings,
                   user) -> list[dict]:
    """E-mail the reminder of every row with an e-mail that was not reminded yet for its week.
    Returns one result per row considered: {unit_code, unit_name, email, status: sent|already|failed, error}."""
    _require_admin(user)
    todo = rows[rows["email"].notna() & (rows["email"].astype(str) != "") & ~rows["reminded"].astype(bool)]
    results: list[dict] = []
    if todo.empty:
        return results
    try:
        server = settings.connect()
    except (OSError, smtplib.SMTPException) as e:
        audit(con, user.username, "reminder.failed", campaign,
              json.dumps({"server": settings.describe(), "error": str(e)}, ensure_ascii=False))
        raise ContactError([f"Không kết nối được máy chủ thư {settings.describe()}: {e}"]) from e
    try:
        for row in todo.itertuples():
            result = {"unit_code": row.unit_code, "unit_name": row.unit_name, "email": row.email, "error": None}
            results.append(result)
            if not _reserve(con, campaign, row, user.username):
                result["status"] = "already"
                continue
            details = {"week_start": str(pd.Timestamp(row.week_start).date()), "to": row.email,
                       "subject": row.subject}
            try:
                server.send_message(_email(settings, row))
            except (OSError, smtplib.SMTPException) as e:
                with transaction(con):
                    con.execute("delete from reminders where campaign_code = ? and unit_code = ? and week_start = ?",
                                [campaign, row.unit_code, pd.Timestamp(row.week_start).date()])
                    audit(con, user.username, "reminder.failed", f"{campaign}/{row.unit_code}",
                          json.dumps(details | {"error": str(e)}, ensure_ascii=False))
                result.update(status="failed", error=str(e))
                continue
            audit(con, user.username, "reminder.email", f"{campaign}/{row.unit_code}",
                  json.dumps(details, ensure_ascii=False))
            result["status"] = "sent"
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return results


def _email(settings: SmtpSettings, row) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = row.email
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(row.message)
    return msg


def contact_template(units: pd.DataFrame) -> bytes:
    """The contact list to fill in (.xlsx): every unit of unit_contacts with what is known of it."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh bạ"
    ws.append(["Mã đơn vị", "Tên đơn vị", "Người liên hệ", "Điện thoại", "Email", "Zalo"])
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in units.itertuples():
        ws.append([r.unit_code, r.unit_name] + [_text(getattr(r, k)) or None for k in FIELDS])
    for col, width in zip("ABCDEF", (12, 34, 26, 14, 30, 22)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=1, max_col=4):
        for c in (row[0], row[3]):
            c.number_format = "@"          # codes and phone numbers as text: a leading 0 stays
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
