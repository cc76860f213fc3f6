-- name: unit_boundaries
-- grain: one row per unit
-- key: unit_code
-- params: $era, $province
-- columns: unit_code, geojson, source, approximate
with units as (
    select * from units where era = $era and province_code = $province
),

boundaries as (
    select * from boundaries where era = $era
),

final as (
    select
        b.unit_code,
        b.geojson,
        b.source,
        b.approximate
    from boundaries b
    join units u on u.code = b.unit_code
    order by b.unit_code
)

select * from final
