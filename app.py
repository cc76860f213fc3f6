"""Theo dõi công tác tuyên truyền — routes only: page config, navigation, shared sidebar."""
import streamlit as st

st.set_page_config(page_title="Theo dõi công tác tuyên truyền", page_icon="📣", layout="wide")

PAGES = {
    "Lãnh đạo": [
        st.Page("pages/plan.py", title="Kế hoạch", icon="📋", url_path="ke-hoach", default=True),
    ],
}

page = st.navigation(PAGES)
st.sidebar.caption("Theo dõi công tác tuyên truyền")
page.run()
