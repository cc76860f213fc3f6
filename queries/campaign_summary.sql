-- name: campaign_summary
-- grain: one row per campaign
-- key: campaign_code
-- params: $campaign, $as_of
-- columns: campaign_code, title, province_name, as_of_date, weeks, weeks_due, phase_number,
--    phase_name, phase_expected, units, communes, expected, received, on_time, reporting_rate,
--    on_time_rate, commune_coverage, completion, share_on_track, lagging_units, lagging_communes,
--    posts, unique_posts
-- The headline numbers of the overview page as of $as_of (definitions in the queries named):
-- reporting and on-time rates over all reporting units (reporting_rate_by_unit); commune_coverage:
-- mean channel coverage of commune-level units in the current phase (channel_coverage_by_unit);
-- completion and share_on_track: current phase, all units with a task minimum
-- (phase_completion_province, unit_scope 'all'); lagging units and communes (lagging_units);
-- posts: posting indicators to date; unique_posts: distinct normalized URLs over all post lists of
-- the campaign (a post listed by several units counts once).
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

campaign as (
    select * from campaigns where list_contains($campaign, code)
),

province as (
    select * from provinces
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

week_counts as (
    select campaign_code, count(*) as weeks
    from metric_weeks
    where list_contains($campaign, campaign_code)
    group by campaign_code
),

unit_counts as (
    select campaign_code, count(*) as units, count(*) filter (where territorial) as communes
    from units
    group by campaign_code
),

reporting as (
    select campaign_code, count(*) as expected,
           count(*) filter (where received) as received,
           count(*) filter (where on_time) as on_time
    from expected_reports($campaign, $as_of)
    group by campaign_code
),

coverage as (
    select per_unit.campaign_code, avg(per_unit.coverage) as commune_coverage
    from (
        select gw.campaign_code, gw.unit_code,
               avg(coalesce(gw.first_active_at <= s.as_of, false)::int) as coverage
        from metric_group_windows gw
        join scope s on s.campaign_code = gw.campaign_code and s.phase_number = gw.phase_number
        where list_contains($campaign, gw.campaign_code) and gw.territorial
        group by gw.campaign_code, gw.unit_code
    ) per_unit
    group by per_unit.campaign_code
),

unit_completion as (
    select * from current_phase_completion($campaign, $as_of)
),

completion as (
    select campaign_code, avg(completion) as completion,
           avg((completion >= expected)::int) as share_on_track
    from unit_completion
    group by campaign_code
),

lagging as (
    -- (one row per lagging unit: who lags, without the reasons)
    select r.campaign_code, count(*) as lagging_units,
           count(*) filter (where u.territorial) as lagging_communes
    from lagging_checked_at($campaign, [$as_of::timestamp]) r
    join units u using (campaign_code, unit_code)
    group by r.campaign_code
),

posting_totals as (
    select campaign_code, sum(posts) as posts
    from metric_window_posts
    where list_contains($campaign, campaign_code) and phase_number = 0
    group by campaign_code
),

posting_late as (
    select campaign_code, sum(posts) as posts
    from metric_phase_posts
    where list_contains($campaign, campaign_code) and phase_number = 0
      and received_at > $as_of::timestamp
    group by campaign_code
),

unique_urls as (
    select campaign_code, count(distinct url_norm) as unique_posts
    from metric_post_urls
    where list_contains($campaign, campaign_code) and first_listed_at <= $as_of::timestamp
    group by campaign_code
),

final as (
    select
        c.code as campaign_code,
        c.title,
        pr.name as province_name,
        s.as_of_date,
        coalesce(wc.weeks, 0) as weeks,
        s.weeks_due,
        s.phase_number,
        s.phase_name,
        s.phase_expected,
        coalesce(uc.units, 0) as units,
        coalesce(uc.communes, 0) as communes,
        coalesce(r.expected, 0) as expected,
        coalesce(r.received, 0) as received,
        coalesce(r.on_time, 0) as on_time,
        r.received / r.expected as reporting_rate,
        r.on_time / r.expected as on_time_rate,
        cv.commune_coverage,
        cp.completion,
        cp.share_on_track,
        coalesce(l.lagging_units, 0) as lagging_units,
        coalesce(l.lagging_communes, 0) as lagging_communes,
        coalesce(po.posts, 0) - coalesce(pl.posts, 0) as posts,
        coalesce(uu.unique_posts, 0) as unique_posts
    from campaign c
    join scope s on s.campaign_code = c.code
    left join province pr on pr.era = c.era and pr.code = c.province_code
    left join week_counts wc on wc.campaign_code = c.code
    left join unit_counts uc on uc.campaign_code = c.code
    left join reporting r on r.campaign_code = c.code
    left join coverage cv on cv.campaign_code = c.code
    left join completion cp on cp.campaign_code = c.code
    left join lagging l on l.campaign_code = c.code
    left join posting_totals po on po.campaign_code = c.code
    left join posting_late pl on pl.campaign_code = c.code
    left join unique_urls uu on uu.campaign_code = c.code
    order by c.code
)

select * from final
