"""Everything that reads: one .sql file per metric (named after what it returns) and this runner,
the only place that touches a connection for reads.

    import queries
    con = queries.connect()                      # or the app's shared connection
    df = queries.run("reporting_rate_by_unit", con, campaign="daklak-2025", as_of=date(2025, 11, 19))

Every .sql file starts with a header the runner and the tests read:

    -- name: reporting_rate_by_unit
    -- grain: one row per reporting unit
    -- key: campaign_code, unit_code
    -- params: $campaign, $as_of
    -- columns: campaign_code, unit_code, unit_name, ...

(a header line may continue on the next line indented by more than one space after "--").

Parameters
- campaign: a campaign code, or a list of codes (several provinces at once), or None for every
  campaign; the SQL always sees a list and filters with list_contains($campaign, campaign_code)
  (DuckDB turns that into a constant filter on the scan).
- as_of: a date means "as of the end of that day" (23:59:59.999999 local time); a datetime is taken
  as it is, except that one at exactly midnight is taken as a date (DATE columns come back from
  pandas as midnight timestamps). A date-only ISO string is a date.
- anything else is bound as given (pandas/numpy scalars become Python ones).
Only the parameters a query's SQL uses are bound; a missing one is an error naming it.

Each call takes a fresh cursor (connections are not thread-safe), runs under a time limit (a timer
interrupts the cursor), logs its timing (logger "queries", INFO) and returns the result through
Arrow. Reads never write: the weekly rollup the metrics read is kept up to date by whoever writes
(loaders/store/rollup.py), and this package imports nothing of loaders but the store's connection.
The one change signal is the query data_version. See README.md for the choices behind the metrics.
"""
from __future__ import annotations

import logging
import re
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time as dtime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

log = logging.getLogger(__name__)

QUERY_DIR = Path(__file__).resolve().parent

_HEADER_KEYS = ("name", "grain", "key", "params", "columns")


def _quiet_arrow_warning() -> None:
    """execute() + to_arrow_table(): DuckDB warns that this copies the rows and suggests con.sql(),
    but con.sql() plans the query twice (relation, then execution); for our queries the copy is
    cheaper. Re-added on every call (idempotent): test runners reset warning filters."""
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT_OR_STRING = re.compile(r"--[^\n]*|'(?:[^']|'')*'")
_END_OF_DAY = dtime(23, 59, 59, 999999)


class QueryError(Exception):
    """A query that cannot run as asked (unknown name, bad header, missing parameter)."""


class QueryTimeout(QueryError, TimeoutError):
    """A query interrupted because it ran longer than its time limit."""


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    sql: str
    grain: str
    key: tuple[str, ...]
    params: tuple[str, ...]      # from the header, without "$"
    columns: tuple[str, ...]
    used: frozenset[str]         # parameters the SQL actually uses


_cache: dict[str, tuple[float, Query]] = {}
_cache_lock = threading.Lock()


def list_queries() -> list[str]:
    """Names of every query (the .sql files of this folder)."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


def load(name: str) -> Query:
    """The parsed query `name`, cached until its file changes."""
    path = QUERY_DIR / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
        raise QueryError(f"unknown query {name!r}; known: {', '.join(list_queries())}")
    mtime = path.stat().st_mtime
    with _cache_lock:
        hit = _cache.get(name)
        if hit and hit[0] == mtime:
            return hit[1]
    q = _parse(name, path, path.read_text(encoding="utf-8"))
    with _cache_lock:
        _cache[name] = (mtime, q)
    return q


def header(name: str) -> dict[str, Any]:
    """The declared header of a query: grain, key, params (with "$"), columns."""
    q = load(name)
    return {"name": q.name, "grain": q.grain, "key": list(q.key),
            "params": [f"${p}" for p in q.params], "columns": list(q.columns)}


def _parse(name: str, path: Path, sql: str) -> Query:
    fields: dict[str, str] = {}
    last = None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        body = line[2:]
        m = re.match(r" ?([a-z]+):\s*(.*)$", body)
        if m and m.group(1) in _HEADER_KEYS:
            last = m.group(1)
            fields[last] = m.group(2).strip()
        elif last and body.startswith("   ") and body.strip():
            sep = " " if last == "grain" else ", "
            fields[last] = fields[last].rstrip(",") + sep + body.strip()
        else:
            last = None
    missing = [k for k in _HEADER_KEYS if k not in fields]
    if missing:
        raise QueryError(f"{path.name}: header lacks {', '.join(missing)}")
    if fields["name"] != name:
        raise QueryError(f"{path.name}: header names it {fields['name']!r}")

    def split(s: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in s.split(",") if x.strip() and x.strip() != "-")

    params = tuple(p.lstrip("$") for p in split(fields["params"]) if p.strip("()").lower() != "none")
    used = frozenset(_PARAM.findall(_COMMENT_OR_STRING.sub(" ", sql)))
    return Query(name=name, path=path, sql=sql, grain=fields["grain"], key=split(fields["key"]),
                 params=params, columns=split(fields["columns"]), used=used)


def connect(path=None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store (loaders.store.db.db_path: CM_DB or data/db/campaign.duckdb).

    read_only=False (default) goes through loaders.store.db.connect, which creates and migrates the file;
    the app uses one such connection per process for its reads (a cursor each) and its uploads.
    read_only=True opens an existing, migrated file without writing anything (a copy, a report);
    DuckDB still refuses it while another process holds the file open for writing.
    """
    from loaders.store import db

    return db.connect(path, read_only=read_only)


