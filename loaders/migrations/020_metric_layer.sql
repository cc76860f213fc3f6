-- 020: the metric layer every query in queries/ reads (../shared/docs/metrics.md).
--
-- Definitions live here once, so that each query file stays short:
--   metric_params, indicator_roles, vn_* formatting macros
--   live views: the definition of each rollup table (what it holds, computed from the store)
--   rollup tables: the live views materialized per campaign by loaders/rollup.py, so that a query
--     over a province, or the whole country, reads a few pre-aggregated rows instead of joining and
--     spreading every report value again (bench/bench_metrics.py). Queries read only these.
--   rollup bookkeeping: rollup_state, rollup_signal, rollup_fingerprints(c), rollup_stale_for(c)
--
-- Rollup tables (one set of rows per campaign; "received_at" is always the arrival of a report's
-- FIRST version, so that a metric "as of t" keeps only what was known by t):
--   metric_units        the campaign's reporting units (campaign_units) with their kind's name
--   metric_weeks        the campaign calendar: weeks, deadlines, phases of each week
--   metric_reports      the current version of every report
--   metric_unit_weeks   every unit × every week: when a report covering it first arrived
--   weekly_values       current values spread over weeks (and phases) by days, per report
--   weekly_groups       the same summed per channel group: activity, posts, max value
--   metric_unit_tasks   every unit × phase × task with a minimum: its target in that phase
--   metric_task_values  every unit × phase × task × report: the task's value in that phase
--   metric_group_windows every unit × window × assigned channel group: first activity > 0
--   metric_phase_posts  every unit × window × posting indicator × report: posts
--   (window: phase_number 0 = the whole campaign, n = phase n)
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

-- Metric parameters of each campaign; a key missing from campaigns.params falls back to metrics.md
-- (and to the default weights of loaders/campaigns.py).
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

-- ---------------------------------------------------------------------------------------------
-- Live definitions of the rollup tables.

-- The reporting units of each campaign with the name of their kind.
create view reporting_units_live as
select u.campaign_code, u.unit_code, u.name, u.short_name, u.kind, k.name as kind_name,
       u.territorial, u.district_code, u.lat, u.lon, u.area_km2
from campaign_units u
left join reporting_kinds k on k.campaign_code = u.campaign_code and k.kind = u.kind;

-- The campaign calendar. phase_numbers: the phases holding the week's last campaign day;
-- phase_number: the latest of them.
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

-- Current values spread over days, summed per week and per set of phases. phases: the phases holding
-- those days ([] outside every phase). A week's value: the sum of its rows; a phase's: the rows whose
-- phases hold it.
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

-- ---------------------------------------------------------------------------------------------
-- Rollup tables (loaders/rollup.py refreshes them per campaign, in this order).

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
    source_format     varchar
);

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

create table metric_unit_weeks (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    unit_name      varchar not null,
    kind           varchar not null,
    territorial    boolean not null,
    week_no        integer not null,
    week_start     date not null,
    week_end       date not null,
    week_label     varchar not null,
    deadline       timestamp not null,
    phase_number   integer,
    phase_numbers  integer[] not null,
    received_at    timestamp,
    submission_ids bigint[] not null
);

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
    target         double not null
);

create table metric_task_values (
    campaign_code varchar not null,
    unit_code     varchar not null,
    phase_number  integer not null,
    task_code     varchar not null,
    received_at   timestamp not null,
    value         double not null
);

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

create table metric_phase_posts (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    phase_number   integer not null,
    indicator_code varchar not null,
    received_at    timestamp not null,
    posts          double not null
);

create table rollup_state (
    campaign_code varchar not null,
    fingerprint   ubigint not null,
    rows          bigint not null,
    refreshed_at  timestamp not null
);

-- Live definitions that read rollup tables refreshed before them.

-- Every reporting unit × every campaign week, with the first arrival of a report covering it.
create view unit_weeks_live as
with received as (
    select campaign_code, unit_code, week_start,
           min(first_received_at) as received_at,
           list(submission_id) as submission_ids
    from report_weeks
    group by all
)
select
    u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
    w.week_no, w.week_start, w.week_end, w.week_label, w.deadline, w.phase_number, w.phase_numbers,
    r.received_at, coalesce(r.submission_ids, []::bigint[]) as submission_ids
from metric_units u
join metric_weeks w using (campaign_code)
left join received r using (campaign_code, unit_code, week_start);

-- Weekly values per channel group and report: activity (its activity indicators), posts (its
-- posting indicators), max_value (> 0: any activity at all, flags and volumes included).
create view weekly_groups_live as
select
    campaign_code, unit_code, week_start, group_code, received_at,
    coalesce(sum(value) filter (where is_activity), 0) as activity,
    coalesce(sum(value) filter (where is_posting), 0) as posts,
    max(value) as max_value
from weekly_values
group by all;

