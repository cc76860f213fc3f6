-- 090: who to call or write to in each reporting unit, and the reminders sent to late units (issue 15).
-- Contacts are imported from an Excel list or edited on the Cài đặt page (loaders/accounts/contacts.py);
-- every change is audited (contacts.*).
create table unit_contacts (
    campaign_code varchar not null,
    unit_code     varchar not null,
    person        varchar,                  -- họ tên người liên hệ
    phone         varchar,                  -- 0xxxxxxxxx
    email         varchar,
    zalo          varchar,                  -- số điện thoại hoặc tên/đường dẫn Zalo
    updated_at    timestamp not null,
    updated_by    varchar not null,
    primary key (campaign_code, unit_code)
);

-- One reminder per unit and week: the key is what keeps a unit from being reminded twice for the
-- same week, whoever sends (the page, the scheduled command, both at once).
create table reminders (
    campaign_code varchar not null,
    unit_code     varchar not null,
    week_start    date not null,
    channel       varchar not null,         -- email
    recipient     varchar not null,
    sent_at       timestamp not null,
    sent_by       varchar not null,
    primary key (campaign_code, unit_code, week_start)
);
