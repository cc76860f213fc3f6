"""Real administrative units, loaded from the MIT-licensed packages, never hand-typed.

- `vietnamadminunits` gives the 3,321 commune-level units since 1 July 2025 with the statistics
  office's (GSO) codes, each with its centroid and area; the legacy (pre-2025) provinces, districts
  and communes; and the official old→new mapping. Its codes agree with the GSO list of 25/6/2025
  (tests/data/official_units_2025.csv, tests/test_masterdata.py) but for the one fixed in CODE_FIXES.
- `vietnam-provinces` gives the names and codes of the 34 provinces (read from its data file).

Codes, never folded names, tie things together: eight pairs of communes of one province differ only
by a diacritic (Văn Lăng / Văn Lang), so the old→new mapping is joined on the package's own keys,
which keep diacritics where they are needed, and each key leads to a code.
(`vietnam-provinces` was the source of commune codes before; ~120 of them are not the official ones:
loaders/reference/unit_codes.py rewrites stores built then.)

Speed (a new database pays this once, before its first ingest): the tables ship prebuilt in
data/masterdata/*.parquet (data/build/build_masterdata.py writes them from build_rows(); the manifest
names the package versions they were built from, tests/test_masterdata.py checks they are what
build_rows() gives). A load inserts them straight from the files: a tenth of a second instead of a
second for building ~58,000 rows in Python and converting each value as a parameter. When the
installed packages are not the ones of the manifest, the rows are built from the packages as before:
plain Python rows from the package's SQLite file, inserted column-wise (unnest of list parameters);
`vietnamadminunits` is located, not imported (importing it loads its parsers, geopy and requests:
half a second for a data path).
"""
from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
import sqlite3
from pathlib import Path

import duckdb

from loaders.store.db import ROOT, audit, sql_string, transaction
from loaders.common.text import clean, fold_key


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"No module named '{name}'", name=name)
    return Path(list(spec.submodule_search_locations)[0])


_VAU = _package_dir("vietnamadminunits") / "data"

# the tables prebuilt (data/build/build_masterdata.py), and the packages whose data they hold
SHIPPED = ROOT / "data" / "masterdata"
PACKAGES = ("vietnamadminunits", "vietnam-provinces")

KIND_FROM_TYPE = {
    "xã": "xa", "phường": "phuong", "đặc khu": "dac_khu", "thị trấn": "thi_tran",
}

COLUMNS = {
    "provinces": ("era", "code", "name", "short_name", "lat", "lon"),
    "districts": ("code", "province_code", "name", "kind", "lat", "lon"),
    "units": ("era", "code", "name", "short_name", "kind", "province_code", "district_code", "lat", "lon",
              "area_km2"),
    "unit_aliases": ("era", "unit_code", "alias", "source"),
    "unit_history": ("old_code", "new_code", "is_default"),
}


def _code(n, width: int) -> str:
    return str(int(n)).zfill(width)


def _vau(sql: str) -> list[dict]:
    """Rows of the package's SQLite data set, as dicts in the file's order."""
    c = sqlite3.connect(f"file:{_VAU / 'dataset.db'}?mode=ro", uri=True)
    try:
        cur = c.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        c.close()


@lru_cache(maxsize=64)
def _kind(type_name: str) -> str:
    return KIND_FROM_TYPE[clean(type_name).lower()]


def _keywords(rows: list[dict]) -> None:
    """Each row's wardKeywords (a JSON list, or empty) parsed into row["keywords"]: one json.loads for
    all of them (a call per row is a tenth of the master-data build)."""
    texts = [r["wardKeywords"] for r in rows]
    parsed = json.loads("[" + ",".join(t for t in texts if t) + "]")
    it = iter(parsed)
    for r, t in zip(rows, texts):
        r["keywords"] = next(it) if t else ()


