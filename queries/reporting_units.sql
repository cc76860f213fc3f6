-- name: reporting_units
-- grain: one row per reporting unit of the campaign
-- key: unit_code
-- params: $campaign
-- columns: unit_code, unit_name, kind, kind_name, territorial
with units as (
    select * from campaign_units where list_contains($campaign, campaign_code)
),

kinds as (
    select * from reporting_kinds where list_contains($campaign, campaign_code)
),

final as (
    select
        u.unit_code,
        u.name as unit_name,
        u.kind,
        k.name as kind_name,
        u.territorial
    from units u
    left join kinds k on k.kind = u.kind
    order by u.territorial desc, u.name, u.unit_code
)

select * from final
