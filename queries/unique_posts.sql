-- name: unique_posts
-- grain: one row per reporting unit
-- key: campaign_code, unit_code
-- params: $campaign, $as_of
-- columns: campaign_code, unit_code, unit_name, kind, territorial, reports, reports_with_list,
--    declared_posts, declared_posts_listed, listed_rows, unique_posts, gap
-- Declared posting counts against post lists. declared_posts: the posting indicators over all the
-- unit's current reports known by $as_of; declared_posts_listed: the same over the reports that
-- also carry a post list; unique_posts: distinct normalized URLs over all those lists (a URL
-- listed in several reports counts once); gap = declared_posts_listed − unique_posts (where both
-- exist, else null). Province totals, deduplicated across units: campaign_summary.
with units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

reports as (
    select *
    from metric_reports
    where list_contains($campaign, campaign_code) and first_received_at <= $as_of::timestamp
),

per_unit as (
    select
        campaign_code,
        unit_code,
        count(*) as reports,
        count(listed_rows) as reports_with_list,
        sum(posts) as declared_posts,
        sum(posts) filter (where listed_rows is not null) as declared_posts_listed,
        coalesce(sum(listed_rows), 0) as listed_rows
    from reports
    group by campaign_code, unit_code
),

unique_urls as (
    select campaign_code, unit_code, count(*) as unique_posts
    from metric_post_urls
    where list_contains($campaign, campaign_code) and first_listed_at <= $as_of::timestamp
    group by campaign_code, unit_code
),

final as (
    select
        u.campaign_code,
        u.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        coalesce(p.reports, 0) as reports,
        coalesce(p.reports_with_list, 0) as reports_with_list,
        coalesce(p.declared_posts, 0) as declared_posts,
        p.declared_posts_listed,
        coalesce(p.listed_rows, 0) as listed_rows,
        coalesce(q.unique_posts, 0) as unique_posts,
        p.declared_posts_listed - q.unique_posts as gap
    from units u
    left join per_unit p using (campaign_code, unit_code)
    left join unique_urls q using (campaign_code, unit_code)
    order by u.campaign_code, abs(gap) desc nulls last, u.name
)

select * from final