def _first_by(rows: list[dict], key: str, cols: tuple[str, ...]) -> dict[str, dict]:
    """Per value of key (rows without one dropped), each column's first non-null value: what
    pandas' groupby(key).first() gives."""
    out: dict[str, dict] = {}
    for r in rows:
        k = r[key]
        if k is None:
            continue
        g = out.get(k)
        if g is None:
            out[k] = {c: r[c] for c in cols}
        else:
            for c in cols:
                if g[c] is None and r[c] is not None:
                    g[c] = r[c]
    return out


def _float(v) -> float | None:
    return None if v is None else float(v)


# The package's code where it is not the GSO's: Xã Ba Chẽ (Quảng Ninh) carries the code of the old
# Thị trấn Ba Chẽ; the GSO list gives the new commune 06978.
CODE_FIXES = {"06970": "06978"}


def new_code(row: dict) -> str:
    code = _code(row["wardCode"], 5)
    return CODE_FIXES.get(code, code)


def _provinces_2025() -> list[tuple[str, int]]:
    """(name, code) of the 34 provinces, in the package's order: from its data file (what its
    Province.iter_all() holds), without importing the package's ward tables (a tenth of a second)."""
    path = _package_dir("vietnam_provinces") / "data" / "nested-divisions.json"
    if path.exists():
        return [(p["name"], p["code"]) for p in json.loads(path.read_text(encoding="utf-8"))]
    from vietnam_provinces import Province

    return [(p.name, int(p.code)) for p in Province.iter_all()]


def build_rows() -> dict[str, list[tuple]]:
    """Every master-data table as a list of row tuples (columns in COLUMNS order), ready to insert."""
    vau_new = _vau("select provinceCode, provinceKey, provinceLat, provinceLon, ward, wardShort, wardType, "
                   "wardKey, wardCode, wardLat, wardLon, wardAreaKm2, wardKeywords from admin_units "
                   "order by wardCode")
    prov_pos = _first_by(vau_new, "provinceCode", ("provinceLat", "provinceLon"))
    provinces = []
    for p_name, p_code in _provinces_2025():
        name = clean(p_name)
        code = _code(p_code, 2)
        pos = prov_pos.get(code, {})
        provinces.append(("2025", code, name, name.replace("Thành phố ", "").replace("Tỉnh ", ""),
                          _float(pos.get("provinceLat")), _float(pos.get("provinceLon"))))

    units, aliases = [], []
    _keywords(vau_new)
    for r in vau_new:
        name = clean(r["ward"])
        code = new_code(r)
        kind = _kind(r["wardType"])
        short = name.split(" ", 1)[1] if kind != "dac_khu" else name.replace("Đặc khu ", "")
        units.append(("2025", code, name, short, kind, _code(r["provinceCode"], 2), None,
                      _float(r["wardLat"]), _float(r["wardLon"]), _float(r["wardAreaKm2"])))
        keys = {fold_key(name), fold_key(short)}
        # the package keeps diacritics in the keywords of twin names; ours are folded
        keys |= {fold_key(k) for k in r["keywords"]}
        aliases += [("2025", code, k, "package") for k in sorted(keys) if k]

    legacy = _vau("select province, provinceShort, provinceCode, provinceLat, provinceLon, provinceKey, "
                  "district, districtType, districtCode, districtLat, districtLon, districtKey, "
                  "ward, wardShort, wardType, wardCode, wardLat, wardLon, wardKey, wardKeywords "
                  "from admin_units_legacy")
    _keywords(legacy)
    for code, g in sorted(_first_by(legacy, "provinceCode",
                                    ("province", "provinceShort", "provinceLat", "provinceLon")).items()):
        provinces.append(("legacy", code, g["province"], g["provinceShort"], _float(g["provinceLat"]),
                          _float(g["provinceLon"])))
    districts = [(code, g["provinceCode"], clean(g["district"]), g["districtType"], _float(g["districtLat"]),
                  _float(g["districtLon"]))
                 for code, g in sorted(_first_by(legacy, "districtCode", (
                     "provinceCode", "district", "districtType", "districtLat", "districtLon")).items())]
    seen = set()
    for r in legacy:
        code = r["wardCode"]
        if code is None or code in seen:
            continue
        seen.add(code)
        units.append(("legacy", code, clean(r["ward"]), clean(r["wardShort"]), _kind(r["wardType"]),
                      r["provinceCode"], r["districtCode"], _float(r["wardLat"]), _float(r["wardLon"]), None))
        keys = {fold_key(r["ward"]), fold_key(r["wardShort"])}
        keys |= set(r["keywords"])
        aliases += [("legacy", code, k, "package") for k in sorted(keys) if k]

    return {"provinces": provinces, "districts": districts, "units": units,
            "unit_aliases": list(dict.fromkeys(aliases)),
            "unit_history": _history(vau_new, legacy)}


