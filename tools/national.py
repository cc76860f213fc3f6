"""`make national`: the national deployment on one machine (README, "Triển khai toàn quốc").

A local PostgreSQL (Debian's package) in data/db/pg holds the lake's catalog, the data files go to
data/db/lake-data; the national-scale store of bench/bench_metrics.py (34 provinces, ~4 M report
values; built once into bench/out/metrics.duckdb) is copied into the lake the first time; then two
app instances serve the same lake on two ports, as two machines behind a reverse proxy would.

    .venv/bin/python tools/national.py [--ports 8501 8502] [--pg-port 5433]

Ctrl-C stops the instances and the PostgreSQL server (the data stays for the next run).
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PG_DIR = ROOT / "data" / "db" / "pg"
LAKE_DATA = ROOT / "data" / "db" / "lake-data"


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        sys.exit(f"Thiếu PostgreSQL ({name}): apt-get install postgresql")
    return found


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_postgres(port: int) -> None:
    """initdb once (as the postgres user when run as root: initdb refuses root), then start on
    127.0.0.1:port with its socket in data/db/pg."""
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PG_DIR, "postgres")
    data = PG_DIR / "data"
    if not (data / "PG_VERSION").exists():
        subprocess.run([*_as_postgres(), _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--locale", "C"], check=True, stdout=subprocess.DEVNULL)
    running = subprocess.run([*_as_postgres(), _bin("pg_ctl"), "-D", str(data), "status"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not running:
        subprocess.run([*_as_postgres(), _bin("pg_ctl"), "-D", str(data), "-l", str(PG_DIR / "log"), "-w",
                        "-o", f"-p {port} -k {PG_DIR} -c listen_addresses=127.0.0.1", "start"], check=True)


def stop_postgres() -> None:
    subprocess.run([*_as_postgres(), _bin("pg_ctl"), "-D", str(PG_DIR / "data"), "-m", "fast", "stop"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ensure_database(port: int, name: str = "cm") -> str:
    import psycopg

    dsn = f"host=127.0.0.1 port={port} user=postgres"
    with psycopg.connect(f"{dsn} dbname=postgres", autocommit=True) as con:
        if not con.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            con.execute(f'create database "{name}"')
    return f"ducklake:postgres:{dsn} dbname={name}"


def ensure_national_data(where: str) -> None:
    from loaders import api
    from loaders.store import copy, db

    con = db.connect(where)      # for writing: the first time, this creates the lake (read-only cannot)
    empty = con.execute("select count(*) from campaigns").fetchone()[0] == 0
    con.close()
    if empty:
        import bench_metrics

        if not bench_metrics.DB.exists():
            print("Đang tạo kho dữ liệu quy mô toàn quốc (bench/out/metrics.duckdb)…", flush=True)
            bench_metrics.build(bench_metrics.DB)
        print("Đang chép kho toàn quốc vào DuckLake…", flush=True)
        t = time.perf_counter()
        copy.copy(bench_metrics.DB, where)
        print(f"  xong trong {time.perf_counter() - t:.0f} giây", flush=True)
    # the app's first-start work (polygons, demo accounts) once, before two instances start at once
    con = db.connect(where)
    try:
        api.prepare(con)
        # the bench reports are no demo reports, so prepare makes no demo account: without one, the
        # instances would only show how to create the first admin
        from loaders.accounts import auth

        if not auth.has_accounts(con):
            for username, name, role, password, _ in auth.DEMO_ACCOUNTS[:2]:
                auth.create_account(con, username, password, role, name, [], actor="national")
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ports", type=int, nargs="+", default=[8501, 8502])
    ap.add_argument("--pg-port", type=int, default=5433)
    args = ap.parse_args(argv)
    os.environ["CM_LAKE_DATA"] = str(LAKE_DATA)
    start_postgres(args.pg_port)
    procs: list[subprocess.Popen] = []
    try:            # whatever fails or stops (Ctrl-C included), the instances and the server stop
        where = ensure_database(args.pg_port)
        os.environ["CM_DB"] = where
        ensure_national_data(where)
        procs = [subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                                   str(port), "--server.headless", "true"], cwd=ROOT, env=os.environ.copy())
                 for port in args.ports]
        print("Kho: " + where + f" (dữ liệu: {LAKE_DATA})")
        print("Hai phiên bản ứng dụng dùng chung một kho: " + ", ".join(f"http://localhost:{p}" for p in args.ports))
        print("Đăng nhập: quantri / demo-quantri (quản trị), lanhdao / demo-lanhdao (lãnh đạo). Ctrl-C để dừng.",
              flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        stop_postgres()
    return 0


if __name__ == "__main__":
    sys.exit(main())
