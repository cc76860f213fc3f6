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
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

unit_weeks as (
    select uw.*, coalesce(uw.received_at <= s.as_of, false) as reported
    from metric_unit_weeks uw
    join scope s using (campaign_code)
    where uw.campaign_code in (select unnest($campaign)) and uw.week_start <= s.as_of_date
),

activity as (
    select campaign_code, unit_code, week_start,
           sum(activity) as activity, sum(posts) as posts,
           count(distinct group_code) filter (where max_value > 0) as groups_active
    from weekly_groups
    where campaign_code in (select unnest($campaign)) and received_at <= $as_of::timestamp
    group by all
),

unit_activity as (
    select
        uw.campaign_code, uw.unit_code, uw.unit_name, uw.kind, uw.territorial,
        uw.week_no, uw.week_start, uw.week_label, uw.phase_number, uw.reported,
        coalesce(a.activity, 0) as activity,
        coalesce(a.posts, 0) as posts,
        coalesce(a.groups_active, 0) as groups_active
    from unit_weeks uw
    left join activity a using (campaign_code, unit_code, week_start)
),

medians as (
    select campaign_code, week_start, territorial,
           median(activity) as median_activity,
           median(posts) as median_posts
    from unit_activity
    group by all
),

final as (
    select a.*, m.median_activity, m.median_posts
    from unit_activity a
    join medians m using (campaign_code, week_start, territorial)
    where $units::varchar[] is null or a.unit_code in (select unnest($units::varchar[]))
    order by a.campaign_code, a.unit_name, a.week_start
)

select * from final