-- A task's target in a phase: min_per_phase when set, else min_per_week × the phase's days ÷ 7
-- (part weeks count by days). Tasks without a minimum only count for channel coverage.
create view unit_tasks_live as
select
    u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
    p.number as phase_number, p.name as phase_name, p.start_date as phase_start,
    p.end_date as phase_end,
    coalesce(tk.indicator_code, tk.group_code) as task_code,
    tk.group_code, tk.indicator_code, tk.indicator_code is null as whole_group,
    tk.min_per_week, tk.min_per_phase,
    coalesce(tk.min_per_phase, tk.min_per_week * (p.end_date - p.start_date + 1) / 7.0) as target
from metric_units u
join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
join phases p on p.campaign_code = u.campaign_code
where tk.min_per_week is not null or tk.min_per_phase is not null;

-- A task's value in a phase, per report: the phase's share (by days) of the indicator it names, or
-- for a whole-group task of the group's activity indicators.
create view task_values_live as
with phase_rows as (
    select campaign_code, unit_code, unnest(phases) as phase_number, indicator_code, group_code,
           is_activity, received_at, value
    from weekly_values
),
tasks as (
    select distinct campaign_code, unit_code, phase_number, task_code, group_code, indicator_code,
           whole_group
    from metric_unit_tasks
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

-- Each unit × window × channel group assigned to its kind: when activity > 0 in it first arrived.
-- Windows: phase_number 0 = the whole campaign, n = phase n.
create view group_windows_live as
with assigned as (
    select distinct u.campaign_code, u.unit_code, u.name as unit_name, u.kind, u.territorial,
           tk.group_code
    from metric_units u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
),
windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name,
           start_date as window_start, end_date as window_end
    from campaigns
    union all
    select campaign_code, number, name, start_date, end_date from phases
),
active as (
    select campaign_code, unit_code, group_code, phases, min(received_at) as first_active_at
    from weekly_values
    where value > 0
    group by all
),
first_active as (
    select campaign_code, unit_code, group_code, 0 as phase_number,
           min(first_active_at) as first_active_at
    from active
    group by all
    union all
    select campaign_code, unit_code, group_code, phase_number, min(first_active_at)
    from (select *, unnest(phases) as phase_number from active)
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

-- Posts of each posting indicator per unit, window and report.
create view phase_posts_live as
with posts as (
    select campaign_code, unit_code, phases, indicator_code, received_at, sum(value) as posts
    from weekly_values
    where is_posting
    group by all
)
select campaign_code, unit_code, 0 as phase_number, indicator_code, received_at, sum(posts) as posts
from posts
group by all
union all
select campaign_code, unit_code, phase_number, indicator_code, received_at, sum(posts) as posts
from (select *, unnest(phases) as phase_number from posts)
group by all;

-- ---------------------------------------------------------------------------------------------
-- Rollup bookkeeping.

-- What the rollup of each campaign in c was built from: the campaign row (every column but
-- loaded_at, which a reload of an unchanged file touches), its phases, reporting kinds, own units
-- and tasks, its reports (a new, replaced or deleted version changes count, max id or the sum of
-- current ids; a changed arrival time changes the sum of arrival times), and the unit and
-- indicator catalogs.
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
           (select sum(hash(code, group_code, is_flag, is_posting, uom)) from indicators) as h_indicators
)
select
    s.code as campaign_code,
    hash(hash(s), r.n, r.max_id, r.current_ids, r.arrivals, d.h, k.n_units, k.n_history,
         k.h_indicators) as fingerprint
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

-- A cheap signal of "something was written since the rollup was last found whole": reports,
-- campaign rows (loaded_at changes on every load), phases and tasks (edited in place by the
-- settings page). rollup_state keeps the signal it last saw under campaign_code '*'.
create view rollup_signal as
select hash(
    count(*), max(id), sum(id) filter (where is_current), sum(epoch_us(received_at)),
    (select sum(hash(code, loaded_at)) from campaigns),
    (select sum(hash(campaign_code, number, start_date, end_date)) from phases),
    (select sum(hash(campaign_code, unit_kind, group_code, indicator_code, min_per_week, min_per_phase))
     from tasks)
) as signal
from submissions;

-- ---------------------------------------------------------------------------------------------
-- Macros every query builds on (c: list of campaign codes; t: the as-of time as a timestamp,
-- queries/__init__.py turns an as-of date into the end of that day).

-- Per campaign, as of t: the day, weeks due, and the current phase (the latest one started by that
-- day; it stays current after its end until the next starts) with its expected completion
-- clamp((d − s + 1) ÷ (e − s + 1), 0, 1).
create macro campaign_asof(c, t) as table
with scope as (
    select code as campaign_code, start_date, end_date,
           t::timestamp as as_of, cast(t::timestamp as date) as as_of_date
    from campaigns
    where code in (select unnest(c))
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
