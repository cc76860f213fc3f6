-- 180: what the lagging rules found, kept by the rollup for every stretch of time (issue 9, query
-- speed).
--
-- Evaluating the lagging rules at query time expanded large nested macros, and DuckDB planned them
-- again on every call: planning was most of a province's lagging list. What the rules compare at
-- an as-of time t changes only at a deadline or late arrival (metric_lagging_states, 150), an
-- arrival of task values (metric_lagging_completion, 120), a unit's first report, or the start of
-- a phase; and the expected completion of "behind plan", which grows day by day.
-- metric_lagging_checked holds, for each unit and stretch [valid_from, valid_until) between such
-- changes in which it lags or may fall behind plan, the facts and fired rules lagging_checked_at
-- gives (definitions/15_rollup_lagging.sql fills it; definitions/31_lagging_rules.sql reads it;
-- loaders/store/rollup.py refreshes it after the tables it reads). due_n: the weeks due during the
-- stretch (0 before the first deadline): a query looks a time up by its weeks due, then by the
-- stretch. phase_start, phase_end: the current phase's dates, from which a query computes the
-- expected completion on its day and whether the unit is behind plan then.
-- The other columns as lagging_checked_at outputs them (31_lagging_rules.sql): the facts the rules
-- compared, the campaign's parameters they used (the weights are read at query time: they rank, they
-- decide nothing), which rules fired (fires_*; fires_behind at query
-- time), and the words of the fired reasons (*_reason; behind plan's at query time), so that a
-- query plans no text building.
create table metric_lagging_checked (
    campaign_code        varchar not null,
    unit_code            varchar not null,
    due_n                bigint not null,
    valid_from           timestamp not null,
    valid_until          timestamp not null,
    never_reported       boolean not null,
    weeks_due            bigint,
    weeks_received       bigint,
    last_seen            bigint,
    last_received        bigint,
    last_labels          varchar[],
    rate_weeks           bigint,
    rate_received        bigint,
    pace_counted         bigint,
    pace_activity        double,
    silent_window        bigint,
    silent_reported      bigint,
    recent_received      bigint,
    recent_activity      double,
    baseline_counted     bigint,
    baseline_activity    double,
    completion           double,
    weekly_pace          double,
    group_names          varchar[],
    phase_number         integer,
    phase_name           varchar,
    phase_start          date,
    phase_end            date,
    low_rate             double,
    behind_tolerance     double,
    silent_min_reported  integer,
    drop_recent_weeks    integer,
    drop_baseline_weeks  integer,
    drop_ratio           double,
    fires_missing        boolean not null,
    fires_rate           boolean not null,
    fires_pace           boolean not null,
    fires_silent         boolean not null,
    fires_drop           boolean not null,
    reporting_rate       double,
    reporting_reason     varchar,
    pace_reason          varchar,
    silent_reason        varchar,
    drop_reason          varchar
);
