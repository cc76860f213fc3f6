"""Campaign definitions (data/campaigns/<code>.yaml, one file per plan) into the store.

`read_campaign(path, con=None)` reads and checks one file and returns the `Campaign` model
(loaders/reference/campaign_model.py): dates as datetime.date, phase bounds given by milestones resolved,
defaults filled in. Every problem raises `CampaignFileError` whose message is Vietnamese and names the
file and the field, e.g.
"Tệp daklak-2025.yaml, trường phases[2].end: ngày '2025-13-01' không đọc được (cần dạng YYYY-MM-DD)".
List indices in field names count from 0. The file's format and rules: loaders/reference/campaign_file.py.

`load_file(con, path)` replaces that campaign's rows (campaigns, phases, milestones, reporting_kinds,
org_units, tasks) in one transaction with an audit entry; an unchanged file only touches loaded_at.
`load_all(con)` loads every file of the folder. docs/campaigns.md describes the file format.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import duckdb
import yaml

from loaders.reference import indicators
from loaders.reference.campaign_file import CampaignFileError, parse
from loaders.reference.campaign_model import (DEFAULT_PARAMS, DEFAULT_WEIGHTS, DISTRICT_KIND, ERAS,  # noqa: F401
                                              KIND_NAMES, ORG_KINDS, TERRITORIAL_KINDS, WEEKDAYS, Campaign)
from loaders.store.db import ROOT, audit, transaction

CAMPAIGNS_DIR = ROOT / "data" / "campaigns"


# --- YAML: dates stay text (so a bad one is reported with its field), duplicate keys are errors.

class _Loader(yaml.SafeLoader):
    pass


# libyaml's parser when PyYAML has it (several times faster); the resolvers and constructors below are
# the same Python code either way. A file it refuses is read again by the pure-Python loader, whose
# messages (line, column, problem) are the ones users see.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int):
        self.key, self.line = key, line


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_yaml(text: str):
    """The file's data; errors (YAMLError, _DuplicateKey) as the pure-Python loader reports them."""
    if _FastLoader is not _Loader:
        try:
            return yaml.load(text, Loader=_FastLoader)
        except (yaml.YAMLError, _DuplicateKey):
            pass
    return yaml.load(text, Loader=_Loader)


def _catalog() -> tuple[set[str], dict[str, str]]:
    cat = indicators.read_catalog()
    groups = {g["code"] for g in cat["groups"]}
    return groups, {i["code"]: i["group"] for i in cat["indicators"]}


