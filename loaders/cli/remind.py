"""`python -m loaders remind --campaign CODE [--send] [--as-of DATE|DATETIME]`: remind late units.

Lists the units without a report for the latest week whose deadline has passed (as of now, or
--as-of), with their contact and the message. Without --send it only prints what it would send (a
dry run for cron logs); with --send it e-mails each unit that has an address and was not reminded
for that week yet, through the SMTP server set by CM_SMTP_* (README, "Báo cáo và nhắc nhở tự
động"). Every message sent is audited (actor cli). Exit status: 0 done, 1 a message failed,
2 usage or configuration error.
"""
from __future__ import annotations

import argparse
import functools
import sys
from datetime import date, datetime

from loaders.store import db


def _moment(text: str) -> datetime | date:
    return date.fromisoformat(text) if len(text.strip()) == 10 else datetime.fromisoformat(text)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--campaign", required=True, help="mã kế hoạch, ví dụ daklak-2025")
    p.add_argument("--send", action="store_true", help="gửi email thật (không có: chỉ in ra những gì sẽ gửi)")
    p.add_argument("--as-of", type=_moment, metavar="YYYY-MM-DD[THH:MM]",
                   help="thời điểm xét (mặc định: bây giờ); một ngày là hết ngày đó")


def _print_rows(rows, send: bool) -> None:
    for r in rows.itertuples():
        parts = (r.person, r.phone, r.email and f"email {r.email}", r.zalo and f"Zalo {r.zalo}")
        contact = " · ".join(x for x in parts if x) or "chưa có liên hệ"
        state = f" — đã nhắc lúc {r.reminded_at:%H:%M %d/%m/%Y}" if r.reminded else ""
        print(f"- {r.unit_name}: {contact}{state}")
        if not send and not r.reminded and r.email:
            print(f"  Tiêu đề: {r.subject}")
            print("  " + r.message.replace("\n", "\n  "))


def run(args: argparse.Namespace) -> int:
    import queries
    from loaders.accounts import auth, contacts

    con = db.connect(args.db)
    try:
        read = functools.partial(queries.run, con=con, campaign=args.campaign)
        campaigns = queries.run("campaign_list", con=con)
        row = campaigns[campaigns["campaign_code"] == args.campaign]
        if row.empty:
            print(f"Lỗi: không có kế hoạch “{args.campaign}”.", file=sys.stderr)
            return 2
        as_of = args.as_of or datetime.now()
        rows = contacts.reminder_rows(row.iloc[0].to_dict(), read("submission_grid", as_of=as_of),
                                      read("unit_contacts"), read("reminder_log"), as_of)
        if rows.empty:
            print("Không có đơn vị nào chưa nộp báo cáo của tuần gần nhất đã đến hạn.")
            return 0
        first = rows.iloc[0]
        with_email = rows["email"].notna() & ~rows["reminded"]
        print(f"Tuần {first['week_label']}/{first['week_start']:%Y} (hạn nộp {first['deadline']:%H:%M %d/%m/%Y}): {len(rows)} đơn vị chưa "
              f"nộp báo cáo; {int(with_email.sum())} sẽ được nhắc qua email, {int(rows['reminded'].sum())} đã được "
              "nhắc trước đó.")
        _print_rows(rows, args.send)
        if not args.send:
            print("(Chạy thử: chưa gửi gì. Thêm --send để gửi.)")
            return 0
        try:
            settings = contacts.SmtpSettings.from_env()
            if settings is None:
                print("Lỗi: chưa cấu hình máy chủ thư (CM_SMTP_HOST, CM_SMTP_PORT, CM_SMTP_USER, CM_SMTP_PASSWORD, "
                      "CM_SMTP_FROM, CM_SMTP_TLS).", file=sys.stderr)
                return 2
            results = contacts.send_reminders(con, args.campaign, rows, settings,
                                              auth.User("cli", "Lệnh nhắc tự động", "quan_tri"))
        except contacts.ContactError as e:
            print(f"Lỗi: {e}", file=sys.stderr)
            return 2
        labels = {"sent": "đã gửi", "already": "đã được nhắc trước đó", "failed": "lỗi"}
        for r in results:
            print(f"{labels[r['status']]}: {r['unit_name']} <{r['email']}>" + (f" ({r['error']})" if r["error"] else ""))
        sent = sum(r["status"] == "sent" for r in results)
        print(f"Đã gửi {sent} email nhắc nộp báo cáo.")
        return 1 if any(r["status"] == "failed" for r in results) else 0
    finally:
        con.close()
