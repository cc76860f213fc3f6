-- name: campaign_phases
-- grain: one row per phase
-- key: campaign_code, phase_number
-- params: $campaign
-- columns: campaign_code, phase_number, phase_name, start_date, end_date, days, weeks, note
-- The phases of a campaign as the plan defines them. weeks = days ÷ 7 (part weeks count by days).
with phase as (
    select * from phases where list_contains($campaign, campaign_code)
),

final as (
    select
        campaign_code,
        number as phase_number,
        name as phase_name,
        start_date,
        end_date,
        (end_date - start_date + 1)::integer as days,
        (end_date - start_date + 1) / 7.0 as weeks,
        note
    from phase
    order by campaign_code, start_date, number
)

select * from final
