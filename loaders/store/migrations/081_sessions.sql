-- 081: sign-in sessions that survive a reload (issue 13). The browser keeps a signed, expiring
-- token in a cookie; the server keeps one row per session here, so that signing out, a password
-- change or an expired session ends it whatever the browser still holds. app_secrets keeps the
-- key the tokens are signed with, generated once per database (never in the code or the repo).
create table app_secrets (
    name       varchar primary key,
    value      varchar not null,
    created_at timestamp not null
);

create table sessions (
    session_id  varchar primary key,       -- random, the first part of the token
    username    varchar not null,
    created_at  timestamp not null,
    expires_at  timestamp not null,
    revoked_at  timestamp                  -- sign-out, password change
);
