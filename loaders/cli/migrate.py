"""`python -m loaders migrate`: apply the schema upgrades still missing, nothing else."""
from __future__ import annotations

import argparse

from loaders.store import db

def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options beyond --db."""


def run(args: argparse.Namespace) -> int:
    con = db.connect(args.db)   # connecting migrates
    print(f"Phiên bản lược đồ: {db.schema_version(con)}")
    return 0
