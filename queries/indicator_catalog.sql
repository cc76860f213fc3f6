-- name: indicator_catalog
-- grain: one row per indicator of the catalog
-- key: indicator_code
-- params: none
-- columns: indicator_code, indicator_name, group_code, group_name, uom, is_flag, sort
-- The indicator catalog (data/indicators.yaml) in its order, with its channel group: what a report
-- row can be mapped to.
with inds as (
    select * from indicators
),

final as (
    select i.code as indicator_code, i.name as indicator_name, i.group_code, g.name as group_name,
           i.uom, i.is_flag, i.sort
    from inds i
    join indicator_groups g on g.code = i.group_code
    order by i.sort
)

select * from final
