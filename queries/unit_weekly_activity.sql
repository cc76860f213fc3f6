-- name: unit_weekly_activity
-- grain: one row per reporting unit per week started by the as-of day
-- key: campaign_code, unit_code, week_start
-- params: $campaign, $as_of, $units
-- columns: campaign_code, unit_code, unit_name, kind, territorial, week_no, week_start, week_label,
--    phase_number, reported, activity, posts, groups_active, median_activity, median_posts
-- Each unit's weekly activity (its activity indicators summed), posts and active channel groups,
-- next to the median of the week over the units of the same level (commune-level units against
-- commune-level units, the others against the others; a unit without a report counts 0). Only
-- reports known by $as_of count; a report spanning several weeks is spread over its days.
-- $units: the unit codes to return (null: every unit); the medians always use every unit.
with activity as (
    select *
    from unit_week_activity($campaign, $as_of)
    where week_start <= cast($as_of::timestamp as date)
),

medians as (
    select campaign_code, week_start, territorial,
           median(activity) as median_activity,
           median(posts) as median_posts
    from activity
    group by all
),

final as (
    select
        a.campaign_code, a.unit_code, a.unit_name, a.kind, a.territorial,
        a.week_no, a.week_start, a.week_label, a.phase_number, a.reported,
        a.activity, a.posts, a.groups_active,
        m.median_activity, m.median_posts
    from activity a
    join medians m using (campaign_code, week_start, territorial)
    where $units::varchar[] is null or a.unit_code in (select unnest($units::varchar[]))
    order by a.campaign_code, a.unit_name, a.week_start
)

select * from final
