"""What parsing a report produces: values with their cells, posts, periods, messages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from loaders.ingest.match_units import UnitMatch
from loaders.ingest.validate import Message, message

@dataclass
class Value:
    code: str
    value: float
    cumulative: float | None
    sheet: str
    cell: str
    cum_cell: str | None = None


@dataclass
class Post:
    posted_on: date | None
    platform: str
    title: str
    url: str
    url_norm: str
    sheet: str
    cell: str                 # the URL cell, or the row's first cell


@dataclass
class UnknownRow:
    """A row whose wording names no indicator for sure: kept whole (issue 10), never counted until a
    person maps its wording. A row of a mapped wording carries the mapping (mapping_id, code)."""
    label: str
    key: str                          # wording_key: what a mapping is made for
    raw_value: str
    value: float | None
    cumulative: float | None
    uom: str
    heading: str
    sheet: str
    cell: str
    value_cell: str
    reason: str
    suggestion: str | None
    mapping_id: int | None = None
    applied_code: str | None = None
    created_value: bool = False


@dataclass
class Section:
    """One reported period: a sheet (or a week of a long list) with its values."""
    sheet: str
    start: date | None
    end: date | None
    period_cell: str | None
    period_source: str                # meta | title | sheet_name | file_name | dates | none
    source_format: str                # template | free_form | long_list
    values: dict[str, Value] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    cum_scope: str = "campaign"
    unknown: list[UnknownRow] = field(default_factory=list)


@dataclass
class ParsedReport:
    file_name: str
    format: str | None = None
    meta: dict = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)       # posts not tied to one section yet
    messages: list[Message] = field(default_factory=list)
    unit: UnitMatch | None = None
    unit_source: str | None = None                         # meta | title | file_name
    unit_sheet: str | None = None
    unit_cell: str | None = None
    encodings: set[str] = field(default_factory=set)

    def add(self, level: str, text: str, sheet: str | None = None, cell: str | None = None) -> None:
        self.messages.append(message(level, self.file_name, text, sheet, cell))

    @property
    def ok(self) -> bool:
        return not any(m.level == "error" for m in self.messages)
