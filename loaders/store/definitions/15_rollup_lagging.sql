-- Live definitions of the lagging rollup (metric_lagging_groups, _units, _weeks, _late,
-- _completion, _states, _checked): what the lagging rules (31_lagging_rules.sql) need of each unit
-- and week whatever the as-of time, what they count and find in each stretch of time in which that
-- cannot change, so that evaluating the rules at a time reads one row per unit. The tables and
-- their columns: migrations 120, 150 and 180; loaders/store/rollup.py refreshes them in its TABLES
-- order, after the week and task tables they read.

-- lagging_below(x, y): x < y compared at 9 decimals. The rules compare fractions (a rate, a
-- completion, an activity against a share of an average or of a pace) with thresholds that are
-- fractions too, and values spread over weeks by days carry a rounding far below anything a report
-- can say: the thirds of a 21-day report of 10 add up to 9.999999999999 (exact decimal sums, see
-- 02_parameters.sql; as DOUBLE, to 10 or 10.000000000000002 depending on the order of the
-- additions). A unit exactly at a threshold would lag by that last digit; compared at 9 decimals it
-- does not ("below" in metrics.md: at the threshold is not below).
create or replace macro lagging_below(x, y) as x::decimal(38,9) < y::decimal(38,9);

-- lagging_expected(s, e, t): a phase's expected completion on t's day, clamp((d − s + 1) ÷ (e − s
-- + 1), 0, 1) (metrics.md; campaign_asof computes the same), null without a phase.
create or replace macro lagging_expected(s, e, t) as
    greatest(0.0, least(1.0, (cast(t as date) - s + 1)::double / (e - s + 1)));

-- The two rules whose test is more than one comparison (metrics.md), written once for the rollup
-- (metric_lagging_checked) and the direct reference (31_lagging_rules.sql): slow pace over the
-- weeks counted, and a sharp drop of the recent weeks against the baseline weeks.
create or replace macro lagging_fires_pace(never_reported, pace_counted, pace_activity, weekly_pace,
                                           pace_ratio) as
    coalesce(not never_reported and pace_counted > 0 and weekly_pace > 0
             and lagging_below(pace_activity, pace_ratio * weekly_pace * pace_counted), false);
create or replace macro lagging_fires_drop(recent_received, recent_activity, baseline_counted,
                                           baseline_activity, drop_recent_weeks, drop_baseline_weeks,
                                           drop_ratio) as
    coalesce(recent_received = drop_recent_weeks and baseline_counted = drop_baseline_weeks
             and baseline_activity > 0
             and lagging_below(recent_activity / drop_recent_weeks,
                               drop_ratio * baseline_activity / drop_baseline_weeks), false);

-- The words of each lagging reason (metrics.md), from the facts the rules compared: the reasons
-- the lagging rollup keeps with each stretch (metric_lagging_checked), and lagging_rules_of's rows
-- (31_lagging_rules.sql), which words "behind plan" at its time, are made by these.
create or replace macro lagging_reporting_reason(never_reported, fires_missing, last_seen, last_labels,
                                                 rate_received, rate_weeks) as
    case when never_reported then 'Chưa gửi báo cáo nào'
         when fires_missing and last_seen = 1 then
             'Không nộp tuần gần nhất (' || last_labels[1] || ')'
         when fires_missing then
             'Không nộp ' || last_seen || ' tuần gần nhất (' || array_to_string(last_labels, ', ') || ')'
         else 'Nộp ' || rate_received || '/' || rate_weeks || ' tuần gần nhất' end;
create or replace macro lagging_behind_reason(completion, phase_name, phase_expected) as
    'Hoàn thành ' || vn_percent(completion) || ' ' || lower(left(phase_name, 1)) || substr(phase_name, 2)
    || ', cần đạt ' || vn_percent(phase_expected);
create or replace macro lagging_pace_reason(pace_counted, pace_activity, weekly_pace) as
    pace_counted || ' tuần có báo cáo gần nhất đạt '
    || vn_percent(pace_activity / (weekly_pace * pace_counted)) || ' nhịp độ cần thiết';
create or replace macro lagging_silent_reason(group_names, silent_window) as
    'Không có hoạt động ' || vn_join(group_names, ', ') || ' trong ' || silent_window || ' tuần gần nhất';
