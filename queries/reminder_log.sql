-- name: reminder_log
-- grain: one row per reminder sent (one per unit and week at most)
-- key: campaign_code, unit_code, week_start
-- params: $campaign
-- columns: campaign_code, unit_code, unit_name, week_start, channel, recipient, sent_at, sent_by
-- The reminders sent to late units (Nhắc nộp báo cáo, `python -m loaders remind --send`), newest first.
with reminder as (
    select * from reminders where list_contains($campaign, campaign_code)
),

unit as (
    select campaign_code, unit_code, name from metric_units where list_contains($campaign, campaign_code)
),

final as (
    select
        reminder.campaign_code,
        reminder.unit_code,
        coalesce(unit.name, reminder.unit_code) as unit_name,
        reminder.week_start,
        reminder.channel,
        reminder.recipient,
        reminder.sent_at,
        reminder.sent_by
    from reminder
    left join unit using (campaign_code, unit_code)
    order by reminder.sent_at desc, reminder.unit_code
)

select * from final
