"""Shared fixtures: a ready database (schema, master data, indicators, campaigns) built once per test
session through the real loaders, and a private copy of it per test.

- `ready_db_path`  session-scoped path of the built database (do not write to it);
- `db_path`        a fresh copy for one test (a file in tmp_path);
- `con`            a connection to that copy, closed after the test;
- `ready_con`      one read-only connection to the built database for the whole session, for tests
                   that only read (much faster than a copy per test).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loaders import setup as bootstrap
from loaders.store import db


@pytest.fixture(scope="session", autouse=True)
def store_cache(tmp_path_factory) -> Path:
    """The cached set-up store that new stores of the ingest command copy (loaders/setup.py: new_store):
    the tests' own, under their temporary folder (set in the environment: subprocesses inherit it)."""
    import os

    folder = tmp_path_factory.mktemp("store-cache")
    os.environ["CM_STORE_CACHE"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def ready_db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ready") / "ready.duckdb"
    con = db.connect(path)
    bootstrap.ensure_ready(con)
    con.execute("checkpoint")
    con.close()
    return path


@pytest.fixture
def db_path(ready_db_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "test.duckdb"
    shutil.copyfile(ready_db_path, path)
    return path


@pytest.fixture
def con(db_path: Path):
    c = db.connect(db_path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def ready_con(ready_db_path: Path):
    c = db.connect(ready_db_path, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="session")
def demo_path(ready_db_path: Path, tmp_path_factory) -> Path:
    """The demo database of daklak-2025 (tests/demo_db.py), built once for the page tests that read it."""
    from tests import demo_db

    return demo_db.build(ready_db_path, tmp_path_factory)


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the whole session (tests/pg.py); each lake gets a database."""
    from tests import pg

    server = pg.Server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lake_data(tmp_path_factory) -> Path:
    """The data folder of every test lake (CM_LAKE_DATA); the file names DuckLake writes are unique."""
    return tmp_path_factory.mktemp("lake-data")


@pytest.fixture
def new_lake(postgres, lake_data, monkeypatch):
    """new_lake() → the location of a new, empty lake (ducklake:postgres:<DSN>); CM_LAKE_DATA set."""
    monkeypatch.setenv("CM_LAKE_DATA", str(lake_data))
    return lambda: "ducklake:postgres:" + postgres.new_database("lake")


@pytest.fixture(scope="session")
def demo_lake(demo_path, postgres, lake_data) -> str:
    """The demo store (demo_path) copied into a lake, built once for the tests that only read it."""
    import os

    from loaders.store import copy

    os.environ["CM_LAKE_DATA"] = str(lake_data)
    location = "ducklake:postgres:" + postgres.new_database("demo")
    copy.copy(demo_path, location)
    return location