def _history(vau_new: list[dict], legacy: list[dict]) -> list[tuple]:
    """Old commune → new commune(s), from the package's official conversion tables. Its ward keys
    keep diacritics for names that would otherwise collide in a province ("xãvănlăng"), so each key
    leads to exactly one code."""
    conv = json.loads((_VAU / "converter_2025.json").read_text(encoding="utf-8"))
    new_code_of = {(r["provinceKey"], r["wardKey"]): new_code(r) for r in vau_new}
    assert len(new_code_of) == len(vau_new), "ward keys of the package are not unique in a province"
    old_code = {f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r["wardCode"]
                for r in legacy if r["wardCode"] is not None}
    rows = set()
    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            for old in olds:
                n, o = new_code_of.get((pkey, wkey)), old_code.get(old)
                if n and o:
                    rows.add((o, n, True))
    divided = {}
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for nw in news:
                n, o = new_code_of.get((pkey, nw["newWardKey"])), old_code.get(old)
                if n and o:
                    divided[(o, n)] = bool(nw["isDefaultNewWard"])
    keys = {(o, n) for o, n, _ in rows}
    rows |= {(o, n, d) for (o, n), d in divided.items() if (o, n) not in keys}
    return sorted(rows)


def load(con: duckdb.DuckDBPyConnection, actor: str = "system") -> dict[str, int]:
    """Replace all master data in one transaction; return row counts."""
    with transaction(con):
        return replace(con, actor)


def replace(con: duckdb.DuckDBPyConnection, actor: str = "system") -> dict[str, int]:
    """Replace all master data inside the caller's transaction (loaders/reference/unit_codes.py
    rewrites the stored codes and reloads in one); return row counts. From the shipped files when
    they match the installed packages, else built from the packages (the same rows either way)."""
    files = shipped()
    tables = None if files is not None else build_rows()
    counts = {}
    for table, cols in COLUMNS.items():
        con.execute(f"delete from {table}")
        names = ", ".join(cols)
        if files is not None:
            # read_parquet keeps the file's row order (one file, insertion order preserved)
            counts[table] = con.execute(f"insert into {table} ({names}) select {names} from "
                                        f"read_parquet({sql_string(files[table])})").fetchone()[0]
            continue
        counts[table] = insert_rows(con, table, tables[table])
    audit(con, actor, "masterdata.load", None, json.dumps(counts))
    return counts


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> int:
    """Rows of build_rows() into `table`, column-wise (unnest of list parameters)."""
    cols = COLUMNS[table]
    if rows:
        con.execute(f"insert into {table} ({', '.join(cols)}) select {', '.join(f'unnest(${c})' for c in cols)}",
                    {c: list(v) for c, v in zip(cols, zip(*rows))})
    return len(rows)


def package_versions() -> dict[str, str]:
    """The installed versions of the packages the master data comes from."""
    from importlib.metadata import version

    return {p: version(p) for p in PACKAGES}


def shipped(folder: Path = SHIPPED) -> dict[str, Path] | None:
    """table → its prebuilt file, when every file is there and the manifest's packages and code fixes
    are the installed ones (else None: the rows are built from the packages)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = {t: folder / f"{t}.parquet" for t in COLUMNS}
    if manifest.get("packages") != package_versions() or manifest.get("code_fixes") != CODE_FIXES \
            or not all(f.exists() for f in files.values()):
        return None
    return files


def is_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from units where era = '2025'").fetchone()[0] > 0
