-- Report rows whose wording names no indicator for sure (issue 10), and the wordings people mapped.
--
-- A report is no longer refused for a row it cannot name: the row is kept here whole (what the unit
-- wrote, its number and unit of measure, where it was) with the submission it came in, and waits on
-- the page "Chỉ tiêu chưa phân loại". A person maps its wording once (wording_mappings): to an
-- indicator, or to nothing ("không tính"), for one campaign or for all. Applying a mapping adds the
-- row's value to report_values of its submission (loaders/ingest/unclassified.py) and records it here
-- (mapping_id, applied_code, created_value), so that undoing the mapping takes exactly that back.
-- Rows whose wording is already mapped when a report arrives are kept here too, already applied.

create sequence unclassified_row_id_seq start 1;

create table unclassified_rows (
    id            bigint primary key default nextval('unclassified_row_id_seq'),
    submission_id bigint not null,
    campaign_code varchar not null,
    unit_code     varchar not null,
    period_start  date not null,
    period_end    date not null,
    file_name     varchar not null,
    sheet         varchar,
    cell          varchar,               -- the wording's cell
    value_cell    varchar,               -- the quantity's cell
    label         varchar not null,      -- the wording as written
    wording_key   varchar not null,      -- folded, numbering stripped: what a mapping is made for
    raw_value     varchar,               -- the quantity as written
    value         double,                -- read as a number (null: not a number)
    cumulative    double,
    uom           varchar,               -- the unit-of-measure cell
    heading       varchar,               -- the section heading it sat under
    reason        varchar,               -- several | generic | other_domain | unknown
    suggestion    varchar,               -- an indicator code a person would likely pick
    mapping_id    bigint,                -- the mapping applied (null: waiting)
    applied_code  varchar,               -- the indicator its value was added to (null: none)
    created_value boolean not null default false   -- applying it created the report_values row
);

create sequence wording_mapping_id_seq start 1;

create table wording_mappings (
    id             bigint primary key default nextval('wording_mapping_id_seq'),
    wording_key    varchar not null,
    label          varchar not null,     -- one wording as written, for display
    campaign_code  varchar,              -- null: every campaign
    indicator_code varchar,              -- null: "không tính" (kept, never counted)
    created_at     timestamp not null,
    created_by     varchar not null,
    undone_at      timestamp,
    undone_by      varchar
);
