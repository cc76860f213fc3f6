-- 022: the rollup keeps totals, so that a query "as of t" reads small tables.
--
-- Every sum a metric needs (activity, posts, a task's actual) is stored as its total over all
-- current reports; a query as of t subtracts the "late tail", the rows of reports whose first
-- version arrived after t. The detail tables are stored sorted by arrival within each campaign, so
-- the tail of a recent t is a few row groups (usually none: the default as-of day is today).
-- "Any activity" is stored as the arrival of the first report showing it (active as of t when
-- that is ≤ t). Plausibility flags are computed once per refresh over all current reports, each
-- with the arrival of the report(s) it is about; a query shows those known by t.
--
-- Rollup tables after this migration (refreshed per campaign by loaders/rollup.py, in this order):
--   metric_units, metric_weeks, weekly_values (sorted by arrival),
--   metric_reports        + posts (its posting indicators), listed_rows (its post list)
--   weekly_groups         (sorted by arrival)
--   metric_unit_weeks     + activity, posts (totals) and group_first_active (per active group)
--   metric_task_values    (sorted by arrival; computed from tasks, no longer from metric_unit_tasks)
--   metric_unit_tasks     + actual (total)
--   metric_group_windows, metric_phase_posts (sorted by arrival)
--   metric_window_posts   every unit × window × posting indicator: total posts
--   metric_week_series    every campaign week × series (channel group, posting indicator): total
--                         and the first arrival of activity of each unit
--   metric_post_urls      every unit × normalized URL listed: first arrival
--   metric_plausibility   every flagged value (metrics.md, plausibility) with its arrival

alter table metric_reports add column posts double;
alter table metric_reports add column listed_rows bigint;
alter table metric_unit_weeks add column activity double;
alter table metric_unit_weeks add column posts double;
alter table metric_unit_weeks add column group_first_active timestamp[];
alter table metric_unit_tasks add column actual double;

create table metric_window_posts (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    phase_number   integer not null,
    window_name    varchar not null,
    window_start   date not null,
    indicator_code varchar not null,
    posts          double not null
);

create table metric_week_series (
    campaign_code      varchar not null,
    week_no            integer not null,
    week_start         date not null,
    week_end           date not null,
    week_label         varchar not null,
    phase_number       integer,
    series_kind        varchar not null,
    series_code        varchar not null,
    series_name        varchar not null,
    series_sort        integer not null,
    value              double not null,
    unit_first_active  timestamp[] not null
);

create table metric_post_urls (
    campaign_code   varchar not null,
    unit_code       varchar not null,
    url_norm        varchar not null,
    first_listed_at timestamp not null
);

create table metric_plausibility (
    campaign_code  varchar not null,
    check_code     varchar not null,
    unit_code      varchar not null,
    indicator_code varchar not null,
    period_start   date not null,
    period_end     date not null,
    submission_ids bigint[] not null,
    received_at    timestamp not null,
    value          double not null,
    reference      double not null,
    threshold      double not null,
    message        varchar not null
);

-- Current reports with their declared posts (posting indicators, from the weekly rollup) and the
-- length of their post list.
create view reports_live as
with posts as (
    select submission_id, sum(value) filter (where is_posting) as posts
    from weekly_values
    group by submission_id
),
lists as (
    select submission_id, count(*) as listed_rows from report_posts group by submission_id
)
select r.*, coalesce(p.posts, 0) as posts, l.listed_rows
from current_reports r
left join posts p using (submission_id)
left join lists l using (submission_id);

-- Every reporting unit × week: first arrival of a covering report; activity and posts in it
-- (totals over all current reports); first arrival of activity > 0 of each active channel group.
create or replace view unit_weeks_live as
with received as (
    select campaign_code, unit_code, week_start,
           min(first_received_at) as received_at,
           list(submission_id) as submission_ids
    from report_weeks
    group by all
),
group_weeks as (
    select campaign_code, unit_code, week_start, group_code,
           sum(activity) as activity, sum(posts) as posts,
           min(received_at) filter (where max_value > 0) as first_active
    from weekly_groups
    group by all
),
totals as (
    select campaign_code, unit_code, week_start,
           sum(activity) as activity, sum(posts) as posts,
           list(first_active) filter (where first_active is not null) as group_first_active
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
left join totals tt using (campaign_code, unit_code, week_start);

-- A task's value in a phase, per report: the phase's share (by days) of the indicator it names, or
-- for a whole-group task of the group's activity indicators.
create or replace view task_values_live as
with phase_rows as (
    select campaign_code, unit_code, unnest(phases) as phase_number, indicator_code, group_code,
           is_activity, received_at, value
    from weekly_values
),
tasks as (
    select distinct u.campaign_code, u.unit_code, p.number as phase_number,
           coalesce(tk.indicator_code, tk.group_code) as task_code,
           tk.group_code, tk.indicator_code, tk.indicator_code is null as whole_group
    from metric_units u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
    join phases p on p.campaign_code = u.campaign_code
    where tk.min_per_week is not null or tk.min_per_phase is not null
),
indicator_tasks as (
    select tk.campaign_code, tk.unit_code, tk.phase_number, tk.task_code, r.received_at, r.value
    from tasks tk
    join phase_rows r
        on r.campaign_code = tk.campaign_code and r.unit_code = tk.unit_code
        and r.phase_number = tk.phase_number and r.indicator_code = tk.indicator_code
    where not tk.whole_group
),
group_tasks as (
    select tk.campaign_code, tk.unit_code, tk.phase_number, tk.task_code, r.received_at, r.value
    from tasks tk
    join phase_rows r
        on r.campaign_code = tk.campaign_code and r.unit_code = tk.unit_code
        and r.phase_number = tk.phase_number and r.group_code = tk.group_code
    where tk.whole_group and r.is_activity
)
select campaign_code, unit_code, phase_number, task_code, received_at, sum(value) as value
from (select * from indicator_tasks union all select * from group_tasks)
group by all;

-- Targets (020) and the total actual of every task of every unit in every phase.
create or replace view unit_tasks_live as
with actuals as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as actual
    from metric_task_values
    group by all
)
select
    u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
    p.number as phase_number, p.name as phase_name, p.start_date as phase_start,
    p.end_date as phase_end,
    coalesce(tk.indicator_code, tk.group_code) as task_code,
    tk.group_code, tk.indicator_code, tk.indicator_code is null as whole_group,
    tk.min_per_week, tk.min_per_phase,
    coalesce(tk.min_per_phase, tk.min_per_week * (p.end_date - p.start_date + 1) / 7.0) as target,
    coalesce(a.actual, 0) as actual
from metric_units u
join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
join phases p on p.campaign_code = u.campaign_code
left join actuals a
    on a.campaign_code = u.campaign_code and a.unit_code = u.unit_code
    and a.phase_number = p.number and a.task_code = coalesce(tk.indicator_code, tk.group_code)
where tk.min_per_week is not null or tk.min_per_phase is not null;

-- Every unit × window (0 = whole campaign, n = phase n) × posting indicator: total posts.
create view window_posts_live as
with windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name,
           start_date as window_start
    from campaigns
    union all
    select campaign_code, number, name, start_date from phases
),
totals as (
    select campaign_code, unit_code, phase_number, indicator_code, sum(posts) as posts
    from metric_phase_posts
    group by all
)
select u.campaign_code, u.unit_code, w.phase_number, w.window_name, w.window_start,
       i.code as indicator_code, coalesce(tt.posts, 0) as posts
