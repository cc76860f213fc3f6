-- name: submission_grid
-- grain: one row per reporting unit per week whose deadline has passed
-- key: campaign_code, unit_code, week_start
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, week_no, week_start, week_label,
--    deadline, status, status_label, received_at
-- The unit × week grid of the submissions page. status: on_time (first version by the deadline),
-- late (after it, by $as_of), missing (no current report known by $as_of covers the week).
with expected as (
    select * from expected_reports($campaign, $as_of)
),

final as (
    select
        campaign_code,
        unit_code,
        unit_name,
        kind,
        territorial,
        week_no,
        week_start,
        week_label,
        deadline,
        case when on_time then 'on_time' when received then 'late' else 'missing' end as status,
        case when on_time then 'Đúng hạn' when received then 'Nộp muộn' else 'Chưa nộp' end as status_label,
        received_at
    from expected
    order by campaign_code, territorial desc, unit_name, week_start
)

select * from final
