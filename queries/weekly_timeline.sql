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
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

weeks as (
    select w.*
    from metric_weeks w
    join scope s using (campaign_code)
    where w.week_start <= s.as_of_date
),

indicator_group as (
    select * from indicator_groups
),

posting_indicator as (
    select * from indicators where is_posting
),

series as (
    select 'group' as series_kind, code as series_code, name as series_name, sort from indicator_group
    union all
    select 'posting', code, name, 100 + sort from posting_indicator
),

group_weeks as (
    select campaign_code, week_start, 'group' as series_kind, group_code as series_code,
           sum(activity) as value,
           count(distinct unit_code) filter (where max_value > 0) as units_active
    from weekly_groups
    where campaign_code in (select unnest($campaign)) and received_at <= $as_of::timestamp
    group by all
),

posting_weeks as (
    select campaign_code, week_start, 'posting' as series_kind, indicator_code as series_code,
           sum(value) as value,
           count(distinct unit_code) filter (where value > 0) as units_active
    from weekly_values
    where campaign_code in (select unnest($campaign)) and is_posting
      and received_at <= $as_of::timestamp
    group by all
),

observed as (
    select * from group_weeks
    union all
    select * from posting_weeks
),

final as (
    select
        w.campaign_code,
        w.week_no,
        w.week_start,
        w.week_end,
        w.week_label,
        w.phase_number,
        s.series_kind,
        s.series_code,
        s.series_name,
        coalesce(o.value, 0) as value,
        coalesce(o.units_active, 0) as units_active
    from weeks w
    cross join series s
    left join observed o
        on o.campaign_code = w.campaign_code and o.week_start = w.week_start
        and o.series_kind = s.series_kind and o.series_code = s.series_code
    order by w.campaign_code, w.week_start, s.sort
)

select * from final
