-- name: lagging_reasons
-- grain: one row per reporting unit per fired lagging rule
-- key: campaign_code, unit_code, rule_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, kind_name, territorial, rule_code, rule_name,
--    weight, reason, value, threshold
-- The lagging rules of metrics.md, one row per unit and fired rule (for filtering by reason):
--   missing_reports     the last missing_weeks (2) due reports all missing
--   low_reporting_rate  reporting rate below low_rate (75%) over the last low_rate_weeks (4) due weeks
--   behind_plan         current phase completion below expected − behind_tolerance (0.15)
--   silent_channel      an assigned channel group without activity in the current phase once
--                       silent_fraction (⅓) of the phase has passed
--   sharp_drop          activity over the last drop_recent_weeks (2) due weeks below drop_ratio (½)
--                       of the weekly average of the drop_baseline_weeks (4) before
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
            when 'missing_reports' then 'Không nộp báo cáo'
            when 'low_reporting_rate' then 'Tỷ lệ nộp báo cáo thấp'
            when 'behind_plan' then 'Chậm so với kế hoạch đợt'
            when 'silent_channel' then 'Kênh không có hoạt động'
            when 'sharp_drop' then 'Hoạt động giảm mạnh'
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
