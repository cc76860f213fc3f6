"""Everything ingestion needs to know about one campaign, loaded once: the Campaign model, its
reporting units (match_units), the indicator catalog (match_indicators) and the provinces and
districts of its territory (places)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from loaders.ingest.match_indicators import IndicatorIndex
from loaders.ingest.match_units import UnitIndex
from loaders.ingest.places import Places
from loaders.reference.campaign_model import Campaign


@dataclass
class CampaignIndex:
    """Everything ingestion needs to know about a campaign, loaded once."""
    campaign: Campaign
    units: UnitIndex
    indicators: IndicatorIndex
    params: dict
    places: Places | None = None

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, campaign_code: str,
             campaign: Campaign | None = None) -> "CampaignIndex":
        campaign = campaign or Campaign.from_store(con, campaign_code)
        if campaign is None:
            raise KeyError(campaign_code)
        indicators = IndicatorIndex(con)
        indicators.load_mappings(con, campaign_code)
        return cls(campaign, UnitIndex(con, campaign), indicators, campaign.params.model_dump(),
                   Places(con, campaign))
