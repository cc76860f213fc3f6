-- 020: the metric layer every query in queries/ reads (../shared/docs/metrics.md).
--
-- Definitions live here once, so that each query file stays short. In this file, in order:
--   1. parameters and building blocks: metric_params, indicator_roles, the vn_* formatting macros
--   2. the rollup: each rollup table, then the live definition it materializes, in refresh order
--   3. rollup bookkeeping: rollup_state, rollup_fingerprints(c), rollup_stale_for(c), rollup_signal
--   4. the macros every query builds on: campaign_asof, expected_reports, unit_week_activity,
--      task_progress, unit_phase_completion, lagging_rules
--
-- The rollup: the live definitions (views over the store) materialized per campaign by
-- loaders/rollup.py, so that a query over a province, or the whole country, reads a few
-- pre-aggregated rows instead of joining and spreading every report value again
-- (bench/bench_metrics.py). Queries read only the rollup tables. One set of rows per campaign;
-- "received_at" is always the arrival of a report's FIRST version, so that a metric "as of t" keeps
-- only what was known by t. In refresh order (each live definition reads only the store and the
-- tables refreshed before it):
--   metric_units         the campaign's reporting units (campaign_units) with their kind's name
--   metric_weeks         the campaign calendar: weeks, deadlines, phases of each week
--   weekly_values        current values spread over weeks (and phases) by days, per report
--   metric_reports       the current version of every report, with its declared posts (posting
--                        indicators) and the length of its post list
--   weekly_groups        weekly_values summed per channel group: activity, posts, max value
--   metric_unit_weeks    every unit × every week: when a report covering it first arrived; activity
--                        and posts (totals); first arrival of activity of each active channel group
--   metric_task_values   every unit × phase × task × report: the task's value in that phase
--   metric_unit_tasks    every unit × phase × task with a minimum: its target in that phase and its
--                        total actual
--   metric_group_windows every unit × window × assigned channel group: first activity > 0
--   metric_phase_posts   every unit × window × posting indicator × report: posts
--   metric_window_posts  every unit × window × posting indicator: total posts
--   metric_week_series   every campaign week × series (channel group, posting indicator): total
--                        and the first arrival of activity of each unit
--   metric_post_urls     every unit × normalized URL listed: first arrival
--   metric_plausibility  every flagged value (metrics.md, plausibility) with its arrival
--   (window: phase_number 0 = the whole campaign, n = phase n)
--
-- The rollup keeps totals, so that a query "as of t" reads small tables. Every sum a metric needs
-- (activity, posts, a task's actual) is stored as its total over all current reports; a query as
-- of t subtracts the "late tail", the rows of reports whose first version arrived after t. The
-- detail tables are stored sorted by arrival within each campaign (loaders/rollup.py), so the tail
-- of a recent t is a few row groups (usually none: the default as-of day is today). "Any activity"
-- is stored as the arrival of the first report showing it (active as of t when that is ≤ t).
-- Plausibility flags are computed once per refresh over all current reports, each with the arrival
-- of the report(s) it is about; a query shows those known by t.
--
-- Filtering on campaigns. The macros filter with list_contains(c, campaign_code), which DuckDB turns
-- into a constant filter on the scan (zone maps skip the other provinces' row groups) instead of a
-- join against the unnested list. A per-campaign refresh filters each live definition the same way,
-- but DuckDB does not carry that filter below a CTE used twice (it is materialized first), nor below
-- an unnest, so a live definition that aggregates or expands before joining would compute every
-- campaign before keeping one (seconds on a national store). Those are table macros taking the
-- campaign list and filtering at their sources (name ending in _for; loaders/rollup.py calls them),
-- each with a view (…_live) that is the same macro over every campaign. For the same reason phase
-- membership is a join on list_contains(phases, number), not an unnest.
--
-- Time rules (metrics.md, and the choices made where it is silent):
--   * Week 1 is the week (starting on the campaign's week_start) holding the campaign's first day;
--     the last week holds its last day. A week's deadline: week_end + deadline_days at deadline_hour.
--   * A report counts as received for every campaign week its period touches, from the moment its
--     first version arrived: a unit that reported on time and later sent a correction reported on
--     time; the values are always those of the newest version (is_current).
--   * As of t, only reports whose first version arrived by t count, for values too.
--   * Values of a report spanning several days are spread evenly over its days; each week (and each
--     phase) gets the share of its days. Days outside the campaign's weeks are dropped.
--   * Phases may overlap (a peak phase inside a longer one): a day belongs to every phase holding
--     it. A week belongs to the phase(s) holding its last campaign day.

-- =============================================================================================
-- 1. Parameters and building blocks.

-- Metric parameters of each campaign; a key missing from campaigns.params falls back to metrics.md
-- (and to the default weights of loaders/campaigns.py). outlier_min_mad (default 1) is read by
-- plausibility_for.
create view metric_params as
select
    code as campaign_code,
    coalesce(try_cast(params->>'$.weights.missing_reports' as double), 3) as w_missing_reports,
    coalesce(try_cast(params->>'$.weights.low_reporting_rate' as double), 2) as w_low_reporting_rate,
    coalesce(try_cast(params->>'$.weights.behind_plan' as double), 2) as w_behind_plan,
    coalesce(try_cast(params->>'$.weights.silent_channel' as double), 1) as w_silent_channel,
    coalesce(try_cast(params->>'$.weights.sharp_drop' as double), 1) as w_sharp_drop,
    coalesce(try_cast(params->>'$.missing_weeks' as integer), 2) as missing_weeks,
    coalesce(try_cast(params->>'$.low_rate' as double), 0.75) as low_rate,
    coalesce(try_cast(params->>'$.low_rate_weeks' as integer), 4) as low_rate_weeks,
    coalesce(try_cast(params->>'$.behind_tolerance' as double), 0.15) as behind_tolerance,
    coalesce(try_cast(params->>'$.silent_fraction' as double), 0.3333) as silent_fraction,
    coalesce(try_cast(params->>'$.drop_recent_weeks' as integer), 2) as drop_recent_weeks,
    coalesce(try_cast(params->>'$.drop_baseline_weeks' as integer), 4) as drop_baseline_weeks,
    coalesce(try_cast(params->>'$.drop_ratio' as double), 0.5) as drop_ratio,
    coalesce(try_cast(params->>'$.outlier_k' as double), 5) as outlier_k,
    coalesce(try_cast(params->>'$.outlier_min_units' as integer), 8) as outlier_min_units,
    coalesce(try_cast(params->>'$.cumulative_tolerance' as double), 0.10) as cumulative_tolerance
from campaigns;

-- "Activity" adds up the indicators that count things done (tin, bài, cuộc, buổi, cái…): not yes/no
-- flags, and not volumes in minutes, people or interactions, which would drown the counts.
create view indicator_roles as
select
    code as indicator_code,
    group_code,
    is_flag,
    is_posting,
    not is_flag and uom not in ('phút', 'lượt', 'lượt người', 'người') as is_activity
from indicators;

-- Vietnamese numbers for reason strings: 1234.5 → "1.234,5"; 0.625 → "63%".
create macro vn_number1(x) as translate(format('{:,.1f}', x::double), ',.', '.,');
create macro vn_integer(x) as translate(format('{:,.0f}', x::double), ',', '.');
create macro vn_number(x) as
    case when x::double = round(x::double) then vn_integer(x) else vn_number1(x) end;
create macro vn_percent(x) as cast(round(100 * x::double) as bigint)::varchar || '%';
-- ["a"] → "a"; ["a", "b", "c"] → "a<sep>b và c".
create macro vn_join(items, sep) as
    case when len(items) <= 1 then coalesce(items[1], '')
         else array_to_string(items[1:-2], sep) || ' và ' || items[-1] end;

-- =============================================================================================
-- 2. The rollup: each table, then its live definition (loaders/rollup.py refreshes them per
-- campaign, in this order, with insert … by name).

-- metric_units: the reporting units of each campaign with the name of their kind.
create table metric_units (
    campaign_code varchar not null,
    unit_code     varchar not null,
    name          varchar not null,
    short_name    varchar,
    kind          varchar not null,
    kind_name     varchar,
    territorial   boolean not null,
    district_code varchar,
    lat           double,
    lon           double,
    area_km2      double
);

create view reporting_units_live as
select u.campaign_code, u.unit_code, u.name, u.short_name, u.kind, k.name as kind_name,
       u.territorial, u.district_code, u.lat, u.lon, u.area_km2
from campaign_units u
left join reporting_kinds k on k.campaign_code = u.campaign_code and k.kind = u.kind;

-- metric_weeks: the campaign calendar. phase_numbers: the phases holding the week's last campaign
-- day; phase_number: the latest of them.
create table metric_weeks (
    campaign_code varchar not null,
    week_no       integer not null,
    week_start    date not null,
    week_end      date not null,
    first_day     date not null,
    last_day      date not null,
    deadline      timestamp not null,
    week_label    varchar not null,
    phase_numbers integer[] not null,
    phase_number  integer
);

create view campaign_weeks as
with bounds as (
    select
        code as campaign_code, start_date, end_date, deadline_days, deadline_hour,
        start_date - ((isodow(start_date) - week_start + 7) % 7)::integer as first_week_start
    from campaigns
),
weeks as (
    select *, unnest(range(0, (end_date - first_week_start) // 7 + 1)) as week_index
    from bounds
),
calendar as (
    select
        campaign_code,
        (week_index + 1)::integer as week_no,
        first_week_start + (7 * week_index)::integer as week_start,
        first_week_start + (7 * week_index + 6)::integer as week_end,
        start_date, end_date, deadline_days, deadline_hour
    from weeks
),
week_phases as (
    select
        cal.campaign_code, cal.week_start,
        list(p.number order by p.number) filter (where p.number is not null) as phase_numbers
    from calendar cal
    left join phases p
        on p.campaign_code = cal.campaign_code
        and least(cal.week_end, cal.end_date) between p.start_date and p.end_date
    group by all
)
select
    cal.campaign_code,
    cal.week_no,
    cal.week_start,
    cal.week_end,
    greatest(cal.week_start, cal.start_date) as first_day,
    least(cal.week_end, cal.end_date) as last_day,
    (cal.week_end + cal.deadline_days)::timestamp + to_hours(cal.deadline_hour) as deadline,
    strftime(cal.week_start, '%d/%m') || '–' || strftime(cal.week_end, '%d/%m') as week_label,
    coalesce(wp.phase_numbers, []::integer[]) as phase_numbers,
    list_max(wp.phase_numbers) as phase_number
from calendar cal
left join week_phases wp using (campaign_code, week_start);

-- Two views over the store that several live definitions below read.

-- The newest version of every report; first_received_at: when its first version arrived.
create view current_reports as
with versions as (
    select
        s.*,
        min(s.received_at) over report as first_received_at,
        count(*) over report as versions
    from submissions s
    window report as (partition by s.campaign_code, s.unit_code, s.period_start, s.period_end)
)
select
    id as submission_id, campaign_code, unit_code, period_start, period_end,
    (period_end - period_start + 1)::integer as period_days,
    version, versions, received_at, first_received_at, file_name, source_format
from versions
where is_current;

-- Current reports × the campaign weeks their period touches.
create view report_weeks as
with spans as (
    select
        r.*,
        r.period_start - ((isodow(r.period_start) - cp.week_start + 7) % 7)::integer as first_week,
        r.period_end - ((isodow(r.period_end) - cp.week_start + 7) % 7)::integer as last_week
    from current_reports r
    join campaigns cp on cp.code = r.campaign_code
),
expanded as (
    select *, unnest(generate_series(first_week, last_week, interval 7 day))::date as week_start
    from spans
)
select e.campaign_code, e.unit_code, e.week_start, e.submission_id, e.period_start, e.period_end,
       e.period_days, e.received_at, e.first_received_at
from expanded e
semi join campaign_weeks w on w.campaign_code = e.campaign_code and w.week_start = e.week_start;

-- weekly_values: current values spread over days, summed per week and per set of phases. phases:
-- the phases holding those days ([] outside every phase). A week's value: the sum of its rows; a
-- phase's: the rows whose phases hold it. Stored sorted by arrival.
create table weekly_values (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    week_start     date not null,
    phases         integer[] not null,
    indicator_code varchar not null,
    group_code     varchar not null,
    is_flag        boolean not null,
    is_posting     boolean not null,
    is_activity    boolean not null,
    submission_id  bigint not null,
    received_at    timestamp not null,
    days           integer not null,
    value          double not null
);

create view weekly_values_live as
with report_days as (
    select
        r.submission_id, r.campaign_code, r.unit_code, r.first_received_at, r.period_days,
        unnest(generate_series(r.period_start, r.period_end, interval 1 day))::date as day
    from current_reports r
),
day_weeks as (
    select d.*, d.day - ((isodow(d.day) - cp.week_start + 7) % 7)::integer as week_start
    from report_days d
    join campaigns cp on cp.code = d.campaign_code
),
day_phases as (
    select
        d.submission_id, d.campaign_code, d.unit_code, d.first_received_at, d.period_days,
        d.week_start, d.day,
        coalesce(list(p.number order by p.number) filter (where p.number is not null),
                 []::integer[]) as phases
    from day_weeks d
    left join phases p
        on p.campaign_code = d.campaign_code and d.day between p.start_date and p.end_date
    group by all
),
segments as (
    select
        d.submission_id, d.campaign_code, d.unit_code, d.first_received_at, d.period_days,
        d.week_start, d.phases, count(*)::integer as days
    from day_phases d
    semi join campaign_weeks w on w.campaign_code = d.campaign_code and w.week_start = d.week_start
    group by all
)
select
    s.campaign_code,
    s.unit_code,
    s.week_start,
    s.phases,
    v.indicator_code,
    r.group_code,
    r.is_flag,
    r.is_posting,
    r.is_activity,
    s.submission_id,
    s.first_received_at as received_at,
    s.days,
    v.value * s.days / s.period_days as value
from segments s
join report_values v on v.submission_id = s.submission_id
join indicator_roles r on r.indicator_code = v.indicator_code;

-- metric_reports: current reports with their declared posts (posting indicators, from
-- weekly_values) and the length of their post list.
create table metric_reports (
    submission_id     bigint not null,
    campaign_code     varchar not null,
    unit_code         varchar not null,
    period_start      date not null,
    period_end        date not null,
    period_days       integer not null,
    version           integer not null,
    versions          bigint not null,
    received_at       timestamp not null,
    first_received_at timestamp not null,
    file_name         varchar not null,
    source_format     varchar,
    posts             double,
    listed_rows       bigint
);

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

create view reports_live as
select * from reports_for((select list(code) from campaigns));

-- weekly_groups: weekly values per channel group and report: activity (its activity indicators),
-- posts (its posting indicators), max_value (> 0: any activity at all, flags and volumes
-- included). Stored sorted by arrival.
create table weekly_groups (
    campaign_code varchar not null,
    unit_code     varchar not null,
    week_start    date not null,
    group_code    varchar not null,
    received_at   timestamp not null,
    activity      double not null,
    posts         double not null,
    max_value     double not null
);

create view weekly_groups_live as
select
    campaign_code, unit_code, week_start, group_code, received_at,
    coalesce(sum(value) filter (where is_activity), 0) as activity,
    coalesce(sum(value) filter (where is_posting), 0) as posts,
    max(value) as max_value
from weekly_values
group by all;

-- metric_unit_weeks: every reporting unit × every campaign week: the first arrival of a report
-- covering it; activity and posts in it (totals over all current reports); the first arrival of
-- activity > 0 of each active channel group.
create table metric_unit_weeks (
    campaign_code      varchar not null,
    unit_code          varchar not null,
    unit_name          varchar not null,
    kind               varchar not null,
    territorial        boolean not null,
    week_no            integer not null,
    week_start         date not null,
    week_end           date not null,
    week_label         varchar not null,
    deadline           timestamp not null,
    phase_number       integer,
    phase_numbers      integer[] not null,
    received_at        timestamp,
    submission_ids     bigint[] not null,
    activity           double,
    posts              double,
    group_first_active timestamp[]
);

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

create view unit_weeks_live as
select * from unit_weeks_for((select list(code) from campaigns));

-- metric_task_values: a task's value in a phase, per report: the phase's share (by days) of the
-- indicator it names, or for a whole-group task of the group's activity indicators. The tasks come
-- from the plan directly (metric_unit_tasks, which holds their totals, is refreshed after this
-- table). Stored sorted by arrival.
create table metric_task_values (
    campaign_code varchar not null,
    unit_code     varchar not null,
    phase_number  integer not null,
    task_code     varchar not null,
    received_at   timestamp not null,
    value         double not null
);

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

create view task_values_live as
select * from task_values_for((select list(code) from campaigns));

-- metric_unit_tasks: every unit × phase × task with a minimum. A task's target in a phase:
-- min_per_phase when set, else min_per_week × the phase's days ÷ 7 (part weeks count by days).
-- Tasks without a minimum only count for channel coverage. actual: the task's total over all
-- current reports (metric_task_values).
create table metric_unit_tasks (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    unit_name      varchar not null,
    kind           varchar not null,
    territorial    boolean not null,
    phase_number   integer not null,
    phase_name     varchar not null,
    phase_start    date not null,
    phase_end      date not null,
    task_code      varchar not null,
    group_code     varchar not null,
    indicator_code varchar,
    whole_group    boolean not null,
    min_per_week   double,
    min_per_phase  double,
    target         double not null,
    actual         double
);

create view unit_tasks_live as
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

-- metric_group_windows: each unit × window × channel group assigned to its kind: when activity > 0
-- in it first arrived. Windows: phase_number 0 = the whole campaign, n = phase n.
create table metric_group_windows (
    campaign_code   varchar not null,
    unit_code       varchar not null,
    unit_name       varchar not null,
    kind            varchar not null,
    territorial     boolean not null,
    phase_number    integer not null,
    window_name     varchar not null,
    window_start    date not null,
    window_end      date not null,
    group_code      varchar not null,
    first_active_at timestamp
);

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

create view group_windows_live as
select * from group_windows_for((select list(code) from campaigns));

-- metric_phase_posts: posts of each posting indicator per unit, window and report. Stored sorted by
-- arrival.
create table metric_phase_posts (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    phase_number   integer not null,
    indicator_code varchar not null,
    received_at    timestamp not null,
    posts          double not null
);

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

create view phase_posts_live as
select * from phase_posts_for((select list(code) from campaigns));

-- metric_window_posts: every unit × window (0 = whole campaign, n = phase n) × posting indicator:
-- total posts.
create table metric_window_posts (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    phase_number   integer not null,
    window_name    varchar not null,
    window_start   date not null,
    indicator_code varchar not null,
    posts          double not null
);

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

create view window_posts_live as
select * from window_posts_for((select list(code) from campaigns));

-- metric_week_series: the province's weekly series: each channel group (activity) and posting
-- indicator (posts), with the first arrival of activity of each unit that had some in that week.
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

create view week_series_live as
select * from week_series_for((select list(code) from campaigns));

-- metric_post_urls: every URL a unit listed (normalized), with the first arrival of a current
-- report listing it.
create table metric_post_urls (
    campaign_code   varchar not null,
    unit_code       varchar not null,
    url_norm        varchar not null,
    first_listed_at timestamp not null
);

create view post_urls_live as
select r.campaign_code, r.unit_code, p.url_norm, min(r.first_received_at) as first_listed_at
from report_posts p
join current_reports r using (submission_id)
where p.url_norm is not null and p.url_norm <> ''
group by all;

-- metric_plausibility: values to check (metrics.md, after DHIS2's outlier analysis), over all
-- current reports (read from metric_reports) with the campaign's parameters; received_at: the
-- (latest) arrival of the report(s) the flag is about. Stored sorted by arrival.
--   outlier:    a unit's value of an indicator in a week (reports spread over their days) above
--               median + outlier_k × MAD of that indicator and week across the units of the same
--               kind reporting it (MAD = median absolute deviation); skipped when fewer than
--               outlier_min_units report it; yes/no indicators are not checked.
--               The MAD is taken as at least outlier_min_mad (campaign params; default 1). The
--               values are counts of things: where more than half the units report the same number
--               (often 0) the MAD is 0 and the literal rule flags every unit above the median, e.g.
--               "1 post where the median is 0" — two thirds of the flags on the demo data. A spread
--               under one item says nothing about a count; a real outlier (40 where the median is
--               0) is still flagged. The message says when the floor applied.
--   cumulative: a report's lũy kế differs by more than cumulative_tolerance from the sum of the
--               unit's current reports up to and including it.
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

create macro plausibility_for(c) as table
with params as (
    select m.*,
           coalesce(try_cast(cp.params->>'$.outlier_min_mad' as double), 1.0) as outlier_min_mad
    from metric_params m
    join campaigns cp on cp.code = m.campaign_code
    where list_contains(c, m.campaign_code)
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
           median(abs(w.value - m.median)) as raw_mad,
           greatest(median(abs(w.value - m.median)), any_value(p.outlier_min_mad)) as mad
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    join params p using (campaign_code)
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
            || vn_number(d.mad) || ' của ' || m.units || ' đơn vị cùng loại'
            || case when d.raw_mad < d.mad then '; MAD thực bằng ' || vn_number(d.raw_mad)
                    || ', tính tối thiểu ' || vn_number(d.mad) else '' end
            || ') trong tuần '
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

create view plausibility_live as
select * from plausibility_for((select list(code) from campaigns));

-- =============================================================================================
-- 3. Rollup bookkeeping.

-- The fingerprint each campaign's rollup was built from (rollup_fingerprints), per campaign, and
-- under campaign_code '*' the last rollup_signal seen while no campaign was stale.
create table rollup_state (
    campaign_code varchar not null,
    fingerprint   ubigint not null,
    rows          bigint not null,
    refreshed_at  timestamp not null
);

-- What the rollup of each campaign in c was built from: the campaign row (every column but
-- loaded_at, which a reload of an unchanged file touches; params included, which the plausibility
-- flags use), its phases, reporting kinds, own units and tasks, its reports (a new, replaced or
-- deleted version changes count, max id or the sum of current ids; a changed arrival time changes
-- the sum of arrival times), the unit and indicator catalogs, and the schema version, so that a
-- migration changing how the rollup is computed rebuilds it at the next query.
create macro rollup_fingerprints(c) as table
with scope as (
    select * exclude (loaded_at) from campaigns where code in (select unnest(c))
),
reports as (
    select campaign_code, count(*) as n, max(id) as max_id,
           sum(id) filter (where is_current) as current_ids,
           sum(epoch_us(received_at)) as arrivals
    from submissions
    where campaign_code in (select unnest(c))
    group by campaign_code
),
definitions as (
    select campaign_code, sum(h) as h
    from (
        select campaign_code, hash(number, name, start_date, end_date) as h from phases
        union all
        select campaign_code, hash(kind, name) from reporting_kinds
        union all
        select campaign_code, hash(code, name, kind) from org_units
        union all
        select campaign_code, hash(unit_kind, group_code, indicator_code, min_per_week, min_per_phase)
        from tasks
    )
    where campaign_code in (select unnest(c))
    group by campaign_code
),
catalogs as (
    select (select count(*) from units) as n_units,
           (select count(*) from unit_history) as n_history,
           (select sum(hash(code, group_code, is_flag, is_posting, uom)) from indicators) as h_indicators,
           (select max(version) from schema_migrations) as schema_version
)
select
    s.code as campaign_code,
    hash(hash(s), r.n, r.max_id, r.current_ids, r.arrivals, d.h, k.n_units, k.n_history,
         k.h_indicators, k.schema_version) as fingerprint
from scope s
left join reports r on r.campaign_code = s.code
left join definitions d on d.campaign_code = s.code
cross join catalogs k;

-- Campaigns in c (null: all) whose rollup is missing or out of date, or that no longer exist.
create macro rollup_stale_for(c) as table
with current as (
    select * from rollup_fingerprints(coalesce(c, (select list(code) from campaigns)))
),
built as (
    select * from rollup_state
    where campaign_code <> '*' and (c is null or campaign_code in (select unnest(c)))
)
select coalesce(f.campaign_code, b.campaign_code) as campaign_code
from current f
full join built b using (campaign_code)
where f.fingerprint is distinct from b.fingerprint;

-- A cheap signal of "something was written since the rollup was last found whole", checked before
-- every query (rollup.ensure_fresh), so it reads only two tables: reports, and campaign rows
-- (loaded_at changes on every load, params on every settings edit), plus the schema version.
-- Phase and task edits come only from the settings page, which refreshes the rollup itself
-- (loaders/settings_edit.py), and the per-campaign fingerprints still cover them whenever the
-- signal moves. rollup_state keeps the signal it last saw under campaign_code '*'.
create view rollup_signal as
select hash(
    count(*), max(id), sum(id) filter (where is_current), sum(epoch_us(received_at)),
    (select sum(hash(code, loaded_at, params::varchar, start_date, end_date, week_start,
                     deadline_days, deadline_hour)) from campaigns),
    (select max(version) from schema_migrations)
) as signal
from submissions;

-- =============================================================================================
-- 4. Macros every query builds on (c: list of campaign codes; t: the as-of time as a timestamp,
-- queries/__init__.py turns an as-of date into the end of that day). Table aliases avoid the names
-- c and t.

-- Per campaign, as of t: the day, weeks due, and the current phase (the latest one started by that
-- day; it stays current after its end until the next starts) with its expected completion
-- clamp((d − s + 1) ÷ (e − s + 1), 0, 1).
create macro campaign_asof(c, t) as table
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
create macro expected_reports(c, t) as table
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
create macro unit_week_activity(c, t) as table
with late as (
    select campaign_code, unit_code, week_start, sum(activity) as activity, sum(posts) as posts
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
create macro task_progress(c, t) as table
with late as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as value
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

-- Each unit's completion of the phase current as of t (metrics.md: mean over its tasks of
-- min(actual ÷ target, 1), reports arrived after t subtracted), with the phase's expected completion.
-- Only the current phase is computed (unit_phase_completion computes every started phase): the
-- lagging rules and the campaign summary need just this one.
-- Output: campaign_code, unit_code, completion, expected
create macro current_phase_completion(c, t) as table
with scope as (
    select campaign_code, phase_number, phase_expected from campaign_asof(c, t)
),
late_tasks as (
    select campaign_code, unit_code, phase_number, task_code, sum(value) as value
    from metric_task_values
    where list_contains(c, campaign_code) and received_at > t::timestamp
    group by all
)
select tk.campaign_code, tk.unit_code,
       avg(least((tk.actual - coalesce(l.value, 0)) / tk.target, 1.0)) as completion,
       any_value(s.phase_expected) as expected
from metric_unit_tasks tk
join scope s on s.campaign_code = tk.campaign_code and s.phase_number = tk.phase_number
left join late_tasks l
    on l.campaign_code = tk.campaign_code and l.unit_code = tk.unit_code
    and l.phase_number = tk.phase_number and l.task_code = tk.task_code
where list_contains(c, tk.campaign_code) and tk.target > 0
group by tk.campaign_code, tk.unit_code;

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
--                         (only once that many weeks are due, and with a baseline > 0)
-- Each row also carries the unit's completion of the current phase (null without a task minimum),
-- which ranks the lagging list.
--
-- Written for speed: one pass over the recent weeks of
-- metric_unit_weeks with the late tail subtracted, numbers first and the Vietnamese reasons built
-- once at the end; the current phase's completion from current_phase_completion; the reporting units as the spine of the
-- candidates (left joins, not full joins); every source filtered to the requested campaigns at its
-- scan.
--
-- Output: campaign_code, unit_code, rule_code, rule_order, weight, reason, value, threshold,
--         phase_number, completion, expected
create macro lagging_rules(c, t) as table
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
completion as (
    select * from current_phase_completion(c, t)
),
silent as (
    select gw.campaign_code, gw.unit_code, list(g.name order by g.sort) as group_names
    from metric_group_windows gw
    join scope s on s.campaign_code = gw.campaign_code and s.phase_number = gw.phase_number
    join indicator_groups g on g.code = gw.group_code
    where list_contains(c, gw.campaign_code)
      and (gw.first_active_at is null or gw.first_active_at > s.as_of)
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
