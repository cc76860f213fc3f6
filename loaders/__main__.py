"""Command line for everything that writes: `python -m loaders --help`.

Each subcommand lives in its own module, which provides `add_arguments(parser)` and `run(args) -> int`;
modules are imported only when their subcommand runs, so `--help` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name → (module, help text)
COMMANDS = {
    "init": ("loaders.setup", "Tạo/nâng cấp cơ sở dữ liệu và nạp dữ liệu gốc (đơn vị hành chính, chỉ tiêu, kế hoạch)"),
    "migrate": ("loaders.setup", "Chỉ áp dụng các bản nâng cấp lược đồ còn thiếu"),
    "ingest": ("loaders.cli.ingest", "Nạp các tệp báo cáo tuần (tệp hoặc thư mục)"),
    "template": ("loaders.outputs.template", "Tạo tệp mẫu báo cáo cho một đơn vị và một tuần"),
    "demo": ("loaders.demo.generator", "Sinh dữ liệu minh họa cho một kế hoạch và nạp vào cơ sở dữ liệu"),
    "backup": ("loaders.store.backup", "Sao lưu nhất quán cơ sở dữ liệu (kể cả khi ứng dụng đang chạy)"),
    "restore": ("loaders.store.backup", "Khôi phục cơ sở dữ liệu từ một bản sao lưu"),
    "user": ("loaders.cli.user", "Quản lý tài khoản (tạo quản trị đầu tiên, đặt lại mật khẩu, liệt kê)"),
    "boundaries": ("loaders.reference.boundaries", "Nạp ranh giới hành chính từ tệp, hoặc tạo ranh giới gần đúng"),
    "briefing": ("loaders.cli.briefing", "Viết báo cáo tuần hoặc báo cáo đợt (.docx) theo thể thức Nghị định 30/2020/NĐ-CP"),
    "remind": ("loaders.cli.remind", "Nhắc các đơn vị chưa nộp báo cáo tuần (in ra, hoặc gửi email với --send)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Theo dõi công tác tuyên truyền: các lệnh ghi dữ liệu vào cơ sở dữ liệu DuckDB.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", help="đường dẫn tệp DuckDB (mặc định: biến CM_DB hoặc data/db/campaign.duckdb)")
        p.set_defaults(_module=module)
        if name in sys.argv[1:2]:
            mod = importlib.import_module(module)
            if hasattr(mod, "add_arguments"):
                mod.add_arguments(p, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sys.argv[1:] = argv
    args = build_parser().parse_args(argv)
    mod = importlib.import_module(args._module)
    from loaders.store.db import DatabaseBusy

    try:
        return int(mod.run(args) or 0)
    except DatabaseBusy as e:
        # the one failure every writing command shares: say why and what to do, no traceback
        print(f"Lỗi: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
