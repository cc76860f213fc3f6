-- The lagging rules (revised in migration 080 after metrics.md; issue 13): lagging_rules_at(c, ts)
-- at several as-of times in one pass, lagging_rules(c, t) at one. lagging_rules_at reads what the
-- rollup found for each unit and stretch of time (metric_lagging_checked: definitions/15,
-- migration 180), so that a time reads one row per lagging unit and plans no rule;
-- lagging_rules_direct_at (at the end) computes the same facts from the week and task tables
-- directly (the rows and reasons are made by the same lagging_rules_of): the readable reference,
-- to which tests/test_lagging_rollup.py holds the fast macro, row for row.

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

-- lagging_checked_at(c, ts): the units lagging at each as-of time t in ts, one row per unit and
-- time with the facts the rules compared and which of them fired (fires_*): the row of the lagging
-- rollup (metric_lagging_checked, migration 180; definitions/15_rollup_lagging.sql) whose stretch
-- holds t, looked up by t's weeks due, with "behind plan" compared on t's day. lagging_rules_of
-- turns rows into the rows of their fired rules with their reasons (lagging_rules_at); a query
-- that needs only who is lagging (the count of the overview, the weeks lagging in a row) reads
-- these rows and builds no reason.
create or replace macro lagging_checked_at(c, ts) as table
with times as (
    select cp.code as campaign_code, unnest(ts)::timestamp as as_of
    from campaigns cp
    where list_contains(c, cp.code)
),
due as (
    select tm.campaign_code, tm.as_of, count(w.week_no) as due_n
    from times tm
    left join metric_weeks w on w.campaign_code = tm.campaign_code and w.deadline <= tm.as_of
    group by all
),
held as (
    -- (the weights from the campaign as it is now: they only rank)
    select d.as_of, lc.*,
           lagging_expected(lc.phase_start, lc.phase_end, d.as_of) as phase_expected,
           m.w_reporting, m.w_progress, m.w_silent_channel, m.w_sharp_drop
    from due d
    join metric_lagging_checked lc
        on lc.campaign_code = d.campaign_code and lc.due_n = d.due_n
        and lc.valid_from <= d.as_of and d.as_of < lc.valid_until
    join metric_params m on m.campaign_code = d.campaign_code
    where list_contains(c, lc.campaign_code)
),
checked as (
    select *,
           coalesce(not never_reported
                    and lagging_below(completion, phase_expected - behind_tolerance), false)
               as fires_behind
    from held
)
select campaign_code, as_of, unit_code,
       * exclude (campaign_code, as_of, unit_code, due_n, valid_from, valid_until, phase_start,
                  phase_end),
       phase_expected as expected
from checked
where fires_missing or fires_rate or fires_behind or fires_pace or fires_silent or fires_drop;

-- lagging_rules_of(rel): the rules' rows (output as lagging_rules_direct_at) of the rows of
-- lagging_checked_at held by the relation named rel (a CTE of the caller: query_table binds it
-- where the macro is used), so that a query evaluating many times can build the reasons of one.
-- The words of each reason come with the rows (*_reason, made by the lagging_*_reason macros of
-- 15_rollup_lagging.sql), but behind plan's, which names the expected completion at the time.
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
        when 'reporting' then reporting_reason
        when 'progress' then
            array_to_string(list_filter([
                case when fires_behind then
                    lagging_behind_reason(completion, phase_name, phase_expected) end,
                case when fires_pace then pace_reason end], lambda x: x is not null), '; ')
        when 'silent_channel' then silent_reason
        else drop_reason
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
        lagging_fires_pace(never_reported, pace_counted, pace_activity, weekly_pace, pace_ratio)
            as fires_pace,
        coalesce(silent_reported >= silent_min_reported and group_names is not null, false)
            as fires_silent,
        lagging_fires_drop(recent_received, recent_activity, baseline_counted, baseline_activity,
                           drop_recent_weeks, drop_baseline_weeks, drop_ratio) as fires_drop
    from candidates
),
lagging_direct as (
    select *, phase_expected as expected,
           case when weeks_due > 0 then weeks_received / weeks_due end as reporting_rate,
           case when fires_missing or fires_rate then
               lagging_reporting_reason(never_reported, fires_missing, last_seen, last_labels,
                                        rate_received, rate_weeks) end as reporting_reason,
           case when fires_pace then lagging_pace_reason(pace_counted, pace_activity, weekly_pace)
               end as pace_reason,
           case when fires_silent then lagging_silent_reason(group_names, silent_window) end
               as silent_reason,
           case when fires_drop then
               lagging_drop_reason(drop_recent_weeks, recent_activity, baseline_activity,
                                   drop_baseline_weeks) end as drop_reason
    from checked
    where fires_missing or fires_rate or fires_behind or fires_pace or fires_silent or fires_drop
)
-- the facts are computed here independently; the rows and reason texts are made from them by the
-- one lagging_rules_of that the fast path uses too
select * from lagging_rules_of('lagging_direct');

create or replace macro lagging_rules(c, t) as table
select * exclude (as_of) from lagging_rules_at(c, [t::timestamp]);
