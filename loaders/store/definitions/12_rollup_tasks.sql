-- Live definitions of metric_task_values, metric_unit_tasks and metric_group_windows.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- metric_task_values: a task's value in a phase, per report: the phase's share (by days) of the
-- indicator it names, or for a whole-group task of the group's activity indicators. The tasks come
-- from the plan directly (metric_unit_tasks, which holds their totals, is refreshed after this
-- table). Stored sorted by arrival.
-- Materialized into metric_task_values (its columns: migration 020).
create or replace macro task_values_for(c) as table
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
select campaign_code, unit_code, phase_number, task_code, received_at,
       sum(value::decimal(38,12))::double as value
from (select * from indicator_tasks union all select * from group_tasks)
group by all;

create or replace view task_values_live as
select * from task_values_for((select list(code) from campaigns));

-- metric_unit_tasks: every unit × phase × task with a minimum. A task's target in a phase:
-- min_per_phase when set, else min_per_week × the phase's days ÷ 7 (part weeks count by days).
-- Tasks without a minimum only count for channel coverage. actual: the task's total over all
-- current reports (metric_task_values).
-- Materialized into metric_unit_tasks (its columns: migration 020).
create or replace view unit_tasks_live as
with actuals as (
    select campaign_code, unit_code, phase_number, task_code, sum(value::decimal(38,12))::double as actual
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
-- Materialized into metric_group_windows (its columns: migration 020).
create or replace macro group_windows_for(c) as table
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
