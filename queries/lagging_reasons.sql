-- name: lagging_reasons
-- grain: one row per reporting unit per fired lagging rule
-- key: campaign_code, unit_code, rule_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, kind_name, territorial, rule_code, rule_name,
--    weight, reason, value, threshold
-- The lagging rules of metrics.md ("Lagging communes", revised; macro lagging_rules_at, migration
-- 080), one row per unit and fired rule (for filtering by reason), each fact counted once:
--   reporting       none of the last 2 due weeks received, or fewer than 75% of the last 4
--   progress        current-phase completion more than 15 points below expected, or the last 4
--                   reported weeks below half the weekly pace the current phase needs
--   silent_channel  assigned channel groups without activity in the last 4 due weeks (when the
--                   unit reported at least 2 of them)
--   sharp_drop      the last 2 due weeks (both received) below half the weekly average of the 4
--                   reported weeks before
-- weight: from the campaign's params; value/threshold: the numbers the rule compared. Every
-- reporting unit is evaluated; "lagging communes" are the rows with territorial = true.
with rules as (
    select * from lagging_rules($campaign, $as_of)
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

final as (
    select
        r.campaign_code,
        r.unit_code,
        u.name as unit_name,
        u.kind,
        u.kind_name,
        u.territorial,
        r.rule_code,
        case r.rule_code
            when 'reporting' then 'Báo cáo'
            when 'progress' then 'Chậm so với kế hoạch'
            when 'silent_channel' then 'Bỏ trống hình thức'
            when 'sharp_drop' then 'Giảm mạnh'
        end as rule_name,
        r.weight,
        r.reason,
        r.value,
        r.threshold
    from rules r
    join units u using (campaign_code, unit_code)
    order by r.campaign_code, u.name, r.rule_order
)

select * from final
