-- name: submission_versions
-- grain: one row per version of one unit's report for one period
-- key: submission_id
-- params: $campaign, $unit, $period_start, $period_end
-- columns: campaign_code, unit_code, period_start, period_end, submission_id, version, is_current,
--    file_name, sheet, source_format, file_hash, file_size, received_at, submitted_by, messages,
--    values_count, values_total
-- The history of a report: every version sent for the same unit and period, newest first; only
-- the current one counts in the metrics.
with submission as (
    select *
    from submissions
    where list_contains($campaign, campaign_code) and unit_code = $unit
      and period_start = $period_start and period_end = $period_end
),

value_totals as (
    select v.submission_id, count(*) as values_count, sum(v.value) as values_total
    from report_values v
    where v.submission_id in (select id from submission)
    group by v.submission_id
),

final as (
    select
        s.campaign_code,
        s.unit_code,
        s.period_start,
        s.period_end,
        s.id as submission_id,
        s.version,
        s.is_current,
        s.file_name,
        s.sheet,
        s.source_format,
        s.file_hash,
        s.file_size,
        s.received_at,
        s.submitted_by,
        s.messages,
        coalesce(v.values_count, 0) as values_count,
        coalesce(v.values_total, 0) as values_total
    from submission s
    left join value_totals v on v.submission_id = s.id
    order by s.version desc, s.id desc
)

select * from final
