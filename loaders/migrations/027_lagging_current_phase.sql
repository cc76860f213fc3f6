-- 027: the lagging rules (024) with the current phase's completion computed inline, for that phase
-- only (unit_phase_completion computed every started phase), and the units as the spine of the
-- candidates (left joins instead of full joins). Same rules, texts and columns.
create or replace macro lagging_rules(c, t) as table
with scope as materialized (
    select a.campaign_code, a.as_of, a.weeks_due, a.phase_number, a.phase_expected,
           m.* exclude (campaign_code)
    from campaign_asof(c, t) a
    join metric_params m using (campaign_code)
),
recent_weeks as (
    select uw.campaign_code, uw.unit_code, uw.week_start, uw.week_label, uw.activity,
           s.weeks_due - uw.week_no + 1 as due_rank,
           coalesce(uw.received_at <= s.as_of, false) as received,
           s.missing_weeks, s.low_rate_weeks, s.drop_recent_weeks
    from metric_unit_weeks uw
    join scope s using (campaign_code)
    where list_contains(c, uw.campaign_code) and uw.deadline <= s.as_of
      and s.weeks_due - uw.week_no + 1
          <= greatest(s.missing_weeks, s.low_rate_weeks, s.drop_recent_weeks + s.drop_baseline_weeks)
),
late as (
    select campaign_code, unit_code, week_start, sum(activity) as activity
    from weekly_groups
    where list_contains(c, campaign_code) and received_at > t::timestamp
    group by all
),
per_unit as (
    select
        e.campaign_code, e.unit_code,
        count(*) filter (where e.due_rank <= e.missing_weeks) as missing_weeks_seen,
        count(*) filter (where e.due_rank <= e.missing_weeks and e.received) as missing_received,
        list(e.week_label order by e.week_start) filter (where e.due_rank <= e.missing_weeks)
            as missing_labels,
        count(*) filter (where e.due_rank <= e.low_rate_weeks) as rate_weeks,
        count(*) filter (where e.due_rank <= e.low_rate_weeks and e.received) as rate_received,
        coalesce(sum(e.activity - coalesce(l.activity, 0))
                 filter (where e.due_rank <= e.drop_recent_weeks), 0) as recent_activity,
        coalesce(sum(e.activity - coalesce(l.activity, 0))
                 filter (where e.due_rank > e.drop_recent_weeks), 0) as baseline_activity
    from recent_weeks e
    left join late l using (campaign_code, unit_code, week_start)
    group by e.campaign_code, e.unit_code
),
late_tasks as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as value
    from metric_task_values
    where list_contains(c, campaign_code) and received_at > t::timestamp
    group by all
),
completion as (
    select tk.campaign_code, tk.unit_code,
           avg(least((tk.actual - coalesce(l.value, 0)) / tk.target, 1.0)) as completion,
           any_value(s.phase_expected) as expected
    from metric_unit_tasks tk
    join scope s on s.campaign_code = tk.campaign_code and s.phase_number = tk.phase_number
    left join late_tasks l
        on l.campaign_code = tk.campaign_code and l.unit_code = tk.unit_code
        and l.phase_number = tk.phase_number and l.task_code = tk.task_code
    where list_contains(c, tk.campaign_code) and tk.target > 0
    group by tk.campaign_code, tk.unit_code
),
silent as (
    select gw.campaign_code, gw.unit_code, list(g.name order by g.sort) as group_names
    from metric_group_windows gw
    join scope s on s.campaign_code = gw.campaign_code and s.phase_number = gw.phase_number
    join indicator_groups g on g.code = gw.group_code
    where (gw.first_active_at is null or gw.first_active_at > s.as_of)
      and s.phase_expected >= s.silent_fraction
    group by gw.campaign_code, gw.unit_code
),
candidates as (
    select
        u.campaign_code, u.unit_code,
        p.missing_weeks_seen, p.missing_received, p.missing_labels, p.rate_weeks, p.rate_received,
        p.recent_activity, p.baseline_activity, cp.completion, cp.expected, sl.group_names
    from metric_units u
    left join per_unit p using (campaign_code, unit_code)
    left join completion cp using (campaign_code, unit_code)
    left join silent sl using (campaign_code, unit_code)
    where list_contains(c, u.campaign_code)
),
checked as (
    select
        k.*, s.* exclude (campaign_code),
        k.missing_weeks_seen = s.missing_weeks and k.missing_received = 0 as fires_missing,
        k.rate_weeks > 0 and k.rate_received / k.rate_weeks < s.low_rate as fires_rate,
        k.completion < k.expected - s.behind_tolerance as fires_behind,
        k.group_names is not null as fires_silent,
        s.weeks_due >= s.drop_recent_weeks + s.drop_baseline_weeks and k.baseline_activity > 0
            and k.recent_activity / s.drop_recent_weeks
                < s.drop_ratio * k.baseline_activity / s.drop_baseline_weeks as fires_drop
    from candidates k
    join scope s using (campaign_code)
),
fired as (
    select *, unnest(list_filter(
        ['missing_reports', 'low_reporting_rate', 'behind_plan', 'silent_channel', 'sharp_drop'],
        lambda r, i: [fires_missing, fires_rate, fires_behind, fires_silent, fires_drop][i] is true
    )) as rule_code
    from checked
    where fires_missing or fires_rate or fires_behind or fires_silent or fires_drop
)
select
    campaign_code,
    unit_code,
    rule_code,
    case rule_code when 'missing_reports' then 1 when 'low_reporting_rate' then 2
        when 'behind_plan' then 3 when 'silent_channel' then 4 else 5 end as rule_order,
    case rule_code when 'missing_reports' then w_missing_reports
        when 'low_reporting_rate' then w_low_reporting_rate when 'behind_plan' then w_behind_plan
        when 'silent_channel' then w_silent_channel else w_sharp_drop end as weight,
    case rule_code
        when 'missing_reports' then
            'Không nộp báo cáo ' || missing_weeks || ' tuần gần nhất (tuần '
            || vn_join(missing_labels, ', ') || ')'
        when 'low_reporting_rate' then
            'Tỷ lệ nộp báo cáo ' || vn_percent(rate_received / rate_weeks) || ' trong ' || rate_weeks
            || ' tuần gần nhất (dưới ' || vn_percent(low_rate) || ')'
        when 'behind_plan' then
            'Hoàn thành ' || vn_percent(completion) || ' kế hoạch đợt, dưới mức cần đạt '
            || vn_percent(expected) || ' − ' || vn_percent(behind_tolerance)
        when 'silent_channel' then
            case when len(group_names) = 1 then 'Kênh ' else 'Các kênh ' end
            || vn_join(group_names, '; ')
            || ' không có hoạt động trong đợt hiện tại (đã qua ' || vn_percent(phase_expected)
            || ' thời gian đợt)'
        else
            'Hoạt động ' || drop_recent_weeks || ' tuần gần nhất giảm còn '
            || vn_number1(recent_activity / drop_recent_weeks) || '/tuần so với trung bình '
            || vn_number1(baseline_activity / drop_baseline_weeks) || '/tuần '
            || drop_baseline_weeks || ' tuần trước'
    end as reason,
    case rule_code
        when 'missing_reports' then missing_weeks_seen::double
        when 'low_reporting_rate' then rate_received / rate_weeks
        when 'behind_plan' then completion
        when 'silent_channel' then len(group_names)::double
        else recent_activity / drop_recent_weeks
    end as value,
    case rule_code
        when 'missing_reports' then missing_weeks::double
        when 'low_reporting_rate' then low_rate
        when 'behind_plan' then expected - behind_tolerance
        when 'silent_channel' then silent_fraction
        else drop_ratio * baseline_activity / drop_baseline_weeks
    end as threshold,
    phase_number,
    completion,
    phase_expected as expected
from fired;
