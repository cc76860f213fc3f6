-- name: wording_mappings
-- grain: one row per wording mapping made by a person (in force or undone)
-- key: mapping_id
-- params: $campaign
-- columns: mapping_id, wording_key, label, campaign_code, indicator_code, indicator_name,
--    created_at, created_by, undone_at, undone_by, in_force, rows
-- The mappings of report wordings to indicators (issue 10) that concern the campaign: its own and
-- those for all campaigns, newest first; rows = kept-aside rows of the campaign it applies to now.
with mappings as (
    select * from wording_mappings
    where campaign_code is null or list_contains($campaign, campaign_code)
),

applied as (
    select mapping_id, count(*) as rows
    from unclassified_rows
    where list_contains($campaign, campaign_code) and mapping_id is not null
    group by mapping_id
),

final as (
    select
        m.id as mapping_id, m.wording_key, m.label, m.campaign_code, m.indicator_code,
        i.name as indicator_name, m.created_at, m.created_by, m.undone_at, m.undone_by,
        m.undone_at is null as in_force, coalesce(a.rows, 0) as rows
    from mappings m
    left join indicators i on i.code = m.indicator_code
    left join applied a on a.mapping_id = m.id
    order by m.id desc
)

select * from final
