-- name: weekly_timeline
-- grain: one row per week started by the as-of day per series (channel group or posting indicator)
-- key: campaign_code, week_start, series_kind, series_code
-- params: $campaign, $as_of
-- columns: campaign_code, week_no, week_start, week_end, week_label, phase_number, series_kind,
--    series_code, series_name, value, units_active
-- The province's weekly timeline, long format for charts. series_kind 'group': activity of a
-- channel group (its activity indicators summed) and units_active = units with any activity in it;
-- series_kind 'posting': posts of one posting indicator (platform) and units_active = units with
-- posts on it. Reports spanning several weeks are spread over their days. Only reports known by
-- $as_of count; the current week is partial.
with series as (
    select *
    from metric_week_series
    where list_contains($campaign, campaign_code)
      and week_start <= cast($as_of::timestamp as date)
),

late_groups as (
    select campaign_code, week_start, 'group' as series_kind, group_code as series_code,
           sum(activity) as value
    from weekly_groups
    where list_contains($campaign, campaign_code) and received_at > $as_of::timestamp
    group by all
),

late_posts as (
    select campaign_code, week_start, 'posting' as series_kind, indicator_code as series_code,
           sum(value) as value
    from weekly_values
    where list_contains($campaign, campaign_code) and received_at > $as_of::timestamp
      and is_posting
    group by all
),

late as (
    select * from late_groups
    union all
    select * from late_posts
),

final as (
    select
        s.campaign_code,
        s.week_no,
        s.week_start,
        s.week_end,
        s.week_label,
        s.phase_number,
        s.series_kind,
        s.series_code,
        s.series_name,
        s.value - coalesce(l.value, 0) as value,
        len(list_filter(s.unit_first_active, lambda x: x <= $as_of::timestamp)) as units_active
    from series s
    left join late l using (campaign_code, week_start, series_kind, series_code)
    order by s.campaign_code, s.week_start, s.series_sort
)

select * from final
