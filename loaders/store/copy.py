"""`python -m loaders copy --from X --to Y`: carry a whole store into a new one.

The source is a store (a DuckDB file) or a folder exported to Parquet (EXPORT DATABASE, e.g. by
tools/export_parquet.py with the newer DuckDB that wrote a file this app's engine cannot open). The
target must be new or empty: it is created and migrated as any store is, then every table's rows are
loaded in one transaction (loaders.store.tables.load_tables), the sequences moved past the loaded
ids, and the rollup refreshed where it is stale.

A source on an older schema is brought to the current one first, on a private copy (as restore
does): an export folder is loaded into a file made with exactly the migrations it had recorded, so
the columns match, and that file is then migrated like any older store.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

from loaders.store import db, lake, rollup, tables


class CopyError(Exception):
    """A copy that cannot be made, with a Vietnamese message."""


def is_export_folder(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "load.sql").exists()


def copy(source: str | Path, target: str | Path, actor: str = "cli") -> dict[str, int]:
    """Copy every table of `source` (a file, an export folder or a lake) into the new store `target`
    (a file or a lake); returns rows per table."""
    with tempfile.TemporaryDirectory() as tmp:
        src = None if lake.is_lake(source) else _prepared_source(Path(source), Path(tmp))
        if src is None:
            _check_lake_source(str(source))
        con = db.connect(target)
        try:
            _refuse_unless_empty(con, target)
            if src is None:
                lake.attach(con, str(source), "cm_copy", read_only=True)
            else:
                con.execute(f"attach {db.sql_string(src)} as cm_copy (read_only)")
            try:
                with db.transaction(con):
                    counts = tables.load_tables(con, "cm_copy")
                    db.audit(con, actor, "copy", str(target), json.dumps(
                        {"from": str(source), "rows": sum(counts.values())}, ensure_ascii=False))
            finally:
                con.execute("detach cm_copy")
            rollup.refresh(con)
            if db.is_lake(con):
                lake.seed_table_stats(con)      # the tables the source had empty
        finally:
            con.close()
    return counts


def _refuse_unless_empty(con, target) -> None:
    filled = [t for t in ("submissions", "campaigns", "accounts")
              if con.execute(f"select count(*) from {t}").fetchone()[0]]
    if filled:
        raise CopyError(
            f"Nơi đích {target} đã có dữ liệu (bảng {', '.join(filled)}); lệnh copy chỉ chép vào một cơ sở "
            f"dữ liệu mới hoặc trống, để không ghi đè dữ liệu đang dùng. Chọn nơi đích khác, hoặc dùng "
            f"`restore` để thay toàn bộ dữ liệu bằng một bản sao lưu.")


def _check_lake_source(source: str) -> None:
    """A lake is copied as it is: it must have every shipped migration (open it once with this app)."""
    con = db.connect(source, read_only=True)
    try:
        have = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    finally:
        con.close()
    missing = sorted({v for v, _ in db.migration_files()} - have)
    if missing:
        raise CopyError(f"Kho nguồn {source} chưa được nâng cấp lược đồ ({missing}); chạy "
                        f"`python -m loaders migrate --db '{source}'` trước.")


def _prepared_source(source: Path, tmp: Path) -> Path:
    """A DuckDB file with the source's data on the current schema: the source itself when it is
    already current, else a private migrated copy."""
    if is_export_folder(source):
        work = tmp / "import.duckdb"
        _import_export(source, work)
    elif source.is_file():
        current = _is_current(source)
        if current:
            return source
        work = tmp / "source.duckdb"
        shutil.copyfile(source, work)
    else:
        raise CopyError(f"Không tìm thấy nguồn {source} (một tệp DuckDB hoặc một thư mục đã xuất ra Parquet).")
    try:
        db.connect(work, wait_s=0).close()      # migrates to the current schema
    except db.SchemaMismatch as e:
        raise CopyError(f"Nguồn {source}: {e}") from e
    return work


def _is_current(source: Path) -> bool:
    """True when the source file has every shipped migration (and is not newer than this app)."""
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.IOException as e:
        if "version number" in str(e):
            raise db.NewerEngineFile(db.newer_engine_message(source)) from None
        raise CopyError(f"Không mở được {source}: {e}") from e
    try:
        if "submissions" not in tables.base_tables(con):
            raise CopyError(f"Tệp {source} không phải cơ sở dữ liệu của ứng dụng này.")
        db.check_migrations(con)
        have = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    except db.SchemaMismatch as e:
        raise CopyError(f"Nguồn {source}: {e}") from e
    finally:
        con.close()
    return {v for v, _ in db.migration_files()} <= have


def export_tables(folder: Path) -> dict[str, Path]:
    """Table → Parquet file of an export folder (from its load.sql; the files are looked up in the
    folder itself, so a folder moved after the export still loads)."""
    text = (folder / "load.sql").read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"""COPY\s+(?:"?main"?\.)?("?)([^"\s]+)\1\s+FROM\s+'([^']+)'""", text, re.I):
        out[m.group(2)] = folder / Path(m.group(3)).name
    return out


def _import_export(folder: Path, work: Path) -> None:
    """Load an export folder into a new file made with the migrations the exported store had."""
    files = export_tables(folder)
    if "schema_migrations" not in files or "submissions" not in files:
        raise CopyError(f"Thư mục {folder} không phải bản xuất của cơ sở dữ liệu ứng dụng này "
                        f"(thiếu schema_migrations hoặc submissions trong load.sql).")
    con = duckdb.connect(str(work))
    try:
        recorded = con.execute(f"select version from read_parquet({db.sql_string(files['schema_migrations'])})"
                               ).fetchall()
        versions = {v for (v,) in recorded}
        shipped = db.migration_files()
        unknown = versions - {v for v, _ in shipped}
        if unknown:
            raise CopyError(f"Bản xuất {folder} có bản nâng cấp lược đồ {sorted(unknown)} mà phiên bản ứng "
                            f"dụng này không có; hãy dùng phiên bản ứng dụng mới hơn.")
        db.migrate(con, [(v, p) for v, p in shipped if v in versions])
        with db.transaction(con):
            con.execute("delete from schema_migrations")
            # schema_definitions stays empty: the definitions are applied when the file is migrated
            ordered = tables.parents_first(con, [t for t in files if t in tables.base_tables(con)
                                                  and t != "schema_definitions"])
            for t in ordered:
                con.execute(f'insert into "{t}" by name select * from read_parquet({db.sql_string(files[t])})')
            tables.advance_sequences(con)
    finally:
        con.close()
