"""Cài đặt: the campaign's details, schedule and task minimums, edited in the database with the rules
of a campaign file and an audit trail; boundary files for the map."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from loaders import api
from ui import geo
from ui.contacts import contacts_tab
from ui.common import actor, campaign_sidebar, connection, current_user, data_changed, q, vn_date, vn_number
from ui.vietnamese import plotly_config

if current_user() is None or not current_user().is_admin:  # shown to admins only; checked anyway
    st.error("Chỉ quản trị viên được thay đổi cài đặt.")
    st.stop()
ACTOR = actor()  # the signed-in account, for the audit log

campaign = campaign_sidebar()
code = campaign["campaign_code"]

st.title("Cài đặt kế hoạch")
st.markdown(f"**{campaign['province_name']} — {code}**")
st.info(
    "Các thay đổi ở trang này được lưu vào cơ sở dữ liệu và ghi vào nhật ký (ai sửa, sửa gì, trước và "
    f"sau). Tệp kế hoạch `data/campaigns/{code}.yaml` không bị sửa và vẫn là bản mặc định: khi tệp đó "
    "thay đổi, lệnh `python -m loaders init` (chạy mỗi lần `make run`) nạp lại tệp và thay các chỉnh "
    "sửa ở đây. Muốn quay về bản trong tệp ngay, dùng nút **Khôi phục từ tệp kế hoạch** ở thẻ "
    "*Nhật ký chỉnh sửa*.",
    icon="ℹ️",
)

# A message kept across the rerun that follows a save (the editors restart from the stored values).
flash = st.session_state.pop("set_flash", None)
with st.container():  # always there, so the tabs below keep their place (and the open tab)
    if flash:
        kind, text = flash
        (st.success if kind == "ok" else st.info)(text)

version_key = f"set_version:{code}"
version = st.session_state.setdefault(version_key, 0)


def _saved(changes: list, nothing: str = "Không có thay đổi nào để lưu.") -> None:
    """After a write: clear cached numbers, restart the editors, say what changed."""
    if not changes:
        st.session_state["set_flash"] = ("info", nothing)
    else:
        data_changed()
        lines = "\n".join(f"- {c.what}: {_shown(c.before)} → {_shown(c.after)}" for c in changes)
        st.session_state["set_flash"] = ("ok", f"Đã lưu {len(changes)} thay đổi:\n{lines}")
    st.session_state[version_key] = version + 1
    st.rerun()


def _shown(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "(trống)"
    if isinstance(v, date):
        return vn_date(v)
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        return vn_date(v)
    if isinstance(v, float):
        return vn_number(v, None)  # "1.234" or "1,25", one rule (loaders.common.formatting)
    return str(v)


def _date_or_none(v):
    if v is None or pd.isna(v):  # NaT is a datetime too
        return None
    return pd.Timestamp(v).date()


tab_info, tab_phases, tab_tasks, tab_map, tab_log, tab_contacts = st.tabs(
    ["Thông tin kế hoạch", "Thời gian và các đợt", "Nhiệm vụ và mức tối thiểu", "Ranh giới bản đồ",
     "Nhật ký chỉnh sửa", "Danh bạ đơn vị"], key="set_tab", on_change="rerun")
with tab_contacts:
    contacts_tab(campaign)      # ui/contacts.py: import, download, edit

# --- Campaign details ------------------------------------------------------------------------------
with tab_info:
    with st.form(f"set_details_{code}_{version}"):
        title = st.text_area("Tên kế hoạch", campaign["title"], height=90)
        issuer = st.text_input("Cơ quan ban hành", campaign["issuer"])
        c1, c2 = st.columns(2)
        doc_number = c1.text_input("Số văn bản", campaign["doc_number"] if isinstance(campaign["doc_number"], str) else "",
                                   placeholder="ví dụ 123/KH-SVHTTDL")
        doc_date = c2.date_input("Ngày văn bản", _date_or_none(campaign["doc_date"]), format="DD/MM/YYYY",
                                 min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
        c1, c2, c3 = st.columns(3)
        week_start = c1.selectbox("Tuần báo cáo bắt đầu vào", list(api.WEEKDAY_LABELS),
                                  index=int(campaign["week_start"]) - 1, format_func=api.WEEKDAY_LABELS.get)
        deadline_days = c2.number_input("Hạn nộp: số ngày sau khi hết tuần", min_value=0, max_value=30,
                                        value=int(campaign["deadline_days"]), step=1)
        deadline_hour = c3.number_input("Giờ hạn nộp", min_value=0, max_value=23,
                                        value=int(campaign["deadline_hour"]), step=1)
        if st.form_submit_button("Lưu thông tin kế hoạch", type="primary"):
            try:
                made = api.update_details(connection(), code, {
                    "title": title, "issuer": issuer, "doc_number": doc_number, "doc_date": doc_date,
                    "week_start": week_start, "deadline_days": deadline_days, "deadline_hour": deadline_hour,
                }, actor=ACTOR)
            except api.SettingsError as e:
                st.error(f"Chưa lưu: {e}")
            else:
                _saved(made)

# --- Schedule: campaign dates and phases ----------------------------------------------------------
with tab_phases:
    phases = q("campaign_phases", campaign=code)
    allowed, reason = api.overlaps_allowed(connection(), code)
    st.caption(
        "Các đợt phải nối tiếp nhau theo thứ tự, không để trống ngày nào, nằm trong thời gian kế hoạch; "
        "đợt đầu bắt đầu đúng ngày bắt đầu kế hoạch và đợt cuối kết thúc đúng ngày kết thúc. "
        + (f"Kế hoạch này cho phép các đợt chồng lên nhau: {reason}" if allowed
           else "Kế hoạch này không cho phép các đợt chồng lên nhau.")
        + " Muốn kéo dài kế hoạch, sửa cùng lúc ngày kết thúc kế hoạch và ngày kết thúc đợt cuối."
    )
    with st.form(f"set_schedule_{code}_{version}"):
        c1, c2 = st.columns(2)
        start = c1.date_input("Ngày bắt đầu kế hoạch", campaign["start_date"], format="DD/MM/YYYY",
                              min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
        end = c2.date_input("Ngày kết thúc kế hoạch", campaign["end_date"], format="DD/MM/YYYY",
                            min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
        table = pd.DataFrame({
            "Đợt số": phases["phase_number"].astype(int),
            "Tên đợt": phases["phase_name"],
            "Bắt đầu": pd.to_datetime(phases["start_date"]).dt.date,
            "Kết thúc": pd.to_datetime(phases["end_date"]).dt.date,
            "Ghi chú": phases["note"].fillna(""),
        })
        edited = st.data_editor(
            table, key=f"set_phases_{code}_{version}", hide_index=True, num_rows="fixed", width="stretch",
            column_config={
                "Đợt số": st.column_config.NumberColumn(disabled=True, width="small"),
                "Tên đợt": st.column_config.TextColumn(required=True),
                "Bắt đầu": st.column_config.DateColumn(format="DD/MM/YYYY", required=True),
                "Kết thúc": st.column_config.DateColumn(format="DD/MM/YYYY", required=True),
                "Ghi chú": st.column_config.TextColumn(width="large"),
            },
        )
        if st.form_submit_button("Lưu thời gian và các đợt", type="primary"):
            rows = [{"number": r["Đợt số"], "name": r["Tên đợt"], "start": r["Bắt đầu"], "end": r["Kết thúc"],
                     "note": r["Ghi chú"]} for r in edited.to_dict("records")]
            try:
                made = api.update_schedule(connection(), code, rows, actor=ACTOR, start=start, end=end)
            except api.SettingsError as e:
                st.error(f"Chưa lưu: {e}")
            else:
                _saved(made)

# --- Task minimums ---------------------------------------------------------------------------------
with tab_tasks:
    tasks = q("campaign_tasks", campaign=code)
    st.caption(
        "Kế hoạch không ghi con số: các mức tối thiểu trong tệp là ví dụ (cột *Ví dụ*), do Sở sửa cho phù "
        "hợp. Mỗi nhiệm vụ ghi tối đa một mức: mỗi tuần hoặc mỗi đợt; để trống cả hai thì nhiệm vụ chỉ "
        "tính vào độ phủ hình thức. Mục tiêu một đợt = mức mỗi tuần × số tuần của đợt, hoặc mức mỗi đợt."
    )
    if tasks.empty:
        st.info("Kế hoạch chưa giao nhiệm vụ nào.")
    else:
        uom = tasks["uom"].map(lambda u: f" ({u})" if isinstance(u, str) and u else "")
        table = pd.DataFrame({
            "Loại đơn vị": tasks["kind_name"],
            "Hình thức": tasks["group_name"],
            "Chỉ tiêu (đơn vị tính)": tasks["indicator_name"].fillna("Cả nhóm hình thức") + uom,
            "Mỗi tuần": tasks["min_per_week"],
            "Mỗi đợt": tasks["min_per_phase"],
            "Ví dụ": tasks["is_example"],
        })
        with st.form(f"set_tasks_{code}_{version}"):
            edited = st.data_editor(
                table, key=f"set_tasks_{code}_{version}", hide_index=True, num_rows="fixed", width="stretch",
                height=38 + 35 * len(table), placeholder="—",
                disabled=["Loại đơn vị", "Hình thức", "Chỉ tiêu (đơn vị tính)", "Ví dụ"],
                column_config={
                    "Loại đơn vị": st.column_config.TextColumn(width="small"),
                    "Hình thức": st.column_config.TextColumn(width="medium"),
                    "Chỉ tiêu (đơn vị tính)": st.column_config.TextColumn(width="large"),
                    "Mỗi tuần": st.column_config.NumberColumn(
                        min_value=0, step=0.5, format="%g", width="small", help="Mức tối thiểu mỗi tuần"),
                    "Mỗi đợt": st.column_config.NumberColumn(
                        min_value=0, step=1, format="%g", width="small", help="Mức tối thiểu cả đợt"),
                    "Ví dụ": st.column_config.CheckboxColumn(
                        width="small", help="Mức lấy từ tệp kế hoạch, là ví dụ, chưa ai sửa"),
                },
            )
            if st.form_submit_button("Lưu mức tối thiểu", type="primary"):
                rows = [{"unit_kind": t.unit_kind, "group_code": t.group_code,
                         "indicator_code": t.indicator_code if isinstance(t.indicator_code, str) else None,
                         "min_per_week": e["Mỗi tuần"], "min_per_phase": e["Mỗi đợt"]}
                        for t, e in zip(tasks.itertuples(), edited.to_dict("records"))]
                try:
                    made = api.update_tasks(connection(), code, rows, actor=ACTOR)
                except api.SettingsError as e:
                    st.error(f"Chưa lưu: {e}")
                else:
                    _saved(made)

# --- Boundary file ---------------------------------------------------------------------------------
with tab_map:
    era = campaign["era"]
    province = campaign["province_code"]
    stored = q("unit_boundaries", era=era, province=province)
    units = q("reporting_units", campaign=code)
    units = units[units["territorial"]]
    names = dict(zip(units["unit_code"], units["unit_name"]))
    imported = stored[~stored["approximate"].astype(bool) & stored["unit_code"].isin(names)]
    st.markdown(
        f"Bản đồ vẽ {len(names)} {'xã, phường, đặc khu' if era == '2025' else 'xã, phường, thị trấn'} của "
        f"kế hoạch. Hiện có **{len(imported)}** ranh giới nạp từ tệp; các đơn vị còn lại dùng ranh giới xã, "
        "phường có sẵn (vietnamese-provinces-database, giấy phép MIT), hoặc ranh giới gần đúng dựng từ tọa độ "
        "trung tâm nếu chưa có."
    )
    if len(imported):
        sources = ", ".join(sorted(s.removeprefix(api.SOURCE_FILE_PREFIX) for s in imported["source"].unique()))
        st.caption(f"Nguồn ranh giới đã nạp: {sources}")
    upload = st.file_uploader(
        "Tệp ranh giới (GeoJSON, Shapefile nén .zip, GeoPackage .gpkg)", type=["geojson", "json", "zip", "gpkg"],
        key=f"set_boundary_file_{code}_{version}",
        help="Mỗi vùng là một xã/phường; cột mã (ví dụ ma_xa) hoặc cột tên (ví dụ ten_xa) để khớp đơn vị.",
    )
    if upload is not None:
        cache_key = "set_boundary_preview"
        ident = (code, upload.file_id, upload.name, upload.size)
        preview = st.session_state.get(cache_key)
        if not preview or preview["ident"] != ident:
            try:
                with st.spinner(f"Đang đọc tệp {upload.name}…"):
                    gdf = api.read_boundary_file(upload.getvalue(), upload.name)
                    matched, unmatched, without = api.match_boundaries(connection(), gdf, era, province)
                preview = {"ident": ident, "features": len(gdf), "matched": matched, "unmatched": unmatched,
                           "without": without, "error": None}
            except api.BoundaryFileError as e:
                preview = {"ident": ident, "error": str(e)}
            st.session_state[cache_key] = preview
        if preview["error"]:
            st.error(preview["error"])
        else:
            matched = preview["matched"]
            by = matched["matched_by"].value_counts().to_dict()
            mine = matched[matched["unit_code"].isin(names)]
            others = len(matched) - len(mine)
            without = [c for c in names if c not in set(matched["unit_code"])]
            st.subheader(f"Xem trước: {upload.name}")
            c1, c2, c3, c4 = st.columns(4)
            c1.metric("Vùng trong tệp", preview["features"])
            c2.metric("Khớp theo mã", by.get("code", 0))
            c3.metric("Khớp theo tên", by.get("name", 0))
            c4.metric("Không khớp", len(preview["unmatched"]))
            st.markdown(
                f"Khớp **{len(mine)}/{len(names)}** đơn vị của kế hoạch"
                + (f" (và {others} đơn vị khác của tỉnh)" if others else "") + "."
            )
            if preview["unmatched"]:
                with st.expander(f"{len(preview['unmatched'])} vùng trong tệp không khớp đơn vị nào của tỉnh"):
                    st.dataframe(pd.DataFrame({"Vùng trong tệp": preview["unmatched"]}), hide_index=True,
                                 width="stretch")
            if without:
                with st.expander(f"{len(without)} đơn vị không có trong tệp (vẫn dùng ranh giới gần đúng)"):
                    st.dataframe(pd.DataFrame({"Mã": without, "Tên": [names[c] for c in without]}),
                                 hide_index=True, width="stretch")
            by_name = mine[mine["matched_by"] == "name"]
            if len(by_name):
                with st.expander(f"{len(by_name)} đơn vị khớp theo tên — kiểm tra lại"):
                    st.dataframe(pd.DataFrame({"Tên trong tệp": by_name["name_in_file"],
                                               "Đơn vị": [names.get(c, c) for c in by_name["unit_code"]],
                                               "Mã": by_name["unit_code"]}), hide_index=True, width="stretch")
            if len(mine):
                # the matched polygons from the file, and in grey where the rest stand today
                fc = json.loads(mine[["unit_code", "geometry"]].to_json())
                for f in fc["features"]:
                    f["id"] = f["properties"]["unit_code"]
                rest = stored[stored["unit_code"].isin(without)]
                fc["features"] += api.feature_collection(rest[["unit_code", "geojson"]])["features"]
                fig = go.Figure()
                for label, color, part in (
                        ("Khớp theo mã", "#1f77b4", mine[mine["matched_by"] == "code"]["unit_code"]),
                        ("Khớp theo tên", "#ff7f0e", mine[mine["matched_by"] == "name"]["unit_code"]),
                        ("Không có trong tệp (ranh giới gần đúng hiện có)", geo.NO_DATA_COLOR, rest["unit_code"])):
                    if len(part):
                        fig.add_trace(geo.class_trace(
                            fc, part, color, f"{label} ({len(part)})", customdata=[[names.get(c, c)] for c in part],
                            hovertemplate="%{customdata[0]}<extra>" + label + "</extra>"))
                geo.layout(fig, fc, width_px=900, legend_height=40, max_height=440)
                st.plotly_chart(fig, width="stretch", key="set_boundary_preview_map",
                                config=plotly_config(scrollZoom=True))
            if not len(matched):
                st.warning(f"Tệp '{upload.name}' không có vùng nào khớp đơn vị của tỉnh: không có gì để nạp.")
            elif st.button(f"Nạp ranh giới cho {len(matched)} đơn vị", type="primary", key="set_boundary_import"):
                con = connection()
                with st.spinner("Đang nạp ranh giới…"):
                    # the approximate cells of the rest are cut back from the imported polygons
                    n = api.import_boundaries(con, matched, upload.name, actor=ACTOR, era=era, province=province,
                                              rederive=bool(preview["without"]))
                st.session_state.pop(cache_key, None)
                data_changed()
                st.session_state["set_flash"] = (
                    "ok", f"Đã nạp ranh giới của {n} đơn vị từ tệp '{upload.name}'"
                          + (f"; {len(without)} đơn vị của kế hoạch vẫn dùng ranh giới gần đúng." if without else "."))
                st.session_state[version_key] = version + 1
                st.rerun()

# --- Audit log and restore -------------------------------------------------------------------------
ACTIONS = {
    "settings.campaign": "Sửa thông tin kế hoạch",
    "settings.phase": "Sửa đợt",
    "settings.task": "Sửa mức tối thiểu",
    "settings.restore": "Khôi phục từ tệp",
    "campaigns.load": "Nạp tệp kế hoạch",
    "campaigns.reload": "Nạp lại tệp kế hoạch",
}


def _describe(details) -> str:
    try:
        d = json.loads(details) if isinstance(details, str) else (details or {})
    except ValueError:
        return str(details)
    what = d.get("field") or d.get("phase") or d.get("task")
    if what:
        return f"{what}: {_shown(d.get('before'))} → {_shown(d.get('after'))}"
    if "file" in d:
        return f"tệp {d['file']}"
    return ", ".join(f"{k}: {v}" for k, v in d.items())


with tab_log:
    log = q("campaign_audit", campaign=code)
    if log.empty:
        st.info("Chưa có chỉnh sửa nào.")
    else:
        st.dataframe(pd.DataFrame({
            "Thời điểm": pd.to_datetime(log["logged_at"]).dt.strftime("%d/%m/%Y %H:%M"),
            "Người thực hiện": log["actor"],
            "Thao tác": log["action"].map(ACTIONS).fillna(log["action"]),
            "Nội dung": log["details"].map(_describe),
        }), hide_index=True, width="stretch")
    st.subheader("Khôi phục từ tệp kế hoạch")
    st.markdown(
        f"Nạp lại tệp `data/campaigns/{code}.yaml`: thông tin, các đợt và mức tối thiểu trở về như trong "
        "tệp; mọi chỉnh sửa ở trang này mất (nhật ký vẫn giữ)."
    )
    sure = st.checkbox("Tôi hiểu các chỉnh sửa sẽ bị thay bằng nội dung tệp", key=f"set_restore_sure_{code}")
    if st.button("Khôi phục từ tệp kế hoạch", disabled=not sure, key=f"set_restore_{code}"):
        try:
            name = api.restore_campaign_file(connection(), code, actor=ACTOR)
        except api.SettingsError as e:
            st.error(str(e))
        else:
            data_changed()
            st.session_state["set_flash"] = ("ok", f"Đã nạp lại tệp {name}.")
            st.session_state[version_key] = version + 1
            st.session_state.pop(f"set_restore_sure_{code}", None)
            st.rerun()
