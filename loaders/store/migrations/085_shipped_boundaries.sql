-- 085: the 2025 commune polygons the product ships with (data/boundaries_2025.parquet, built by
-- data/build/build_boundaries.py), kept apart from `boundaries` (file imports and approximate cells) so
-- that a deployment can switch the map back to the approximate cells (CM_MAP_BOUNDARIES=approximate)
-- without losing either, and an imported file still wins over both.
create table shipped_boundaries (
    era          varchar not null,
    unit_code    varchar not null,
    geojson      varchar not null,
    source       varchar not null,          -- 'shipped:<source commit>:<file digest>'
    matched_by   varchar not null,          -- how the file's unit was matched to ours: 'name' | 'code'
    loaded_at    timestamp not null,
    primary key (era, unit_code)
);
