-- name: submission_values
-- grain: one row per indicator of one submission
-- key: submission_id, indicator_code
-- params: $submission
-- columns: submission_id, group_code, group_name, indicator_code, indicator_name, uom, is_flag,
--    value, cumulative, sheet, cell
-- The values read from one submission (any version), in catalog order, with where they were read.
with report_value as (
    select * from report_values where submission_id = $submission
),

indicator as (
    select * from indicators
),

indicator_group as (
    select * from indicator_groups
),

final as (
    select
        v.submission_id,
        i.group_code,
        g.name as group_name,
        v.indicator_code,
        i.name as indicator_name,
        i.uom,
        i.is_flag,
        v.value,
        v.cumulative,
        v.sheet,
        v.cell
    from report_value v
    left join indicator i on i.code = v.indicator_code
    left join indicator_group g on g.code = i.group_code
    order by g.sort nulls last, i.sort nulls last, v.indicator_code
)

select * from final
