"""The briefing download buttons of the overview (loaders/outputs/briefing.py): the weekly briefing of
the latest due week (the week the overview shows) and the briefing of the chosen phase, as Word files.

The document is built only when a button is pressed (Streamlit's deferred download data), through
the same named queries, parameters and account as the page, so it says what the page shows. Each
download is audited (export.briefing).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import queries
from loaders.api import build_briefing
from ui.common import audit_event, connection, current_user, q

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _builder(code: str, as_of, **period):
    user = current_user()
    con = connection()

    def run(name: str, **params) -> pd.DataFrame:
        return queries.run(name, con=con, user=user, **params)

    return lambda: build_briefing(run, code, as_of, **period)


def briefing_buttons(campaign: dict, phase: dict | None) -> None:
    """One row of buttons: the weekly briefing, and the phase briefing when a phase is chosen."""
    user = current_user()
    if user is None or not user.reads_all:
        return
    code, as_of = campaign["campaign_code"], campaign["as_of"]
    weeks = q("reporting_rate_by_week", campaign=code, as_of=as_of)
    left, right, _ = st.columns([3, 3, 4])
    if len(weeks):
        week = pd.Timestamp(weeks["week_start"].iloc[-1]).date()
        left.download_button(
            f"Báo cáo tuần {weeks['week_label'].iloc[-1]} (Word)", data=_builder(code, as_of, week=week),
            file_name=f"bao-cao-tuan_{code}_{week:%Y-%m-%d}.docx", mime=DOCX, icon=":material/description:",
            key="brief_week", on_click=audit_event, args=("export.briefing", code, {"as_of": as_of, "week": week}),
            help="Báo cáo kết quả công tác tuyên truyền của tuần gần nhất đã đến hạn, theo thể thức văn bản "
                 "hành chính (Nghị định 30/2020/NĐ-CP), số liệu như trên trang này.")
    if phase and pd.Timestamp(phase["start_date"]) <= pd.Timestamp(as_of):
        n = int(phase["phase_number"])
        right.download_button(
            f"Báo cáo {phase['phase_name']} (Word)", data=_builder(code, as_of, phase=n),
            file_name=f"bao-cao-dot-{n}_{code}_{pd.Timestamp(as_of):%Y-%m-%d}.docx", mime=DOCX,
            icon=":material/description:", key="brief_phase",
            on_click=audit_event, args=("export.briefing", code, {"as_of": as_of, "phase": n}),
            help="Báo cáo kết quả của đợt đang chọn đến ngày đang xem.")
