-- 002: a campaign may cover only part of its province, and remembers what was loaded.
--
-- legacy_province_code: for a 2025-era campaign whose plan was issued by a province that the
--   1 July 2025 reform merged into another (ninhthuan-2025: Ninh Thuận → Khánh Hòa), the code of
--   that old (era 'legacy') province. The campaign's territorial units are then only the new
--   communes that took over at least one old commune of it (unit_history), not the whole new
--   province. Null: the whole province of the campaign's era.
-- source_hash: hash of the rows loaded from the campaign file; reloading an unchanged file only
--   touches loaded_at (loaders/campaigns.py).
alter table campaigns add column legacy_province_code varchar;
alter table campaigns add column source_hash varchar;

-- Reporting units of each campaign: the commune-level units of the campaign's era and province
-- (restricted to the old province's territory when legacy_province_code is set) whose kind reports,
-- plus the campaign's own non-territorial units (departments, press, associations and, for legacy
-- campaigns, districts, which carry their district's centroid). Same columns as in 001.
create or replace view campaign_units as
select c.code as campaign_code, u.code as unit_code, u.name, u.short_name, u.kind,
       u.district_code, u.lat, u.lon, u.area_km2, true as territorial
from campaigns c
join units u on u.era = c.era and u.province_code = c.province_code
join reporting_kinds k on k.campaign_code = c.code and k.kind = u.kind
where c.legacy_province_code is null
   or exists (
        select 1
        from unit_history h
        join units o on o.era = 'legacy' and o.code = h.old_code
        where h.new_code = u.code and o.province_code = c.legacy_province_code)
union all
select o.campaign_code, o.code, o.name, o.name, o.kind, null, d.lat, d.lon, null, false
from org_units o
join reporting_kinds k on k.campaign_code = o.campaign_code and k.kind = o.kind
left join districts d on o.kind = 'huyen' and d.code = o.code;
