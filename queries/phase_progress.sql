-- name: phase_progress
-- grain: one row per phase
-- key: campaign_code, phase_number
-- params: $campaign, $as_of
-- columns: campaign_code, phase_number, phase_name, start_date, end_date, days, status, status_label,
--    is_current, days_elapsed, expected
-- Where each phase stands on the as-of day d: expected completion = clamp((d − s + 1) ÷ (e − s + 1), 0, 1).
-- is_current: the latest phase started by d (it stays current after its end until the next starts).
with scope as (
    select * from campaign_asof($campaign, $as_of)
),

phase as (
    select * from phases where list_contains($campaign, campaign_code)
),

final as (
    select
        p.campaign_code,
        p.number as phase_number,
        p.name as phase_name,
        p.start_date,
        p.end_date,
        (p.end_date - p.start_date + 1)::integer as days,
        case when s.as_of_date < p.start_date then 'upcoming'
             when s.as_of_date > p.end_date then 'done'
             else 'running' end as status,
        case when s.as_of_date < p.start_date then 'Chưa bắt đầu'
             when s.as_of_date > p.end_date then 'Đã kết thúc'
             else 'Đang diễn ra' end as status_label,
        p.number is not distinct from s.phase_number as is_current,
        greatest(0, least(s.as_of_date, p.end_date) - p.start_date + 1)::integer as days_elapsed,
        greatest(0.0, least(1.0, (s.as_of_date - p.start_date + 1)::double
                                   / (p.end_date - p.start_date + 1))) as expected
    from phase p
    join scope s using (campaign_code)
    order by p.campaign_code, p.start_date, p.number
)

select * from final
