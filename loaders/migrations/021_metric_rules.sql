-- 021: metric rules several queries share (../shared/docs/metrics.md), on top of the rollup of 020.
--   task_progress(c, t)         each unit × phase started by t's day × task with a minimum:
--                               target, actual to date, ratio = min(actual ÷ target, 1), expected
--   unit_phase_completion(c, t) each unit × started phase: completion = mean of its task ratios
--   lagging_rules(c, t)         each unit × fired lagging rule: weight and Vietnamese reason
-- c: list of campaign codes; t: the as-of timestamp. Table aliases avoid the names c and t.

create macro task_progress(c, t) as table
with actuals as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as actual
    from metric_task_values
    where campaign_code in (select unnest(c)) and received_at <= t::timestamp
    group by all
)
select
    tk.campaign_code, tk.unit_code, tk.unit_name, tk.kind, tk.territorial,
    tk.phase_number, tk.phase_name, tk.phase_start, tk.phase_end,
    tk.task_code, tk.group_code, tk.indicator_code, tk.whole_group,
    tk.min_per_week, tk.min_per_phase, tk.target,
    coalesce(a.actual, 0) as actual,
    least(coalesce(a.actual, 0) / tk.target, 1.0) as ratio,
    greatest(0.0, least(1.0, (cast(t::timestamp as date) - tk.phase_start + 1)::double
                               / (tk.phase_end - tk.phase_start + 1))) as expected
from metric_unit_tasks tk
left join actuals a using (campaign_code, unit_code, phase_number, task_code)
where tk.campaign_code in (select unnest(c))
  and tk.phase_start <= cast(t::timestamp as date)
  and tk.target > 0;

-- Unit completion in a phase = mean over its tasks of min(actual ÷ target, 1); on_track when at or
-- above the phase's expected completion on t's day.
create macro unit_phase_completion(c, t) as table
select
    campaign_code, unit_code, any_value(unit_name) as unit_name, any_value(kind) as kind,
    any_value(territorial) as territorial, phase_number, any_value(phase_name) as phase_name,
    count(*) as tasks,
    avg(ratio) as completion,
    any_value(expected) as expected,
    avg(ratio) >= any_value(expected) as on_track
from task_progress(c, t)
group by campaign_code, unit_code, phase_number;

