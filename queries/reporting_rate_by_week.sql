-- name: reporting_rate_by_week
-- grain: one row per week whose deadline has passed
-- key: campaign_code, week_start
-- params: $campaign, $as_of
-- columns: campaign_code, week_no, week_start, week_end, week_label, deadline, phase_number,
--    expected, received, on_time, reporting_rate, on_time_rate
-- Reporting and on-time rates of every due week over all reporting units (reporting_rate_by_unit).
with expected as (
    select * from expected_reports($campaign, $as_of)
),

final as (
    select
        campaign_code,
        any_value(week_no) as week_no,
        week_start,
        any_value(week_end) as week_end,
        any_value(week_label) as week_label,
        any_value(deadline) as deadline,
        any_value(phase_number) as phase_number,
        count(*) as expected,
        count(*) filter (where received) as received,
        count(*) filter (where on_time) as on_time,
        count(*) filter (where received) / count(*) as reporting_rate,
        count(*) filter (where on_time) / count(*) as on_time_rate
    from expected
    group by campaign_code, week_start
    order by campaign_code, week_start
)

select * from final
