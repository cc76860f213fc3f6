"""Xã chậm tiến độ (inspection): which units are behind and why.

The ranked list with its score and every fired rule in words and numbers, filtered by unit kind and
by reason; one unit in detail (its weekly reports and missing weeks, its tasks, its channel groups);
and the list as an Excel file formatted for printing (loaders/outputs/export.py).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders.api import lagging_workbook
from ui.common import audit_event, campaign_sidebar, current_user, q, vn_date, vn_number, vn_percent
from ui.charts import HELP, bar_list_html, column_bars_html

R = st.column_config.TextColumn(alignment="right")      # Vietnamese-formatted numbers
STATUS_COLORS = {"on_time": "#2e7d32", "late": "#ef6c00", "missing": "#c62828", "not_due": "#9e9e9e"}

campaign = campaign_sidebar()
code = campaign["campaign_code"]
as_of = campaign["as_of"]

lagging = q("lagging_units", campaign=code, as_of=as_of)
reasons = q("lagging_reasons", campaign=code, as_of=as_of)
rules = q("lagging_rule_list", campaign=code)
kinds = q("reporting_units_by_kind", campaign=code)
rates = q("reporting_rate_by_unit", campaign=code, as_of=as_of)
progress = q("phase_progress", campaign=code, as_of=as_of)
current = progress[progress["is_current"]]
phase = current.iloc[0] if len(current) else None

st.title(f"Xã, phường chậm tiến độ — {campaign['province_name']}")
st.caption(
    f"{campaign['title']}  \nTính đến hết ngày **{vn_date(as_of)}**"
    + (f" · đợt hiện tại: **{phase['phase_name']}** ({vn_date(phase['start_date'])}–"
       f"{vn_date(phase['end_date'])}, mức cần đạt {vn_percent(phase['expected'])})" if phase is not None else "")
)
with st.expander("Các tiêu chí đánh giá chậm tiến độ và trọng số", expanded=False):
    st.markdown("\n".join(f"{r.rule_no}. **{r.rule_name}** (trọng số {vn_number(r.weight, 1).rstrip('0').rstrip(',')}): "
                          f"{r.description}." for r in rules.itertuples()))
    st.markdown(HELP["score"])

# ---------------------------------------------------------------------------------------------
# Filters: unit kind, reason (rule), name
kind_names = dict(zip(kinds["kind"], kinds["kind_name"]))
territorial_kinds = list(kinds.loc[kinds["territorial"], "kind"])
rule_names = dict(zip(rules["rule_code"], rules["rule_name"]))
if any(k not in kind_names for k in st.session_state.get("lag_kinds", [])):
    del st.session_state["lag_kinds"]          # kinds of another campaign
if "lag_kinds" not in st.session_state:
    st.session_state["lag_kinds"] = territorial_kinds
c1, c2, c3 = st.columns([5, 5, 3])
chosen_kinds = c1.multiselect("Loại đơn vị", list(kind_names), format_func=kind_names.get, key="lag_kinds",
                              placeholder="Mọi loại đơn vị",
                              help="Mặc định: các đơn vị cấp xã (xã, phường, đặc khu). Bỏ chọn hết để xem mọi đơn vị.")
chosen_rules = c2.multiselect("Lý do", list(rule_names), format_func=rule_names.get, key="lag_rules",
                              placeholder="Mọi lý do",
                              help="Chỉ giữ các đơn vị vi phạm ít nhất một trong các tiêu chí đã chọn.")
search = c3.text_input("Tìm đơn vị", key="lag_search", placeholder="Tên xã, phường…")

view = lagging.copy()
if chosen_kinds:
    view = view[view["kind"].isin(chosen_kinds)]
if chosen_rules:
    fired = set(reasons.loc[reasons["rule_code"].isin(chosen_rules), "unit_code"])
    view = view[view["unit_code"].isin(fired)]
if search.strip():
    view = view[view["unit_name"].str.contains(search.strip(), case=False, regex=False)]
view = view.sort_values("rank").reset_index(drop=True)
view["rank"] = range(1, len(view) + 1)          # renumbered within the filter
view = view.merge(rates[["unit_code", "received", "expected"]]
                  .rename(columns={"expected": "reports_expected"}), on="unit_code", how="left")

scope_units = int((kinds[kinds["kind"].isin(chosen_kinds)] if chosen_kinds else kinds)["units"].sum())
scope_lagging = lagging[lagging["kind"].isin(chosen_kinds)] if chosen_kinds else lagging
m1, m2, m3 = st.columns(3)
m1.metric("Đơn vị chậm tiến độ", f"{len(scope_lagging)}/{scope_units}",
          help=HELP["lagging"] + " Số đơn vị chậm tiến độ / tổng số đơn vị, trong các loại đơn vị đã chọn.",
          border=True)
m2.metric("Tỷ lệ chậm tiến độ", vn_percent(len(scope_lagging) / scope_units if scope_units else None),
          help="Số đơn vị chậm tiến độ ÷ số đơn vị báo cáo thuộc các loại đã chọn.", border=True)
m3.metric("Trong danh sách", len(view),
          help="Số đơn vị trong danh sách dưới đây, sau khi lọc theo loại đơn vị, lý do và tên.", border=True)

# how many units each rule catches (within the chosen kinds): a bar list in HTML (ui/charts.bar_list_html)
scope_reasons = reasons[reasons["kind"].isin(chosen_kinds)] if chosen_kinds else reasons
counts = scope_reasons.groupby("rule_code")["unit_code"].nunique().reindex(rules["rule_code"], fill_value=0)
descriptions = dict(zip(rules["rule_code"], rules["description"]))
st.html(bar_list_html(
    ((rule_names[r], int(n), "#c62828" if not chosen_rules or r in chosen_rules else "#90a4ae",
      f"{rule_names[r]}: {int(n)} đơn vị. {descriptions[r]}") for r, n in counts.items()),
    ("Tiêu chí", "Số đơn vị vi phạm")))

# ---------------------------------------------------------------------------------------------
# The ranked list, and its export
st.subheader("Danh sách xếp hạng", help=HELP["score"])


@st.cache_data(max_entries=32, show_spinner=False)
def _workbook(export: pd.DataFrame, title: str, phase_label: str | None, as_of) -> bytes:
    """The list as an Excel file (openpyxl, ~30 ms of the server): built once per filtered list and
    day, not on every run of the page (issue 13)."""
    return lagging_workbook(export, title, phase_label, as_of)


def _select_from_table() -> None:
    rows = st.session_state["lag_table"].selection.rows
    if rows:
        st.session_state["lag_unit"] = st.session_state["lag_table_codes"][rows[0]]


if view.empty:
    st.success("Không có đơn vị nào chậm tiến độ theo bộ lọc đã chọn.")
else:
    table = pd.DataFrame({
        "Hạng": view["rank"],
        "Đơn vị": view["unit_name"],
        "Điểm": view["score"],
        "Lý do": view["reasons"].map(lambda rs: " • ".join(rs)),
        "Hoàn thành đợt": 100 * view["completion"],
        "Số tuần chậm": view["weeks_lagging"],
        "So với tuần trước": view["status_label"],
    })
    st.session_state["lag_table_codes"] = list(view["unit_code"])
    st.dataframe(
        table, hide_index=True, width="stretch", row_height=104,
        height=min(38 + 104 * len(table) + 2, 38 + 104 * 7), key="lag_table",
        on_select=_select_from_table, selection_mode="single-row",
        column_config={
            "Hạng": st.column_config.NumberColumn(width=45),
            "Đơn vị": st.column_config.TextColumn(width=150),
            "Điểm": st.column_config.NumberColumn(format="%.0f", width=45, help=HELP["score"]),
            "Lý do": st.column_config.TextColumn(width=430, help=HELP["lagging"]),
            "Hoàn thành đợt": st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100, width=100, help=HELP["completion"]),
            "Số tuần chậm": st.column_config.NumberColumn(
                format="%d", width=70, help="Số tuần liên tiếp (tính đến ngày đang xem) đơn vị bị xếp chậm tiến độ."),
            "So với tuần trước": st.column_config.TextColumn(width=150),
        },
    )
    st.caption("Đơn vị chưa gửi báo cáo nào đứng đầu danh sách; sau đó theo điểm. "
               "Bấm vào một dòng để xem chi tiết đơn vị bên dưới. Hạng được đánh lại sau khi lọc.")
    changes = q("lagging_changes", campaign=code, as_of=as_of)
    if chosen_kinds:
        changes = changes[changes["kind"].isin(chosen_kinds)]
    recovered = changes[changes["status"] == "recovered"]
    n_new = int((changes["status"] == "new").sum())
    n_still = int((changes["status"] == "still").sum())
    st.markdown(
        f"**So với một tuần trước ({vn_date(as_of - pd.Timedelta(days=7))}):** {n_new} đơn vị mới chậm tiến độ, "
        f"{n_still} đơn vị vẫn chậm, {len(recovered)} đơn vị hết chậm"
        + (f" ({', '.join(recovered['unit_name'])})." if len(recovered) else "."))
    export = view.assign(reasons=view["reasons"].map(list))[
        ["rank", "unit_name", "kind_name", "score", "reasons", "completion", "expected", "reporting_rate"]]
    filters = []
    if chosen_kinds:
        filters.append(", ".join(kind_names[k] for k in chosen_kinds))
    if chosen_rules:
        filters.append("lý do: " + ", ".join(rule_names[r] for r in chosen_rules))
    phase_label = (phase["phase_name"] if phase is not None else None)
    if filters:
        phase_label = f"{phase_label or 'Toàn bộ kế hoạch'} · {'; '.join(filters)}"
    user = current_user()
    if user is not None and user.can_export:  # exports are for inspection and admins, and are audited
        st.download_button(
            "Tải danh sách (Excel, in khổ A4 ngang)",
            data=_workbook(export, campaign["title"], phase_label, as_of),
            file_name=f"don-vi-cham-tien-do_{code}_{as_of:%Y-%m-%d}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", key="lag_download",
            on_click=audit_event, args=("export.lagging", code,
                                        {"as_of": as_of, "phase": phase_label, "rows": len(export)}),
        )

# ---------------------------------------------------------------------------------------------
# One unit in detail
st.divider()
st.subheader("Chi tiết đơn vị")
units = q("reporting_units", campaign=code)
in_scope = units[units["kind"].isin(chosen_kinds)] if chosen_kinds else units
options = list(view["unit_code"]) + [u for u in in_scope["unit_code"] if u not in set(view["unit_code"])]
names = dict(zip(units["unit_code"], units["unit_name"]))
if st.session_state.get("lag_unit") not in options:
    st.session_state["lag_unit"] = options[0] if options else None
unit = st.selectbox("Đơn vị", options, format_func=lambda u: names.get(u, u), key="lag_unit",
                    help="Các đơn vị chậm tiến độ đứng trước, theo thứ tự xếp hạng; sau đó là các đơn vị khác.")

if unit:
    row = lagging[lagging["unit_code"] == unit]
    rate = rates[rates["unit_code"] == unit]
    if len(row):
        r = row.iloc[0]
        st.markdown(f"**{names[unit]}** — {r['kind_name']} · hạng {int(r['rank'])} toàn tỉnh · "
                    f"điểm {vn_number(r['score'])}")
        st.markdown("\n".join(f"- {x}" for x in r["reasons"]))
    else:
        st.success(f"{names[unit]} không vi phạm tiêu chí chậm tiến độ nào vào ngày đang xem.")

    completion = q("phase_completion_by_unit", campaign=code, as_of=as_of)
    completion = completion[(completion["unit_code"] == unit)
                            & (completion["phase_number"] == (phase["phase_number"] if phase is not None else -1))]
    coverage = q("channel_coverage_by_unit", campaign=code, as_of=as_of)
    coverage = coverage[(coverage["unit_code"] == unit)
                        & (coverage["phase_number"] == (phase["phase_number"] if phase is not None else 0))]
    d1, d2, d3, d4 = st.columns(4)
    if len(rate):
        rr = rate.iloc[0]
        d1.metric("Nộp báo cáo", vn_percent(rr["reporting_rate"]),
                  help=HELP["reporting_rate"], border=True,
                  delta=f"{int(rr['received'])}/{int(rr['expected'])} tuần", delta_color="off", delta_arrow="off")
        d2.metric("Nộp đúng hạn", vn_percent(rr["on_time_rate"]), help=HELP["on_time_rate"], border=True,
                  delta=f"{int(rr['on_time'])}/{int(rr['expected'])} tuần", delta_color="off", delta_arrow="off")
    if len(completion):
        cc = completion.iloc[0]
        d3.metric(f"Hoàn thành {cc['phase_name']}", vn_percent(cc["completion"]), help=HELP["completion"],
                  border=True, delta=f"cần đạt {vn_percent(cc['expected'])}",
                  delta_color="normal" if cc["on_track"] else "inverse",
                  delta_arrow="up" if cc["on_track"] else "down")
    if len(coverage):
        cv = coverage.iloc[0]
        d4.metric(f"Độ phủ kênh — {cv['window_name']}", vn_percent(cv["coverage"]),
                  help=HELP["commune_coverage"], border=True,
                  delta=f"{int(cv['groups_active'])}/{int(cv['groups_assigned'])} hình thức",
                  delta_color="off", delta_arrow="off")

    reports = q("unit_reports", campaign=code, unit=unit, as_of=as_of)
    missing = reports[reports["status"] == "missing"]
    st.markdown("**Báo cáo tuần**" + (
        f" — chưa nộp {len(missing)} tuần: {', '.join(missing['week_label'])}" if len(missing)
        else " — đã nộp đủ các tuần đến hạn"))
    # the weeks as columns in plain HTML (ui/charts.column_bars_html): no plotly on this page
    labels = {"on_time": "Đúng hạn", "late": "Nộp muộn", "missing": "Chưa nộp", "not_due": "Chưa đến hạn"}
    marks = {"missing": "✕", "not_due": "○"}

    def _week(r) -> tuple:
        label = labels.get(r.status, r.status_label)
        if r.status in ("on_time", "late"):
            tip = (f"Tuần {r.week_label}: {label}, nộp ngày {vn_date(r.received_at) if pd.notna(r.received_at) else '—'}"
                   f" · hoạt động: {vn_number(r.activity)} · tin, bài: {vn_number(r.posts)}")
            return r.week_label, r.activity if pd.notna(r.activity) else 0, STATUS_COLORS[r.status], "", tip
        return r.week_label, None, STATUS_COLORS.get(r.status, "#9e9e9e"), marks.get(r.status, "·"), f"Tuần {r.week_label}: {label}"

    shown = [s for s in labels if (reports["status"] == s).any()]
    st.html(column_bars_html([_week(r) for r in reports.itertuples()],
                             [(labels[s], STATUS_COLORS[s], marks.get(s, "")) for s in shown], "Hoạt động / tuần"))

    st.dataframe(
        pd.DataFrame({
            "Tuần": reports["week_label"],
            "Hạn nộp": reports["deadline"].map(lambda d: pd.Timestamp(d).strftime("%H:%M %d/%m/%Y")),
            "Tình trạng": reports["status_label"],
            "Nộp lúc": reports["received_at"].map(
                lambda d: pd.Timestamp(d).strftime("%H:%M %d/%m/%Y") if pd.notna(d) else ""),
            "Hoạt động": reports["activity"].map(vn_number),
            "Tin, bài": reports["posts"].map(vn_number),
            "Số hình thức": reports["groups_active"],
        }),
        hide_index=True, width="stretch", height="content",
        column_config={"Hoạt động": st.column_config.TextColumn(help=HELP["activity"], alignment="right"),
                       "Tin, bài": R},
    )
    if reports["spread"].any():
        st.caption("Một số tuần lấy số liệu từ báo cáo nhiều tuần, chia đều theo ngày.")
    window = phase["phase_number"] if phase is not None else 0
    channels = q("unit_channel_activity", campaign=code, unit=unit, as_of=as_of)
    channels = channels[channels["phase_number"] == window]
    st.markdown(f"**Các hình thức tuyên truyền — {channels['window_name'].iloc[0] if len(channels) else ''}**")
    st.dataframe(
        pd.DataFrame({
            "Hình thức": channels["group_name"],
            "Được giao": channels["assigned"].map({True: "Có", False: "Không"}),
            "Có hoạt động": channels["active"].map({True: "Có", False: "Không"}),
            "Hoạt động": channels["activity"].map(vn_number),
            "Số tuần có hoạt động": channels["weeks_active"],
        }),
        hide_index=True, width="stretch", height="content",
        column_config={"Hoạt động": st.column_config.TextColumn(help=HELP["activity"], alignment="right")},
    )
    tasks = q("phase_completion_by_task", campaign=code, as_of=as_of)
    tasks = tasks[(tasks["unit_code"] == unit) & (tasks["phase_number"] == window)]
    if tasks.empty:
        st.info("Kế hoạch không giao nhiệm vụ có chỉ tiêu cho loại đơn vị này trong đợt.")
    else:
        st.markdown("**Nhiệm vụ có chỉ tiêu trong đợt**")
        st.dataframe(
            pd.DataFrame({
                "Nhiệm vụ": tasks["task_name"],
                # counts: whole numbers (a report spread over days gives a fraction to a phase)
                "Chỉ tiêu đợt": tasks["target"].map(vn_number),
                "Thực hiện": tasks["actual"].map(vn_number),
                "Đạt": 100 * tasks["ratio"],
            }),
            hide_index=True, width="stretch", height="content",
            column_config={"Đạt": st.column_config.ProgressColumn(
                               format="%.0f%%", min_value=0, max_value=100, help=HELP["completion"]),
                           "Chỉ tiêu đợt": R, "Thực hiện": R},
        )
