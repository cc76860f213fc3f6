"""Nhắc nộp báo cáo: the units without a report for the latest due week, with their contact and a ready
message to copy (Zalo, SMS) or, for admins, to e-mail through the configured SMTP server after a
confirmation. A unit is e-mailed at most once per week; every message sent is audited
(loaders/accounts/contacts.py). Contacts are kept on the Cài đặt page.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.api import ContactError, reminder_rows, send_reminders, smtp_settings
from ui.common import campaign_sidebar, current_user, data_changed, q, vn_date, writing
from ui.messages import Message, show_messages

campaign = campaign_sidebar()
code, as_of = campaign["campaign_code"], campaign["as_of"]
user = current_user()

rows = reminder_rows(campaign, q("submission_grid", campaign=code, as_of=as_of),
                     q("unit_contacts", campaign=code), q("reminder_log", campaign=code), as_of)

st.title(f"Nhắc nộp báo cáo — {campaign['province_name']}")
flash = st.session_state.pop("rem_flash", None)
if flash:
    (st.success if flash[0] == "ok" else st.error)(flash[1])
if rows.empty:
    st.success(f"Đến hết ngày {vn_date(as_of)}, không có đơn vị nào chưa nộp báo cáo của tuần gần nhất đã đến hạn.")
    st.stop()

first = rows.iloc[0]
week = f"{first['week_label']}/{pd.Timestamp(first['week_start']):%Y}"
has_email = rows["email"].notna() & ~rows["reminded"]
st.caption(f"Tuần **{week}** (hạn nộp {pd.Timestamp(first['deadline']):%H:%M} ngày {vn_date(first['deadline'])}), "
           f"tính đến hết ngày **{vn_date(as_of)}**: **{len(rows)}** đơn vị chưa nộp báo cáo; "
           f"{int(rows['reminded'].sum())} đã được nhắc qua email; {int(has_email.sum())} có email chưa được nhắc.")

st.dataframe(
    pd.DataFrame({
        "Đơn vị": rows["unit_name"],
        "Người liên hệ": rows["person"].fillna(""),
        "Điện thoại": rows["phone"].fillna(""),
        "Email": rows["email"].fillna(""),
        "Zalo": rows["zalo"].fillna(""),
        "Đã nhắc": rows["reminded_at"].map(lambda d: pd.Timestamp(d).strftime("%H:%M %d/%m/%Y") if pd.notna(d) else ""),
    }),
    hide_index=True, width="stretch", height="content", key="rem_table",
)
if rows[["phone", "email", "zalo"]].isna().all(axis=1).any():
    st.caption("Đơn vị chưa có liên hệ: quản trị viên nhập danh bạ ở trang **Cài đặt**, thẻ *Danh bạ đơn vị*.")

# ---------------------------------------------------------------------------------------------
# E-mail, admins only, after a confirmation
if user is not None and user.is_admin:
    settings, problem = None, None
    try:
        settings = smtp_settings()
    except ContactError as e:
        problem = str(e)
    if settings is None:
        st.info(problem or "Chưa cấu hình máy chủ thư (CM_SMTP_HOST …, xem README): sao chép tin nhắn bên dưới "
                           "để gửi qua Zalo, tin nhắn hoặc email.")
    elif has_email.any():
        if not st.session_state.get("rem_confirm"):
            if st.button(f"Gửi email nhắc cho {int(has_email.sum())} đơn vị", icon=":material/mail:", key="rem_send"):
                st.session_state["rem_confirm"] = True
                st.rerun()
        else:
            st.warning(f"Gửi email nhắc nộp báo cáo tuần {week} qua {settings.describe()} tới: "
                       + ", ".join(f"{n} <{e}>" for n, e in zip(rows.loc[has_email, "unit_name"],
                                                                rows.loc[has_email, "email"])) + "?")
            c1, c2, _ = st.columns([2, 1, 5])
            if c1.button("Xác nhận gửi", type="primary", key="rem_yes"):
                st.session_state.pop("rem_confirm", None)
                try:
                    with writing() as con:
                        results = send_reminders(con, code, rows, settings, user)
                except ContactError as e:
                    st.session_state["rem_flash"] = ("error", str(e))
                else:
                    sent = [r for r in results if r["status"] == "sent"]
                    failed = [f"{r['unit_name']}: {r['error']}" for r in results if r["status"] == "failed"]
                    st.session_state["rem_flash"] = (
                        "error" if failed else "ok",
                        f"Đã gửi {len(sent)} email nhắc nộp báo cáo." + ("\n\nLỗi: " + "; ".join(failed) if failed else ""))
                data_changed()
                st.rerun()
            if c2.button("Hủy", key="rem_no"):
                st.session_state.pop("rem_confirm", None)
                st.rerun()
    else:
        st.caption("Không còn đơn vị nào có email mà chưa được nhắc tuần này.")

# ---------------------------------------------------------------------------------------------
# The messages, one per unit, with a copy button (plain HTML: ui/messages.py says why not st.code)
st.subheader("Tin nhắn soạn sẵn")
st.caption("Mở tên đơn vị, bấm **Sao chép tin nhắn** rồi dán vào Zalo, tin nhắn hoặc email.")


def _contact(r) -> str:
    """Who to send the message to, in words ("" without a contact; a missing field is None or NaN)."""
    have = lambda v: isinstance(v, str) and v.strip() != ""  # noqa: E731
    return " · ".join(text for value, text in ((r.person, r.person), (r.phone, f"ĐT {r.phone}"), (r.email, r.email),
                                               (r.zalo, f"Zalo {r.zalo}")) if have(value))


show_messages(Message(r.unit_name + (" — đã nhắc" if r.reminded else ""), _contact(r), f"{r.subject}\n\n{r.message}")
              for r in rows.itertuples())
