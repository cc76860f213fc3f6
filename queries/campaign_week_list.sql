-- name: campaign_week_list
-- grain: one row per week of the campaign
-- key: campaign_code, week_start
-- params: $campaign
-- columns: campaign_code, week_no, week_start, week_end, week_label, deadline, phase_number
-- The campaign's weeks (starting on its week_start day) with their report deadline
-- (week end + deadline_days, at deadline_hour) and the phase holding the week's last day.
with week as (
    select * from metric_weeks where list_contains($campaign, campaign_code)
),

final as (
    select campaign_code, week_no, week_start, week_end, week_label, deadline, phase_number
    from week
    order by campaign_code, week_start
)

select * from final
