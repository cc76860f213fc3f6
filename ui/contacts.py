"""The Danh bạ đơn vị tab of the settings page: import the contact list from an Excel file (checked
cell by cell before anything is stored), download it as a list to fill in, and edit contacts one by
one. Writes go through loaders/accounts/contacts.py, which checks the role and audits each change."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.api import ContactError, contact_template, import_contacts, read_contact_list, update_contact
from ui.common import connection, current_user, data_changed, q

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = {"person": "Người liên hệ", "phone": "Điện thoại", "email": "Email", "zalo": "Zalo"}


def _import(code: str, units: pd.DataFrame) -> None:
    upload = st.file_uploader("Nhập danh bạ từ tệp Excel (.xlsx, .xls, .ods)", type=["xlsx", "xls", "ods"],
                              key=f"con_upload_{code}",
                              help="Một dòng tiêu đề có cột Mã đơn vị (hoặc Tên đơn vị) và các cột Người liên hệ, "
                                   "Điện thoại, Email, Zalo; mỗi đơn vị một dòng.")
    if upload is None:
        return
    try:
        rows = read_contact_list(upload.getvalue(), upload.name, units)
    except ContactError as e:
        st.error("Chưa nhập: tệp có lỗi, hãy sửa rồi tải lên lại.\n\n" + "\n".join(f"- {p}" for p in e.problems))
        return
    names = dict(zip(units["unit_code"], units["unit_name"]))
    st.dataframe(pd.DataFrame([{"Đơn vị": names[r["unit_code"]], **{COLUMNS[k]: r.get(k) or "" for k in COLUMNS}}
                               for r in rows]), hide_index=True, width="stretch", height=min(400, 38 + 35 * len(rows)))
    if st.button(f"Lưu danh bạ ({len(rows)} đơn vị)", type="primary", key=f"con_import_{code}"):
        changed = import_contacts(connection(), code, rows, current_user())
        data_changed()
        st.session_state["con_flash"] = f"Đã lưu liên hệ của {changed} đơn vị (các đơn vị khác không thay đổi)."
        st.session_state.pop(f"con_upload_{code}", None)
        st.rerun()


def _edit(code: str, units: pd.DataFrame, version: int) -> None:
    table = pd.DataFrame({"Đơn vị": units["unit_name"],
                          **{label: units[k].astype(object).where(units[k].notna(), "") for k, label in COLUMNS.items()}})
    with st.form(f"con_edit_{code}_{version}"):
        edited = st.data_editor(table, hide_index=True, num_rows="fixed", width="stretch", disabled=["Đơn vị"],
                                height=min(600, 38 + 35 * len(table)), key=f"con_editor_{code}_{version}")
        if not st.form_submit_button("Lưu liên hệ", type="primary"):
            return
    errors, changed = [], 0
    for unit, (_, before), (_, after) in zip(units["unit_code"], table.iterrows(), edited.iterrows()):
        if before.equals(after):
            continue
        try:
            changed += update_contact(connection(), code, unit, {k: after[label] for k, label in COLUMNS.items()},
                                      current_user())
        except ContactError as e:
            errors.append(f"{after['Đơn vị']}: {e}")
    if changed:
        data_changed()
    if errors:
        st.error("Chưa lưu các dòng sau:\n\n" + "\n".join(f"- {x}" for x in errors))
        return
    st.session_state["con_flash"] = f"Đã lưu liên hệ của {changed} đơn vị."
    st.session_state["con_version"] = version + 1
    st.rerun()


def contacts_tab(campaign: dict) -> None:
    code = campaign["campaign_code"]
    units = q("unit_contacts", campaign=code)
    if flash := st.session_state.pop("con_flash", None):
        st.success(flash)
    st.caption("Người liên hệ của từng đơn vị báo cáo, dùng ở trang **Nhắc nộp báo cáo** và lệnh "
               "`python -m loaders remind`. Mọi thay đổi được ghi vào nhật ký.")
    st.download_button("Tải danh bạ hiện có (Excel, để điền)", data=contact_template(units),
                       file_name=f"danh-ba_{code}.xlsx", mime=XLSX, icon=":material/download:", key=f"con_tpl_{code}")
    _import(code, units)
    _edit(code, units, st.session_state.setdefault("con_version", 0))
