-- name: reporting_rate_by_unit_phase
-- grain: one row per reporting unit per window (the whole campaign to date, each started phase)
-- key: campaign_code, unit_code, phase_number
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, phase_number, window_name,
--    expected, received, on_time, reporting_rate, on_time_rate, weeks_reported
-- Reporting rate of each unit in a window, for the map: as reporting_rate_by_unit (one report
-- expected per week whose deadline has passed by $as_of), counting only the window's weeks; a week
-- belongs to the phase holding its last campaign day (to each of them where phases overlap).
-- phase_number 0 (window_name 'Toàn kế hoạch') is the whole campaign to date, as in
-- channel_coverage_by_unit. expected 0 (no week of the window due yet): null rates.
-- weeks_reported: weeks of the window started by $as_of, due or not, with a report known by then
-- (0: the unit sent nothing for the window, so its activity numbers there say nothing).
with unit as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name
    from campaigns
    where list_contains($campaign, code)
    union all
    select campaign_code, number, name
    from phases
    where list_contains($campaign, campaign_code) and start_date <= cast($as_of::timestamp as date)
),

unit_weeks as (
    select
        campaign_code, unit_code, phase_numbers,
        deadline <= $as_of::timestamp as due,
        coalesce(received_at <= $as_of::timestamp, false) as received,
        coalesce(received_at <= deadline, false) as on_time
    from metric_unit_weeks
    where list_contains($campaign, campaign_code) and week_start <= cast($as_of::timestamp as date)
),

by_window as (
    select campaign_code, unit_code, 0 as phase_number, due, received, on_time from unit_weeks
    union all
    select campaign_code, unit_code, unnest(phase_numbers) as phase_number, due, received, on_time
    from unit_weeks
),

rates as (
    select
        campaign_code, unit_code, phase_number,
        count(*) filter (where due) as expected,
        count(*) filter (where due and received) as received,
        count(*) filter (where due and on_time) as on_time,
        count(*) filter (where received) as weeks_reported
    from by_window
    group by all
),

final as (
    select
        u.campaign_code,
        u.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        w.phase_number,
        w.window_name,
        coalesce(r.expected, 0) as expected,
        coalesce(r.received, 0) as received,
        coalesce(r.on_time, 0) as on_time,
        r.received / nullif(r.expected, 0) as reporting_rate,
        r.on_time / nullif(r.expected, 0) as on_time_rate,
        coalesce(r.weeks_reported, 0) as weeks_reported
    from unit u
    join windows w using (campaign_code)
    left join rates r
        on r.campaign_code = u.campaign_code and r.unit_code = u.unit_code and r.phase_number = w.phase_number
    order by u.campaign_code, w.phase_number, u.name
)

select * from final
