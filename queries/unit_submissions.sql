-- name: unit_submissions
-- grain: one row per report period of one unit (all its versions folded into the row)
-- key: period_start, period_end
-- params: $campaign, $unit
-- columns: period_start, period_end, versions, current_submission_id, first_received_at,
--    last_received_at, last_submitted_by
-- The periods a unit has sent reports for, newest first, with how many versions each has.
with submissions as (
    select * from submissions
    where list_contains($campaign, campaign_code) and unit_code = $unit
),

final as (
    select
        period_start,
        period_end,
        count(*)::integer as versions,
        max(id) filter (where is_current) as current_submission_id,
        min(received_at) as first_received_at,
        max(received_at) as last_received_at,
        arg_max(submitted_by, received_at) as last_submitted_by
    from submissions
    group by period_start, period_end
    order by period_start desc, period_end desc
)

select * from final
