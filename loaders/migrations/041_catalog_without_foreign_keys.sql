-- 041: the indicator catalog without foreign keys.
-- DuckDB refuses to delete a referenced row in the same transaction that deleted its referencing
-- rows, so replacing the catalog (or restoring a backup) in one transaction was impossible. The
-- catalog is written only by loaders/indicators.py, which checks the codes itself.
create table _groups as select * from indicator_groups;
create table _indicators as select * from indicators;
create table _aliases as select * from indicator_aliases;
drop table indicator_aliases;
drop table indicators;
drop table indicator_groups;

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

insert into indicator_groups select * from _groups;
insert into indicators select * from _indicators;
insert into indicator_aliases select * from _aliases;
drop table _groups;
drop table _indicators;
drop table _aliases;
