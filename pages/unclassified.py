"""Chỉ tiêu chưa phân loại (admins, inspection): report rows whose wording named no indicator for sure.

Such rows never refuse a report (issue 10): they are kept whole and wait here, grouped by wording. A
wording is mapped once, to an indicator or to "không tính", for this campaign or all; its rows count at
once in every metric, later reports are read with it, and the mapping can be undone. Reads through
queries/*.sql, writes through loaders/ingest/unclassified.py (audited).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.api import MAPPERS, DatabaseBusy, MappingError, map_wording, undo_mapping
from ui.common import campaign_sidebar, current_user, data_changed, q, writing

NOT_COUNTED = "__none__"
REASONS = {"several": "ghi nhiều loại cùng lúc", "generic": "ghi chung chung", "other_domain": "lĩnh vực khác",
           "unknown": "chưa rõ", "mapped": "đã phân loại"}

user = current_user()
if user is None or user.role not in MAPPERS:  # the navigation shows this page to these roles; check anyway
    st.error("Chỉ quản trị viên và cán bộ kiểm tra được phân loại chỉ tiêu.")
    st.stop()

campaign = campaign_sidebar()
code = campaign["campaign_code"]
st.title("Chỉ tiêu chưa phân loại")
st.caption("Các dòng báo cáo mà hệ thống chưa nhận ra là chỉ tiêu nào. Báo cáo vẫn được nhận; các dòng này được "
           "giữ nguyên và chưa được tính. Phân loại một cách ghi một lần: mọi dòng đã nhận và mọi báo cáo sau có "
           "cách ghi đó sẽ được tính vào chỉ tiêu đã chọn.")

flash = st.session_state.pop("uc_flash", None)
if flash:
    st.success(flash)

words = q("unclassified_wordings", campaign=code)
catalog = q("indicator_catalog")
names = dict(zip(catalog["indicator_code"], catalog["indicator_name"]))
waiting = words[words["waiting_rows"] > 0]
c1, c2, c3 = st.columns(3)
c1.metric("Cách ghi chờ phân loại", len(waiting))
c2.metric("Dòng chờ phân loại", int(waiting["waiting_rows"].sum()) if not waiting.empty else 0)
c3.metric("Đơn vị có dòng chờ", int(waiting["units"].sum()) if not waiting.empty else 0)


def _list(v) -> str:
    return ", ".join(str(x) for x in v) if v is not None and len(v) else ""


if words.empty:
    st.info("Không có dòng nào chờ phân loại trong kế hoạch này.")
else:
    mapped = words["mapping_id"].notna()
    table = pd.DataFrame({
        "Cách ghi": words["label"],
        "Số dòng": words["rows"],
        "Chờ phân loại": words["waiting_rows"],
        "Đơn vị": words["unit_names"].map(_list),
        "Tệp": words["files"].map(_list),
        "ĐVT": words["uoms"].map(_list),
        "Tổng số": words["total_value"],
        "Lý do": words["reason"].map(REASONS).fillna(""),
        "Gợi ý": words["suggestion_name"].fillna(""),
        "Đã phân loại": [(n if isinstance(n, str) else "Không tính") if m else ""
                         for n, m in zip(words["mapped_name"], mapped)],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="uc_table")

if not waiting.empty:
    st.subheader("Phân loại một cách ghi")
    keys = waiting["wording_key"].tolist()
    labels = {r.wording_key: f"{r.label} — {r.waiting_rows} dòng, {r.units} đơn vị" for r in waiting.itertuples()}
    key = st.selectbox("Cách ghi", keys, format_func=labels.get, key="uc_wording")
    row = waiting.set_index("wording_key").loc[key]
    options = list(catalog["indicator_code"]) + [NOT_COUNTED]
    suggestion = row["suggestion"] if isinstance(row["suggestion"], str) else None
    if suggestion in options:                 # the suggestion first
        options.remove(suggestion)
        options.insert(0, suggestion)
    pick = st.selectbox("Chỉ tiêu", options, key=f"uc_indicator:{key}",
                        format_func=lambda c: "Không tính (giữ lại, không cộng vào chỉ tiêu nào)" if c == NOT_COUNTED
                        else f"{names[c]} ({c})" + (" — gợi ý" if c == suggestion else ""))
    scope = st.radio("Áp dụng cho", ["campaign", "all"], horizontal=True, key="uc_scope",
                     format_func={"campaign": "Kế hoạch này", "all": "Mọi kế hoạch"}.get)
    if st.button("Phân loại", type="primary", key="uc_map", icon=":material/label:"):
        try:
            with writing() as con:
                res = map_wording(con, key, row["label"], None if pick == NOT_COUNTED else pick,
                                  code if scope == "campaign" else None, user)
        except (MappingError, DatabaseBusy) as e:
            st.error(str(e))
        else:
            data_changed()
            target = "không tính" if pick == NOT_COUNTED else f"“{names[pick]}”"
            st.session_state["uc_flash"] = (f"Đã phân loại “{row['label']}” là {target}: {res['rows']} dòng, "
                                            f"{res['rows_counted']} dòng được cộng vào số liệu.")
            st.rerun()

maps = q("wording_mappings", campaign=code)
active = maps[maps["in_force"]] if not maps.empty else maps
if not maps.empty:
    st.subheader("Các cách ghi đã phân loại")
    st.dataframe(pd.DataFrame({
        "Cách ghi": maps["label"],
        "Chỉ tiêu": maps["indicator_name"].fillna("Không tính"),
        "Phạm vi": maps["campaign_code"].fillna("Mọi kế hoạch"),
        "Số dòng": maps["rows"],
        "Người phân loại": maps["created_by"],
        "Lúc": maps["created_at"].dt.strftime("%d/%m/%Y %H:%M"),
        "Hoàn tác": [f"{b} ({t:%d/%m/%Y %H:%M})" if isinstance(b, str) else ""
                     for b, t in zip(maps["undone_by"], maps["undone_at"])],
    }), hide_index=True, width="stretch", key="uc_maps")
if not active.empty:
    ids = active["mapping_id"].tolist()
    desc = {r.mapping_id: f"{r.label} → {r.indicator_name if isinstance(r.indicator_name, str) else 'Không tính'}"
            for r in active.itertuples()}
    mid = st.selectbox("Hoàn tác một cách phân loại", ids, format_func=desc.get, key="uc_undo_pick")
    if st.button("Hoàn tác", key="uc_undo", icon=":material/undo:"):
        try:
            with writing() as con:
                res = undo_mapping(con, int(mid), user)
        except (MappingError, DatabaseBusy) as e:
            st.error(str(e))
        else:
            data_changed()
            st.session_state["uc_flash"] = f"Đã hoàn tác “{desc[mid]}”: {res['rows']} dòng trở lại chờ phân loại."
            st.rerun()
