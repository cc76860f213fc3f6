-- name: phase_completion_province
-- grain: one row per phase started by the as-of day per unit scope
-- key: campaign_code, phase_number, unit_scope
-- params: $campaign, $as_of
-- columns: campaign_code, phase_number, phase_name, unit_scope, units, completion, expected,
--    units_on_track, share_on_track
-- Province completion of a phase = mean of unit completions (phase_completion_by_unit), and the
-- share of units at or above the expected completion. unit_scope 'commune': commune-level units;
-- 'all': every reporting unit with a task minimum.
with completion as (
    select * from unit_phase_completion($campaign, $as_of)
),

scoped as (
    select *, 'all' as unit_scope from completion
    union all
    select *, 'commune' as unit_scope from completion where territorial
),

final as (
    select
        campaign_code,
        phase_number,
        any_value(phase_name) as phase_name,
        unit_scope,
        count(*) as units,
        avg(completion) as completion,
        any_value(expected) as expected,
        count(*) filter (where on_track) as units_on_track,
        count(*) filter (where on_track) / count(*) as share_on_track
    from scoped
    group by campaign_code, phase_number, unit_scope
    order by campaign_code, phase_number, unit_scope
)

select * from final
