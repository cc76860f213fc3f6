-- 001: the whole store. One statement per table; every later change is a new numbered file.

-- Administrative units of both eras. era = '2025' (two-level, 34 provinces) or 'legacy' (pre-2025).
create table provinces (
    era         varchar not null,
    code        varchar not null,
    name        varchar not null,
    short_name  varchar not null,
    lat         double,
    lon         double,
    primary key (era, code)
);

-- Legacy districts (huyện, thị xã, thành phố thuộc tỉnh, quận); the 2025 era has none.
create table districts (
    code          varchar primary key,
    province_code varchar not null,
    name          varchar not null,
    kind          varchar not null,
    lat           double,
    lon           double
);

-- Commune-level units. kind: xa | phuong | dac_khu | thi_tran.
create table units (
    era           varchar not null,
    code          varchar not null,
    name          varchar not null,
    short_name    varchar not null,
    kind          varchar not null,
    province_code varchar not null,
    district_code varchar,
    lat           double,
    lon           double,
    area_km2      double,
    primary key (era, code)
);

-- Folded names under which a unit may be written in a report (with and without its kind word).
create table unit_aliases (
    era        varchar not null,
    unit_code  varchar not null,
    alias      varchar not null,
    source     varchar not null
);

-- Old (legacy) commune → the 2025 commune it became part of. A divided old commune has several
-- rows; is_default marks the one the official mapping names first.
create table unit_history (
    old_code   varchar not null,
    new_code   varchar not null,
    is_default boolean not null,
    primary key (old_code, new_code)
);

-- The indicator catalog: channel groups, their indicators, and the folded names an indicator may be
-- written under in a report. No foreign keys between the three: DuckDB refuses to delete a
-- referenced row in the same transaction that deleted its referencing rows, so with them the
-- catalog could not be replaced, nor a backup restored, in one transaction. The catalog is written
-- only by loaders/indicators.py, which replaces it whole from data/indicators.yaml.
create table indicator_groups (
    code  varchar primary key,
    name  varchar not null,
    sort  integer not null
);

create table indicators (
    code        varchar primary key,
    group_code  varchar not null,
    name        varchar not null,
    uom         varchar not null,
    is_flag     boolean not null,
    is_posting  boolean not null,
    sort        integer not null
);

create table indicator_aliases (
    indicator_code varchar not null,
    alias          varchar not null
);

create table campaigns (
    code            varchar primary key,
    title           varchar not null,
    issuer          varchar not null,
    doc_number      varchar,
    doc_date        date,
    province_code   varchar not null,
    era             varchar not null,
    start_date      date not null,
    end_date        date not null,
    week_start      integer not null,      -- ISO weekday the week starts on: 1 = Monday … 7 = Sunday
    deadline_days   integer not null,      -- days after the week's last day
    deadline_hour   integer not null,      -- local hour of the deadline on that day
    demo_today      date,                  -- "today" of the built-in demo, in the campaign's time
    params          json not null,         -- metric parameters (metrics.md), defaults filled in
    source_file     varchar not null,
    loaded_at       timestamp not null
);

create table phases (
    campaign_code varchar not null,
    number        integer not null,
    name          varchar not null,
    start_date    date not null,
    end_date      date not null,
    note          varchar,
    primary key (campaign_code, number)
);

create table milestones (
    campaign_code varchar not null,
    code          varchar not null,
    name          varchar not null,
    date          date not null,
    note          varchar,
    primary key (campaign_code, code)
);

-- Unit kinds that report in a campaign (xa, phuong, dac_khu, thi_tran, huyen, so_nganh, bao_chi, doan_the …).
create table reporting_kinds (
    campaign_code varchar not null,
    kind          varchar not null,
    name          varchar not null,
    primary key (campaign_code, kind)
);

-- Non-territorial reporting units a plan names (departments, press agencies, associations),
-- and for legacy campaigns the district-level units.
create table org_units (
    campaign_code varchar not null,
    code          varchar not null,
    name          varchar not null,
    kind          varchar not null,
    primary key (campaign_code, code)
);

-- What a plan assigns to a unit kind: an indicator or a whole channel group, with an optional minimum.
create table tasks (
    campaign_code  varchar not null,
    unit_kind      varchar not null,
    group_code     varchar not null,
    indicator_code varchar,               -- null: the whole channel group counts
    min_per_week   double,
    min_per_phase  double,
    is_example     boolean not null,
    note           varchar
);

create sequence submission_id_seq start 1;

-- Every version of every report; the newest for (campaign, unit, period) is current.
create table submissions (
    id            bigint primary key default nextval('submission_id_seq'),
    campaign_code varchar not null,
    unit_code     varchar not null,
    period_start  date not null,
    period_end    date not null,
    version       integer not null,
    is_current    boolean not null,
    file_name     varchar not null,
    sheet         varchar,
    file_hash     varchar not null,
    file_size     bigint not null,
    received_at   timestamp not null,
    submitted_by  varchar not null,
    source_format varchar,               -- template | free_form | long_list
    messages      json
);

create table report_values (
    submission_id  bigint not null,
    indicator_code varchar not null,
    value          double not null,
    cumulative     double,
    sheet          varchar,
    cell           varchar,
    primary key (submission_id, indicator_code)
);

create table report_posts (
    submission_id bigint not null,
    posted_on     date,
    platform      varchar,
    title         varchar,
    url           varchar,
    url_norm      varchar
);

-- Unit polygons: imported from a boundary file, or derived (approximate) from centroids and areas.
create table boundaries (
    era          varchar not null,
    unit_code    varchar not null,
    geojson      varchar not null,
    source       varchar not null,
    approximate  boolean not null,
    loaded_at    timestamp not null,
    primary key (era, unit_code)
);

create sequence audit_id_seq start 1;

create table audit_log (
    id       bigint primary key default nextval('audit_id_seq'),
    logged_at timestamp not null,
    actor    varchar not null,
    action   varchar not null,
    object   varchar,
    details  json
);

-- Reporting units of each campaign: the province's commune-level units of the campaign's era whose
-- kind reports, plus the campaign's own non-territorial units.
create view campaign_units as
select c.code as campaign_code, u.code as unit_code, u.name, u.short_name, u.kind,
       u.district_code, u.lat, u.lon, u.area_km2, true as territorial
from campaigns c
join units u on u.era = c.era and u.province_code = c.province_code
join reporting_kinds k on k.campaign_code = c.code and k.kind = u.kind
union all
select o.campaign_code, o.code, o.name, o.name, o.kind, null, null, null, null, false
from org_units o
join reporting_kinds k on k.campaign_code = o.campaign_code and k.kind = o.kind;

-- Current reported values, for anyone to read (the ingestion contract).
create view v_report_values as
select s.campaign_code, s.unit_code, s.period_start, s.period_end, v.indicator_code, v.value
from submissions s
join report_values v on v.submission_id = s.id
where s.is_current;
