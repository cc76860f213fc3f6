"""Đăng nhập: local accounts (argon2id hashes, lockout after repeated failures). app.py shows the
form itself (ui/session.py) on whatever page was asked for; this page is the address of the form."""
from __future__ import annotations

import streamlit as st

from ui.common import connection
from ui.session import login_form

