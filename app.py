"""Theo dõi công tác tuyên truyền — routes only: page config, navigation, shared sidebar."""
import streamlit as st

st.set_page_config(page_title="Theo dõi công tác tuyên truyền", page_icon="📣", layout="wide")

PAGES = {
    "Lãnh đạo": [
        st.Page("pages/overview.py", title="Tổng quan", icon="📊", url_path="tong-quan", default=True),
        st.Page("pages/map.py", title="Bản đồ", icon="🗺️", url_path="ban-do"),
        st.Page("pages/timeline.py", title="Tiến độ", icon="📈", url_path="tien-do"),
        st.Page("pages/plan.py", title="Kế hoạch", icon="📋", url_path="ke-hoach"),
    ],
    "Kiểm tra": [
        st.Page("pages/lagging.py", title="Xã chậm tiến độ", icon="⚠️", url_path="xa-cham-tien-do"),
        st.Page("pages/submissions.py", title="Tình hình nộp báo cáo", icon="🗂️", url_path="tinh-hinh-nop"),
    ],
    "Đơn vị": [
        st.Page("pages/upload.py", title="Nộp báo cáo", icon="📤", url_path="nop-bao-cao"),
    ],
    "Quản trị": [
        st.Page("pages/settings.py", title="Cài đặt", icon="⚙️", url_path="cai-dat"),
    ],
}

page = st.navigation(PAGES)
st.sidebar.caption("Theo dõi công tác tuyên truyền")
page.run()