create or replace macro lagging_drop_reason(drop_recent_weeks, recent_activity, baseline_activity,
                                            drop_baseline_weeks) as
    drop_recent_weeks || ' tuần gần nhất trung bình '
    || vn_number(round(recent_activity / drop_recent_weeks, 1)) || '/tuần, giảm từ '
    || vn_number(round(baseline_activity / drop_baseline_weeks, 1)) || '/tuần ('
    || drop_baseline_weeks || ' tuần có báo cáo trước đó)';

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

-- metric_lagging_checked (migration 180): what the lagging rules found for each unit and stretch
-- of time [valid_from, valid_until) in which their facts cannot change, so that a query reads the
-- row holding its time (lagging_checked_at, 31_lagging_rules.sql) and evaluates no window. A
-- unit's stretches start at the first start of a phase (the current phase changes only there),
-- at every deadline and late arrival (metric_lagging_states), at every arrival of its task values
-- (metric_lagging_completion) and at its first report; the last runs to infinity. Before the first
-- of them no rule can fire (no week is due, no phase has started). Each stretch is evaluated at
-- its start as lagging_rules_direct_at defines the rules (31_lagging_rules.sql: the reference this
-- is tested against), except "behind plan", whose expected completion grows day by day: the row
-- keeps the phase's dates and the query compares at its time (behind plan can only start to fire
-- within a stretch). Only stretches in which the unit lags, or may fall behind plan, are kept,
-- with the words of their reasons (all but behind plan's, which names the expected completion).
create or replace macro lagging_checked_for(c) as table
with points as (
    -- each time a unit's facts can change: a stretch of metric_lagging_states starts (state_at),
    -- a phase starts (phase_number: the one current from then, the latest started), task values
    -- or the first report arrive
    select campaign_code, unit_code, point_at, max(state_at) as state_at,
           max(phase_number) as phase_number
    from (select campaign_code, unit_code, valid_from as point_at, valid_from as state_at,
                 null::integer as phase_number
          from metric_lagging_states
          where list_contains(c, campaign_code)
          union all
          select campaign_code, unit_code, arrived_at, null, null from metric_lagging_completion
          where list_contains(c, campaign_code) and arrived_at > '-infinity'::timestamp
          union all
          select campaign_code, unit_code, first_at, null, null from metric_lagging_units
          where list_contains(c, campaign_code) and first_at is not null
          union all
          select u.campaign_code, u.unit_code, p.start_date::timestamp, null, p.number
          from metric_units u
          join phases p on p.campaign_code = u.campaign_code
          where list_contains(c, u.campaign_code))
    group by all
),
first_points as (
    -- no rule can fire before a campaign's first deadline and first phase start
    select campaign_code, min(point_at) as first_at
    from (select campaign_code, start_date::timestamp as point_at from phases
          where list_contains(c, campaign_code)
          union all
          select campaign_code, min(deadline) from metric_weeks
          where list_contains(c, campaign_code) group by all)
    group by all
),
stretches as (
    -- each stretch with the metric_lagging_states stretch and the phase holding its start
    select p.campaign_code, p.unit_code, p.point_at as valid_from,
           coalesce(lead(p.point_at) over w, 'infinity'::timestamp) as valid_until,
           last_value(p.state_at ignore nulls) over w as state_at,
           last_value(p.phase_number ignore nulls) over w as phase_number
    from points p
    join first_points f on f.campaign_code = p.campaign_code and p.point_at >= f.first_at
    window w as (partition by p.campaign_code, p.unit_code order by p.point_at
                 rows between unbounded preceding and current row)
),
labels as (
    -- the labels of the last missing_weeks due weeks (weeks n−k+1..n), oldest first
    select n.campaign_code, n.due_n, list(w.week_label order by w.week_no) as last_labels
    from (select distinct campaign_code, due_n from metric_lagging_states
          where list_contains(c, campaign_code)) n
    join metric_params m using (campaign_code)
    join metric_weeks w on w.campaign_code = n.campaign_code
        and w.week_no > n.due_n - m.missing_weeks and w.week_no <= n.due_n
    group by all
),
unit_times as (
    select s.campaign_code, s.unit_code, s.valid_from, s.valid_until,
           coalesce(st.due_n, 0) as due_n,
           coalesce(lu.first_at > s.valid_from, true) as never_reported,
           st.due_n as weeks_due, st.weeks_received,
           case when st.due_n is not null then least(st.due_n, m.missing_weeks) end as last_seen,
           st.last_received, lb.last_labels,
           case when st.due_n is not null then least(st.due_n, m.low_rate_weeks) end as rate_weeks,
           st.rate_received, st.pace_counted, st.pace_activity,
           case when st.due_n is not null then least(st.due_n, m.silent_weeks) end as silent_window,
           st.silent_reported, st.recent_received, st.recent_activity,
           st.baseline_counted, st.baseline_activity,
           lc.completion, lc.target / ((p.end_date - p.start_date + 1) / 7.0) as weekly_pace,
           coalesce(lu.assigned_mask, 0) & ~coalesce(st.active_mask, 0) as silent_mask,
           s.phase_number, p.name as phase_name, p.start_date as phase_start,
           p.end_date as phase_end,
           m.* exclude (campaign_code)
    from stretches s
    join metric_params m on m.campaign_code = s.campaign_code
    left join phases p on p.campaign_code = s.campaign_code and p.number = s.phase_number
    left join metric_lagging_units lu
        on lu.campaign_code = s.campaign_code and lu.unit_code = s.unit_code
    left join metric_lagging_states st
        on st.campaign_code = s.campaign_code and st.unit_code = s.unit_code
        and st.valid_from = s.state_at
    left join metric_lagging_completion lc
        on lc.campaign_code = s.campaign_code and lc.unit_code = s.unit_code
        and lc.phase_number = s.phase_number
        and lc.arrived_at <= s.valid_from and s.valid_from < lc.until_at
    left join labels lb on lb.campaign_code = s.campaign_code and lb.due_n = st.due_n
),
silent_names as (
    -- the names of the silent groups, once per distinct mask
    select m.campaign_code, m.silent_mask, list(g.name order by g.bit_no) as group_names
    from (select distinct campaign_code, silent_mask from unit_times where silent_mask <> 0) m
    join metric_lagging_groups g on g.campaign_code = m.campaign_code
        and (m.silent_mask >> g.bit_no) & 1 = 1
    group by all
),
checked as (
    select
        u.*, sn.group_names,
        coalesce(last_seen > 0 and last_received = 0, false) as fires_missing,
        coalesce(rate_weeks > 0 and lagging_below(rate_received / rate_weeks, low_rate), false)
            as fires_rate,
        -- behind plan at the stretch's last moment (expected completion only grows)
        coalesce(not never_reported
                 and lagging_below(completion,
                                   lagging_expected(phase_start, phase_end,
                                                    case when valid_until < 'infinity'::timestamp
                                                         then valid_until - interval 1 microsecond
                                                         else phase_end::timestamp end)
                                   - behind_tolerance), false) as may_fall_behind,
        lagging_fires_pace(never_reported, pace_counted, pace_activity, weekly_pace, pace_ratio)
            as fires_pace,
        coalesce(silent_reported >= silent_min_reported and sn.group_names is not null, false)
            as fires_silent,
        lagging_fires_drop(recent_received, recent_activity, baseline_counted, baseline_activity,
                           drop_recent_weeks, drop_baseline_weeks, drop_ratio) as fires_drop
    from unit_times u
    left join silent_names sn using (campaign_code, silent_mask)
)
select campaign_code, unit_code, due_n, valid_from, valid_until, never_reported, weeks_due,
       weeks_received, last_seen, last_received, last_labels, rate_weeks, rate_received,
       pace_counted, pace_activity, silent_window, silent_reported, recent_received,
       recent_activity, baseline_counted, baseline_activity, completion, weekly_pace, group_names,
       phase_number, phase_name, phase_start, phase_end, low_rate, behind_tolerance,
       silent_min_reported,
       drop_recent_weeks, drop_baseline_weeks, drop_ratio, fires_missing, fires_rate, fires_pace,
       fires_silent, fires_drop,
       case when weeks_due > 0 then weeks_received / weeks_due end as reporting_rate,
       case when fires_missing or fires_rate then
           lagging_reporting_reason(never_reported, fires_missing, last_seen, last_labels,
                                    rate_received, rate_weeks) end as reporting_reason,
       case when fires_pace then lagging_pace_reason(pace_counted, pace_activity, weekly_pace) end
           as pace_reason,
       case when fires_silent then lagging_silent_reason(group_names, silent_window) end
           as silent_reason,
       case when fires_drop then
           lagging_drop_reason(drop_recent_weeks, recent_activity, baseline_activity,
                               drop_baseline_weeks) end as drop_reason
from checked
where fires_missing or fires_rate or may_fall_behind or fires_pace or fires_silent or fires_drop;

create or replace view lagging_checked_live as
select * from lagging_checked_for((select list(code) from campaigns));
