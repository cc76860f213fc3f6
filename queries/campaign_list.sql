-- name: campaign_list
-- grain: one row per campaign
-- key: campaign_code
-- params: none
-- columns: campaign_code, title, issuer, doc_number, doc_date, province_code, province_name, era,
--    start_date, end_date, week_start, deadline_days, deadline_hour, demo_today, phases, units
-- Every campaign in the store, for the campaign picker. week_start: ISO weekday (1 = Monday).
with campaign as (
    select * from campaigns
),

province as (
    select * from provinces
),

phase_counts as (
    select campaign_code, count(*) as phases from phases group by campaign_code
),

unit_counts as (
    select campaign_code, count(*) as units from metric_units group by campaign_code
),

final as (
    select
        c.code as campaign_code,
        c.title,
        c.issuer,
        c.doc_number,
        c.doc_date,
        c.province_code,
        p.short_name as province_name,
        c.era,
        c.start_date,
        c.end_date,
        c.week_start,
        c.deadline_days,
        c.deadline_hour,
        c.demo_today,
        coalesce(ph.phases, 0) as phases,
        coalesce(u.units, 0) as units
    from campaign c
    left join province p on p.era = c.era and p.code = c.province_code
    left join phase_counts ph on ph.campaign_code = c.code
    left join unit_counts u on u.campaign_code = c.code
    order by c.start_date desc, c.code
)

select * from final
