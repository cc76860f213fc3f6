-- name: reporting_units
-- grain: one row per reporting unit
-- key: campaign_code, unit_code
-- params: $campaign
-- columns: campaign_code, unit_code, unit_name, short_name, kind, kind_name, territorial,
--    district_code, lat, lon, area_km2
-- The units that report in a campaign: its commune-level units (territorial) and its own
-- departments, press agencies, associations (and districts for legacy campaigns).
with unit as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

final as (
    select
        campaign_code,
        unit_code,
        name as unit_name,
        short_name,
        kind,
        kind_name,
        territorial,
        district_code,
        lat,
        lon,
        area_km2
    from unit
    order by campaign_code, territorial desc, kind, unit_name
)

select * from final
