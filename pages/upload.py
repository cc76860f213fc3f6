"""Nộp báo cáo (staff): download the template, send the week's files, learn at once what to fix.

Every file goes through the same ingestion path as `python -m loaders ingest`: nothing is stored
unless the whole file is valid; a rejected file comes back with comments on the faulty cells.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from loaders import api
from ui.common import (campaign_sidebar, connection, current_user, data_changed, data_version, q, vn_date,
                          writing)

STATUS = {
    "accepted": (":material/check_circle:", "Đã nhận", st.success),
    "unchanged": (":material/sync:", "Không thay đổi (tệp này đã được nộp trước đó)", st.info),
    "rejected": (":material/cancel:", "Bị từ chối", st.error),
}
LEVELS = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}


@st.cache_data(max_entries=64, show_spinner=False)
def _template(path: str, version: int, code: str, unit_code: str, week) -> bytes:
    """The template workbook, built once per database, data version (tasks may be edited), unit and week."""
    return api.template_workbook(connection(), code, unit_code, week)


campaign = campaign_sidebar()
code = campaign["campaign_code"]
st.title("Nộp báo cáo tuần")
st.caption("Tải mẫu báo cáo của đơn vị, điền số liệu, rồi gửi tệp. Hệ thống cũng nhận các tệp báo cáo "
           "tự lập (.xlsx, .xls, .ods) theo mẫu cũ của đơn vị.")

user = current_user()
units = q("reporting_units", campaign=code)
if user is not None and user.role == "can_bo":
    # a unit's staff works for their own units only (ingestion refuses other units' files anyway)
    units = units[units["unit_code"].isin(user.units_in(code))]
    if units.empty:
        st.warning("Tài khoản của bạn không gắn với đơn vị nào trong kế hoạch này. Chọn kế hoạch khác "
                   "hoặc liên hệ quản trị.")
        st.stop()
weeks = q("campaign_week_list", campaign=code)

with st.expander("Tải mẫu báo cáo", icon=":material/download:", expanded=True):
    c1, c2 = st.columns(2)
    unit_code = c1.selectbox(
        "Đơn vị", units["unit_code"].tolist(), key="up_tpl_unit",
        format_func=dict(zip(units["unit_code"], units["unit_name"])).get,
    )
    # the week that is due: the latest week already over on the reference day (its report is what
    # the clerk has to send now), not the week still running
    as_of = pd.Timestamp(campaign["as_of"]).date()
    over = weeks[weeks["week_end"].dt.date < as_of] if not weeks.empty else weeks
    default = len(over) - 1 if len(over) else 0
    week = c2.selectbox(
        "Tuần", weeks["week_start"].dt.date.tolist(), index=default, key="up_tpl_week",
        format_func=lambda d: f"Tuần {vn_date(d)} – {vn_date(d + timedelta(days=6))}",
    )
    if unit_code and week:
        data = _template(api.location(), data_version(), code, unit_code, week)
        st.download_button(
            "Tải mẫu (.xlsx)", data, file_name=api.template_filename(code, unit_code, week),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="up_tpl_dl",
        )

st.subheader("Gửi tệp báo cáo")
# A new key after each send empties the box, so the next send does not send the same files again.
sent = st.session_state.get("up_sent", 0)
files = st.file_uploader(
    "Chọn một hoặc nhiều tệp (.xlsx, .xls, .ods, hoặc tệp nén .zip)",
    type=["xlsx", "xlsm", "xlsb", "xls", "xml", "ods", "zip"],
    accept_multiple_files=True, key="up_files" if not sent else f"up_files_{sent}",
    help="Kéo thả tệp vào ô dưới đây hoặc bấm “Chọn tệp”. Mỗi tệp được kiểm tra riêng: tệp hợp lệ được "
         "lưu, tệp có lỗi không được lưu. Tệp nén .zip gồm nhiều báo cáo: mỗi tệp bên trong được kiểm tra "
         "và lưu riêng.",
)

if st.button("Nộp báo cáo", type="primary", disabled=not files, key="up_submit"):
    results = []
    bar = st.progress(0.0, text="Đang kiểm tra…")
    try:
        for i, f in enumerate(files or []):
            # a .zip of reports gives each member as a file of its own; the writer is taken per file
            for name, data, refusal in api.upload_items(f.getvalue(), f.name):
                with writing() as con:
                    result = api.upload(con, data, name, code, user=user, refusal=refusal)
                fixed = api.annotated_workbook(data, name, result) if refusal is None else None
                results.append((name, result, fixed))
            bar.progress((i + 1) / len(files), text=f"Đã kiểm tra {i + 1}/{len(files)} tệp")
    except api.DatabaseBusy as e:
        st.warning(str(e))  # the files not yet checked were not stored: sending again is safe
    bar.empty()
    if any(r.status == "accepted" for _, r, _ in results):
        with writing() as con:  # the writer refreshes the weekly rollup: reads never write
            api.uploaded(con, code)
        data_changed()
    st.session_state["up_results"] = results
    st.session_state["up_sent"] = sent + 1
    st.rerun()

results = st.session_state.get("up_results", [])
if results:
    counts = pd.Series([r.status for _, r, _ in results]).value_counts()
    c1, c2, c3 = st.columns(3)
    c1.metric("Đã nhận", int(counts.get("accepted", 0)))
    c2.metric("Không thay đổi", int(counts.get("unchanged", 0)))
    c3.metric("Bị từ chối", int(counts.get("rejected", 0)))
names = dict(zip(units["unit_code"], units["unit_name"]))
for i, (name, r, fixed) in enumerate(results):
    icon, label, show = STATUS[r.status]
    unit = names.get(r.unit_code) or ("đơn vị chưa xác định" if not r.unit_code else "đơn vị khác")
    replaced = [m for m in r.messages if m.level == "warning" and "THAY báo cáo" in m.text]
    if r.status == "accepted" and replaced:
        icon, label, show = ":material/swap_horiz:", "Đã nhận, thay báo cáo đã nộp trước", st.warning
    period = (f"tuần {vn_date(r.period_start)} – {vn_date(r.period_end)}" if r.period_start else "kỳ chưa xác định")
    if len(r.periods or []) > 1:
        period = f"{len(r.periods)} kỳ, từ {vn_date(r.periods[0][0])} đến {vn_date(r.periods[-1][1])}"
    show(f"{icon} **{name}** — {label} · {unit} · {period}"
         + "".join(f"\n\n{m.text}" for m in replaced))
    if r.messages:
        # a static table: every message wraps in full (a data grid cuts long lines)
        st.table(
            pd.DataFrame([{"Mức": LEVELS.get(m.level, m.level), "Nội dung": m.text,
                           "Trang tính": m.sheet or "", "Ô": m.cell or ""} for m in r.messages]),
            hide_index=True,
        )
    if fixed:
        st.download_button(
            "Tải lại tệp có ghi chú tại các ô lỗi", fixed, file_name=f"loi_{name.rsplit('.', 1)[0]}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"up_fix_{i}",
        )
