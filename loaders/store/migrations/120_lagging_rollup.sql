-- 120: the lagging rules read per-unit facts the rollup keeps (issue 9, query speed).
--
-- The lagging list evaluates the rules of metrics.md at up to 16 as-of times (weeks lagging in a
-- row, the previous week); evaluated from the week tables, every time ranked every unit's due weeks
-- (about 1.8 million rows for the whole country). These rollup tables hold what does not depend on
-- the as-of time, so that a time reads only the few weeks each rule looks at
-- (definitions/15_rollup_lagging.sql fills them, definitions/31_lagging_rules.sql reads them;
-- loaders/store/rollup.py refreshes them like the other metric_* tables).

-- metric_lagging_groups: the channel groups assigned in a campaign (to any kind), numbered 0, 1, …
-- in the catalog's order: bit bit_no of a mask below stands for the group.
create table metric_lagging_groups (
    campaign_code  varchar not null,
    bit_no         integer not null,
    group_code     varchar not null,
    name           varchar not null,
    sort           integer
);

-- metric_lagging_units: every reporting unit: when its first report arrived (never reported before
-- it) and the mask of the channel groups its kind is assigned.
create table metric_lagging_units (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    first_at       timestamp,
    assigned_mask  bigint not null
);

-- metric_lagging_weeks: every reporting unit × campaign week: received (the first arrival of a
-- report covering 4 of its days) and whether that was after the deadline (late: a week received as
-- of t only when t ≥ received), activity (its total over all current reports), upto (how many of
-- weeks 1..week_no were ever received: the received weeks' running number), groups_mask (the
-- assigned groups with any activity > 0 in the week).
create table metric_lagging_weeks (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    week_no        integer not null,
    week_label     varchar not null,
    received_at    timestamp,
    late           boolean not null,
    activity       double not null,
    upto           bigint not null,
    groups_mask    bigint not null
);

-- metric_lagging_late: what arrived for a week after its deadline, per arrival: the activity, and
-- the assigned groups whose first activity > 0 in the week came with it. A week's activity as of t
-- is its total less the rows arrived after t; its groups, its mask less theirs. Nothing that
-- arrived by the deadline can be missing as of a time the week is due.
create table metric_lagging_late (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    week_no        integer not null,
    arrived_at           timestamp not null,
    activity       double not null,
    groups_mask    bigint not null
);

-- metric_lagging_completion: each unit × phase × arrival of its task values, and −infinity (before
-- any): the phase completion from that time until the next arrival (mean over tasks with a target
-- of min((actual − values that arrived later) ÷ target, 1)) and the sum of the targets; an as-of
-- time t reads the row with arrived_at ≤ t < until_at.
create table metric_lagging_completion (
    campaign_code  varchar not null,
    unit_code      varchar not null,
    phase_number   integer not null,
    arrived_at           timestamp not null,
    until_at        timestamp not null,
    completion     double,
    target         double not null
);
