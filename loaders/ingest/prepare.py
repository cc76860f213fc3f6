"""A file read and parsed without the store: the part of ingesting that can run anywhere.

`prepare(data, file_name, ix, budget_s)` reads the workbook and parses it against the campaign's
index (no database): what `pipeline.Ingestor` decides from, and what a worker process of
`parallel.py` hands back to the one writer. It is a pure function of the bytes and the index, so a
file prepared in a worker gives exactly what it gives in the writer's process.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from loaders.ingest import limits
from loaders.ingest.campaign_index import CampaignIndex
from loaders.ingest.hidden_sheets import parse_with_hidden
from loaders.ingest.parser import ParsedReport
from loaders.ingest.reader import ReadError, Workbook, read_workbook


@dataclass
class Prepared:
    """What a file is, before the store is asked: its hash and size, and the report it holds (or why it
    could not be read). parsed and error both None: not read (the file is already known, or refused
    unread); data is then kept, so that the writer can still read it if it must."""
    digest: str
    size: int
    parsed: ParsedReport | None = None
    error: str | None = None
    data: bytes | None = None

    @property
    def read(self) -> bool:
        return self.parsed is not None or self.error is not None


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unread(data: bytes) -> Prepared:
    return Prepared(digest_of(data), len(data), data=data)


def prepare(data: bytes, file_name: str, ix: CampaignIndex, budget_s: float | None = None,
            digest: str | None = None) -> Prepared:
    """Read and parse one file within its wall-time budget (limits.Deadline)."""
    out = Prepared(digest or digest_of(data), len(data))
    deadline = limits.Deadline(budget_s)
    wb = read_stage(out, data, deadline)
    if wb is not None:
        parse_stage(out, wb, file_name, ix, deadline)
    return out


def read_stage(out: Prepared, data: bytes, deadline: limits.Deadline) -> Workbook | None:
    """The workbook, or None with out.error saying why it cannot be read."""
    try:
        return read_workbook(data, deadline)
    except (ReadError, limits.LimitError) as e:
        out.error = str(e)
        return None


def parse_stage(out: Prepared, wb: Workbook, file_name: str, ix: CampaignIndex,
                deadline: limits.Deadline) -> None:
    """The report the workbook holds into out.parsed (or out.error)."""
    try:
        out.parsed = parse_with_hidden(wb, file_name, ix)
        deadline.check()          # a file past its budget is refused before anything is written
    except (ReadError, limits.LimitError) as e:
        out.parsed, out.error = None, str(e)
