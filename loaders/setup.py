"""First start and upgrades: migrate the schema, then load whatever master data is missing.

Idempotent: running it on a ready database changes nothing but the schema version when a new
migration ships.

A new store made by the ingest command (`new_store`) is a copy of a set-up store built once per
checkout state, like a .pyc: the schema, master data, indicators, the five plans and their rollup
cost ~0.9 s of CPU to build and a few milliseconds to copy. The copy is kept under
data/db/store-cache/ (CM_STORE_CACHE: another folder, or "off"), named by a checksum of everything
that makes it (migrations, definitions, the shipped data, the code that loads them, the package
versions); any change to them builds a new one on the next new store.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from loaders.store import db
from loaders.store import rollup
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.reference import unit_codes


def ensure_ready(con: duckdb.DuckDBPyConnection, reload: bool = False,
                 map_boundaries: bool = True, refresh: bool = True) -> dict[str, object]:
    """Bring a migrated database to a usable state: units, indicators, campaigns, map polygons.

    map_boundaries=False leaves the polygons and approximate cells out (the ingest command: storing
    reports reads none of them, and they are a third of a new database's setup); the app's start
    (loaders/api.py: prepare) loads them when the store has none. refresh=False: the caller refreshes
    the rollup itself right after (the ingest command, once for the setup and its reports)."""
    from loaders.reference import campaigns

    done: dict[str, object] = {}
    # a store built before official commune codes is rewritten once, before any reload (its units
    # table tells which codes it holds); a new store records, after its load, that it has them
    recoded = unit_codes.upgrade(con)
    if recoded:
        done["unit_codes"] = recoded
    if reload or not masterdata.is_loaded(con):
        done["masterdata"] = masterdata.load(con)
    unit_codes.upgrade(con)
    if reload or con.execute("select count(*) from indicators").fetchone()[0] == 0:
        done["indicators"] = indicators.load(con)
    done["campaigns"] = campaigns.load_all(con)
    # after the units (a master-data reload or a code rewrite resets their centres) and the campaigns
    # (whose provinces get approximate cells): the map never writes
    if map_boundaries:
        from loaders.reference.boundaries import shipped   # shapely and pyarrow: only when needed

        done["boundaries"] = shipped.ensure_map_boundaries(con, reload="masterdata" in done or "unit_codes" in done)
    if refresh:
        rollup.refresh(con)   # what was just loaded or changed: the writer refreshes, reads never write
    return done


# --------------------------------------------------------------------------- new stores from a cached copy

CACHE_ENV = "CM_STORE_CACHE"
_OFF = ("", "0", "off", "no", "false")


def store_cache_dir() -> Path | None:
    """Where set-up stores are cached (CM_STORE_CACHE, default data/db/store-cache); None when off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None and value.strip().lower() in _OFF:
        return None
    return Path(value) if value else db.DEFAULT_DB.parent / "store-cache"


def _key_files() -> list[Path]:
    """Everything a set-up store is made of: the schema, the shipped data the set-up reads, and the
    code that reads it (the map's polygons are not in it: the ingest command loads none)."""
    root = db.ROOT
    code = [root / "loaders" / "setup.py"]
    for folder in ("loaders/store", "loaders/reference", "loaders/common"):
        code += sorted((root / folder).glob("*.py"))
    data = [masterdata.SHIPPED / "manifest.json", *sorted(masterdata.SHIPPED.glob("*.parquet")),
            indicators.CATALOG, unit_codes.CHANGES]
    data += sorted((root / "data" / "campaigns").glob("*.yaml"))   # campaigns.CAMPAIGNS_DIR (not imported:
    # the campaign files' reader costs a copied store 40 ms of imports it never uses)
    return [p for _, p in db.migration_files()] + db.definition_files() + code + data


def store_key() -> str:
    """The checksum naming a cached set-up store: a changed migration, definition, shipped file,
    loader or package version gives another one."""
    h = hashlib.sha256()
    h.update(f"duckdb {duckdb.__version__} {sorted(masterdata.package_versions().items())}".encode())
    for p in _key_files():
        h.update(f"\0{p.name}\0".encode())
        h.update(db.checksum(p).encode() if p.exists() else b"missing")
    return h.hexdigest()[:32]


# the cached store the last new_store of this process copied (index_cache_file names files beside it)
_copied: dict[str, Path] = {}


def index_cache_file(campaign_code: str) -> Path | None:
    """Where the ingest command keeps a campaign's index (loaders.ingest.pipeline.preload_index) for
    stores copied from the cached one, when this process made such a copy: beside the cached store,
    named by its key and a checksum of the ingest code (the index's classes, how it is built)."""
    cached = _copied.get("store")
    if cached is None:
        return None
    h = hashlib.sha256()
    for p in sorted((db.ROOT / "loaders" / "ingest").rglob("*.py")):
        h.update(f"\0{p.relative_to(db.ROOT)}\0{db.checksum(p)}".encode())
    return cached.with_name(f"{cached.name}.index-{campaign_code}-{h.hexdigest()[:16]}.pickle")


def new_store(path: str | os.PathLike, threads: int | None = None) -> str:
    """Make the store at `path` (a file that does not exist yet) ready as `ensure_ready(...,
    map_boundaries=False)` and a rollup refresh leave it: a copy of the cached set-up store, built
    first when missing. Returns "copied", "built" (the cache was made, then copied), or "off" (no
    cache: nothing done, the caller sets the store up itself)."""
    folder = store_cache_dir()
    if folder is None:
        return "off"
    target = Path(path)
    cached = folder / f"store-{store_key()}.duckdb"
    done = "copied"
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        if not cached.exists():
            _build(folder, cached, threads)
            done = "built"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, part)
        os.replace(part, target)      # whole or absent: a start killed while copying leaves no half store
        _copied["store"] = cached
    except OSError:
        part.unlink(missing_ok=True)
        return "off"                  # a folder we cannot write, a full disk: the caller builds in place
    return done


def _build(folder: Path, cached: Path, threads: int | None) -> None:
    """The set-up store under its key's name (built aside, then renamed: another process making a
    new store at the same time builds its own or finds this one whole); older keys' copies go."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{cached.name}.{os.getpid()}.part"
    for p in (part, Path(f"{part}.wal")):
        p.unlink(missing_ok=True)
    try:
        con = db.connect(part, threads=threads)
        try:
            ensure_ready(con, map_boundaries=False)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(part, cached)
    except BaseException:
        for p in (part, Path(f"{part}.wal")):
            p.unlink(missing_ok=True)
        raise
    for old in folder.glob("store-*.duckdb*"):    # older stores and the indexes kept beside them
        if old != cached and not old.name.startswith(f"{cached.name}."):
            old.unlink(missing_ok=True)
