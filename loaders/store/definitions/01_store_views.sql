-- Views over the store's own tables (first in 001 and 002).

-- Reporting units of each campaign: the commune-level units of the campaign's era and province
-- (restricted to the old province's territory when legacy_province_code is set) whose kind reports,
-- plus the campaign's own non-territorial units (departments, press, associations and, for legacy
-- campaigns, districts, which carry their district's centroid). Same columns as in 001 and 002.
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

-- Current reported values, for anyone to read (the ingestion contract).
create or replace view v_report_values as
select s.campaign_code, s.unit_code, s.period_start, s.period_end, v.indicator_code, v.value
from submissions s
join report_values v on v.submission_id = s.id
where s.is_current;

-- The one change signal: "data changed at version N". Every write is audited (loaders/store/db.py:
-- audit), so the newest audit entry moves with every write, whoever made it (the app, a command-line
-- ingest, a restore). Sign-ins and exports are audited but change no data: they do not move it (a
-- sign-in would otherwise recompute every page for everyone). The pages' caches key on it
-- (queries/data_version.sql); the rollup remembers the version it was last found whole at
-- (rollup_state, campaign_code '*'; loaders/store/rollup.py).
create or replace view data_version as
select coalesce(max(id), 0)::bigint as version
from audit_log
where not (action like 'login.%' or action like 'export.%');
