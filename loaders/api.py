"""The write API of the app: the one door from the UI (ui/, pages/, app.py) into loaders/.

Pages read through `queries.run` only; everything they change goes through a function here: set the
store up at first start, upload report files, build a template, edit a campaign's settings, import
boundary files, sign in, record an event. Each writer refreshes the weekly rollup in or right after
its transaction (loaders/store/rollup.py), so a read never has to.

The names the UI needs besides (connection holder, constants, exceptions, file builders) are
re-exported here, so that the layers test (tests/test_layers.py) can hold the UI to this one module of
loaders. Only named functions, classes and constants leave this module, never a whole module: a
caller sees exactly what the UI may use (the test checks it).
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
from loaders.accounts import contacts
from loaders.accounts import settings_edit
from loaders.accounts.contacts import ContactError, SmtpSettings  # noqa: F401
from loaders.accounts.auth import (COOKIE, ROLES, SESSION_MINUTES, AuthError, User,  # noqa: F401
                                   close_session, open_session, resume_session, session_expired)
from loaders.accounts.settings_edit import WEEKDAY_LABELS, SettingsError  # noqa: F401
from loaders.ingest import annotate
from loaders.ingest.unclassified import MAPPERS, MappingError, map_wording, undo_mapping  # noqa: F401
from loaders.ingest import pipeline
from loaders.ingest.pipeline import FileResult
from loaders.outputs import briefing
from loaders.outputs import template
from loaders.outputs.export import csv_bytes, lagging_workbook  # noqa: F401
from loaders.reference import boundaries, unit_codes
from loaders.reference.boundaries import (SOURCE_FILE_PREFIX, BoundaryFileError,  # noqa: F401
                                          feature_collection, read_boundary_file)
from loaders.reference.boundaries import shipped
from loaders.reference.boundaries.shipped import ATTRIBUTION as BOUNDARY_ATTRIBUTION  # noqa: F401
from loaders.reference.campaigns import KIND_NAMES  # noqa: F401
from loaders.store import db, rollup
from loaders.store.db import (DatabaseBusy, NewerEngineFile, SchemaMismatch, SharedConnection,  # noqa: F401
                               db_path, location)
from loaders.store.lake import LakeError  # noqa: F401

Progress = Callable[[int, int, str], None]

# What the UI may use, and all it may use (tests/test_layers.py holds ui/, pages/ and app.py to these
# names): functions, classes and constants, never a module.
__all__ = [
    # first start, the connection and its errors
    "prepare", "db_path", "location", "SharedConnection", "DatabaseBusy", "KIND_NAMES",
    # a store this app cannot open: written by a newer DuckDB, another schema, a lake out of reach
    "NewerEngineFile", "SchemaMismatch", "LakeError",
    # reports and templates
    "upload_items", "upload", "uploaded", "annotated_workbook", "FileResult", "template_workbook",
    "template_filename",
    # wordings kept aside
    "MAPPERS", "MappingError", "map_wording", "undo_mapping",
    # campaign settings
    "WEEKDAY_LABELS", "SettingsError", "overlaps_allowed", "update_details", "update_schedule",
    "update_tasks", "restore_campaign_file",
    # documents
    "build_briefing", "csv_bytes", "lagging_workbook",
    # unit contacts and reminders
    "ContactError", "SmtpSettings", "read_contact_list", "import_contacts", "update_contact",
    "contact_template", "reminder_rows", "smtp_settings", "send_reminders",
    # boundaries
    "BOUNDARY_ATTRIBUTION", "SOURCE_FILE_PREFIX", "BoundaryFileError", "boundary_mode",
    "feature_collection", "read_boundary_file", "match_boundaries", "import_boundaries",
    # accounts, sessions, the audit log
    "COOKIE", "ROLES", "SESSION_MINUTES", "AuthError", "User", "has_accounts", "sign_in",
    "open_session", "resume_session", "close_session", "session_expired", "record_event",
]


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


# -- documents built from what the pages show -------------------------------------------------------

def build_briefing(run, code: str, as_of, week: date | None = None, phase: int | None = None) -> bytes:
    """The weekly (week=) or phase (phase=) briefing as a .docx, its numbers read through run(name,
    **params) — the page's own named queries, so the document says what the page shows."""
    return briefing.build(run, code, as_of, week=week, phase=phase)


# -- unit contacts and reminders (contacts.py checks the role and audits each change) ---------------

def read_contact_list(data: bytes, file_name: str, units):
    return contacts.read_contact_list(data, file_name, units)


def import_contacts(con, code: str, rows: list[dict], user) -> int:
    return contacts.import_contacts(con, code, rows, user)


def update_contact(con, code: str, unit_code: str, values: dict, user) -> bool:
    return contacts.update_contact(con, code, unit_code, values, user)


def contact_template(units) -> bytes:
    return contacts.contact_template(units)


def reminder_rows(campaign: dict, grid, unit_contacts, sent, as_of):
    return contacts.reminder_rows(campaign, grid, unit_contacts, sent, as_of)


def smtp_settings() -> SmtpSettings | None:
    """The mail server configured in the environment (CM_SMTP_*), None when there is none;
    ContactError when it is configured wrongly."""
    return SmtpSettings.from_env()


def send_reminders(con, code: str, rows, settings: SmtpSettings, user) -> list[dict]:
    return contacts.send_reminders(con, code, rows, settings, user)


# -- boundaries -------------------------------------------------------------------------------------

def boundary_mode() -> str:
    """Which polygons the map draws: 'official' (shipped and imported) or 'approximate'
    (CM_MAP_BOUNDARIES)."""
    return shipped.mode()


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