from metric_units u
join windows w using (campaign_code)
cross join (select code from indicators where is_posting) i
left join totals tt
    on tt.campaign_code = u.campaign_code and tt.unit_code = u.unit_code
    and tt.phase_number = w.phase_number and tt.indicator_code = i.code;

-- The province's weekly series: each channel group (activity) and posting indicator (posts), with
-- the first arrival of activity of each unit that had some in that week.
create view week_series_live as
with series as (
    select 'group' as series_kind, code as series_code, name as series_name, sort as series_sort
    from indicator_groups
    union all
    select 'posting', code, name, 100 + sort from indicators where is_posting
),
group_units as (
    select campaign_code, week_start, 'group' as series_kind, group_code as series_code, unit_code,
           sum(activity) as value, min(received_at) filter (where max_value > 0) as first_active
    from weekly_groups
    group by all
),
posting_units as (
    select campaign_code, week_start, 'posting' as series_kind, indicator_code as series_code,
           unit_code, sum(value) as value, min(received_at) filter (where value > 0) as first_active
    from weekly_values
    where is_posting
    group by all
),
observed as (
    select campaign_code, week_start, series_kind, series_code, sum(value) as value,
           list(first_active) filter (where first_active is not null) as unit_first_active
    from (select * from group_units union all select * from posting_units)
    group by all
)
select w.campaign_code, w.week_no, w.week_start, w.week_end, w.week_label, w.phase_number,
       s.series_kind, s.series_code, s.series_name, s.series_sort,
       coalesce(o.value, 0) as value,
       coalesce(o.unit_first_active, []::timestamp[]) as unit_first_active
from metric_weeks w
cross join series s
left join observed o
    on o.campaign_code = w.campaign_code and o.week_start = w.week_start
    and o.series_kind = s.series_kind and o.series_code = s.series_code;

