-- name: posting_counts
-- grain: one row per reporting unit per window per posting indicator
-- key: campaign_code, unit_code, phase_number, indicator_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, phase_number, window_name,
--    indicator_code, indicator_name, group_code, posts
-- Posting counts: the posting indicators of the catalog (tin, bài, video on press, portals and each
-- social platform) summed per unit, for the whole campaign to date (phase_number 0) and for each
-- phase started by the as-of day. A report spanning several weeks counts by its days in the phase.
-- Only reports known by $as_of count. Per week: weekly_timeline (province), unit_weekly_activity.
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

units as (
    select * from metric_units where campaign_code in (select unnest($campaign))
),

posting_indicator as (
    select * from indicators where is_posting
),

windows as (
    select campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name from scope
    union all
    select p.campaign_code, p.number, p.name
    from phases p
    join scope s using (campaign_code)
    where p.start_date <= s.as_of_date
),

posts as (
    select campaign_code, unit_code, phase_number, indicator_code, sum(posts) as posts
    from metric_phase_posts
    where campaign_code in (select unnest($campaign)) and received_at <= $as_of::timestamp
    group by all
),

final as (
    select
        u.campaign_code,
        u.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        w.phase_number,
        w.window_name,
        i.code as indicator_code,
        i.name as indicator_name,
        i.group_code,
        coalesce(p.posts, 0) as posts
    from units u
    join windows w using (campaign_code)
    cross join posting_indicator i
    left join posts p
        on p.campaign_code = u.campaign_code and p.unit_code = u.unit_code
        and p.phase_number = w.phase_number and p.indicator_code = i.code
    order by u.campaign_code, w.phase_number, u.name, i.sort
)

select * from final
