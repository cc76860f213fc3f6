-- Live definitions of weekly_values, metric_reports, weekly_groups and metric_unit_weeks.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- weekly_values: current values spread over days, summed per week and per set of phases. phases:
-- the phases holding those days ([] outside every phase). A week's value: the sum of its rows; a
-- phase's: the rows whose phases hold it. Stored sorted by arrival.
-- Materialized into weekly_values (its columns: migration 020).
create or replace view weekly_values_live as
with report_days as (
    select
        r.submission_id, r.campaign_code, r.unit_code, r.first_received_at, r.period_days,
        unnest(generate_series(r.period_start, r.period_end, interval 1 day))::date as day
    from current_reports r
),
day_weeks as (
    select d.*, d.day - ((isodow(d.day) - cp.week_start + 7) % 7)::integer as week_start
    from report_days d
    join campaigns cp on cp.code = d.campaign_code
),
day_phases as (
    select
        d.submission_id, d.campaign_code, d.unit_code, d.first_received_at, d.period_days,
        d.week_start, d.day,
        coalesce(list(p.number order by p.number) filter (where p.number is not null),
                 []::integer[]) as phases
    from day_weeks d
    left join phases p
        on p.campaign_code = d.campaign_code and d.day between p.start_date and p.end_date
    group by all
),
segments as (
    select
        d.submission_id, d.campaign_code, d.unit_code, d.first_received_at, d.period_days,
        d.week_start, d.phases, count(*)::integer as days
    from day_phases d
    semi join campaign_weeks w on w.campaign_code = d.campaign_code and w.week_start = d.week_start
    group by all
)
select
    s.campaign_code,
    s.unit_code,
    s.week_start,
    s.phases,
    v.indicator_code,
    r.group_code,
    r.is_flag,
    r.is_posting,
    r.is_activity,
    s.submission_id,
    s.first_received_at as received_at,
    s.days,
    v.value * s.days / s.period_days as value
from segments s
join report_values v on v.submission_id = s.submission_id
join indicator_roles r on r.indicator_code = v.indicator_code;

-- metric_reports: current reports with their declared posts (posting indicators, from
-- weekly_values) and the length of their post list.
-- Materialized into metric_reports (its columns: migration 020).
create or replace macro reports_for(c) as table
with posts as (
    select submission_id, sum(value::decimal(38,12)) filter (where is_posting)::double as posts
    from weekly_values
    where list_contains(c, campaign_code)
    group by submission_id
),
lists as (
    select p.submission_id, count(*) as listed_rows
    from report_posts p
    semi join current_reports r on r.submission_id = p.submission_id and list_contains(c, r.campaign_code)
    group by p.submission_id
)
select r.*, coalesce(p.posts, 0) as posts, l.listed_rows
from current_reports r
left join posts p using (submission_id)
left join lists l using (submission_id)
where list_contains(c, r.campaign_code);

create or replace view reports_live as
select * from reports_for((select list(code) from campaigns));

-- weekly_groups: weekly values per channel group and report: activity (its activity indicators),
-- posts (its posting indicators), max_value (> 0: any activity at all, flags and volumes
-- included). Stored sorted by arrival.
-- Materialized into weekly_groups (its columns: migration 020).
create or replace view weekly_groups_live as
select
    campaign_code, unit_code, week_start, group_code, received_at,
    coalesce(sum(value::decimal(38,12)) filter (where is_activity)::double, 0) as activity,
    coalesce(sum(value::decimal(38,12)) filter (where is_posting)::double, 0) as posts,
    max(value) as max_value
from weekly_values
group by all;

-- metric_unit_weeks: every reporting unit × every campaign week: the first arrival of a report
-- covering it; activity and posts in it (totals over all current reports); the first arrival of
-- activity > 0 of each active channel group.
-- Materialized into metric_unit_weeks (its columns: migration 020).
create or replace macro unit_weeks_for(c) as table
with received as (
    select campaign_code, unit_code, week_start,
           min(first_received_at) as received_at,
           list(submission_id order by submission_id) as submission_ids
    from report_weeks
    where list_contains(c, campaign_code)
    group by all
),
group_weeks as (
    select campaign_code, unit_code, week_start, group_code,
           sum(activity::decimal(38,12))::double as activity, sum(posts::decimal(38,12))::double as posts,
           min(received_at) filter (where max_value > 0) as first_active
    from weekly_groups
    where list_contains(c, campaign_code)
    group by all
),
totals as (
    select campaign_code, unit_code, week_start,
           sum(activity::decimal(38,12))::double as activity, sum(posts::decimal(38,12))::double as posts,
           list(first_active order by first_active) filter (where first_active is not null) as group_first_active
    from group_weeks
    group by all
)
select
    u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
    w.week_no, w.week_start, w.week_end, w.week_label, w.deadline, w.phase_number, w.phase_numbers,
    r.received_at, coalesce(r.submission_ids, []::bigint[]) as submission_ids,
    coalesce(tt.activity, 0) as activity,
    coalesce(tt.posts, 0) as posts,
    coalesce(tt.group_first_active, []::timestamp[]) as group_first_active
from metric_units u
join metric_weeks w using (campaign_code)
left join received r using (campaign_code, unit_code, week_start)
left join totals tt using (campaign_code, unit_code, week_start)
where list_contains(c, u.campaign_code);

create or replace view unit_weeks_live as
select * from unit_weeks_for((select list(code) from campaigns));
