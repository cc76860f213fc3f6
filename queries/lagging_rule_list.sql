-- name: lagging_rule_list
-- grain: one row per lagging rule of the campaign
-- key: campaign_code, rule_code
-- params: $campaign
-- columns: campaign_code, rule_no, rule_code, rule_name, weight, description
-- The four lagging rules of metrics.md ("Lagging communes", revised) as the campaign sets them (its
-- weights and thresholds, metric_params), in the order of metrics.md, whether or not any unit fires
-- them: the options of the reason filter and the legend of the lagging list. rule_code and
-- rule_name as in lagging_reasons.
with params as (
    select * from metric_params where list_contains($campaign, campaign_code)
),

rules as (
    select campaign_code, 1 as rule_no, 'reporting' as rule_code, 'Báo cáo' as rule_name,
           w_reporting as weight,
           'Không nộp ' || missing_weeks || ' tuần gần nhất đã đến hạn, hoặc nộp dưới '
               || vn_percent(low_rate) || ' số tuần trong ' || low_rate_weeks
               || ' tuần gần nhất; đơn vị chưa gửi báo cáo nào đứng đầu danh sách' as description
    from params
    union all
    select campaign_code, 2, 'progress', 'Chậm so với kế hoạch', w_progress,
           'Mức hoàn thành đợt hiện tại thấp hơn mức cần đạt quá '
               || cast(round(100 * behind_tolerance) as bigint) || ' điểm phần trăm, hoặc hoạt động '
               || pace_weeks || ' tuần có báo cáo gần nhất dưới ' || vn_percent(pace_ratio)
               || ' nhịp độ mà chỉ tiêu đợt cần'
    from params
    union all
    select campaign_code, 3, 'silent_channel', 'Bỏ trống hình thức', w_silent_channel,
           'Một hình thức được giao không có hoạt động nào trong ' || silent_weeks
               || ' tuần gần nhất (khi đơn vị đã nộp ít nhất ' || silent_min_reported
               || ' tuần trong đó)'
    from params
    union all
    select campaign_code, 4, 'sharp_drop', 'Giảm mạnh', w_sharp_drop,
           'Hoạt động trung bình ' || drop_recent_weeks || ' tuần gần nhất (đã nộp đủ) dưới '
               || vn_percent(drop_ratio) || ' trung bình tuần của ' || drop_baseline_weeks
               || ' tuần có báo cáo trước đó'
    from params
),

final as (
    select campaign_code, rule_no, rule_code, rule_name, weight, description
    from rules
    order by campaign_code, rule_no
)

select * from final
