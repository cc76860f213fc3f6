"""Everything ingestion needs to know about one campaign, loaded once: its row, phases and params, its
reporting units (match_units), the indicator catalog (match_indicators) and the provinces and
districts of its territory (places)."""
from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from loaders.ingest.match_indicators import IndicatorIndex
from loaders.ingest.match_units import UnitIndex
from loaders.ingest.places import Places

@dataclass
class CampaignIndex:
    """Everything ingestion needs to know about a campaign, loaded once."""
    campaign: dict
    units: UnitIndex
    indicators: IndicatorIndex
    params: dict
    places: Places | None = None

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, campaign_code: str) -> "CampaignIndex":
        cols = [d[0] for d in con.execute("select * from campaigns limit 0").description]
        row = con.execute("select * from campaigns where code = ?", [campaign_code]).fetchone()
        if row is None:
            raise KeyError(campaign_code)
        campaign = dict(zip(cols, row))
        params = campaign.get("params") or {}
        if isinstance(params, str):
            params = json.loads(params)
        phases = con.execute("select number, name, start_date, end_date from phases where campaign_code = ? "
                             "order by number", [campaign_code]).fetchall()
        campaign["phases"] = phases
        return cls(campaign, UnitIndex(con, campaign), IndicatorIndex(con), params, Places(con, campaign))
