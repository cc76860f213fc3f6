-- Live definitions of metric_phase_posts, metric_window_posts, metric_week_series and
-- metric_post_urls.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- metric_phase_posts: posts of each posting indicator per unit, window and report. Stored sorted by
-- arrival.
-- Materialized into metric_phase_posts (its columns: migration 020).
create or replace macro phase_posts_for(c) as table
with posts as (
    select campaign_code, unit_code, phases, indicator_code, received_at,
           sum(value::decimal(38,12))::double as posts
    from weekly_values
    where list_contains(c, campaign_code) and is_posting
    group by all
)
select campaign_code, unit_code, 0 as phase_number, indicator_code, received_at,
       sum(posts::decimal(38,12))::double as posts
from posts
group by all
union all
select o.campaign_code, o.unit_code, p.number as phase_number, o.indicator_code, o.received_at,
       sum(o.posts::decimal(38,12))::double as posts
from posts o
join phases p on p.campaign_code = o.campaign_code and list_contains(o.phases, p.number)
group by all;

create or replace view phase_posts_live as
select * from phase_posts_for((select list(code) from campaigns));

-- metric_window_posts: every unit × window (0 = whole campaign, n = phase n) × posting indicator:
-- total posts.
-- Materialized into metric_window_posts (its columns: migration 020).
create or replace macro window_posts_for(c) as table
with windows as (
    select code as campaign_code, 0 as phase_number, 'Toàn kế hoạch' as window_name,
           start_date as window_start
    from campaigns
    where list_contains(c, code)
    union all
    select campaign_code, number, name, start_date from phases
    where list_contains(c, campaign_code)
),
totals as (
    select campaign_code, unit_code, phase_number, indicator_code,
           sum(posts::decimal(38,12))::double as posts
    from metric_phase_posts
    where list_contains(c, campaign_code)
    group by all
)
select u.campaign_code, u.unit_code, w.phase_number, w.window_name, w.window_start,
       i.code as indicator_code, coalesce(tt.posts, 0) as posts
from metric_units u
join windows w using (campaign_code)
cross join (select code from indicators where is_posting) i
left join totals tt
    on tt.campaign_code = u.campaign_code and tt.unit_code = u.unit_code
    and tt.phase_number = w.phase_number and tt.indicator_code = i.code
where list_contains(c, u.campaign_code);

create or replace view window_posts_live as
select * from window_posts_for((select list(code) from campaigns));

-- metric_week_series: the province's weekly series: each channel group (activity) and posting
-- indicator (posts), with the first arrival of activity of each unit that had some in that week.
-- Materialized into metric_week_series (its columns: migration 020).
create or replace macro week_series_for(c) as table
with series as (
    select 'group' as series_kind, code as series_code, name as series_name, sort as series_sort
    from indicator_groups
    union all
    select 'posting', code, name, 100 + sort from indicators where is_posting
),
group_units as (
    select campaign_code, week_start, 'group' as series_kind, group_code as series_code, unit_code,
           sum(activity::decimal(38,12))::double as value,
           min(received_at) filter (where max_value > 0) as first_active
    from weekly_groups
    where list_contains(c, campaign_code)
    group by all
),
posting_units as (
    select campaign_code, week_start, 'posting' as series_kind, indicator_code as series_code,
           unit_code, sum(value::decimal(38,12))::double as value,
           min(received_at) filter (where value > 0) as first_active
    from weekly_values
    where list_contains(c, campaign_code) and is_posting
    group by all
),
observed as (
    select campaign_code, week_start, series_kind, series_code,
           sum(value::decimal(38,12))::double as value,
           list(first_active order by first_active) filter (where first_active is not null) as unit_first_active
    from (select * from group_units union all select * from posting_units)
    group by all
)
select w.campaign_code, w.week_no, w.week_start, w.week_end, w.week_label, w.phase_number,
       s.series_kind, s.series_code, s.series_name, s.series_sort,
       coalesce(o.value, 0) as value,
       coalesce(o.unit_first_active, []::timestamp[]) as unit_first_active
from metric_weeks w
cross join series s
left join observed o
    on o.campaign_code = w.campaign_code and o.week_start = w.week_start
    and o.series_kind = s.series_kind and o.series_code = s.series_code
where list_contains(c, w.campaign_code);

create or replace view week_series_live as
select * from week_series_for((select list(code) from campaigns));

-- metric_post_urls: every URL a unit listed (normalized), with the first arrival of a current
-- report listing it.
-- Materialized into metric_post_urls (its columns: migration 020).
create or replace view post_urls_live as
select r.campaign_code, r.unit_code, p.url_norm, min(r.first_received_at) as first_listed_at
from report_posts p
join current_reports r using (submission_id)
where p.url_norm is not null and p.url_norm <> ''
group by all;
