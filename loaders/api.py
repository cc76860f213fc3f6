"""The write API of the app: the one door from the UI (ui/, pages/, app.py) into loaders/.

Pages read through `queries.run` only; everything they change goes through a function here: set the
store up at first start, upload report files, build a template, edit a campaign's settings, import
boundary files, sign in, record an event. Each writer refreshes the weekly rollup in or right after
its transaction (loaders/store/rollup.py), so a read never has to.

The names the UI needs besides (connection holder, constants, file builders) are re-exported here,
so that the layers test (tests/test_layers.py) can hold the UI to this one module of loaders.
"""
from __future__ import annotations

import contextlib
import json
import os
from datetime import date
from typing import Callable

import duckdb

from loaders import setup
from loaders.accounts import auth
from loaders.accounts import contacts  # noqa: F401 (unit contacts and reminders: ui/contacts.py, pages/reminders.py)
from loaders.accounts import settings_edit
from loaders.accounts.auth import (COOKIE, ROLES, SESSION_MINUTES, AuthError, User,  # noqa: F401
                                   close_session, open_session, resume_session, session_expired)
from loaders.accounts.settings_edit import WEEKDAY_LABELS, SettingsError  # noqa: F401
from loaders.ingest import annotate
from loaders.ingest.unclassified import MAPPERS, MappingError, map_wording, undo_mapping  # noqa: F401
from loaders.ingest import pipeline
from loaders.ingest.pipeline import FileResult
from loaders.outputs import briefing  # noqa: F401 (the weekly briefing: ui/briefing.py)
from loaders.outputs import template
from loaders.outputs.export import csv_bytes, lagging_workbook  # noqa: F401
from loaders.reference import boundaries, unit_codes
from loaders.reference.boundaries import (SOURCE_FILE_PREFIX, BoundaryFileError,  # noqa: F401
                                          feature_collection, read_boundary_file)
from loaders.reference.boundaries import shipped  # noqa: F401 (the shipped polygons: mode, attribution)
from loaders.reference.campaigns import KIND_NAMES  # noqa: F401
from loaders.store import db, rollup
from loaders.store.db import DatabaseBusy, SharedConnection, db_path  # noqa: F401

Progress = Callable[[int, int, str], None]


# -- first start ----------------------------------------------------------------------------------

def prepare(con: duckdb.DuckDBPyConnection, demo: bool | None = None,
            progress: Progress | None = None, notice: Callable[[str], object] | None = None) -> None:
    """Bring the app's database to a usable state: official commune codes (a store built before
    them is rewritten once), master data, indicators, campaigns and map polygons when it has none
    (or polygons from an older file), and (demo, default from CM_DEMO) the demo reports and accounts
    when it has no report at all. notice(text): a context manager shown while it works."""
    demo = os.environ.get("CM_DEMO", "1") != "0" if demo is None else demo
    notice = notice or (lambda text: contextlib.nullcontext())
    recoded = False
    if not unit_codes.is_done(con):
        # a store built before official commune codes (issue 11): its codes are rewritten once
        with notice("Đang chuyển mã đơn vị hành chính sang mã chính thức…"):
            recoded = bool(unit_codes.upgrade(con))
    if con.execute("select count(*) from campaigns").fetchone()[0] == 0:
        with notice("Đang khởi tạo cơ sở dữ liệu (đơn vị hành chính, chỉ tiêu, kế hoạch)…"):
            setup.ensure_ready(con)
    elif recoded or not shipped.is_current(con):
        # a store made before the shipped polygons (or with an older file), or whose master data was
        # just reloaded by the code rewrite (units' centres back to the packaged ones)
        with notice("Đang nạp ranh giới xã, phường…"):
            shipped.ensure_map_boundaries(con, reload=recoded)
            rollup.refresh(con)
    if demo:
        from loaders.demo import generator

        if con.execute("select count(*) from submissions").fetchone()[0] == 0:
            generator.ensure_demo(con, progress=progress)
        auth.ensure_demo_accounts(con)


# -- reports ----------------------------------------------------------------------------------------

def upload_items(data: bytes, file_name: str):
    """The files an upload holds: (name, bytes, refusal); a .zip's members one by one."""
    return pipeline.upload_items(data, file_name)


def upload(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, campaign_code: str,
           user: User | None, refusal: str | None = None) -> FileResult:
    """Check and store one report file (one transaction). The rollup is refreshed by `uploaded`,
    once per batch of files."""
    return pipeline.ingest_bytes(con, data, file_name, campaign_code, user=user, refusal=refusal,
                                 refresh=False)


def annotated_workbook(data: bytes, file_name: str, result: FileResult) -> bytes | None:
    """For a rejected file, the workbook with comments at the faulty cells (no database needed)."""
    return annotate.annotated_workbook(data, file_name, result) if result.status == "rejected" else None


def uploaded(con: duckdb.DuckDBPyConnection, campaign_code: str) -> None:
    """After a batch of uploads with at least one accepted file: refresh the campaign's rollup."""
    rollup.refresh(con, campaign_code)


def template_workbook(con: duckdb.DuckDBPyConnection, campaign_code: str, unit_code: str, week: date) -> bytes:
    return template.build_template(con, campaign_code, unit_code, week)


def template_filename(campaign_code: str, unit_code: str, week: date) -> str:
    return template.template_filename(campaign_code, unit_code, week)


# -- campaign settings (each edit refreshes the campaign's rollup itself) ---------------------------

def overlaps_allowed(con, code: str) -> tuple[bool, str | None]:
    return settings_edit.overlaps_allowed(con, code)


def update_details(con, code: str, changes: dict, actor: str):
    return settings_edit.update_details(con, code, changes, actor=actor)


def update_schedule(con, code: str, phases, actor: str, start=None, end=None):
    return settings_edit.update_schedule(con, code, phases, actor=actor, start=start, end=end)


def update_tasks(con, code: str, tasks, actor: str):
    return settings_edit.update_tasks(con, code, tasks, actor=actor)


def restore_campaign_file(con, code: str, actor: str) -> str:
    return settings_edit.restore_from_file(con, code, actor=actor)


# -- boundaries -------------------------------------------------------------------------------------

def match_boundaries(con, gdf, era: str, province: str):
    return boundaries.match_features(con, gdf, era, province)


def import_boundaries(con, matched, file_name: str, actor: str, era: str, province: str,
                      rederive: bool) -> int:
    """Store the matched polygons of a file; with rederive, the approximate cells of the units the
    file lacks are cut back from them."""
    n = boundaries.import_boundaries(con, matched, file_name, actor=actor, era=era)
    if rederive:
        boundaries.derive_approximate(con, era, province, actor=actor)
    return n


# -- accounts and the audit log ---------------------------------------------------------------------

def has_accounts(con) -> bool:
    return auth.has_accounts(con)


def sign_in(con, username: str, password: str) -> User:
    return auth.login(con, username, password)


def record_event(con, actor: str, action: str, obj: str | None = None, details: dict | None = None) -> None:
    """Record what a person did in the app (exports, for instance)."""
    db.audit(con, actor, action, obj, json.dumps(details or {}, ensure_ascii=False, default=str))
