-- name: reporting_units_by_kind
-- grain: one row per reporting unit kind of the campaign
-- key: kind
-- params: $campaign
-- columns: kind, kind_name, territorial, units
with kinds as (
    select * from reporting_kinds where list_contains($campaign, campaign_code)
),

units as (
    select * from campaign_units where list_contains($campaign, campaign_code)
),

final as (
    select
        k.kind,
        k.name as kind_name,
        coalesce(bool_or(u.territorial), false) as territorial,
        count(u.unit_code) as units
    from kinds k
    left join units u on u.kind = k.kind
    group by k.kind, k.name
    order by territorial desc, units desc, k.kind
)

select * from final
