-- name: reporting_units_by_kind
-- grain: one row per reporting unit kind
-- key: campaign_code, kind
-- params: $campaign
-- columns: campaign_code, kind, kind_name, territorial, units
-- How many units of each kind report in a campaign (a kind without units shows 0).
with kind as (
    select * from reporting_kinds where list_contains($campaign, campaign_code)
),

unit as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

final as (
    select
        k.campaign_code,
        k.kind,
        k.name as kind_name,
        coalesce(bool_or(u.territorial), false) as territorial,
        count(u.unit_code) as units
    from kind k
    left join unit u on u.campaign_code = k.campaign_code and u.kind = k.kind
    group by k.campaign_code, k.kind, k.name
    order by k.campaign_code, territorial desc, units desc, k.kind
)

select * from final
