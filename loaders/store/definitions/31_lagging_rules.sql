-- The lagging rules (revised in migration 080 after metrics.md; issue 13): lagging_rules_at(c, ts)
-- at several as-of times in one pass, lagging_rules(c, t) at one. lagging_rules_at reads the
-- facts the rollup keeps per unit (metric_lagging_*: definitions/15, migrations 120 and 150), so
-- that a time reads one row of counts per unit; lagging_rules_direct_at (at the end)
-- computes the same facts from the week and task tables directly (the rows and reasons are made by
-- the same lagging_rules_of): the readable reference, to
-- which tests/test_lagging_rollup.py holds the fast macro, row for row.

-- The lagging rules at each as-of time in ts (timestamps), one row per unit, time and fired rule:
--   reporting       none of the last missing_weeks (2) due weeks received, or fewer than low_rate
--                   (75%) of the last low_rate_weeks (4) due weeks (of those due, when fewer)
--   progress        current-phase completion below expected − behind_tolerance, or activity over
--                   the unit's last pace_weeks (4) reported due weeks below pace_ratio (½) of the
--                   weekly pace its current-phase targets need × the weeks counted; not evaluated
--                   for a unit that never sent a report (its 0% is the missing-reports fact)
--   silent_channel  assigned channel groups without activity > 0 in the last silent_weeks (4) due
--                   weeks, when the unit reported at least silent_min_reported (2) of them; all
--                   such groups are one reason
--   sharp_drop      activity in the last drop_recent_weeks (2) due weeks below drop_ratio (½) of
--                   the weekly average of the drop_baseline_weeks (4) reported weeks before them;
--                   only when both recent weeks were received and 4 reported weeks precede them
-- never_reported: no report of the unit had arrived by the time (ranks first); reporting_rate:
-- received ÷ due weeks over the whole campaign (the last tie-break). Windows count due weeks of
-- the campaign, whatever their phase.
-- Output: campaign_code, as_of, unit_code, rule_code, rule_order, weight, reason, value, threshold,
--         phase_number, completion, expected, never_reported, reporting_rate

-- lagging_below(x, y): x < y compared at 9 decimals. The rules compare fractions (a rate, a
-- completion, an activity against a share of a pace) with thresholds that are fractions too
-- (expected − tolerance, ratio × pace): in binary, 0.35 and 0.5 − 0.15, or 4 and 0.5 × (2 × 39/7 ÷
-- 39/7) × 4, may differ in the last bit, and a unit exactly at its threshold would lag or not by
-- that bit. Both sides are exact to far better than 1e-9 (sums and means over DECIMAL, see
-- 02_parameters.sql), so the decimals decide the way metrics.md reads: at the threshold is not below.
create or replace macro lagging_below(x, y) as x::decimal(38,9) < y::decimal(38,9);

