-- name: campaign_week_list
-- grain: one row per week of the campaign
-- key: week_start
-- params: $campaign
-- columns: week_no, week_start, week_end, week_label, deadline
with weeks as (
    select * from campaign_weeks where list_contains($campaign, campaign_code)
),

final as (
    select week_no, week_start, week_end, week_label, deadline
    from weeks
    order by week_start
)

select * from final
