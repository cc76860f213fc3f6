-- name: campaign_milestones
-- grain: one row per milestone of the campaign
-- key: milestone_code
-- params: $campaign
-- columns: milestone_code, milestone_name, milestone_date, note
with milestones as (
    select * from milestones where list_contains($campaign, campaign_code)
),

final as (
    select code as milestone_code, name as milestone_name, date as milestone_date, note
    from milestones
    order by date, code
)

select * from final
