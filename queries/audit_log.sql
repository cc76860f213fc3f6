-- name: audit_log
-- grain: one row per recorded action
-- key: id
-- params: $since, $until
-- columns: id, logged_at, actor, action, object, details
-- Who did what and when (logins, uploads, replacements, settings, exports), newest first, between
-- two days inclusive.
with log as (
    select * from audit_log
    where logged_at >= $since::date and logged_at < $until::date + interval 1 day
),

final as (
    select id, logged_at, actor, action, object, details::varchar as details
    from log
    order by id desc
)

select * from final
