-- name: phase_completion_by_unit
-- grain: one row per reporting unit with a task minimum per phase started by the as-of day
-- key: campaign_code, unit_code, phase_number
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, phase_number, phase_name, tasks,
--    completion, expected, gap, on_track
-- Unit completion in a phase = mean over its tasks of min(actual ÷ target, 1); a task's target =
-- min_per_phase, or min_per_week × phase days ÷ 7. expected = clamp((d − s + 1) ÷ (e − s + 1), 0, 1)
-- on the as-of day d; on_track: completion ≥ expected. Details per task: phase_completion_by_task.
with completion as (
    select * from unit_phase_completion($campaign, $as_of)
),

final as (
    select
        campaign_code,
        unit_code,
        unit_name,
        kind,
        territorial,
        phase_number,
        phase_name,
        tasks,
        completion,
        expected,
        completion - expected as gap,
        on_track
    from completion
    order by campaign_code, phase_number, completion, unit_name
)

select * from final
