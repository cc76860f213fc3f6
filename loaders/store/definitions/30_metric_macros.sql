-- The macros every query builds on (c: list of campaign codes; t: the as-of time as a timestamp;
-- queries/__init__.py turns an as-of date into the end of that day). Table aliases avoid the names
-- c and t.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- Per campaign, as of t: the day, weeks due, and the current phase (the latest one started by that
-- day; it stays current after its end until the next starts) with its expected completion
-- clamp((d − s + 1) ÷ (e − s + 1), 0, 1).
create or replace macro campaign_asof(c, t) as table
with scope as (
    select code as campaign_code, start_date, end_date,
           t::timestamp as as_of, cast(t::timestamp as date) as as_of_date
    from campaigns
    where list_contains(c, code)
),
weeks as (
    select w.campaign_code,
           count(*) filter (where w.deadline <= s.as_of) as weeks_due,
           max(w.week_start) filter (where w.deadline <= s.as_of) as last_due_week_start
    from metric_weeks w
    join scope s using (campaign_code)
    group by w.campaign_code
),
current_phase as (
    select p.campaign_code, arg_max(p.number, (p.start_date, p.number)) as phase_number
    from phases p
    join scope s using (campaign_code)
    where p.start_date <= s.as_of_date
    group by p.campaign_code
)
select
    s.campaign_code, s.start_date, s.end_date, s.as_of, s.as_of_date,
    coalesce(w.weeks_due, 0) as weeks_due,
    w.last_due_week_start,
    cp.phase_number,
    p.name as phase_name,
    p.start_date as phase_start,
    p.end_date as phase_end,
    greatest(0.0, least(1.0, (s.as_of_date - p.start_date + 1)::double
                               / (p.end_date - p.start_date + 1))) as phase_expected
from scope s
left join weeks w using (campaign_code)
left join current_phase cp using (campaign_code)
left join phases p on p.campaign_code = s.campaign_code and p.number = cp.phase_number;

-- One row per reporting unit and week whose deadline has passed by t: received (a report known by
-- t covers it) and on time (its first version arrived by the deadline). due_rank 1: the latest.
create or replace macro expected_reports(c, t) as table
with due as (
    select campaign_code, max(week_no) as weeks_due
    from metric_weeks
    where list_contains(c, campaign_code) and deadline <= t::timestamp
    group by campaign_code
)
select
    uw.campaign_code, uw.unit_code, uw.unit_name, uw.kind, uw.territorial,
    uw.week_no, uw.week_start, uw.week_end, uw.week_label, uw.deadline,
    d.weeks_due - uw.week_no + 1 as due_rank,
    uw.phase_numbers, uw.phase_number,
    case when uw.received_at <= t::timestamp then uw.received_at end as received_at,
    coalesce(uw.received_at <= t::timestamp, false) as received,
    coalesce(uw.received_at <= uw.deadline, false) as on_time
from metric_unit_weeks uw
join due d using (campaign_code)
where list_contains(c, uw.campaign_code) and uw.deadline <= t::timestamp;

-- Each reporting unit × week, as known by t: activity, posts, channel groups with activity
-- (late tail subtracted), and whether a report covering the week had arrived.
create or replace macro unit_week_activity(c, t) as table
with late as (
    select campaign_code, unit_code, week_start, sum(activity::decimal(38,12))::double as activity,
           sum(posts::decimal(38,12))::double as posts
    from weekly_groups
    where list_contains(c, campaign_code) and received_at > t::timestamp
    group by all
)
select
    uw.campaign_code, uw.unit_code, uw.unit_name, uw.kind, uw.territorial,
    uw.week_no, uw.week_start, uw.week_end, uw.week_label, uw.deadline, uw.phase_number,
    coalesce(uw.received_at <= t::timestamp, false) as reported,
    uw.activity - coalesce(l.activity, 0) as activity,
    uw.posts - coalesce(l.posts, 0) as posts,
    len(list_filter(uw.group_first_active, lambda x: x <= t::timestamp)) as groups_active
from metric_unit_weeks uw
left join late l using (campaign_code, unit_code, week_start)
where list_contains(c, uw.campaign_code);

-- Each unit × phase started by t's day × task with a minimum: target, actual to date (the total
-- minus the late tail), ratio = min(actual ÷ target, 1), and the phase's expected completion on t's
-- day. Completion of a running phase is measured to date against its whole target.
create or replace macro task_progress(c, t) as table
with late as (
    select campaign_code, unit_code, phase_number, task_code, sum(value::decimal(38,12))::double as value
    from metric_task_values
    where list_contains(c, campaign_code) and received_at > t::timestamp
    group by all
)
select
    tk.campaign_code, tk.unit_code, tk.unit_name, tk.kind, tk.territorial,
    tk.phase_number, tk.phase_name, tk.phase_start, tk.phase_end,
    tk.task_code, tk.group_code, tk.indicator_code, tk.whole_group,
    tk.min_per_week, tk.min_per_phase, tk.target,
    tk.actual - coalesce(l.value, 0) as actual,
    least((tk.actual - coalesce(l.value, 0)) / tk.target, 1.0) as ratio,
    greatest(0.0, least(1.0, (cast(t::timestamp as date) - tk.phase_start + 1)::double
                               / (tk.phase_end - tk.phase_start + 1))) as expected
from metric_unit_tasks tk
left join late l using (campaign_code, unit_code, phase_number, task_code)
where list_contains(c, tk.campaign_code)
  and tk.phase_start <= cast(t::timestamp as date)
  and tk.target > 0;

-- Unit completion in a phase = mean over its tasks of min(actual ÷ target, 1); on_track when at or
-- above the phase's expected completion on t's day. One row per unit × started phase.
create or replace macro unit_phase_completion(c, t) as table
select
    campaign_code, unit_code, any_value(unit_name) as unit_name, any_value(kind) as kind,
    any_value(territorial) as territorial, phase_number, any_value(phase_name) as phase_name,
    count(*) as tasks,
    avg(ratio::decimal(38,12)) as completion,
    any_value(expected) as expected,
    avg(ratio::decimal(38,12)) >= any_value(expected) as on_track
from task_progress(c, t)
group by campaign_code, unit_code, phase_number;

-- Each unit's completion of the phase current as of t (metrics.md: mean over its tasks of
-- min(actual ÷ target, 1), reports arrived after t subtracted), with the phase's expected completion.
-- Only the current phase, read from the lagging rollup, which keeps each unit's completion of each
-- phase from every arrival of its task values to the next (metric_lagging_completion, computed as
-- unit_phase_completion does): the lagging rules and the campaign summary need just this one.
-- Output: campaign_code, unit_code, completion, expected
create or replace macro current_phase_completion(c, t) as table
select lc.campaign_code, lc.unit_code, lc.completion, s.phase_expected as expected
from campaign_asof(c, t) s
join metric_lagging_completion lc
    on lc.campaign_code = s.campaign_code and lc.phase_number = s.phase_number
    and lc.arrived_at <= t::timestamp and t::timestamp < lc.until_at
where list_contains(c, lc.campaign_code);