def _as_of(value: Any) -> datetime:
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value.strip()) == 10 else datetime.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value.time() == dtime(0, 0):
            return datetime.combine(value.date(), _END_OF_DAY)
        return value
    if isinstance(value, date):
        return datetime.combine(value, _END_OF_DAY)
    raise QueryError(f"as_of must be a date or datetime, not {value!r}")


def _bind(name: str, value: Any, con: duckdb.DuckDBPyConnection | None = None) -> Any:
    if name == "as_of":
        if value is None:
            raise QueryError("as_of is required (a date means the end of that day)")
        return _as_of(value)
    if name == "campaign":
        if value is None:                      # every campaign: the whole country
            if con is None:
                raise QueryError("campaign=None (every campaign) needs a connection")
            return [r[0] for r in con.execute("select code from campaigns order by code").fetchall()]
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        return value.item()          # numpy scalar
    return value


class NotAllowed(QueryError):
    """The account may not read this (a unit's staff reads only its own units)."""


# Queries that describe a campaign itself, not any unit's work: readable by every signed-in account.
CAMPAIGN_ONLY = frozenset({"campaign_list", "campaign_phases", "campaign_milestones", "campaign_week_list",
                           "reporting_units_by_kind", "campaign_tasks", "lagging_rule_list"})


def _restrict(name: str, df: pd.DataFrame, user, params: dict, con) -> pd.DataFrame:
    """What a unit-staff account may see of a result: the rows of its own units, nothing else."""
    if user is None or user.reads_all:
        return df
    allowed = {u for _, u in user.units}
    if name in CAMPAIGN_ONLY:
        return df
    if name == "submission_values":
        owner = con.execute("select campaign_code, unit_code from submissions where id = ?",
                            [int(params["submission"])]).fetchone()
        if owner is None or tuple(owner) not in user.units:
            raise NotAllowed("Tài khoản không được xem báo cáo của đơn vị khác.")
        return df
    if "unit" in params:  # a query about one unit, named by its parameter
        if params["unit"] not in allowed:
            raise NotAllowed("Tài khoản không được xem số liệu của đơn vị khác.")
        return df
    if "unit_code" not in df.columns:
        raise NotAllowed("Tài khoản cán bộ đơn vị chỉ xem được số liệu của đơn vị mình.")
    if "campaign_code" in df.columns:
        keep = [(c, u) in user.units for c, u in zip(df["campaign_code"], df["unit_code"])]
        return df[keep].reset_index(drop=True)
    return df[df["unit_code"].isin(allowed)].reset_index(drop=True)


def run(name: str, con: duckdb.DuckDBPyConnection | None = None, timeout_s: float = 10,
        user=None, **params: Any) -> pd.DataFrame:
    """Run query `name` with its named parameters; return a DataFrame of its declared columns.

    With `user` (an auth.User), the result is cut to what that account may read: everything for
    admins, leadership and inspection; for a unit's staff, only rows of its own units (a query that
    has no unit rows is refused with NotAllowed)."""
    q = load(name)
    missing = sorted(p for p in q.used if p not in params)
    if missing:
        raise QueryError(f"query {name} needs parameter(s) {', '.join(missing)} "
                         f"(declared: {', '.join('$' + p for p in q.params) or 'none'})")
    if con is None:
        con = _default_connection()
    bound = {p: _bind(p, params[p], con) for p in q.used}
    _quiet_arrow_warning()
    cur = con.cursor()
    pin = getattr(cur, "read_pinned", None)    # a lake's cursor: one snapshot, small tables local
    if pin is not None:
        try:
            pin()
        except BaseException:
            cur.close()
            raise
    timer = threading.Timer(timeout_s, cur.interrupt)
    t0 = time.perf_counter()
    timer.start()
    try:
        df = _to_pandas(cur.execute(q.sql, bound).to_arrow_table())
    except duckdb.InterruptException as e:
        raise QueryTimeout(f"query {name} stopped after the {timeout_s:g} s limit") from e
    finally:
        timer.cancel()
        cur.close()
    ms = 1000 * (time.perf_counter() - t0)
    log.info("query %s %.1f ms, %d rows %s", name, ms, len(df),
             {k: v for k, v in bound.items() if k != "campaign" or len(v) < 4})
    return _restrict(name, df, user, params, con)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow → pandas (about three times faster than fetchdf on large results with text columns). Dates and timestamps come
    out as datetime64[us] like DuckDB's own fetchdf, decimals (sums of integers) as floats."""
    fields = []
    for f in table.schema:
        if pa.types.is_date(f.type):
            f = f.with_type(pa.timestamp("us"))
        elif pa.types.is_decimal(f.type):
            f = f.with_type(pa.float64())
        fields.append(f)
    schema = pa.schema(fields)
    if schema != table.schema:
        table = table.cast(schema)
    return table.to_pandas()


_default: duckdb.DuckDBPyConnection | None = None


def _default_connection() -> duckdb.DuckDBPyConnection:
    global _default
    if _default is None:
        _default = connect()
    return _default
