"""Theo dõi công tác tuyên truyền — routes only: page config, sign-in, navigation by role, sidebar.

`streamlit run app.py` reads this file twice. The server imports it once as a module (not
"__main__") and finds `app` below, an st.App: the app's own HTTP routes (the HttpOnly session cookie,
ui/session.py) beside Streamlit's. Every script run executes it as "__main__": main() draws the page."""
import streamlit as st

from loaders import api
from ui import later, session
from ui.common import connection, current_user, new_run, shared_connection, sign_out
from ui.vietnamese import apply_page_style

# Every page: (script, title, icon, address). Built anew on each run (st.Page objects carry their
# visibility, which depends on the account).
PAGES = {
    "overview": ("pages/overview.py", "Tổng quan", ":material/dashboard:", "tong-quan"),
    "map": ("pages/map.py", "Bản đồ", ":material/map:", "ban-do"),
    "timeline": ("pages/timeline.py", "Tiến độ", ":material/timeline:", "tien-do"),
    "plan": ("pages/plan.py", "Kế hoạch", ":material/description:", "ke-hoach"),
    "lagging": ("pages/lagging.py", "Xã chậm tiến độ", ":material/warning:", "xa-cham-tien-do"),
    "submissions": ("pages/submissions.py", "Tình hình nộp báo cáo", ":material/fact_check:", "tinh-hinh-nop"),
    "upload": ("pages/upload.py", "Nộp báo cáo", ":material/upload_file:", "nop-bao-cao"),
    "settings": ("pages/settings.py", "Cài đặt", ":material/settings:", "cai-dat"),
    "reminders": ("pages/reminders.py", "Nhắc nộp báo cáo", ":material/notifications:", "nhac-nop-bao-cao"),
    "audit": ("pages/audit.py", "Nhật ký hoạt động", ":material/history:", "nhat-ky"),
    "unclassified": ("pages/unclassified.py", "Chỉ tiêu chưa phân loại", ":material/label_off:",
                     "chi-tieu-chua-phan-loai"),
}

# What each role sees. Hiding a page is only the first line: the loaders and queries check the role too.
LEADERSHIP = ["overview", "map", "timeline", "plan"]
INSPECTION = ["lagging", "submissions", "reminders"]
NAVIGATION = {
    "quan_tri": {"Lãnh đạo": LEADERSHIP, "Kiểm tra": INSPECTION + ["unclassified"], "Đơn vị": ["upload"],
                 "Quản trị": ["settings", "audit"]},
    "lanh_dao": {"Lãnh đạo": LEADERSHIP, "Kiểm tra": INSPECTION},
    "kiem_tra": {"Kiểm tra": INSPECTION + ["unclassified"], "Lãnh đạo": LEADERSHIP},
    "can_bo": {"Đơn vị": ["upload", "submissions", "plan"]},
}


def _page(key: str, hidden: bool = False) -> st.Page:
    script, title, icon, url = PAGES[key]
    return st.Page(script, title=title, icon=icon, url_path=url, visibility="hidden" if hidden else "visible")


def _root() -> None:
    """The page Streamlit serves at the app's root ("/"). It is never drawn: app.py sends the person
    on to a real page. Streamlit registers its default page under "" only, so a real page made the
    default answered its own address (/tong-quan: a new tab, a bookmark) with "Page not found"
    (issue 13); this hidden stand-in takes the root and every real page keeps its address."""


def _entry_pages() -> tuple[st.Page, st.Page]:
    """The root stand-in (the default page) and the sign-in form's own address, both hidden."""
    root = st.Page(_root, title="Theo dõi công tác tuyên truyền", url_path="trang-chu", default=True,
                   visibility="hidden")
    login = st.Page("pages/login.py", title="Đăng nhập", icon=":material/login:", url_path="dang-nhap",
                    visibility="hidden")
    return root, login


def main() -> None:
    st.set_page_config(page_title="Theo dõi công tác tuyên truyền", page_icon=":material/campaign:", layout="wide")
    apply_page_style()
    new_run()
    later.new_run()
    user = current_user()
    session.write_cookie()
    if user is None:
        # Every page is registered (hidden) so that a bookmarked address resolves, without Streamlit's
        # "page not found" box; the form shows on it, and after sign-in the person lands there.
        root, login = _entry_pages()
        pages = {k: _page(k, hidden=True) for k in PAGES}
        asked = st.navigation([root, login, *pages.values()], position="hidden")
        if asked is not root and asked is not login:
            st.session_state["auth_wanted"] = next(k for k, p in pages.items() if p.url_path == asked.url_path)
        user = session.login_form(connection())
        if user is None:
            st.stop()
        allowed = [k for keys in NAVIGATION[user.role].values() for k in keys]
        wanted = st.session_state.pop("auth_wanted", None)
        later.signed_in()       # the first page draws its first screen first (ui/later.py)
        st.switch_page(pages[wanted if wanted in allowed else allowed[0]])

    sections = {name: [_page(k) for k in keys] for name, keys in NAVIGATION[user.role].items()}
    allowed = {k for keys in NAVIGATION[user.role].values() for k in keys}
    # pages of other roles stay reachable by address but hidden, and show a refusal instead of a
    # "page not found" box
    others = [_page(k, hidden=True) for k in PAGES if k not in allowed]
    first = next(iter(sections))
    root, login = _entry_pages()
    sections[first] = sections[first] + others + [root, login]
    page = st.navigation(sections)
    if page is root or page is login:      # the app's root, or the form's address once signed in
        st.switch_page(sections[first][0])
    with st.sidebar:
        st.caption(f"{user.display_name} · {api.ROLES[user.role]}")
        if st.button("Đăng xuất", key="logout", icon=":material/logout:"):
            sign_out()
            st.rerun()
    if any(page.url_path == p.url_path for p in others):
        st.warning("Tài khoản của bạn không xem được trang này.")
        st.page_link(sections[first][0], label=f"Về trang {sections[first][0].title}")
        st.stop()
    page.run()


if __name__ == "__main__":
    main()
else:
    # The server's start (see the docstring). Streamlit picks a pages/ folder beside the main script
    # as an old-style multipage app until a run calls st.navigation: the first session after a start
    # that opens a page's address (a bookmark) got an English "Page not found" box and the main
    # page. This app always navigates with st.navigation, so the folder is never the page list;
    # the switch st.navigation itself sets is set before any session (issue 13).
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    app = st.App(__file__, routes=session.routes(shared_connection))
    from ui import warm

    warm.start()        # what the first pages would load on first use, in the background (ui/warm.py)
