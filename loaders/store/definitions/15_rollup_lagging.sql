-- Live definitions of the lagging rollup (metric_lagging_groups, _units, _weeks, _late,
-- _completion): what the lagging rules (31_lagging_rules.sql) need of each unit and week whatever
-- the as-of time, so that evaluating the rules at a time reads only the few weeks each rule looks
-- at. The tables and their columns: migration 120; loaders/store/rollup.py refreshes them in its
-- TABLES order, after the week and task tables they read.

-- metric_lagging_groups: the channel groups a campaign assigns (to any kind), numbered 0, 1, … in
-- the catalog's order: the bits of the masks below.
create or replace macro lagging_groups_for(c) as table
select g.campaign_code,
       case when count(*) over (partition by g.campaign_code) > 62
            then error('lagging rollup: more than 62 channel groups in campaign ' || g.campaign_code)
            else (row_number() over (partition by g.campaign_code order by ig.sort, ig.code) - 1)
       end::integer as bit_no,
       ig.code as group_code, ig.name, ig.sort
from (select distinct campaign_code, group_code from tasks where list_contains(c, campaign_code)) g
join indicator_groups ig on ig.code = g.group_code;

create or replace view lagging_groups_live as
select * from lagging_groups_for((select list(code) from campaigns));

-- metric_lagging_units: every reporting unit, when its first report arrived, the mask of the
-- groups its kind is assigned.
create or replace macro lagging_units_for(c) as table
with first_report as (
    select campaign_code, unit_code, min(first_received_at) as first_at
    from metric_reports
    where list_contains(c, campaign_code)
    group by all
),
assigned as (
    select u.campaign_code, u.unit_code, bit_or(1::bigint << g.bit_no) as mask
    from metric_units u
    join (select distinct campaign_code, unit_kind, group_code from tasks) tk
        on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
    join metric_lagging_groups g on g.campaign_code = u.campaign_code and g.group_code = tk.group_code
    where list_contains(c, u.campaign_code)
    group by all
)
select u.campaign_code, u.unit_code, f.first_at, coalesce(a.mask, 0) as assigned_mask
from metric_units u
left join first_report f using (campaign_code, unit_code)
left join assigned a using (campaign_code, unit_code)
where list_contains(c, u.campaign_code);

create or replace view lagging_units_live as
select * from lagging_units_for((select list(code) from campaigns));

-- The first arrival of activity > 0 of each assigned group in each unit-week.
create or replace macro lagging_group_firsts_for(c) as table
select g.campaign_code, g.unit_code, g.week_start, min(g.received_at) as first_active,
       lg.bit_no
from weekly_groups g
join metric_lagging_groups lg on lg.campaign_code = g.campaign_code and lg.group_code = g.group_code
where list_contains(c, g.campaign_code) and g.max_value > 0
group by all;

-- metric_lagging_weeks: every unit × week (metric_unit_weeks) with whether it was received late,
-- the running number of received weeks, the mask of the assigned groups active in it.
create or replace macro lagging_weeks_for(c) as table
with masks as (
    select campaign_code, unit_code, week_start, bit_or(1::bigint << bit_no) as mask
    from lagging_group_firsts_for(c)
    group by all
)
select uw.campaign_code, uw.unit_code, uw.week_no, uw.week_label, uw.received_at,
       coalesce(uw.received_at > uw.deadline, false) as late,
       uw.activity,
       count(uw.received_at) over (partition by uw.campaign_code, uw.unit_code
                                   order by uw.week_no) as upto,
       coalesce(m.mask, 0) as groups_mask
from metric_unit_weeks uw
left join masks m using (campaign_code, unit_code, week_start)
where list_contains(c, uw.campaign_code);

create or replace view lagging_weeks_live as
select * from lagging_weeks_for((select list(code) from campaigns));

-- metric_lagging_late: per unit-week, each arrival after the week's deadline: the activity it
-- brought and the mask of the groups whose first activity came with it.
create or replace macro lagging_late_for(c) as table
with arrivals as (
    select campaign_code, unit_code, week_start, received_at, sum(activity) as activity
    from weekly_groups
    where list_contains(c, campaign_code)
    group by all
),
first_masks as (
    select campaign_code, unit_code, week_start, first_active as received_at,
           bit_or(1::bigint << bit_no) as mask
    from lagging_group_firsts_for(c)
    group by all
)
select a.campaign_code, a.unit_code, w.week_no, a.received_at as arrived_at, a.activity,
       coalesce(m.mask, 0) as groups_mask
from arrivals a
join metric_weeks w on w.campaign_code = a.campaign_code and w.week_start = a.week_start
left join first_masks m
    on m.campaign_code = a.campaign_code and m.unit_code = a.unit_code
    and m.week_start = a.week_start and m.received_at = a.received_at
where a.received_at > w.deadline;

create or replace view lagging_late_live as
select * from lagging_late_for((select list(code) from campaigns));

-- metric_lagging_completion: each unit × phase × arrival of its task values, and −infinity (before
-- any): the phase completion from then until the next arrival, computed as the rules define it
-- (values that arrived later subtracted from each task's actual), and the sum of the targets (the
-- weekly pace is that ÷ the phase's weeks). Only tasks with a target > 0 count; a unit without one
-- has no row.
-- Materialized into metric_lagging_completion.
create or replace macro lagging_completion_for(c) as table
with tasks as (
    select campaign_code, unit_code, phase_number, task_code, target, actual
    from metric_unit_tasks
    where list_contains(c, campaign_code) and target > 0
),
task_values as (
    select v.campaign_code, v.unit_code, v.phase_number, v.task_code, v.received_at, v.value
    from metric_task_values v
    semi join tasks t using (campaign_code, unit_code, phase_number, task_code)
    where list_contains(c, v.campaign_code)
),
events as (
    select distinct campaign_code, unit_code, phase_number, received_at as arrived_at from task_values
    union
    select distinct campaign_code, unit_code, phase_number, '-infinity'::timestamp from tasks
),
later as (
    select e.campaign_code, e.unit_code, e.phase_number, e.arrived_at, v.task_code, sum(v.value) as value
    from events e
    join task_values v
        on v.campaign_code = e.campaign_code and v.unit_code = e.unit_code
        and v.phase_number = e.phase_number and v.received_at > e.arrived_at
    group by all
),
completion as (
    select e.campaign_code, e.unit_code, e.phase_number, e.arrived_at,
           avg(least((t.actual - coalesce(l.value, 0)) / t.target, 1.0)) as completion,
           sum(t.target) as target
    from events e
    join tasks t using (campaign_code, unit_code, phase_number)
    left join later l
        on l.campaign_code = e.campaign_code and l.unit_code = e.unit_code
        and l.phase_number = e.phase_number and l.arrived_at = e.arrived_at and l.task_code = t.task_code
    group by all
)
select campaign_code, unit_code, phase_number, arrived_at,
       coalesce(lead(arrived_at) over (partition by campaign_code, unit_code, phase_number order by arrived_at),
                'infinity'::timestamp) as until_at,
       completion, target
from completion;

create or replace view lagging_completion_live as
select * from lagging_completion_for((select list(code) from campaigns));
