-- name: campaign_tasks
-- grain: one row per task of the campaign (unit kind × indicator, or unit kind × whole channel group)
-- key: campaign_code, unit_kind, group_code, indicator_code
-- params: $campaign
-- columns: campaign_code, unit_kind, kind_name, group_code, group_name, indicator_code,
--    indicator_name, uom, min_per_week, min_per_phase, is_example, note
-- What the plan assigns to each kind of reporting unit, with its minimums (edited on the Cài đặt
-- page), in the order of the campaign file. indicator_code null: the whole channel group counts.
-- is_example: a minimum shipped as an example in the campaign file and not edited since.
with task as (
    select *, rowid as task_order from tasks where list_contains($campaign, campaign_code)
),

kind as (
    select *, rowid as kind_order from reporting_kinds where list_contains($campaign, campaign_code)
),

indicator as (
    select * from indicators
),

channel_group as (
    select * from indicator_groups
),

final as (
    select
        t.campaign_code,
        t.unit_kind,
        k.name as kind_name,
        t.group_code,
        g.name as group_name,
        t.indicator_code,
        i.name as indicator_name,
        i.uom,
        t.min_per_week,
        t.min_per_phase,
        t.is_example,
        t.note
    from task t
    left join kind k on k.campaign_code = t.campaign_code and k.kind = t.unit_kind
    left join channel_group g on g.code = t.group_code
    left join indicator i on i.code = t.indicator_code
    order by t.campaign_code, k.kind_order, t.task_order
)

select * from final
