"""Build the official commune list (test data) and the table of unit codes our stores must change.

Run by hand when the source changes, never at start (the app reads neither the network nor git):

    /work/main/.venv/bin/python data/build/official_units.py SOURCE

SOURCE: a clone (or bare git directory) of github.com/thanglequoc/vietnamese-provinces-database, or
the file postgresql/ImportData_vn_units.sql itself. That repository publishes the statistics office's
(GSO, danhmuchanhchinh.gso.gov.vn) administrative unit list as SQL; its release v3.0.2 (pinned below)
is the list in force from 1 July 2025 (Quyết định 19/2025/QĐ-TTg; the GSO list of 25/6/2025:
34 provinces, 3,321 communes). Later releases follow 2026 resolutions and must not be used here.

Writes:
  tests/data/official_units_2025.csv   code, name, province_code, province_name of every commune:
                                       the reference tests/test_masterdata.py compares our units with
  data/unit_code_changes_2025.csv      old_code → new_code for every commune whose code in stores
                                       built before (codes from vietnam-provinces 2025.10.1) is not
                                       the official one; loaders/reference/unit_codes.py applies it

Why here (data/build/): it produces data files, one in data/ that ships with the app and one that
tests read; it is neither app code (nothing imports it at run time) nor a benchmark.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from loaders.common.text import clean, tone_key  # noqa: E402

REPO = "github.com/thanglequoc/vietnamese-provinces-database"
COMMIT = "78594ea643d5fdebd640ea3889ea91f84b9463ae"   # tag v3.0.2, 2025-07-29
PATH = "postgresql/ImportData_vn_units.sql"
OFFICIAL = ROOT / "tests" / "data" / "official_units_2025.csv"
CHANGES = ROOT / "data" / "unit_code_changes_2025.csv"


def read_source(source: str) -> str:
    p = Path(source)
    if p.is_file():
        return p.read_text(encoding="utf-8")
    git_dir = p / ".git" if (p / ".git").exists() else p
    return subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{COMMIT}:{PATH}"], check=True,
                          capture_output=True).stdout.decode("utf-8")


_VALUE = re.compile(r"'((?:[^']|'')*)'|(NULL|-?[\d.]+)")


def rows(sql: str, table: str) -> list[dict]:
    """The rows of every `INSERT INTO table(cols) VALUES (…),(…);` statement."""
    out = []
    for m in re.finditer(rf"INSERT INTO {table}\(([^)]*)\) VALUES\s*(.*?);\s*$", sql, re.S | re.M):
        cols = m.group(1).split(",")
        for t in re.finditer(r"\(((?:'(?:[^']|'')*'|[^,()']+|,\s*)*)\)", m.group(2)):
            vals = [a.replace("''", "'") if b == "" else (None if b == "NULL" else b)
                    for a, b in _VALUE.findall(t.group(1))]
            out.append(dict(zip(cols, vals)))
    return out


def official(sql: str) -> list[tuple[str, str, str, str]]:
    provinces = {p["code"]: clean(p["full_name"]) for p in rows(sql, "provinces")}
    wards = [(w["code"], clean(w["full_name"]), w["province_code"], provinces[w["province_code"]])
             for w in rows(sql, "wards")]
    assert len(provinces) == 34 and len(wards) == 3321, (len(provinces), len(wards))
    return sorted(wards)


def code_changes(units: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """(old_code, new_code, province_code, name): the vietnam-provinces code of a commune → its
    official code, matched by province and name (tone placement aside, diacritics kept: the twin
    names of one province differ only by a diacritic). Several old codes are official codes of
    another commune (rotations): the rewrite must apply all pairs at once."""
    from vietnam_provinces import Ward

    by_name = {(p, tone_key(n)): c for c, n, p, _ in units}
    assert len(by_name) == len(units), "two official communes of one province share a name"
    out = []
    for w in Ward.iter_all():
        old, p = str(w.code).zfill(5), str(w.province_code).zfill(2)
        new = by_name.get((p, tone_key(w.name)))
        if new is not None and new != old:
            out.append((old, new, p, clean(w.name)))
    return sorted(out)


def write(path: Path, header: list[str], cols: tuple[str, ...], data: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        for line in header:
            f.write(f"# {line}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerows(data)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    units = official(read_source(argv[0]))
    source = f"{REPO} @ {COMMIT} (v3.0.2) {PATH}"
    write(OFFICIAL, [
        "Official commune-level units from 1 July 2025: the statistics office's (GSO) list of 25/6/2025,",
        f"as published in {source}.",
        "Built by data/build/official_units.py; do not edit by hand.",
    ], ("code", "name", "province_code", "province_name"), units)
    import vietnam_provinces
    changes = code_changes(units)
    write(CHANGES, [
        "Unit codes of stores built before the switch to official codes: old_code (vietnam-provinces",
        f"{getattr(vietnam_provinces, '__version__', '2025.10.1')}) → new_code (official, {source}).",
        "Applied once per store by loaders/reference/unit_codes.py. Built by data/build/official_units.py.",
    ], ("old_code", "new_code", "province_code", "name"), changes)
    print(f"{len(units)} official communes → {OFFICIAL.relative_to(ROOT)}; "
          f"{len(changes)} code changes → {CHANGES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
