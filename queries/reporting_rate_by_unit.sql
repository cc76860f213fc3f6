-- name: reporting_rate_by_unit
-- grain: one row per reporting unit
-- key: campaign_code, unit_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, expected, received, on_time,
--    late, missing, reporting_rate, on_time_rate, last_received_at
-- Reporting rate (after DHIS2): one report expected per unit per week whose deadline has passed by
-- $as_of; received = a current report known by then covers the week; on time = its first version
-- arrived by the week's deadline. A unit with no week due yet has expected 0 and null rates.
with units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

expected as (
    select * from expected_reports($campaign, $as_of)
),

per_unit as (
    select
        campaign_code,
        unit_code,
        count(*) as expected,
        count(*) filter (where received) as received,
        count(*) filter (where on_time) as on_time,
        max(received_at) as last_received_at
    from expected
    group by campaign_code, unit_code
),

final as (
    select
        u.campaign_code,
        u.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        coalesce(p.expected, 0) as expected,
        coalesce(p.received, 0) as received,
        coalesce(p.on_time, 0) as on_time,
        coalesce(p.received - p.on_time, 0) as late,
        coalesce(p.expected - p.received, 0) as missing,
        p.received / p.expected as reporting_rate,
        p.on_time / p.expected as on_time_rate,
        p.last_received_at
    from units u
    left join per_unit p using (campaign_code, unit_code)
    order by u.campaign_code, reporting_rate nulls last, u.name
)

select * from final