-- Every URL a unit listed (normalized), with the first arrival of a current report listing it.
create view post_urls_live as
select r.campaign_code, r.unit_code, p.url_norm, min(r.first_received_at) as first_listed_at
from report_posts p
join current_reports r using (submission_id)
where p.url_norm is not null and p.url_norm <> ''
group by all;

-- Values to check (metrics.md, after DHIS2's outlier analysis), over all current reports with the
-- campaign's parameters; received_at: the (latest) arrival of the report(s) the flag is about.
--   outlier:    a unit's value of an indicator in a week (reports spread over their days) above
--               median + outlier_k × MAD of that indicator and week across the units of the same
--               kind reporting it (MAD = median absolute deviation); skipped when fewer than
--               outlier_min_units report it; yes/no indicators are not checked.
--   cumulative: a report's lũy kế differs by more than cumulative_tolerance from the sum of the
--               unit's current reports up to and including it.
create view plausibility_live as
with params as (
    select * from metric_params
),
unit_week_values as (
    select v.campaign_code, v.unit_code, u.kind, v.week_start, v.indicator_code,
           sum(v.value) as value, max(v.received_at) as received_at,
           array_distinct(list(v.submission_id)) as submission_ids
    from weekly_values v
    join metric_units u using (campaign_code, unit_code)
    where not v.is_flag
    group by all
),
medians as (
    select w.campaign_code, w.kind, w.week_start, w.indicator_code,
           count(*) as units, median(w.value) as median
    from unit_week_values w
    join params p using (campaign_code)
    group by all
    having count(*) >= any_value(p.outlier_min_units)
),
deviations as (
    select w.campaign_code, w.kind, w.week_start, w.indicator_code,
           median(abs(w.value - m.median)) as mad
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    group by all
),
outliers as (
    select
        w.campaign_code,
        'outlier' as check_code,
        w.unit_code,
        w.indicator_code,
        w.week_start as period_start,
        wk.week_end as period_end,
        w.submission_ids,
        w.received_at,
        w.value,
        m.median as reference,
        m.median + p.outlier_k * d.mad as threshold,
        'Giá trị ' || vn_number(w.value) || ' vượt ngưỡng ' || vn_number(m.median + p.outlier_k * d.mad)
            || ' (trung vị ' || vn_number(m.median) || ' + ' || vn_number(p.outlier_k) || ' × MAD '
            || vn_number(d.mad) || ' của ' || m.units || ' đơn vị cùng loại) trong tuần '
            || wk.week_label as message
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    join deviations d using (campaign_code, kind, week_start, indicator_code)
    join params p using (campaign_code)
    join metric_weeks wk using (campaign_code, week_start)
    where w.value > m.median + p.outlier_k * d.mad
),
report_values_current as (
    select r.campaign_code, r.unit_code, r.submission_id, r.period_start, r.period_end,
           r.first_received_at, v.indicator_code, v.value, v.cumulative
    from current_reports r
    join report_values v using (submission_id)
),
with_cumulative as (
    select distinct campaign_code, unit_code, indicator_code
    from report_values_current
    where cumulative is not null
),
running as (
    select
        k.*,
        sum(k.value) over (partition by k.campaign_code, k.unit_code, k.indicator_code
                           order by k.period_start, k.period_end, k.submission_id
                           rows between unbounded preceding and current row) as running_total
    from report_values_current k
    semi join with_cumulative w using (campaign_code, unit_code, indicator_code)
),
cumulatives as (
    select
        r.campaign_code,
        'cumulative' as check_code,
        r.unit_code,
        r.indicator_code,
        r.period_start,
        r.period_end,
        [r.submission_id] as submission_ids,
        r.first_received_at as received_at,
        r.cumulative as value,
        r.running_total as reference,
        p.cumulative_tolerance as threshold,
        case when r.running_total > 0
             then 'Lũy kế ' || vn_number(r.cumulative) || ' lệch '
                  || vn_percent(abs(r.cumulative - r.running_total) / r.running_total)
                  || ' so với tổng các báo cáo đến kỳ này (' || vn_number(r.running_total)
                  || '), quá mức cho phép ' || vn_percent(p.cumulative_tolerance)
             else 'Lũy kế ' || vn_number(r.cumulative)
                  || ' trong khi các báo cáo đến kỳ này cộng lại bằng 0'
        end as message
    from running r
    join params p using (campaign_code)
    where r.cumulative is not null
      and abs(r.cumulative - r.running_total) > p.cumulative_tolerance * r.running_total
)
select * from outliers
union all
select * from cumulatives;

-- The campaign row hash in rollup_fingerprints covers params (the plausibility flags use them);
-- the cheap signal now covers them too, and unit/indicator catalogs edited in place.
create or replace view rollup_signal as
select hash(
    count(*), max(id), sum(id) filter (where is_current), sum(epoch_us(received_at)),
    (select sum(hash(code, loaded_at, params::varchar, start_date, end_date, week_start,
                     deadline_days, deadline_hour)) from campaigns),
    (select sum(hash(campaign_code, number, name, start_date, end_date)) from phases),
    (select sum(hash(campaign_code, unit_kind, group_code, indicator_code, min_per_week, min_per_phase))
     from tasks)
) as signal
from submissions;

-- ---------------------------------------------------------------------------------------------
-- Macros on the totals.

-- One row per reporting unit and week whose deadline has passed by t, as in 020, plus the unit's
-- activity and posts in the week as known by t (totals minus the late tail).
create or replace macro expected_reports(c, t) as table
with due as (
    select campaign_code, max(week_no) as weeks_due
    from metric_weeks
    where campaign_code in (select unnest(c)) and deadline <= t::timestamp
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
where uw.campaign_code in (select unnest(c)) and uw.deadline <= t::timestamp;

-- Each reporting unit × week, as known by t: activity, posts, channel groups with activity
-- (late tail subtracted), and whether a report covering the week had arrived.
create macro unit_week_activity(c, t) as table
with late as (
    select campaign_code, unit_code, week_start, sum(activity) as activity, sum(posts) as posts
    from weekly_groups
    where campaign_code in (select unnest(c)) and received_at > t::timestamp
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
where uw.campaign_code in (select unnest(c));

create or replace macro task_progress(c, t) as table
with late as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as value
    from metric_task_values
    where campaign_code in (select unnest(c)) and received_at > t::timestamp
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
where tk.campaign_code in (select unnest(c))
  and tk.phase_start <= cast(t::timestamp as date)
  and tk.target > 0;

-- The lagging rules (021), on the totals: the sharp-drop rule reads the weekly activity of
-- metric_unit_weeks minus the late tail.
create or replace macro lagging_rules(c, t) as table
with scope as (
    select a.*, m.* exclude (campaign_code)
    from campaign_asof(c, t) a
    join metric_params m using (campaign_code)
),
recent_weeks as (
    select uw.*, s.weeks_due - uw.week_no + 1 as due_rank,
           coalesce(uw.received_at <= s.as_of, false) as received
    from metric_unit_weeks uw
    join scope s using (campaign_code)
    where uw.campaign_code in (select unnest(c)) and uw.deadline <= s.as_of
      and s.weeks_due - uw.week_no + 1
          <= greatest(s.missing_weeks, s.low_rate_weeks, s.drop_recent_weeks + s.drop_baseline_weeks)
),
missing_reports as (
    select e.campaign_code, e.unit_code,
           'missing_reports' as rule_code, 1 as rule_order, any_value(s.w_missing_reports) as weight,
           'Không nộp báo cáo ' || any_value(s.missing_weeks) || ' tuần gần nhất (tuần '
               || vn_join(list(e.week_label order by e.week_start), ', ') || ')' as reason,
           count(*)::double as value, any_value(s.missing_weeks)::double as threshold
    from recent_weeks e
    join scope s using (campaign_code)
    where e.due_rank <= s.missing_weeks
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
    from recent_weeks e
    join scope s using (campaign_code)
    where e.due_rank <= s.low_rate_weeks
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
late as (
    select g.campaign_code, g.unit_code, g.week_start, sum(g.activity) as activity
    from weekly_groups g
    where g.campaign_code in (select unnest(c)) and g.received_at > t::timestamp
    group by all
),
drop_averages as (
    select e.campaign_code, e.unit_code,
           sum(e.activity - coalesce(l.activity, 0)) filter (where e.due_rank <= s.drop_recent_weeks)
               / any_value(s.drop_recent_weeks) as recent_avg,
           sum(e.activity - coalesce(l.activity, 0)) filter (where e.due_rank > s.drop_recent_weeks)
               / any_value(s.drop_baseline_weeks) as baseline_avg,
           any_value(s.drop_recent_weeks) as recent_weeks,
           any_value(s.drop_baseline_weeks) as baseline_weeks,
           any_value(s.drop_ratio) as drop_ratio,
           any_value(s.w_sharp_drop) as weight
    from recent_weeks e
    join scope s using (campaign_code)
    left join late l using (campaign_code, unit_code, week_start)
    where s.weeks_due >= s.drop_recent_weeks + s.drop_baseline_weeks
      and e.due_rank <= s.drop_recent_weeks + s.drop_baseline_weeks
    group by e.campaign_code, e.unit_code
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
