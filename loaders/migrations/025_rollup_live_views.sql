-- 025: per-campaign sources for the rollup refresh. A per-campaign refresh filters each live
-- definition with list_contains(campaigns, campaign_code); DuckDB does not carry that filter below
-- a CTE used twice (it is materialized first), nor below an unnest, so the live
-- definitions that aggregate or expand before joining computed every campaign before keeping one
-- (seconds on a national store). They become table macros taking the campaign list, filtering
-- at their sources; the views stay, as the same macros over every campaign. Phase membership is a
-- join on list_contains(phases, number); plausibility reads current reports from metric_reports
-- (refreshed before it). Same rows as before.

create macro task_values_for(c) as table
with phase_rows as (
    select v.campaign_code, v.unit_code, p.number as phase_number, v.indicator_code, v.group_code,
           v.is_activity, v.received_at, v.value
    from weekly_values v
    join phases p on p.campaign_code = v.campaign_code and list_contains(v.phases, p.number)
    where list_contains(c, v.campaign_code)
),
tasks as (
    select distinct u.campaign_code, u.unit_code, p.number as phase_number,
           coalesce(tk.indicator_code, tk.group_code) as task_code,
           tk.group_code, tk.indicator_code, tk.indicator_code is null as whole_group
    from metric_units u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
    join phases p on p.campaign_code = u.campaign_code
    where list_contains(c, u.campaign_code)
      and (tk.min_per_week is not null or tk.min_per_phase is not null)
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

create or replace view task_values_live as
select * from task_values_for((select list(code) from campaigns));

create macro group_windows_for(c) as table
with assigned as (
    select distinct u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
           tk.group_code
    from metric_units u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
    where list_contains(c, u.campaign_code)
),
windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name,
           start_date as window_start, end_date as window_end
    from campaigns
    where list_contains(c, code)
    union all
    select campaign_code, number, name, start_date, end_date from phases
    where list_contains(c, campaign_code)
),
active as (
    select campaign_code, unit_code, group_code, phases, min(received_at) as first_active_at
    from weekly_values
    where list_contains(c, campaign_code) and value > 0
    group by all
),
first_active as (
    select campaign_code, unit_code, group_code, 0 as phase_number,
           min(first_active_at) as first_active_at
    from active
    group by all
    union all
    select a.campaign_code, a.unit_code, a.group_code, p.number, min(a.first_active_at)
    from active a
    join phases p on p.campaign_code = a.campaign_code and list_contains(a.phases, p.number)
    group by all
)
select
    a.campaign_code, a.unit_code, a.unit_name, a.kind, a.territorial,
    w.phase_number, w.window_name, w.window_start, w.window_end, a.group_code,
    f.first_active_at
from assigned a
join windows w using (campaign_code)
left join first_active f
    on f.campaign_code = a.campaign_code and f.unit_code = a.unit_code
    and f.group_code = a.group_code and f.phase_number = w.phase_number;

create or replace view group_windows_live as
select * from group_windows_for((select list(code) from campaigns));

create macro phase_posts_for(c) as table
with posts as (
    select campaign_code, unit_code, phases, indicator_code, received_at, sum(value) as posts
    from weekly_values
    where list_contains(c, campaign_code) and is_posting
    group by all
)
select campaign_code, unit_code, 0 as phase_number, indicator_code, received_at, sum(posts) as posts
from posts
group by all
union all
select o.campaign_code, o.unit_code, p.number as phase_number, o.indicator_code, o.received_at,
       sum(o.posts) as posts
from posts o
join phases p on p.campaign_code = o.campaign_code and list_contains(o.phases, p.number)
group by all;

create or replace view phase_posts_live as
select * from phase_posts_for((select list(code) from campaigns));

create macro plausibility_for(c) as table
with params as (
    select * from metric_params where list_contains(c, campaign_code)
),
unit_week_values as (
    select v.campaign_code, v.unit_code, u.kind, v.week_start, v.indicator_code,
           sum(v.value) as value, max(v.received_at) as received_at,
           array_distinct(list(v.submission_id)) as submission_ids
    from weekly_values v
    join metric_units u using (campaign_code, unit_code)
    where list_contains(c, v.campaign_code) and not v.is_flag
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
    from metric_reports r
    join report_values v using (submission_id)
    where list_contains(c, r.campaign_code)
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

create or replace view plausibility_live as
select * from plausibility_for((select list(code) from campaigns));

create macro reports_for(c) as table
with posts as (
    select submission_id, sum(value) filter (where is_posting) as posts
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

create macro unit_weeks_for(c) as table
with received as (
    select campaign_code, unit_code, week_start,
           min(first_received_at) as received_at,
           list(submission_id) as submission_ids
    from report_weeks
    where list_contains(c, campaign_code)
    group by all
),
group_weeks as (
    select campaign_code, unit_code, week_start, group_code,
           sum(activity) as activity, sum(posts) as posts,
           min(received_at) filter (where max_value > 0) as first_active
    from weekly_groups
    where list_contains(c, campaign_code)
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
left join totals tt using (campaign_code, unit_code, week_start)
where list_contains(c, u.campaign_code);

create or replace view unit_weeks_live as
select * from unit_weeks_for((select list(code) from campaigns));

create macro window_posts_for(c) as table
with windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name,
           start_date as window_start
    from campaigns
    where list_contains(c, code)
    union all
    select campaign_code, number, name, start_date from phases
    where list_contains(c, campaign_code)
),
totals as (
    select campaign_code, unit_code, phase_number, indicator_code, sum(posts) as posts
    from metric_phase_posts
    where list_contains(c, campaign_code)
    group by all
)
select u.campaign_code, u.unit_code, w.phase_number, w.window_name, w.window_start,
       i.code as indicator_code, coalesce(tt.posts, 0) as posts
from metric_units u
join windows w using (campaign_code)
cross join (select code from indicators where is_posting) i
left join totals tt
    on tt.campaign_code = u.campaign_code and tt.unit_code = u.unit_code
    and tt.phase_number = w.phase_number and tt.indicator_code = i.code
where list_contains(c, u.campaign_code);

create or replace view window_posts_live as
select * from window_posts_for((select list(code) from campaigns));

create macro week_series_for(c) as table
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
    where list_contains(c, campaign_code)
    group by all
),
posting_units as (
    select campaign_code, week_start, 'posting' as series_kind, indicator_code as series_code,
           unit_code, sum(value) as value, min(received_at) filter (where value > 0) as first_active
    from weekly_values
    where list_contains(c, campaign_code) and is_posting
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
    and o.series_kind = s.series_kind and o.series_code = s.series_code
where list_contains(c, w.campaign_code);

create or replace view week_series_live as
select * from week_series_for((select list(code) from campaigns));
