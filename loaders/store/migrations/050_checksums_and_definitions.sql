-- 050: migrations are append-only and checked; views and macros are definitions.
--
-- schema_migrations.checksum: sha256 of the migration file as it was applied. loaders/store/db.py
--   records it and refuses to open a database whose applied migration differs from the file this
--   app ships (a migration edited after release would otherwise never reach that database).
--   Databases made before this column existed get it here; db.py then records the checksums of
--   what they had applied. New databases have the column from the start (db.py creates the table).
-- schema_definitions: the view and macro files of loaders/store/definitions/ applied to this
--   database, with their checksum: every start re-applies the changed ones (create or replace), so
--   a changed definition reaches every existing database, and skips the unchanged ones.
alter table schema_migrations add column if not exists checksum varchar;

create table if not exists schema_definitions (
    name       varchar primary key,
    checksum   varchar not null,
    applied_at timestamp not null
);
