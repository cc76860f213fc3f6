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
    select * from metric_units where campaign_code in (select unnest($campaign))
),

reports as (
    select *
    from metric_reports
    where campaign_code in (select unnest($campaign)) and first_received_at <= $as_of::timestamp
),

declared as (
    select submission_id, sum(value) as posts
    from weekly_values
    where campaign_code in (select unnest($campaign)) and is_posting
      and received_at <= $as_of::timestamp
    group by submission_id
),

posts as (
    select p.submission_id, p.url_norm
    from report_posts p
    where p.submission_id in (select submission_id from reports)
),

listed as (
    select submission_id, count(*) as listed_rows from posts group by submission_id
),

per_report as (
    select r.campaign_code, r.unit_code, r.submission_id,
           coalesce(d.posts, 0) as declared, l.listed_rows
    from reports r
    left join declared d using (submission_id)
    left join listed l using (submission_id)
),

per_unit as (
    select
        campaign_code,
        unit_code,
        count(*) as reports,
        count(listed_rows) as reports_with_list,
        sum(declared) as declared_posts,
        sum(declared) filter (where listed_rows is not null) as declared_posts_listed,
        coalesce(sum(listed_rows), 0) as listed_rows
    from per_report
    group by campaign_code, unit_code
),

unique_urls as (
    select r.campaign_code, r.unit_code, count(distinct p.url_norm) as unique_posts
    from posts p
    join reports r using (submission_id)
    group by r.campaign_code, r.unit_code
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
