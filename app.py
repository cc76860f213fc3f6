"""Theo dõi công tác tuyên truyền — routes only: page config, navigation, shared sidebar."""
import streamlit as st

st.set_page_config(page_title="Theo dõi công tác tuyên truyền", page_icon=":material/campaign:", layout="wide")

PAGES = {
    "Lãnh đạo": [
        st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", url_path="tong-quan", default=True),
        st.Page("pages/map.py", title="Bản đồ", icon=":material/map:", url_path="ban-do"),
        st.Page("pages/timeline.py", title="Tiến độ", icon=":material/timeline:", url_path="tien-do"),
        st.Page("pages/plan.py", title="Kế hoạch", icon=":material/description:", url_path="ke-hoach"),
    ],
    "Kiểm tra": [
        st.Page("pages/lagging.py", title="Xã chậm tiến độ", icon=":material/warning:", url_path="xa-cham-tien-do"),
        st.Page("pages/submissions.py", title="Tình hình nộp báo cáo", icon=":material/fact_check:", url_path="tinh-hinh-nop"),
    ],
    "Đơn vị": [
        st.Page("pages/upload.py", title="Nộp báo cáo", icon=":material/upload_file:", url_path="nop-bao-cao"),
    ],
    "Quản trị": [
        st.Page("pages/settings.py", title="Cài đặt", icon=":material/settings:", url_path="cai-dat"),
    ],
}

page = st.navigation(PAGES)
st.sidebar.caption("Theo dõi công tác tuyên truyền")
page.run()
