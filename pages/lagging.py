"""Placeholder until the page lands (being built now)."""
import streamlit as st

from pages.common import campaign_sidebar

campaign_sidebar()
st.info("Trang đang được xây dựng.")
