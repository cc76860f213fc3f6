-- name: campaign_list
-- grain: one row per campaign
-- key: campaign_code
-- params: (none)
-- columns: campaign_code, title, issuer, doc_number, doc_date, province_code, province_name, era, start_date, end_date, demo_today, week_start, deadline_days, deadline_hour
with campaigns as (
    select * from campaigns
),

provinces as (
    select * from provinces
),

final as (
    select
        c.code as campaign_code,
        c.title,
        c.issuer,
        c.doc_number,
        c.doc_date,
        c.province_code,
        p.name as province_name,
        c.era,
        c.start_date,
        c.end_date,
        c.demo_today,
        c.week_start,
        c.deadline_days,
        c.deadline_hour
    from campaigns c
    left join provinces p on p.era = c.era and p.code = c.province_code
    order by c.start_date desc, c.code
)

select * from final
