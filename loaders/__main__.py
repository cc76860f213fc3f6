"""Command line for everything that writes: `python -m loaders --help`.

One module per subcommand in loaders/cli/, each with `HELP`, `add_arguments(parser)` and
`run(args) -> int`. Only the module of the subcommand being run is imported (its options are added
then), so `--help` and every command start fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name → help text; the module is loaders.cli.<name>. The texts are repeated here (not read from the
# modules) so that listing the commands imports none of them.
COMMANDS = {
    "init": "Tạo/nâng cấp cơ sở dữ liệu và nạp dữ liệu gốc (đơn vị hành chính, chỉ tiêu, kế hoạch)",
    "migrate": "Chỉ áp dụng các bản nâng cấp lược đồ còn thiếu",
    "ingest": "Nạp các tệp báo cáo tuần (tệp hoặc thư mục)",
    "template": "Tạo tệp mẫu báo cáo cho một đơn vị và một tuần",
    "demo": "Sinh dữ liệu minh họa cho một kế hoạch và nạp vào cơ sở dữ liệu",
    "backup": "Sao lưu nhất quán cơ sở dữ liệu (kể cả khi ứng dụng đang chạy)",
    "restore": "Khôi phục cơ sở dữ liệu từ một bản sao lưu",
    "copy": "Chép toàn bộ dữ liệu sang một cơ sở dữ liệu mới (tệp, kho DuckLake, hoặc từ thư mục Parquet đã xuất)",
    "user": "Quản lý tài khoản (tạo quản trị đầu tiên, đặt lại mật khẩu, liệt kê)",
    "boundaries": "Nạp ranh giới hành chính từ tệp, hoặc tạo ranh giới gần đúng",
    "briefing": "Viết báo cáo tuần hoặc báo cáo đợt (.docx) theo thể thức Nghị định 30/2020/NĐ-CP",
    "sql": "Chạy một câu lệnh SQL chỉ đọc (cho quản trị), in bảng hoặc JSON (--json)",
    "remind": "Nhắc các đơn vị chưa nộp báo cáo tuần (in ra, hoặc gửi email với --send)",
}


def command_module(name: str):
    return importlib.import_module(f"loaders.cli.{name}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the options of `command` (when it names a subcommand) are added to its subparser."""
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Theo dõi công tác tuyên truyền: các lệnh ghi dữ liệu vào cơ sở dữ liệu DuckDB.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", help="tệp DuckDB, hoặc kho ducklake:postgres:<chuỗi kết nối> (dữ liệu trong "
                                    "CM_LAKE_DATA); mặc định: biến CM_DB hoặc data/db/campaign.duckdb")
        if name == command:
            command_module(name).add_arguments(p)
    return parser


def main(argv: list[str] | None = None, own_process: bool = False) -> int:
    """own_process: this process runs the one command and ends (`python -m loaders`, not a caller
    in a process that goes on): the command may then set the process up for itself (own_process())."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # the subcommand is the first word (every option, --db included, belongs to a subcommand)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    from loaders.store.db import DatabaseBusy, NewerEngineFile, SchemaMismatch
    from loaders.store.lake import LakeError

    try:
        module = command_module(args.command)
        if own_process and hasattr(module, "own_process"):
            module.own_process()
        return int(module.run(args) or 0)
    except (DatabaseBusy, SchemaMismatch, NewerEngineFile, LakeError) as e:
        # the failures every command shares (the file is busy; its schema differs from this app's; a
        # newer DuckDB wrote it; the lake cannot be reached):
        # say why and what to do, no traceback
        print(f"Lỗi: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(own_process=True))
