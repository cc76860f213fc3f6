-- 070: official (GSO) commune codes. Stores built before this carry, for 124 of the 3,321 communes
-- of 2025, the code vietnam-provinces gave them instead of the statistics office's (issue 11). The
-- rewrite is data, not SQL: loaders/reference/unit_codes.py loads data/unit_code_changes_2025.csv
-- into unit_code_changes and rewrites every stored reference in one transaction, once per store,
-- recording what it changed in unit_code_rewrites (and the audit log). A store that already has the
-- official codes records the batch with no rows changed.

-- The old → new code pairs applied (batch: which list; 'gso-2025'). Several old codes are the
-- official code of another commune (rotations), so all pairs of a batch are applied at once.
create table unit_code_changes (
    batch         varchar not null,
    old_code      varchar not null,
    new_code      varchar not null,
    province_code varchar not null,
    name          varchar not null,
    primary key (batch, old_code)
);

-- One row per (batch, table, column) rewritten: how many rows changed. A batch with a row here is
-- done (table_name '-' when the store already had the official codes).
create table unit_code_rewrites (
    batch       varchar not null,
    applied_at  timestamp not null,
    table_name  varchar not null,
    column_name varchar not null,
    rows        bigint not null
);
