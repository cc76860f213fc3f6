-- name: campaign_audit
-- grain: one row per audit_log entry about the campaign
-- key: id
-- params: $campaign
-- columns: id, logged_at, actor, action, object, details
-- Who changed what in a campaign's definition and when, newest first: edits from the Cài đặt page
-- (settings.*: details {field|phase|task, before, after}), reloads of its file (campaigns.*).
-- object is the campaign code, or "code/…" for a phase or a task.
with entry as (
    select * from audit_log
    where action like 'settings.%' or action like 'campaigns.%'
),

final as (
    select id, logged_at, actor, action, object, details
    from entry
    where list_contains($campaign, object) or list_contains($campaign, split_part(object, '/', 1))
    order by logged_at desc, id desc
)

select * from final
