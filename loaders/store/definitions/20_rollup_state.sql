-- Rollup bookkeeping: what each campaign's rollup was built from, and which campaigns are stale.
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- What the rollup of each campaign in c was built from: the campaign row (every column but
-- loaded_at, which a reload of an unchanged file touches; params included, which the plausibility
-- flags use), its phases, reporting kinds, own units and tasks, its reports (a new, replaced or
-- deleted version changes count, max id or the sum of current ids; a changed arrival time changes
-- the sum of arrival times), the unit and indicator catalogs, the schema version and the checksums
-- of these definitions, so that a migration or a changed definition rebuilds it.
create or replace macro rollup_fingerprints(c) as table
with scope as (
    select * exclude (loaded_at) from campaigns where code in (select unnest(c))
),
reports as (
    select campaign_code, count(*) as n, max(id) as max_id,
           sum(id) filter (where is_current) as current_ids,
           sum(epoch_us(received_at)) as arrivals
    from submissions
    where campaign_code in (select unnest(c))
    group by campaign_code
),
definitions as (
    select campaign_code, sum(h) as h
    from (
        select campaign_code, hash(number, name, start_date, end_date) as h from phases
        union all
        select campaign_code, hash(kind, name) from reporting_kinds
        union all
        select campaign_code, hash(code, name, kind) from org_units
        union all
        select campaign_code, hash(unit_kind, group_code, indicator_code, min_per_week, min_per_phase)
        from tasks
    )
    where campaign_code in (select unnest(c))
    group by campaign_code
),
catalogs as (
    select (select count(*) from units) as n_units,
           (select count(*) from unit_history) as n_history,
           (select sum(hash(code, group_code, is_flag, is_posting, uom)) from indicators) as h_indicators,
           (select max(version) from schema_migrations) as schema_version,
           (select hash(string_agg(checksum, ',' order by name)) from schema_definitions) as definitions
)
select
    s.code as campaign_code,
    hash(hash(s), r.n, r.max_id, r.current_ids, r.arrivals, d.h, k.n_units, k.n_history,
         k.h_indicators, k.schema_version, k.definitions) as fingerprint
from scope s
left join reports r on r.campaign_code = s.code
left join definitions d on d.campaign_code = s.code
cross join catalogs k;

-- Campaigns in c (null: all) whose rollup is missing or out of date, or that no longer exist.
create or replace macro rollup_stale_for(c) as table
with current as (
    select * from rollup_fingerprints(coalesce(c, (select list(code) from campaigns)))
),
built as (
    select * from rollup_state
    where campaign_code <> '*' and (c is null or campaign_code in (select unnest(c)))
)
select coalesce(f.campaign_code, b.campaign_code) as campaign_code
from current f
full join built b using (campaign_code)
where f.fingerprint is distinct from b.fingerprint;
