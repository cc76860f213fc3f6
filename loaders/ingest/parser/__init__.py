"""Read the numbers out of a weekly report workbook, whatever its layout (see core.py)."""
from loaders.ingest.parser.core import ReportParser, parse
from loaders.ingest.parser.layout import Table, find_table, header_role
from loaders.ingest.parser.model import ParsedReport, Post, Section, Value
from loaders.ingest.parser.posts import normalize_url
from loaders.ingest.parser.text import Texts, normalize_sheet

__all__ = ["ParsedReport", "Post", "ReportParser", "Section", "Table", "Texts", "Value", "find_table",
           "header_role", "normalize_sheet", "normalize_url", "parse"]
