-- name: phase_completion_by_task
-- grain: one row per reporting unit per phase started by the as-of day per task with a minimum
-- key: campaign_code, unit_code, phase_number, task_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, phase_number, phase_name,
--    task_code, task_name, group_code, indicator_code, min_per_week, min_per_phase, target,
--    actual, ratio, expected
-- What each task of a unit has achieved in a phase: actual (the phase's share, by days, of the
-- indicator, or of the group's activity indicators for a whole-group task) against its target;
-- ratio = min(actual ÷ target, 1).
with progress as (
    select * from task_progress($campaign, $as_of)
),

indicator as (
    select * from indicators
),

indicator_group as (
    select * from indicator_groups
),

final as (
    select
        p.campaign_code,
        p.unit_code,
        p.unit_name,
        p.kind,
        p.territorial,
        p.phase_number,
        p.phase_name,
        p.task_code,
        coalesce(i.name, g.name) as task_name,
        p.group_code,
        p.indicator_code,
        p.min_per_week,
        p.min_per_phase,
        p.target,
        p.actual,
        p.ratio,
        p.expected
    from progress p
    left join indicator i on i.code = p.indicator_code
    left join indicator_group g on g.code = p.group_code
    order by p.campaign_code, p.unit_name, p.phase_number, g.sort, i.sort nulls first
)

select * from final
