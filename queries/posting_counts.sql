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
with units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

posting_indicator as (
    select * from indicators where is_posting
),

totals as (
    select *
    from metric_window_posts
    where list_contains($campaign, campaign_code)
      and window_start <= cast($as_of::timestamp as date)
),

late as (
    select campaign_code, unit_code, phase_number, indicator_code, sum(posts) as posts
    from metric_phase_posts
    where list_contains($campaign, campaign_code) and received_at > $as_of::timestamp
    group by all
),

final as (
    select
        t.campaign_code,
        t.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        t.phase_number,
        t.window_name,
        t.indicator_code,
        i.name as indicator_name,
        i.group_code,
        t.posts - coalesce(l.posts, 0) as posts
    from totals t
    join units u using (campaign_code, unit_code)
    join posting_indicator i on i.code = t.indicator_code
    left join late l using (campaign_code, unit_code, phase_number, indicator_code)
    order by t.campaign_code, t.phase_number, u.name, i.sort
)

select * from final
