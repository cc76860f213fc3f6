-- name: unit_channel_activity
-- grain: one row per channel group per window (the whole campaign to date, each started phase) of one unit
-- key: campaign_code, unit_code, phase_number, group_code
-- params: $campaign, $unit, $as_of
-- columns: campaign_code, unit_code, phase_number, window_name, group_code, group_name, assigned,
--    active, activity, posts, weeks_active, last_active_week
-- One unit's channel groups (hình thức) in each window: those the campaign assigns to its kind
-- (assigned, active or silent) and any other group it reported activity in. activity: the group's
-- activity indicators summed; posts: its posting indicators; active: any value > 0 (flags and
-- volumes included, as in channel_coverage_by_unit); weeks_active: weeks of the window with a
-- value > 0; last_active_week: the start of the latest of them. Only reports known by $as_of count;
-- reports spanning several weeks are spread over their days. phase_number 0: the whole campaign.
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

unit as (
    select * from metric_units
    where list_contains($campaign, campaign_code) and unit_code = $unit
),

windows as (
    select s.campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name
    from scope s
    union all
    select p.campaign_code, p.number, p.name
    from phases p
    join scope s using (campaign_code)
    where p.start_date <= s.as_of_date
),

assigned as (
    select distinct u.campaign_code, tk.group_code
    from unit u
    join tasks tk on tk.campaign_code = u.campaign_code and tk.unit_kind = u.kind
),

unit_values as (
    select campaign_code, week_start, phases, group_code, is_activity, is_posting, value
    from weekly_values
    where list_contains($campaign, campaign_code) and unit_code = $unit
      and received_at <= $as_of::timestamp
),

by_window as (
    select campaign_code, 0 as phase_number, week_start, group_code, is_activity, is_posting, value
    from unit_values
    union all
    select campaign_code, unnest(phases) as phase_number, week_start, group_code, is_activity,
           is_posting, value
    from unit_values
),

window_weeks as (
    select
        campaign_code, phase_number, group_code, week_start,
        coalesce(sum(value) filter (where is_activity), 0) as activity,
        coalesce(sum(value) filter (where is_posting), 0) as posts,
        max(value) as max_value
    from by_window
    group by all
),

totals as (
    select
        campaign_code, phase_number, group_code,
        sum(activity) as activity,
        sum(posts) as posts,
        count(*) filter (where max_value > 0) as weeks_active,
        max(week_start) filter (where max_value > 0) as last_active_week,
        max(max_value) as max_value
    from window_weeks
    group by all
),

groups as (
    select * from indicator_groups
),

final as (
    select
        w.campaign_code,
        $unit as unit_code,
        w.phase_number,
        w.window_name,
        g.code as group_code,
        g.name as group_name,
        a.group_code is not null as assigned,
        coalesce(t.max_value, 0) > 0 as active,
        coalesce(t.activity, 0) as activity,
        coalesce(t.posts, 0) as posts,
        coalesce(t.weeks_active, 0) as weeks_active,
        t.last_active_week
    from windows w
    cross join groups g
    left join assigned a on a.campaign_code = w.campaign_code and a.group_code = g.code
    left join totals t
        on t.campaign_code = w.campaign_code and t.phase_number = w.phase_number and t.group_code = g.code
    where a.group_code is not null or coalesce(t.max_value, 0) > 0
    order by w.campaign_code, w.phase_number, g.sort
)

select * from final
