-- name: campaign_milestones
-- grain: one row per milestone
-- key: campaign_code, milestone_code
-- params: $campaign
-- columns: campaign_code, milestone_code, milestone_name, milestone_date, note
-- Named dates (congresses) drawn on every timeline.
with milestone as (
    select * from milestones where list_contains($campaign, campaign_code)
),

final as (
    select
        campaign_code,
        code as milestone_code,
        name as milestone_name,
        date as milestone_date,
        note
    from milestone
    order by campaign_code, date, code
)

select * from final
