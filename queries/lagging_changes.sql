-- name: lagging_changes
-- grain: one row per reporting unit lagging on the as-of day or a week before it
-- key: campaign_code, unit_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, kind_name, territorial, status, status_label,
--    reasons_now, reasons_before
-- The lagging list compared with the previous week (metrics.md "Lagging communes"): status 'new'
-- (lagging as of t, not as of t − 7 days), 'still' (both), 'recovered' (lagging a week before, no
-- longer), with the reasons of each day (empty when not lagging then).
with evaluated as materialized (
    -- both days in one pass over the rules
    select * from lagging_rules_at($campaign, [$as_of::timestamp, $as_of::timestamp - interval 7 day])
),

now as (
    select campaign_code, unit_code, list(reason order by rule_order) as reasons
    from evaluated
    where as_of = $as_of::timestamp
    group by all
),

before as (
    select campaign_code, unit_code, list(reason order by rule_order) as reasons
    from evaluated
    where as_of < $as_of::timestamp
    group by all
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

final as (
    select
        u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.kind_name, u.territorial,
        case when b.unit_code is null then 'new' when n.unit_code is null then 'recovered'
             else 'still' end as status,
        case when b.unit_code is null then 'Mới chậm tiến độ'
             when n.unit_code is null then 'Hết chậm tiến độ'
             else 'Vẫn chậm tiến độ' end as status_label,
        coalesce(n.reasons, []::varchar[]) as reasons_now,
        coalesce(b.reasons, []::varchar[]) as reasons_before
    from units u
    left join now n using (campaign_code, unit_code)
    left join before b using (campaign_code, unit_code)
    where n.unit_code is not null or b.unit_code is not null
    order by u.campaign_code, status, u.name
)

select * from final
