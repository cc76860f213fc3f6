"""Export a DuckDB store to a folder of Parquet files with whichever duckdb runs this script.

A one-time step to carry a store written by a newer DuckDB (one this app's pinned engine cannot
open, loaders.store.db.NewerEngineFile) over to this app: run it with the engine that wrote the
file, then `python -m loaders copy --from FOLDER --to NEW_STORE`. It imports nothing from this
project, so it runs under any duckdb:

    python3 -m venv /tmp/duckdb-cu && /tmp/duckdb-cu/bin/pip install duckdb==2.0.0
    /tmp/duckdb-cu/bin/python tools/export_parquet.py data/db/campaign.duckdb /tmp/cm-xuat
"""
from __future__ import annotations

import sys


def export(store: str, folder: str) -> None:
    import duckdb

    con = duckdb.connect(store, read_only=True)
    try:
        con.execute("export database " + "'" + folder.replace("'", "''") + "'" + " (format parquet)")
    finally:
        con.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("Cách dùng: python export_parquet.py TỆP_DUCKDB THƯ_MỤC_XUẤT", file=sys.stderr)
        sys.exit(2)
    export(sys.argv[1], sys.argv[2])
    print(f"Đã xuất {sys.argv[1]} ra {sys.argv[2]}; tiếp theo: python -m loaders copy --from {sys.argv[2]} --to …")
