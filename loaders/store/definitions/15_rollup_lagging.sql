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
    select campaign_code, unit_code, week_start, received_at,
           sum(activity::decimal(38,12))::double as activity
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
    select e.campaign_code, e.unit_code, e.phase_number, e.arrived_at, v.task_code,
           sum(v.value::decimal(38,12))::double as value
    from events e
    join task_values v
        on v.campaign_code = e.campaign_code and v.unit_code = e.unit_code
        and v.phase_number = e.phase_number and v.received_at > e.arrived_at
    group by all
),
completion as (
    select e.campaign_code, e.unit_code, e.phase_number, e.arrived_at,
           avg(least((t.actual - coalesce(l.value, 0)) / t.target, 1.0)::decimal(38,12)) as completion,
           sum(t.target::decimal(38,12))::double as target
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

-- metric_lagging_states (migration 150): what the rules count over each unit's due weeks, for each
-- stretch [valid_from, valid_until) in which it cannot change: the stretches start at every
-- deadline (due_n, the number of weeks due, grows) and at every arrival after a week's deadline
-- (a late report, late activity, a group's first late activity); none starts before the first
-- deadline (no week due: the rules count nothing). At a stretch's start the facts are computed as
-- lagging_rules_direct_at defines them at that time (31_lagging_rules.sql): the due weeks as of t
-- are weeks 1..n (deadlines grow with the week number), so "the last k due weeks" are weeks
-- n−k+1..n; "reported weeks" are the weeks received by t, newest first: of the ever-received
-- weeks up to n (running numbers upto ≤ upto(n)) only a late one can still be missing at t, so the
-- k + (late weeks missing at t) last of them hold the first k received by t. What arrived after t
-- for a due week (activity, a group's first activity) arrived after its deadline:
-- metric_lagging_late.
create or replace macro lagging_states_for(c) as table
with due_counts as (
    -- the number of weeks due from each deadline on
    select campaign_code, deadline,
           count(*) over (partition by campaign_code order by deadline) as due_n
    from metric_weeks
    where list_contains(c, campaign_code)
),
points as (
    select lw.campaign_code, lw.unit_code, w.deadline as point_at
    from metric_lagging_weeks lw
    join metric_weeks w on w.campaign_code = lw.campaign_code and w.week_no = lw.week_no
    where list_contains(c, lw.campaign_code)
    union
    select campaign_code, unit_code, received_at from metric_lagging_weeks
    where list_contains(c, campaign_code) and late
    union
    select campaign_code, unit_code, arrived_at from metric_lagging_late
    where list_contains(c, campaign_code)
),
stretches as (
    select campaign_code, unit_code, point_at as valid_from,
           coalesce(lead(point_at) over (partition by campaign_code, unit_code order by point_at),
                    'infinity'::timestamp) as valid_until
    from points
),
segments as materialized (
    select s.campaign_code, s.unit_code, s.valid_from, s.valid_until, d.due_n,
           m.missing_weeks, m.low_rate_weeks, m.silent_weeks, m.drop_recent_weeks, m.pace_weeks,
           m.drop_baseline_weeks,
           greatest(1, m.missing_weeks, m.low_rate_weeks, m.silent_weeks, m.drop_recent_weeks)
               as k_due,
           greatest(m.pace_weeks, m.drop_recent_weeks + m.drop_baseline_weeks) as k_reported
    from stretches s
    asof join due_counts d on d.campaign_code = s.campaign_code and s.valid_from >= d.deadline
    join metric_params m on m.campaign_code = s.campaign_code
),
window_weeks as (
    -- the last k_due due weeks of each stretch, r = 1 the newest
    select campaign_code, unit_code, valid_from, r, due_n - r + 1 as week_no,
           r <= missing_weeks as in_missing, r <= low_rate_weeks as in_rate,
           r <= silent_weeks as in_silent, r <= drop_recent_weeks as in_recent
    from (select *, unnest(generate_series(1, least(k_due, due_n))) as r from segments)
),
late_at as (
    -- what arrived after the stretch's start for a due week
    select s.campaign_code, s.unit_code, s.valid_from, l.week_no,
           sum(l.activity::decimal(38,12))::double as activity,
           bit_or(l.groups_mask) as groups_mask
    from segments s
    join metric_lagging_late l on l.campaign_code = s.campaign_code and l.unit_code = s.unit_code
        and l.week_no <= s.due_n and l.arrived_at > s.valid_from
    where list_contains(c, l.campaign_code)
    group by all
),
late_n as (
    -- late weeks not received yet at the stretch's start
    select s.campaign_code, s.unit_code, s.valid_from, count(*) as n, list(w.week_no) as late_weeks
    from segments s
    join metric_lagging_weeks w on w.campaign_code = s.campaign_code and w.unit_code = s.unit_code
        and w.week_no <= s.due_n and w.received_at > s.valid_from
    where list_contains(c, w.campaign_code) and w.late
    group by all
),
due_weeks as (
    select ww.*, w.upto,
           coalesce(w.received_at <= ww.valid_from, false) as received,
           w.activity - coalesce(la.activity, 0) as activity,
           w.groups_mask & ~coalesce(la.groups_mask, 0) as groups_mask
    from window_weeks ww
    join metric_lagging_weeks w on w.campaign_code = ww.campaign_code
        and w.unit_code = ww.unit_code and w.week_no = ww.week_no
    left join late_at la on la.campaign_code = ww.campaign_code and la.unit_code = ww.unit_code
        and la.valid_from = ww.valid_from and la.week_no = ww.week_no
    where list_contains(c, w.campaign_code)
),
window_facts as (
    select campaign_code, unit_code, valid_from,
           any_value(upto) filter (where r = 1) as upto_n,
           count(*) filter (where in_missing and received) as last_received,
           count(*) filter (where in_rate and received) as rate_received,
           count(*) filter (where in_silent and received) as silent_reported,
           bit_or(groups_mask) filter (where in_silent) as active_mask,
           count(*) filter (where in_recent and received) as recent_received,
           coalesce(sum(activity::decimal(38,12)) filter (where in_recent)::double, 0) as recent_activity
    from due_weeks
    group by campaign_code, unit_code, valid_from
),
reported as (
    -- the weeks received by the stretch's start among the last ever-received ones; rep_rank:
    -- newest first (the ever-received weeks after it, less those not received yet)
    select f.campaign_code, f.unit_code, f.valid_from, w.week_no,
           w.activity - coalesce(la.activity, 0) as activity,
           f.upto_n - f.rr + 1 - case when f.late_weeks is null then 0
                                      else len(list_filter(f.late_weeks, lambda x: x > w.week_no))
                                 end as rep_rank
    from (select wf.campaign_code, wf.unit_code, wf.valid_from, wf.upto_n, ln.late_weeks,
                 unnest(generate_series(wf.upto_n, greatest(1, wf.upto_n - s.k_reported
                                                               - coalesce(ln.n, 0) + 1), -1)) as rr
          from window_facts wf
          join segments s using (campaign_code, unit_code, valid_from)
          left join late_n ln using (campaign_code, unit_code, valid_from)
          where wf.upto_n > 0) f
    join metric_lagging_weeks w on w.campaign_code = f.campaign_code and w.unit_code = f.unit_code
        and w.upto = f.rr and w.received_at is not null
    left join late_at la on la.campaign_code = f.campaign_code and la.unit_code = f.unit_code
        and la.valid_from = f.valid_from and la.week_no = w.week_no
    where list_contains(c, w.campaign_code) and w.received_at <= f.valid_from
),
reported_facts as (
    select r.campaign_code, r.unit_code, r.valid_from,
           count(*) filter (where rep_rank <= s.pace_weeks) as pace_counted,
           coalesce(sum(activity::decimal(38,12)) filter (where rep_rank <= s.pace_weeks)::double, 0)
               as pace_activity,
           count(*) filter (where rep_rank > s.drop_recent_weeks
                            and rep_rank <= s.drop_recent_weeks + s.drop_baseline_weeks)
               as baseline_counted,
           coalesce(sum(activity::decimal(38,12)) filter (where rep_rank > s.drop_recent_weeks
                    and rep_rank <= s.drop_recent_weeks + s.drop_baseline_weeks)::double, 0)
               as baseline_activity
    from reported r
    join segments s using (campaign_code, unit_code, valid_from)
    group by r.campaign_code, r.unit_code, r.valid_from
)
select f.campaign_code, f.unit_code, f.valid_from, s.valid_until, s.due_n,
       f.upto_n - coalesce(ln.n, 0) as weeks_received,
       f.last_received, f.rate_received, f.silent_reported, f.active_mask,
       f.recent_received, f.recent_activity,
       coalesce(r.pace_counted, 0) as pace_counted,
       coalesce(r.pace_activity, 0) as pace_activity,
       coalesce(r.baseline_counted, 0) as baseline_counted,
       coalesce(r.baseline_activity, 0) as baseline_activity
from window_facts f
join segments s using (campaign_code, unit_code, valid_from)
left join late_n ln using (campaign_code, unit_code, valid_from)
left join reported_facts r using (campaign_code, unit_code, valid_from);

create or replace view lagging_states_live as
select * from lagging_states_for((select list(code) from campaigns));
