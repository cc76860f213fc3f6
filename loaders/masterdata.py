"""Real administrative units, loaded from the MIT-licensed packages, never hand-typed.

- `vietnam-provinces` gives the official names and codes of the 34 provinces and 3,321 commune-level
  units since 1 July 2025.
- `vietnamadminunits` gives each new unit's centroid and area, the legacy (pre-2025) provinces,
  districts and communes, and the official old→new mapping.

The two packages disagree on the code of about 120 new units; we take codes and names from
`vietnam-provinces` (its purpose is the official code list) and attach centroid/area from
`vietnamadminunits` by province and folded name.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import vietnamadminunits
from vietnam_provinces import Province, Ward

from loaders.db import audit, transaction
from loaders.text import clean, fold_key

_VAU = Path(vietnamadminunits.__file__).parent / "data"

KIND_FROM_TYPE = {
    "xã": "xa", "phường": "phuong", "đặc khu": "dac_khu", "thị trấn": "thi_tran",
}


def _code(n, width: int) -> str:
    return str(int(n)).zfill(width)


def _vau(sql: str) -> pd.DataFrame:
    with sqlite3.connect(_VAU / "dataset.db") as c:
        return pd.read_sql_query(sql, c)


def _kind(type_name: str) -> str:
    return KIND_FROM_TYPE[clean(type_name).lower()]


def build_frames() -> dict[str, pd.DataFrame]:
    """Every master-data table as a DataFrame, ready to insert."""
    provinces_new = pd.DataFrame(
        [("2025", _code(p.code, 2), clean(p.name),
          clean(p.name).replace("Thành phố ", "").replace("Tỉnh ", ""))
         for p in Province.iter_all()],
        columns=["era", "code", "name", "short_name"],
    )
    vau_new = _vau("select provinceCode, provinceKey, provinceLat, provinceLon, ward, wardShort, "
                   "wardKey, wardCode, wardLat, wardLon, wardAreaKm2, wardKeywords from admin_units")
    prov_pos = vau_new.groupby("provinceCode")[["provinceLat", "provinceLon"]].first()
    provinces_new["lat"] = provinces_new["code"].map(prov_pos["provinceLat"])
    provinces_new["lon"] = provinces_new["code"].map(prov_pos["provinceLon"])

    vau_new["fk"] = vau_new["ward"].map(fold_key)
    by_name: dict[tuple, list] = {}
    for r in vau_new.to_dict("records"):
        by_name.setdefault((r["provinceCode"], r["fk"]), []).append(r)
    rows, aliases = [], []
    by_code = {r["wardCode"]: r for r in vau_new.to_dict("records")}
    for w in Ward.iter_all():
        name = clean(w.name)
        pcode = _code(w.province_code, 2)
        code = _code(w.code, 5)
        kind = KIND_FROM_TYPE[w.division_type.value]
        # by province and name first (the packages disagree on some codes), else by code alone
        attrs = _pick(by_name.get((pcode, fold_key(name)), []), code) or by_code.get(code)
        short = name.split(" ", 1)[1] if kind != "dac_khu" else name.replace("Đặc khu ", "")
        rows.append(("2025", code, name, short, kind, pcode, None,
                     None if attrs is None else float(attrs["wardLat"]),
                     None if attrs is None else float(attrs["wardLon"]),
                     None if attrs is None else float(attrs["wardAreaKm2"])))
        keys = {fold_key(name), fold_key(short)}
        if attrs is not None and attrs["wardKeywords"]:
            keys |= set(json.loads(attrs["wardKeywords"]))
        aliases += [("2025", code, k, "package") for k in sorted(keys) if k]
    units_new = pd.DataFrame(rows, columns=["era", "code", "name", "short_name", "kind", "province_code",
                                            "district_code", "lat", "lon", "area_km2"])

    legacy = _vau("select * from admin_units_legacy")
    provinces_old = (legacy.groupby("provinceCode").first().reset_index()
                     [["provinceCode", "province", "provinceShort", "provinceLat", "provinceLon"]])
    provinces_old.columns = ["code", "name", "short_name", "lat", "lon"]
    provinces_old.insert(0, "era", "legacy")
    districts = (legacy.groupby("districtCode").first().reset_index()
                 [["districtCode", "provinceCode", "district", "districtType", "districtLat", "districtLon"]])
    districts.columns = ["code", "province_code", "name", "kind", "lat", "lon"]
    districts["name"] = districts["name"].map(clean)
    legacy_w = legacy.dropna(subset=["wardCode"]).drop_duplicates("wardCode")
    units_old = pd.DataFrame({
        "era": "legacy", "code": legacy_w["wardCode"], "name": legacy_w["ward"].map(clean),
        "short_name": legacy_w["wardShort"].map(clean), "kind": legacy_w["wardType"].map(_kind),
        "province_code": legacy_w["provinceCode"], "district_code": legacy_w["districtCode"],
        "lat": legacy_w["wardLat"], "lon": legacy_w["wardLon"], "area_km2": None,
    })
    for r in legacy_w.itertuples():
        keys = {fold_key(r.ward), fold_key(r.wardShort)}
        if r.wardKeywords:
            keys |= set(json.loads(r.wardKeywords))
        aliases += [("legacy", r.wardCode, k, "package") for k in sorted(keys) if k]
    unit_aliases = pd.DataFrame(aliases, columns=["era", "unit_code", "alias", "source"]).drop_duplicates()

    history = _history(vau_new, units_new, legacy)
    return {"provinces": pd.concat([provinces_new, provinces_old], ignore_index=True),
            "districts": districts, "units": pd.concat([units_new, units_old], ignore_index=True),
            "unit_aliases": unit_aliases, "unit_history": history}


def _pick(candidates: list[dict], code: str) -> dict | None:
    """The package row for an official unit: the one with the same code, else the only one by name."""
    same = [c for c in candidates if c["wardCode"] == code]
    if same:
        return same[0]
    return candidates[0] if len(candidates) == 1 else None


def _history(vau_new, units_new, legacy) -> pd.DataFrame:
    """Old commune → new commune(s), from the package's official conversion tables."""
    conv = json.loads((_VAU / "converter_2025.json").read_text(encoding="utf-8"))
    official = {(r.province_code, fold_key(r.name)): r.code for r in units_new.itertuples()}
    new_code = {}
    for r in vau_new.itertuples():
        new_code[(r.provinceKey, r.wardKey)] = official.get((r.provinceCode, r.fk))
    old_code = {f"{r.provinceKey}_{r.districtKey}_{r.wardKey}": r.wardCode
                for r in legacy.dropna(subset=["wardCode"]).itertuples()}
    rows = set()
    for pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wkey, olds in wards.items():
            for old in olds:
                n, o = new_code.get((pkey, wkey)), old_code.get(old)
                if n and o:
                    rows.add((o, n, True))
    divided = {}
    for pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, news in olds.items():
            for nw in news:
                n, o = new_code.get((pkey, nw["newWardKey"])), old_code.get(old)
                if n and o:
                    divided[(o, n)] = bool(nw["isDefaultNewWard"])
    keys = {(o, n) for o, n, _ in rows}
    rows |= {(o, n, d) for (o, n), d in divided.items() if (o, n) not in keys}
    return pd.DataFrame(sorted(rows), columns=["old_code", "new_code", "is_default"])


def load(con: duckdb.DuckDBPyConnection, actor: str = "system") -> dict[str, int]:
    """Replace all master data in one transaction; return row counts."""
    frames = build_frames()
    counts = {}
    with transaction(con):
        for table, df in frames.items():
            con.execute(f"delete from {table}")
            con.register("_frame", df)
            cols = ", ".join(df.columns)
            con.execute(f"insert into {table} ({cols}) select {cols} from _frame")
            con.unregister("_frame")
            counts[table] = len(df)
        audit(con, actor, "masterdata.load", None, json.dumps(counts))
    return counts


def is_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from units where era = '2025'").fetchone()[0] > 0
