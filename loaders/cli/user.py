"""`python -m loaders user ...`: create the first admin and manage local accounts from the shell.

Passwords are read from the terminal (never echoed) or, for scripts, from standard input with
--password-stdin; never from an argument, which would land in the shell history.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from loaders import setup as bootstrap
from loaders.accounts import auth
from loaders.store import db


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["add", "passwd", "list"],
                   help="add: tạo tài khoản · passwd: đặt lại mật khẩu · list: liệt kê")
    p.add_argument("username", nargs="?", help="tên đăng nhập")
    p.add_argument("--role", choices=list(auth.ROLES), default="quan_tri",
                   help="vai trò: " + ", ".join(f"{k} ({v})" for k, v in auth.ROLES.items()))
    p.add_argument("--name", help="họ tên hiển thị")
    p.add_argument("--unit", action="append", default=[], metavar="KẾ_HOẠCH:MÃ_ĐƠN_VỊ",
                   help="đơn vị gắn với tài khoản cán bộ (lặp lại được), ví dụ daklak-2025:24121")
    p.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ đầu vào chuẩn")


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise auth.AuthError("Hai lần nhập mật khẩu không khớp.")
    return first


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)
    bootstrap.ensure_ready(con)
    try:
        if args.action == "list":
            for u, n, r, locked in con.execute(
                    "select username, display_name, role, locked_until from accounts order by username").fetchall():
                print(f"{u:<20} {auth.ROLES[r]:<15} {n}" + (f"  (khóa đến {locked:%d/%m/%Y %H:%M})" if locked else ""))
            return 0
        if not args.username:
            print("Lỗi: cần tên đăng nhập.", file=sys.stderr)
            return 2
        if args.action == "add":
            units = []
            for spec in args.unit:
                if ":" not in spec:
                    print(f"Lỗi: “{spec}” cần dạng KẾ_HOẠCH:MÃ_ĐƠN_VỊ.", file=sys.stderr)
                    return 2
                units.append(tuple(spec.split(":", 1)))
            user = auth.create_account(con, args.username, _password(args), args.role, args.name, units,
                                       actor="cli")
            print(f"Đã tạo tài khoản {user.username} ({auth.ROLES[user.role]}).")
        else:
            auth.load_user(con, args.username)
            auth.set_password(con, args.username, _password(args), actor="cli")
            print(f"Đã đặt lại mật khẩu cho {args.username}.")
    except auth.AuthError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1
    return 0