-- The five lagging rules, one row per unit and fired rule, with the campaign's weight, a Vietnamese
-- reason carrying the numbers, and the numbers compared (value against threshold).
--   1 missing_reports     the last missing_weeks due reports all missing
--   2 low_reporting_rate  received ÷ expected over the last low_rate_weeks due weeks (or all due
--                         weeks while fewer have passed) below low_rate
--   3 behind_plan         completion of the current phase below its expected − behind_tolerance
--   4 silent_channel      assigned channel groups without activity in the current phase, once
--                         silent_fraction of the phase has passed (one rule, all such groups named)
--   5 sharp_drop          weekly average activity over the last drop_recent_weeks due weeks below
--                         drop_ratio × the weekly average of the drop_baseline_weeks before them
create macro lagging_rules(c, t) as table
with scope as (
    select a.*, m.* exclude (campaign_code)
    from campaign_asof(c, t) a
    join metric_params m using (campaign_code)
),
expected as (
    select e.*, s.missing_weeks, s.low_rate_weeks
    from expected_reports(c, t) e
    join scope s using (campaign_code)
    where e.due_rank <= greatest(s.missing_weeks, s.low_rate_weeks)
),
missing_reports as (
    select e.campaign_code, e.unit_code,
           'missing_reports' as rule_code, 1 as rule_order, any_value(s.w_missing_reports) as weight,
           'Không nộp báo cáo ' || any_value(s.missing_weeks) || ' tuần gần nhất (tuần '
               || vn_join(list(e.week_label order by e.week_start), ', ') || ')' as reason,
           count(*)::double as value, any_value(s.missing_weeks)::double as threshold
    from expected e
    join scope s using (campaign_code)
    where e.due_rank <= e.missing_weeks
    group by e.campaign_code, e.unit_code
    having count(*) = any_value(s.missing_weeks) and count(*) filter (where e.received) = 0
),
low_reporting_rate as (
    select e.campaign_code, e.unit_code,
           'low_reporting_rate' as rule_code, 2 as rule_order,
           any_value(s.w_low_reporting_rate) as weight,
           'Tỷ lệ nộp báo cáo ' || vn_percent(avg(e.received::int)) || ' trong ' || count(*)
               || ' tuần gần nhất (dưới ' || vn_percent(any_value(s.low_rate)) || ')' as reason,
           avg(e.received::int) as value, any_value(s.low_rate) as threshold
    from expected e
    join scope s using (campaign_code)
    where e.due_rank <= e.low_rate_weeks
    group by e.campaign_code, e.unit_code
    having avg(e.received::int) < any_value(s.low_rate)
),
behind_plan as (
    select pc.campaign_code, pc.unit_code,
           'behind_plan' as rule_code, 3 as rule_order, s.w_behind_plan as weight,
           'Hoàn thành ' || vn_percent(pc.completion) || ' kế hoạch đợt, dưới mức cần đạt '
               || vn_percent(pc.expected) || ' − ' || vn_percent(s.behind_tolerance) as reason,
           pc.completion as value, pc.expected - s.behind_tolerance as threshold
    from unit_phase_completion(c, t) pc
    join scope s on s.campaign_code = pc.campaign_code and s.phase_number = pc.phase_number
    where pc.completion < pc.expected - s.behind_tolerance
),
silent_channel as (
    select gw.campaign_code, gw.unit_code,
           'silent_channel' as rule_code, 4 as rule_order, any_value(s.w_silent_channel) as weight,
           case when count(*) = 1 then 'Kênh ' else 'Các kênh ' end
               || vn_join(list(g.name order by g.sort), '; ')
               || ' không có hoạt động trong đợt hiện tại (đã qua '
               || vn_percent(any_value(s.phase_expected)) || ' thời gian đợt)' as reason,
           count(*)::double as value, any_value(s.silent_fraction) as threshold
    from metric_group_windows gw
    join scope s on s.campaign_code = gw.campaign_code and s.phase_number = gw.phase_number
    join indicator_groups g on g.code = gw.group_code
    where (gw.first_active_at is null or gw.first_active_at > s.as_of)
      and s.phase_expected >= s.silent_fraction
    group by gw.campaign_code, gw.unit_code
),
drop_weeks as (
    select w.campaign_code, w.week_start,
           s.weeks_due - w.week_no + 1 <= s.drop_recent_weeks as recent
    from metric_weeks w
    join scope s using (campaign_code)
    where w.deadline <= s.as_of
      and s.weeks_due - w.week_no + 1 <= s.drop_recent_weeks + s.drop_baseline_weeks
      and s.weeks_due >= s.drop_recent_weeks + s.drop_baseline_weeks
),
drop_averages as (
    select g.campaign_code, g.unit_code,
           coalesce(sum(g.activity) filter (where dw.recent), 0)
               / any_value(s.drop_recent_weeks) as recent_avg,
           coalesce(sum(g.activity) filter (where not dw.recent), 0)
               / any_value(s.drop_baseline_weeks) as baseline_avg,
           any_value(s.drop_recent_weeks) as recent_weeks,
           any_value(s.drop_baseline_weeks) as baseline_weeks,
           any_value(s.drop_ratio) as drop_ratio,
           any_value(s.w_sharp_drop) as weight
    from weekly_groups g
    join drop_weeks dw using (campaign_code, week_start)
    join scope s using (campaign_code)
    where g.campaign_code in (select unnest(c)) and g.received_at <= t::timestamp
    group by g.campaign_code, g.unit_code
),
sharp_drop as (
    select campaign_code, unit_code,
           'sharp_drop' as rule_code, 5 as rule_order, weight,
           'Hoạt động ' || recent_weeks || ' tuần gần nhất giảm còn ' || vn_number1(recent_avg)
               || '/tuần so với trung bình ' || vn_number1(baseline_avg) || '/tuần '
               || baseline_weeks || ' tuần trước' as reason,
           recent_avg as value, drop_ratio * baseline_avg as threshold
    from drop_averages
    where baseline_avg > 0 and recent_avg < drop_ratio * baseline_avg
)
select * from missing_reports
union all select * from low_reporting_rate
union all select * from behind_plan
union all select * from silent_channel
union all select * from sharp_drop;
