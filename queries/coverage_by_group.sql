-- name: coverage_by_group
-- grain: one row per window per unit scope per channel group
-- key: campaign_code, phase_number, unit_scope, group_code
-- params: $campaign, $as_of
-- columns: campaign_code, phase_number, window_name, unit_scope, group_code, group_name,
--    units_assigned, units_active, coverage
-- Province coverage of a channel group = share of the units assigned it (by their kind's tasks)
-- with any activity > 0 in it in the window. unit_scope 'commune': commune-level units only (the
-- metric of metrics.md); 'all': every reporting unit. phase_number 0: the whole campaign to date;
-- n: phase n (phases started by the as-of day). Only reports known by $as_of count.
with group_windows as (
    select gw.*, coalesce(gw.first_active_at <= $as_of::timestamp, false) as active
    from metric_group_windows gw
    where list_contains($campaign, gw.campaign_code)
      and gw.window_start <= cast($as_of::timestamp as date)
),

indicator_group as (
    select * from indicator_groups
),

scoped as (
    select *, 'all' as unit_scope from group_windows
    union all
    select *, 'commune' as unit_scope from group_windows where territorial
),

final as (
    select
        s.campaign_code,
        s.phase_number,
        any_value(s.window_name) as window_name,
        s.unit_scope,
        s.group_code,
        any_value(g.name) as group_name,
        count(*) as units_assigned,
        count(*) filter (where s.active) as units_active,
        count(*) filter (where s.active) / count(*) as coverage
    from scoped s
    join indicator_group g on g.code = s.group_code
    group by s.campaign_code, s.phase_number, s.unit_scope, s.group_code
    order by s.campaign_code, s.phase_number, s.unit_scope, any_value(g.sort)
)

select * from final
