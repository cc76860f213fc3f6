-- name: map_boundaries
-- grain: one row per unit and kind of polygon
-- key: unit_code, kind
-- params: $era, $province
-- columns: unit_code, kind, geojson, source
-- Every polygon the map may draw for a unit of the province: 'file' (imported by an administrator),
-- 'shipped' (data/boundaries_2025.parquet), 'cell' (approximate, derived from centres). The map takes
-- file, then shipped, then cell; with CM_MAP_BOUNDARIES=approximate it skips shipped (ui/geo.py).
with units as (
    select code from units where era = $era and province_code = $province
),

candidates as (
    select unit_code, case when approximate then 'cell' else 'file' end as kind, geojson, source
    from boundaries
    where era = $era
    union all
    select unit_code, 'shipped' as kind, geojson, source
    from shipped_boundaries
    where era = $era
),

final as (
    select c.unit_code, c.kind, c.geojson, c.source
    from candidates c
    join units u on u.code = c.unit_code
    order by c.unit_code, c.kind
)

select * from final
