-- name: reporting_rate_by_kind
-- grain: one row per reporting unit kind
-- key: campaign_code, kind
-- params: $campaign, $as_of
-- columns: campaign_code, kind, kind_name, territorial, units, expected, received, on_time,
--    reporting_rate, on_time_rate
-- Reporting and on-time rates per unit kind (definitions: reporting_rate_by_unit).
with units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

expected as (
    select * from expected_reports($campaign, $as_of)
),

per_kind as (
    select
        campaign_code,
        kind,
        count(*) as expected,
        count(*) filter (where received) as received,
        count(*) filter (where on_time) as on_time
    from expected
    group by campaign_code, kind
),

unit_counts as (
    select campaign_code, kind, any_value(kind_name) as kind_name,
           bool_or(territorial) as territorial, count(*) as units
    from units
    group by campaign_code, kind
),

final as (
    select
        u.campaign_code,
        u.kind,
        u.kind_name,
        u.territorial,
        u.units,
        coalesce(p.expected, 0) as expected,
        coalesce(p.received, 0) as received,
        coalesce(p.on_time, 0) as on_time,
        p.received / p.expected as reporting_rate,
        p.on_time / p.expected as on_time_rate
    from unit_counts u
    left join per_kind p using (campaign_code, kind)
    order by u.campaign_code, u.territorial desc, u.units desc, u.kind
)

select * from final
