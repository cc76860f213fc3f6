-- The first live definitions of the rollup: the reporting units, the campaign calendar, and two
-- views over the store (current reports, the weeks each touches) that the later definitions read.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- metric_units: the reporting units of each campaign with the name of their kind.
-- Materialized into metric_units (its columns: migration 020).
create or replace view reporting_units_live as
select u.campaign_code, u.unit_code, u.name, u.short_name, u.kind, k.name as kind_name,
       u.territorial, u.district_code, u.lat, u.lon, u.area_km2
from campaign_units u
left join reporting_kinds k on k.campaign_code = u.campaign_code and k.kind = u.kind;

-- metric_weeks: the campaign calendar. phase_numbers: the phases holding the week's last campaign
-- day; phase_number: the latest of them.
-- Materialized into metric_weeks (its columns: migration 020).
create or replace view campaign_weeks as
with bounds as (
    select
        code as campaign_code, start_date, end_date, deadline_days, deadline_hour,
        start_date - ((isodow(start_date) - week_start + 7) % 7)::integer as first_week_start
    from campaigns
),
weeks as (
    select *, unnest(range(0, (end_date - first_week_start) // 7 + 1)) as week_index
    from bounds
),
calendar as (
    select
        campaign_code,
        (week_index + 1)::integer as week_no,
        first_week_start + (7 * week_index)::integer as week_start,
        first_week_start + (7 * week_index + 6)::integer as week_end,
        start_date, end_date, deadline_days, deadline_hour
    from weeks
),
week_phases as (
    select
        cal.campaign_code, cal.week_start,
        list(p.number order by p.number) filter (where p.number is not null) as phase_numbers
    from calendar cal
    left join phases p
        on p.campaign_code = cal.campaign_code
        and least(cal.week_end, cal.end_date) between p.start_date and p.end_date
    group by all
)
select
    cal.campaign_code,
    cal.week_no,
    cal.week_start,
    cal.week_end,
    greatest(cal.week_start, cal.start_date) as first_day,
    least(cal.week_end, cal.end_date) as last_day,
    (cal.week_end + cal.deadline_days)::timestamp + to_hours(cal.deadline_hour) as deadline,
    strftime(cal.week_start, '%d/%m') || '–' || strftime(cal.week_end, '%d/%m') as week_label,
    coalesce(wp.phase_numbers, []::integer[]) as phase_numbers,
    list_max(wp.phase_numbers) as phase_number
from calendar cal
left join week_phases wp using (campaign_code, week_start);

-- The newest version of every report; first_received_at: when its first version arrived.
create or replace view current_reports as
with versions as (
    select
        s.*,
        min(s.received_at) over report as first_received_at,
        count(*) over report as versions
    from submissions s
    window report as (partition by s.campaign_code, s.unit_code, s.period_start, s.period_end)
)
select
    id as submission_id, campaign_code, unit_code, period_start, period_end,
    (period_end - period_start + 1)::integer as period_days,
    version, versions, received_at, first_received_at, file_name, source_format
from versions
where is_current;

-- Current reports × the campaign weeks they count as received for (4 of the week's 7 days, or all
-- of its campaign days when it has fewer than 4). The rollup (unit_weeks_for) reads this view.
create or replace view report_weeks as
with spans as (
    select
        r.*,
        r.period_start - ((isodow(r.period_start) - cp.week_start + 7) % 7)::integer as first_week,
        r.period_end - ((isodow(r.period_end) - cp.week_start + 7) % 7)::integer as last_week
    from current_reports r
    join campaigns cp on cp.code = r.campaign_code
),
expanded as (
    select *, unnest(generate_series(first_week, last_week, interval 7 day))::date as week_start
    from spans
)
select e.campaign_code, e.unit_code, e.week_start, e.submission_id, e.period_start, e.period_end,
       e.period_days, e.received_at, e.first_received_at
from expanded e
join campaign_weeks w on w.campaign_code = e.campaign_code and w.week_start = e.week_start
where least(e.period_end, w.week_end) - greatest(e.period_start, w.week_start) + 1
      >= least(4, w.last_day - w.first_day + 1);
