-- name: campaign_phases
-- grain: one row per phase of the campaign
-- key: phase_number
-- params: $campaign
-- columns: phase_number, phase_name, start_date, end_date, days, note
with phases as (
    select * from phases where list_contains($campaign, campaign_code)
),

final as (
    select
        number as phase_number,
        name as phase_name,
        start_date,
        end_date,
        datediff('day', start_date, end_date) + 1 as days,
        note
    from phases
    order by number
)

select * from final
