"""Theo dõi công tác tuyên truyền — routes only: page config, sign-in, navigation by role, sidebar."""
import streamlit as st

from loaders.accounts import auth
from ui.common import current_user, sign_out

st.set_page_config(page_title="Theo dõi công tác tuyên truyền", page_icon=":material/campaign:", layout="wide")

OVERVIEW = st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", url_path="tong-quan")
MAP = st.Page("pages/map.py", title="Bản đồ", icon=":material/map:", url_path="ban-do")
TIMELINE = st.Page("pages/timeline.py", title="Tiến độ", icon=":material/timeline:", url_path="tien-do")
PLAN = st.Page("pages/plan.py", title="Kế hoạch", icon=":material/description:", url_path="ke-hoach")
LAGGING = st.Page("pages/lagging.py", title="Xã chậm tiến độ", icon=":material/warning:", url_path="xa-cham-tien-do")
SUBMISSIONS = st.Page("pages/submissions.py", title="Tình hình nộp báo cáo", icon=":material/fact_check:",
                      url_path="tinh-hinh-nop")
UPLOAD = st.Page("pages/upload.py", title="Nộp báo cáo", icon=":material/upload_file:", url_path="nop-bao-cao")
SETTINGS = st.Page("pages/settings.py", title="Cài đặt", icon=":material/settings:", url_path="cai-dat")
AUDIT = st.Page("pages/audit.py", title="Nhật ký hoạt động", icon=":material/history:", url_path="nhat-ky")

# What each role sees. Hiding a page is only the first line: the loaders and queries check the role too.
LEADERSHIP = [OVERVIEW, MAP, TIMELINE, PLAN]
INSPECTION = [LAGGING, SUBMISSIONS]
NAVIGATION = {
    "quan_tri": {"Lãnh đạo": LEADERSHIP, "Kiểm tra": INSPECTION, "Đơn vị": [UPLOAD],
                 "Quản trị": [SETTINGS, AUDIT]},
    "lanh_dao": {"Lãnh đạo": LEADERSHIP, "Kiểm tra": INSPECTION},
    "kiem_tra": {"Kiểm tra": INSPECTION, "Lãnh đạo": LEADERSHIP},
    "can_bo": {"Đơn vị": [UPLOAD, SUBMISSIONS, PLAN]},
}

user = current_user()
if user is None:
    page = st.navigation([st.Page("pages/login.py", title="Đăng nhập", icon=":material/login:",
                                  url_path="dang-nhap")], position="hidden")
    page.run()
    st.stop()

page = st.navigation(NAVIGATION[user.role])
with st.sidebar:
    st.caption(f"{user.display_name} · {auth.ROLES[user.role]}")
    if st.button("Đăng xuất", key="logout", icon=":material/logout:"):
        sign_out()
        st.rerun()
page.run()