def read_yaml(path: Path):
    """The file's data as YAML reads it; CampaignFileError for a file that is missing, empty or not YAML."""
    file = path.name
    try:
        raw = _load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CampaignFileError(file, "(tệp)", "không tìm thấy tệp") from None
    except _DuplicateKey as e:
        raise CampaignFileError(file, str(e.key), f"khóa bị lặp lại (dòng {e.line})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ vị trí"
        raise CampaignFileError(file, "(cú pháp YAML)",
                                f"tệp không đọc được ({where}): {getattr(e, 'problem', e)}") from None
    if raw is None:
        raise CampaignFileError(file, "(tệp)", "tệp rỗng")
    return raw


def read_campaign(path: str | Path, con: duckdb.DuckDBPyConnection | None = None) -> Campaign:
    """Read and check one campaign file; return it as the Campaign model (see the module docstring).

    With a connection, the province (and legacy_province) must exist in the master data of the
    era; without one, that check is skipped.
    """
    path = Path(path)
    return check_data(read_yaml(path), path.name, con)


def check_data(data, file_name: str, con: duckdb.DuckDBPyConnection | None = None) -> Campaign:
    """A campaign in the file format (as YAML reads it) checked with the file's rules, as the model."""
    c = parse(data, file_name, _catalog())
    if con is not None:
        _check_provinces(con, c)
    return c


def _check_provinces(con: duckdb.DuckDBPyConnection, c: Campaign) -> None:
    """The province (and the old province it absorbed) against master data, when there is some."""
    def fail(field: str, text: str):
        raise CampaignFileError(c.source_file, field, text)

    if con.execute("select count(*) from provinces where era = ?", [c.era]).fetchone()[0] == 0:
        return
    if not con.execute("select count(*) from provinces where era = ? and code = ?",
                       [c.era, c.province]).fetchone()[0]:
        fail("province", f"không có tỉnh mã '{c['province']}' trong thời kỳ '{c['era']}'")
    if c.legacy_province:
        if not con.execute("select count(*) from provinces where era = 'legacy' and code = ?",
                           [c.legacy_province]).fetchone()[0]:
            fail("legacy_province", f"không có tỉnh mã '{c['legacy_province']}' trong thời kỳ 'legacy'")
        merged = con.execute(
            """select count(*) from unit_history h
               join units o on o.era = 'legacy' and o.code = h.old_code
               join units n on n.era = '2025' and n.code = h.new_code
               where o.province_code = ? and n.province_code = ?""",
            [c.legacy_province, c.province]).fetchone()[0]
        if not merged:
            fail("legacy_province", f"tỉnh cũ '{c['legacy_province']}' không thuộc tỉnh '{c['province']}' "
                                       "sau sắp xếp năm 2025")


# --- loading

def _district_units(con: duckdb.DuckDBPyConnection, c: Campaign) -> list[dict]:
    if DISTRICT_KIND not in {k.kind for k in c.kinds}:
        return []
    rows = con.execute("select code, name from districts where province_code = ? order by code",
                       [c.province]).fetchall()
    if not rows:
        raise CampaignFileError(c.source_file, "reporting.kinds",
                                f"không tìm thấy huyện nào của tỉnh '{c.province}' trong dữ liệu gốc "
                                "(chưa nạp dữ liệu đơn vị hành chính?)")
    clash = {code for code, _ in rows} & {o.code for o in c.org_units}
    if clash:
        raise CampaignFileError(c.source_file, "org_units",
                                f"mã đơn vị trùng mã huyện: {', '.join(sorted(clash))}")
    return [{"code": code, "name": name, "kind": DISTRICT_KIND} for code, name in rows]


def _rows(c: Campaign, districts: list[dict]) -> dict[str, list[list]]:
    code = c.code
    return {
        "campaigns": [[code, c.title, c.issuer, c.doc_number, c.doc_date, c.province, c.era,
                       c.start, c.end, c.week_start, c.deadline_days, c.deadline_hour,
                       c.demo_today, json.dumps(c.params.model_dump(), sort_keys=True), c.source_file,
                       c.legacy_province]],
        "phases": [[code, p.number, p.name, p.start, p.end, p.note] for p in c.phases],
        "milestones": [[code, m.code, m.name, m.date, m.note] for m in c.milestones],
        "reporting_kinds": [[code, k.kind, k.name] for k in c.kinds],
        "org_units": [[code, o.code, o.name, o.kind] for o in c.org_units]
                     + [[code, d["code"], d["name"], d["kind"]] for d in districts],
        "tasks": [[code, t.kind, t.group, t.indicator, t.min_per_week, t.min_per_phase,
                   t.example, t.note] for t in c.tasks],
    }


_INSERT = {
    "campaigns": "insert into campaigns (code, title, issuer, doc_number, doc_date, province_code, era, "
                 "start_date, end_date, week_start, deadline_days, deadline_hour, demo_today, params, "
                 "source_file, legacy_province_code, source_hash, loaded_at) "
                 "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "phases": "insert into phases (campaign_code, number, name, start_date, end_date, note) values (?, ?, ?, ?, ?, ?)",
    "milestones": "insert into milestones (campaign_code, code, name, date, note) values (?, ?, ?, ?, ?)",
    "reporting_kinds": "insert into reporting_kinds (campaign_code, kind, name) values (?, ?, ?)",
    "org_units": "insert into org_units (campaign_code, code, name, kind) values (?, ?, ?, ?)",
    "tasks": "insert into tasks (campaign_code, unit_kind, group_code, indicator_code, min_per_week, "
             "min_per_phase, is_example, note) values (?, ?, ?, ?, ?, ?, ?, ?)",
}
_KEY = {"campaigns": "code"}  # every other table keys the campaign by campaign_code


def _insert_rows(con: duckdb.DuckDBPyConnection, sql: str, rows: list[list]) -> None:
    """sql ("insert … values (?, …)") for every row, as one statement (executemany runs one per row)."""
    head, one = sql.rsplit(" values ", 1)
    con.execute(f"{head} values {', '.join([one] * len(rows))}", [v for r in rows for v in r])


def load_file(con: duckdb.DuckDBPyConnection, path: str | Path, actor: str = "system") -> str:
    """Replace one campaign's rows from its file, in one transaction; return its code.

    An unchanged file (same rows as last loaded) only updates loaded_at and writes no audit entry.
    """
    return _store(con, read_campaign(path, con), actor)


def _store(con: duckdb.DuckDBPyConnection, c: Campaign, actor: str) -> str:
    """load_file's writes, for a campaign already read and validated."""
    rows = _rows(c, _district_units(con, c))
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    now = datetime.now()
    with transaction(con):
        old = con.execute("select source_hash from campaigns where code = ?", [c.code]).fetchone()
        if old and old[0] == digest:
            con.execute("update campaigns set loaded_at = ? where code = ?", [now, c.code])
            return c.code
        for table in reversed(_INSERT):  # children first
            con.execute(f"delete from {table} where {_KEY.get(table, 'campaign_code')} = ?", [c.code])
        for table, sql in _INSERT.items():
            data = rows[table]
            if table == "campaigns":
                data = [r + [digest, now] for r in data]
            if data:
                _insert_rows(con, sql, data)
        counts = {t: len(r) for t, r in rows.items() if t != "campaigns"}
        audit(con, actor, "campaigns.load" if old is None else "campaigns.reload", c.code,
              json.dumps({"file": c.source_file, **counts}, ensure_ascii=False))
    return c.code


def load_all(con: duckdb.DuckDBPyConnection, folder: str | Path = CAMPAIGNS_DIR,
             actor: str = "system") -> list[str]:
    """Load every campaign file of the folder (*.yaml, sorted); return their codes.

    Every file is validated before any is loaded, so one broken file loads nothing. Campaigns whose
    file has gone stay in the store (reports may refer to them).
    """
    files = sorted(Path(folder).glob("*.yaml"))
    read = [read_campaign(f, con) for f in files]   # each file read once: validated, then stored
    return [_store(con, c, actor) for c in read]
