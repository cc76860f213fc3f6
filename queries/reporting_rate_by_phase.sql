-- name: reporting_rate_by_phase
-- grain: one row per phase with a due week
-- key: campaign_code, phase_number
-- params: $campaign, $as_of
-- columns: campaign_code, phase_number, phase_name, weeks_due, expected, received, on_time,
--    reporting_rate, on_time_rate
-- Reporting and on-time rates per phase over its due weeks; a week belongs to the phase holding its
-- last campaign day (to each of them where phases overlap).
with expected as (
    select * from expected_reports($campaign, $as_of)
),

phase as (
    select * from phases where list_contains($campaign, campaign_code)
),

by_phase as (
    select *, unnest(phase_numbers) as week_phase from expected
),

final as (
    select
        b.campaign_code,
        b.week_phase as phase_number,
        any_value(p.name) as phase_name,
        count(distinct b.week_start) as weeks_due,
        count(*) as expected,
        count(*) filter (where b.received) as received,
        count(*) filter (where b.on_time) as on_time,
        count(*) filter (where b.received) / count(*) as reporting_rate,
        count(*) filter (where b.on_time) / count(*) as on_time_rate
    from by_phase b
    join phase p on p.campaign_code = b.campaign_code and p.number = b.week_phase
    group by b.campaign_code, b.week_phase
    order by b.campaign_code, b.week_phase
)

select * from final