-- lagging_checked_at(c, ts): the units lagging at each as-of time t in ts, one row per unit and
-- time with the facts the rules compared and which of them fired (fires_*), from the lagging
-- rollup: what the rules count over a unit's due weeks is its metric_lagging_states row holding t
-- (none before the first deadline: nothing counted, as no week is due); the completion, the row of
-- the last arrival of task values at or before t. lagging_rules_of turns rows into the rows of
-- their fired rules with their reasons (lagging_rules_at); a query that needs only who is lagging
-- (the count of the overview, the weeks lagging in a row) reads these rows and builds no reason.
create or replace macro lagging_checked_at(c, ts) as table
with times as (
    select unnest(ts)::timestamp as as_of
),
phase_now as (
    select cp.code as campaign_code, tm.as_of,
           arg_max(p.number, (p.start_date, p.number)) as phase_number
    from campaigns cp
    cross join times tm
    left join phases p on p.campaign_code = cp.code and p.start_date <= cast(tm.as_of as date)
    where list_contains(c, cp.code)
    group by all
),
due_count as (
    select n.campaign_code, n.as_of, count(w.week_no) as due_n
    from phase_now n
    left join metric_weeks w on w.campaign_code = n.campaign_code and w.deadline <= n.as_of
    group by all
),
scope as materialized (
    select n.campaign_code, n.as_of, n.phase_number, p.name as phase_name,
           greatest(0.0, least(1.0, (cast(n.as_of as date) - p.start_date + 1)::double
                                      / (p.end_date - p.start_date + 1))) as phase_expected,
           (p.end_date - p.start_date + 1) / 7.0 as phase_weeks,
           d.due_n,
           m.* exclude (campaign_code)
    from phase_now n
    join due_count d using (campaign_code, as_of)
    join metric_params m using (campaign_code)
    left join phases p on p.campaign_code = n.campaign_code and p.number = n.phase_number
),
window_labels as (
    -- the labels of the last missing_weeks due weeks (weeks n−k+1..n), oldest first (the same for
    -- every unit)
    select s.campaign_code, s.as_of, list(w.week_label order by w.week_no) as last_labels
    from scope s
    join metric_weeks w on w.campaign_code = s.campaign_code
        and w.week_no > s.due_n - s.missing_weeks and w.week_no <= s.due_n
    where list_contains(c, w.campaign_code)
    group by all
),
unit_scope as (
    select u.campaign_code, s.as_of, u.unit_code, s.phase_number, s.phase_weeks, s.due_n
    from metric_units u
    join scope s using (campaign_code)
    where list_contains(c, u.campaign_code)
),
unit_states as (
    -- (the stretch holding t counts t's due weeks: the equality narrows the join to a few rows)
    select us.* exclude (due_n), st.* exclude (campaign_code, unit_code, valid_from, valid_until)
    from unit_scope us
    left join metric_lagging_states st
        on st.campaign_code = us.campaign_code and st.unit_code = us.unit_code
        and st.due_n = us.due_n and st.valid_from <= us.as_of and us.as_of < st.valid_until
        and list_contains(c, st.campaign_code)
),
completion as (
    select u.campaign_code, u.as_of, u.unit_code, lc.completion,
           lc.target / u.phase_weeks as weekly_pace
    from unit_scope u
    join metric_lagging_completion lc
        on lc.campaign_code = u.campaign_code and lc.unit_code = u.unit_code
        and lc.phase_number = u.phase_number and lc.arrived_at <= u.as_of and u.as_of < lc.until_at
    where list_contains(c, lc.campaign_code) and u.phase_number is not null
),
unit_times as (
    select u.campaign_code, u.as_of, u.unit_code,
           coalesce(lu.first_at > u.as_of, true) as never_reported,
           u.due_n as weeks_due, u.weeks_received,
           case when u.due_n is not null then least(u.due_n, s.missing_weeks) end as last_seen,
           u.last_received, wl.last_labels,
           case when u.due_n is not null then least(u.due_n, s.low_rate_weeks) end as rate_weeks,
           u.rate_received, u.pace_counted, u.pace_activity,
           case when u.due_n is not null then least(u.due_n, s.silent_weeks) end as silent_window,
           u.silent_reported, u.recent_received, u.recent_activity,
           u.baseline_counted, u.baseline_activity,
           cp.completion, cp.weekly_pace,
           coalesce(lu.assigned_mask, 0) & ~coalesce(u.active_mask, 0) as silent_mask,
           s.* exclude (campaign_code, as_of, due_n)
    from unit_states u
    join scope s using (campaign_code, as_of)
    left join metric_lagging_units lu using (campaign_code, unit_code)
    left join window_labels wl using (campaign_code, as_of)
    left join completion cp using (campaign_code, as_of, unit_code)
),
silent_names as (
    -- the names of the silent groups, once per distinct mask
    select m.campaign_code, m.silent_mask, list(g.name order by g.bit_no) as group_names
    from (select distinct campaign_code, silent_mask from unit_times where silent_mask <> 0) m
    join metric_lagging_groups g on g.campaign_code = m.campaign_code
        and (m.silent_mask >> g.bit_no) & 1 = 1
    group by all
),
candidates as (
    select u.* exclude (silent_mask), sn.group_names
    from unit_times u
    left join silent_names sn using (campaign_code, silent_mask)
),
checked as (
    select
        *,
        coalesce(last_seen > 0 and last_received = 0, false) as fires_missing,
        coalesce(rate_weeks > 0 and lagging_below(rate_received / rate_weeks, low_rate), false)
            as fires_rate,
        coalesce(not never_reported
                 and lagging_below(completion, phase_expected - behind_tolerance), false)
            as fires_behind,
        coalesce(not never_reported and pace_counted > 0 and weekly_pace > 0
                 and lagging_below(pace_activity, pace_ratio * weekly_pace * pace_counted), false)
            as fires_pace,
        coalesce(silent_reported >= silent_min_reported and group_names is not null, false)
            as fires_silent,
        coalesce(recent_received = drop_recent_weeks and baseline_counted = drop_baseline_weeks
                 and baseline_activity > 0
                 and lagging_below(recent_activity / drop_recent_weeks,
                                   drop_ratio * baseline_activity / drop_baseline_weeks), false)
            as fires_drop
    from candidates
)
select *, phase_expected as expected,
       case when weeks_due > 0 then weeks_received / weeks_due end as reporting_rate
from checked
where fires_missing or fires_rate or fires_behind or fires_pace or fires_silent or fires_drop;

-- lagging_rules_of(rel): the rules' rows (output as lagging_rules_direct_at) of the rows of
-- lagging_checked_at held by the relation named rel (a CTE of the caller: query_table binds it
-- where the macro is used), so that a query evaluating many times can build the reasons of one.
create or replace macro lagging_rules_of(rel) as table
with fired as (
    select *, unnest(list_filter(
        ['reporting', 'progress', 'silent_channel', 'sharp_drop'],
        lambda r, i: [fires_missing or fires_rate, fires_behind or fires_pace, fires_silent,
                      fires_drop][i]
    )) as rule_code
    from query_table(rel)
)
select
    campaign_code,
    as_of,
    unit_code,
    rule_code,
    case rule_code when 'reporting' then 1 when 'progress' then 2 when 'silent_channel' then 3
        else 4 end as rule_order,
    case rule_code when 'reporting' then w_reporting when 'progress' then w_progress
        when 'silent_channel' then w_silent_channel else w_sharp_drop end as weight,
    case rule_code
        when 'reporting' then
            case when never_reported then 'Chưa gửi báo cáo nào'
                 when fires_missing and last_seen = 1 then
                     'Không nộp tuần gần nhất (' || last_labels[1] || ')'
                 when fires_missing then
                     'Không nộp ' || last_seen || ' tuần gần nhất ('
                     || array_to_string(last_labels, ', ') || ')'
                 else 'Nộp ' || rate_received || '/' || rate_weeks || ' tuần gần nhất' end
        when 'progress' then
            array_to_string(list_filter([
                case when fires_behind then
                    'Hoàn thành ' || vn_percent(completion) || ' '
                    || lower(left(phase_name, 1)) || substr(phase_name, 2)
                    || ', cần đạt ' || vn_percent(phase_expected) end,
                case when fires_pace then
                    pace_counted || ' tuần có báo cáo gần nhất đạt '
                    || vn_percent(pace_activity / (weekly_pace * pace_counted))
                    || ' nhịp độ cần thiết' end], lambda x: x is not null), '; ')
        when 'silent_channel' then
            'Không có hoạt động ' || vn_join(group_names, ', ') || ' trong ' || silent_window
            || ' tuần gần nhất'
        else
            drop_recent_weeks || ' tuần gần nhất trung bình '
            || vn_number(round(recent_activity / drop_recent_weeks, 1)) || '/tuần, giảm từ '
            || vn_number(round(baseline_activity / drop_baseline_weeks, 1)) || '/tuần ('
            || drop_baseline_weeks || ' tuần có báo cáo trước đó)'
    end as reason,
    case rule_code
        when 'reporting' then coalesce(rate_received / rate_weeks, 0)
        when 'progress' then completion
        when 'silent_channel' then len(group_names)::double
        else recent_activity / drop_recent_weeks
    end as value,
    case rule_code
        when 'reporting' then low_rate
        when 'progress' then phase_expected - behind_tolerance
        when 'silent_channel' then silent_min_reported::double
        else drop_ratio * baseline_activity / drop_baseline_weeks
    end as threshold,
    phase_number,
    completion,
    expected,
    never_reported,
    reporting_rate
from fired;

-- lagging_rules_at: the rules at each as-of time t in ts, from the lagging rollup (the units
-- lagging: lagging_checked_at). Output as lagging_rules_direct_at.
create or replace macro lagging_rules_at(c, ts) as table
with lagging_checked as (
    select * from lagging_checked_at(c, ts)
)
select * from lagging_rules_of('lagging_checked');


-- lagging_rules_direct_at: the same rules from the week and task tables, the readable reference:
create or replace macro lagging_rules_direct_at(c, ts) as table
with times as (
    select unnest(ts)::timestamp as as_of
),
phase_now as (
    select cp.code as campaign_code, tm.as_of,
           arg_max(p.number, (p.start_date, p.number)) as phase_number
    from campaigns cp
    cross join times tm
    left join phases p on p.campaign_code = cp.code and p.start_date <= cast(tm.as_of as date)
    where list_contains(c, cp.code)
    group by all
),
scope as materialized (
    select n.campaign_code, n.as_of, n.phase_number, p.name as phase_name,
           greatest(0.0, least(1.0, (cast(n.as_of as date) - p.start_date + 1)::double
                                      / (p.end_date - p.start_date + 1))) as phase_expected,
           (p.end_date - p.start_date + 1) / 7.0 as phase_weeks,
           m.* exclude (campaign_code)
    from phase_now n
    join metric_params m using (campaign_code)
    left join phases p on p.campaign_code = n.campaign_code and p.number = n.phase_number
),
due as (
    select s.campaign_code, s.as_of, w.week_no, w.week_start, w.week_label,
           row_number() over (partition by s.campaign_code, s.as_of order by w.week_no desc) as due_rank
    from metric_weeks w
    join scope s on s.campaign_code = w.campaign_code and w.deadline <= s.as_of
    where list_contains(c, w.campaign_code)
),
late as (
    select g.campaign_code, tm.as_of, g.unit_code, g.week_start,
           sum(g.activity::decimal(38,12))::double as activity
    from weekly_groups g
    join times tm on g.received_at > tm.as_of
    where list_contains(c, g.campaign_code)
    group by all
),
unit_weeks as (
    select d.campaign_code, d.as_of, uw.unit_code, d.week_start, d.week_label, d.due_rank,
           coalesce(uw.received_at <= d.as_of, false) as received,
           uw.activity - coalesce(l.activity, 0) as activity
    from metric_unit_weeks uw
    join due d on d.campaign_code = uw.campaign_code and d.week_start = uw.week_start
    left join late l on l.campaign_code = d.campaign_code and l.as_of = d.as_of
        and l.unit_code = uw.unit_code and l.week_start = uw.week_start
    where list_contains(c, uw.campaign_code)
),
ranked as (
    select w.*, s.missing_weeks, s.low_rate_weeks, s.pace_weeks, s.silent_weeks,
           s.drop_recent_weeks, s.drop_baseline_weeks,
           case when w.received then row_number() over (
               partition by w.campaign_code, w.as_of, w.unit_code, w.received
               order by w.due_rank) end as rep_rank
    from unit_weeks w
    join scope s using (campaign_code, as_of)
),
per_unit as (
    select
        campaign_code, as_of, unit_code,
        count(*) as weeks_due,
        count(*) filter (where received) as weeks_received,
        count(*) filter (where due_rank <= missing_weeks) as last_seen,
        count(*) filter (where due_rank <= missing_weeks and received) as last_received,
        list(week_label order by due_rank desc) filter (where due_rank <= missing_weeks) as last_labels,
        count(*) filter (where due_rank <= low_rate_weeks) as rate_weeks,
        count(*) filter (where due_rank <= low_rate_weeks and received) as rate_received,
        count(*) filter (where rep_rank <= pace_weeks) as pace_counted,
        coalesce(sum(activity::decimal(38,12)) filter (where rep_rank <= pace_weeks)::double, 0)
            as pace_activity,
        count(*) filter (where due_rank <= silent_weeks) as silent_window,
        count(*) filter (where due_rank <= silent_weeks and received) as silent_reported,
        count(*) filter (where due_rank <= drop_recent_weeks and received) as recent_received,
        coalesce(sum(activity::decimal(38,12)) filter (where due_rank <= drop_recent_weeks)::double, 0)
            as recent_activity,
        count(*) filter (where rep_rank > drop_recent_weeks
                         and rep_rank <= drop_recent_weeks + drop_baseline_weeks) as baseline_counted,
        coalesce(sum(activity::decimal(38,12)) filter (where rep_rank > drop_recent_weeks
                 and rep_rank <= drop_recent_weeks + drop_baseline_weeks)::double, 0)
            as baseline_activity
    from ranked
    group by all
),
first_report as (
    select campaign_code, unit_code, min(first_received_at) as first_at
    from metric_reports
    where list_contains(c, campaign_code)
    group by all
),
late_tasks as (
    select v.campaign_code, tm.as_of, v.unit_code, v.phase_number, v.task_code,
           sum(v.value::decimal(38,12))::double as value
    from metric_task_values v
    join times tm on v.received_at > tm.as_of
    where list_contains(c, v.campaign_code)
    group by all
),
completion as (
    select tk.campaign_code, s.as_of, tk.unit_code,
           avg(least((tk.actual - coalesce(l.value, 0)) / tk.target, 1.0)::decimal(38,12)) as completion,
           sum(tk.target::decimal(38,12))::double / any_value(s.phase_weeks) as weekly_pace
    from metric_unit_tasks tk
    join scope s on s.campaign_code = tk.campaign_code and s.phase_number = tk.phase_number
    left join late_tasks l
        on l.campaign_code = tk.campaign_code and l.as_of = s.as_of and l.unit_code = tk.unit_code
        and l.phase_number = tk.phase_number and l.task_code = tk.task_code
    where list_contains(c, tk.campaign_code) and tk.target > 0
    group by all
),
assigned as (
    select distinct u.campaign_code, u.unit_code, tk.group_code
    from metric_units u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
    where list_contains(c, u.campaign_code)
),
active as (
    select distinct d.campaign_code, d.as_of, g.unit_code, g.group_code
    from weekly_groups g
    join due d on d.campaign_code = g.campaign_code and d.week_start = g.week_start
    join scope s on s.campaign_code = d.campaign_code and s.as_of = d.as_of
    where list_contains(c, g.campaign_code) and g.max_value > 0 and g.received_at <= d.as_of
      and d.due_rank <= s.silent_weeks
),
silent as (
    select a.campaign_code, s.as_of, a.unit_code, list(ig.name order by ig.sort) as group_names
    from assigned a
    join scope s using (campaign_code)
    join indicator_groups ig on ig.code = a.group_code
    anti join active x on x.campaign_code = a.campaign_code and x.as_of = s.as_of
        and x.unit_code = a.unit_code and x.group_code = a.group_code
    group by all
),
candidates as (
    select
        u.campaign_code, s.as_of, u.unit_code,
        coalesce(f.first_at > s.as_of, true) as never_reported,
        p.* exclude (campaign_code, as_of, unit_code),
        cp.completion, cp.weekly_pace, sl.group_names,
        s.* exclude (campaign_code, as_of)
    from metric_units u
    join scope s using (campaign_code)
    left join first_report f using (campaign_code, unit_code)
    left join per_unit p on p.campaign_code = u.campaign_code and p.as_of = s.as_of
        and p.unit_code = u.unit_code
    left join completion cp on cp.campaign_code = u.campaign_code and cp.as_of = s.as_of
        and cp.unit_code = u.unit_code
    left join silent sl on sl.campaign_code = u.campaign_code and sl.as_of = s.as_of
        and sl.unit_code = u.unit_code
    where list_contains(c, u.campaign_code)
),
checked as (
    select
        *,
        coalesce(last_seen > 0 and last_received = 0, false) as fires_missing,
        coalesce(rate_weeks > 0 and lagging_below(rate_received / rate_weeks, low_rate), false)
            as fires_rate,
        coalesce(not never_reported
                 and lagging_below(completion, phase_expected - behind_tolerance), false)
            as fires_behind,
        coalesce(not never_reported and pace_counted > 0 and weekly_pace > 0
                 and lagging_below(pace_activity, pace_ratio * weekly_pace * pace_counted), false)
            as fires_pace,
        coalesce(silent_reported >= silent_min_reported and group_names is not null, false)
            as fires_silent,
        coalesce(recent_received = drop_recent_weeks and baseline_counted = drop_baseline_weeks
                 and baseline_activity > 0
                 and lagging_below(recent_activity / drop_recent_weeks,
                                   drop_ratio * baseline_activity / drop_baseline_weeks), false)
            as fires_drop
    from candidates
),
lagging_direct as (
    select *, phase_expected as expected,
           case when weeks_due > 0 then weeks_received / weeks_due end as reporting_rate
    from checked
    where fires_missing or fires_rate or fires_behind or fires_pace or fires_silent or fires_drop
)
-- the facts are computed here independently; the rows and reason texts are made from them by the
-- one lagging_rules_of that the fast path uses too
select * from lagging_rules_of('lagging_direct');

create or replace macro lagging_rules(c, t) as table
select * exclude (as_of) from lagging_rules_at(c, [t::timestamp]);
