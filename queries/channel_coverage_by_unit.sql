-- name: channel_coverage_by_unit
-- grain: one row per reporting unit per window (the whole campaign, each phase started by the as-of day)
-- key: campaign_code, unit_code, phase_number
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, phase_number, window_name,
--    window_start, window_end, groups_assigned, groups_active, coverage, silent_groups
-- Channel coverage (độ phủ) = channel groups with any activity > 0 in the window ÷ channel groups
-- the campaign assigns to the unit's kind (tasks). phase_number 0 is the whole campaign to date.
-- Only reports known by $as_of count. Commune-level units: territorial = true. silent_groups: the
-- names of the assigned groups without activity.
with group_windows as (
    select gw.*, gw.first_active_at <= $as_of::timestamp as active
    from metric_group_windows gw
    where list_contains($campaign, gw.campaign_code)
      and gw.window_start <= cast($as_of::timestamp as date)
),

indicator_group as (
    select * from indicator_groups
),

final as (
    select
        w.campaign_code,
        w.unit_code,
        any_value(w.unit_name) as unit_name,
        any_value(w.kind) as kind,
        any_value(w.territorial) as territorial,
        w.phase_number,
        any_value(w.window_name) as window_name,
        any_value(w.window_start) as window_start,
        any_value(w.window_end) as window_end,
        count(*) as groups_assigned,
        count(*) filter (where w.active) as groups_active,
        count(*) filter (where w.active) / count(*) as coverage,
        coalesce(list(g.name order by g.sort) filter (where not coalesce(w.active, false)),
                 []) as silent_groups
    from group_windows w
    join indicator_group g on g.code = w.group_code
    group by w.campaign_code, w.unit_code, w.phase_number
    order by w.campaign_code, w.phase_number, coverage, unit_name
)

select * from final
