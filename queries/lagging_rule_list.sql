-- name: lagging_rule_list
-- grain: one row per lagging rule of the campaign
-- key: campaign_code, rule_code
-- params: $campaign
-- columns: campaign_code, rule_no, rule_code, rule_name, weight, description
-- The five lagging rules of metrics.md as the campaign sets them (its weights and thresholds,
-- metric_params), in the order of metrics.md, whether or not any unit fires them: the options of
-- the reason filter and the legend of the lagging list. rule_code and rule_name as in
-- lagging_reasons.
with params as (
    select * from metric_params where list_contains($campaign, campaign_code)
),

rules as (
    select campaign_code, 1 as rule_no, 'missing_reports' as rule_code,
           'Không nộp báo cáo' as rule_name, w_missing_reports as weight,
           'Không nộp cả ' || missing_weeks || ' báo cáo tuần gần nhất đã đến hạn' as description
    from params
    union all
    select campaign_code, 2, 'low_reporting_rate', 'Tỷ lệ nộp báo cáo thấp', w_low_reporting_rate,
           'Tỷ lệ nộp báo cáo dưới ' || vn_percent(low_rate) || ' trong ' || low_rate_weeks
               || ' tuần gần nhất đã đến hạn'
    from params
    union all
    select campaign_code, 3, 'behind_plan', 'Chậm so với kế hoạch đợt', w_behind_plan,
           'Mức hoàn thành đợt hiện tại thấp hơn mức cần đạt quá '
               || cast(round(100 * behind_tolerance) as bigint) || ' điểm phần trăm'
    from params
    union all
    select campaign_code, 4, 'silent_channel', 'Kênh không có hoạt động', w_silent_channel,
           'Một hình thức được giao không có hoạt động nào trong đợt hiện tại khi đợt đã qua '
               || vn_percent(silent_fraction) || ' thời gian'
    from params
    union all
    select campaign_code, 5, 'sharp_drop', 'Hoạt động giảm mạnh', w_sharp_drop,
           'Hoạt động trung bình ' || drop_recent_weeks || ' tuần gần nhất dưới '
               || vn_percent(drop_ratio) || ' trung bình tuần của ' || drop_baseline_weeks
               || ' tuần trước đó'
    from params
),

final as (
    select campaign_code, rule_no, rule_code, rule_name, weight, description
    from rules
    order by campaign_code, rule_no
)

select * from final
