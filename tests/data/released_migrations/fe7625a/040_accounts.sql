-- 040: local accounts and their bindings to reporting units.
-- role: quan_tri (admin) | lanh_dao (leadership) | kiem_tra (inspection) | can_bo (unit staff).
create table accounts (
    username        varchar primary key,
    display_name    varchar not null,
    role            varchar not null,
    password_hash   varchar not null,          -- argon2id, never the password
    active          boolean not null default true,
    failed_attempts integer not null default 0,
    locked_until    timestamp,
    created_at      timestamp not null,
    last_login_at   timestamp
);

-- Which units a unit-staff account may upload for and read (campaign, unit).
create table account_units (
    username      varchar not null,
    campaign_code varchar not null,
    unit_code     varchar not null,
    primary key (username, campaign_code, unit_code)
);
