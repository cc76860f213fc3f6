-- 150: the lagging rules read one row per unit and as-of time (issue 9, query speed).
--
-- What the rules count over a unit's due weeks (received, activity, active channel groups, the
-- last reported weeks) changes only at a deadline (one more week falls due) or when something for
-- a due week arrives after its deadline. Between two such times it is constant: metric_lagging_states
-- holds it for each such stretch of each unit, so that evaluating the rules at any time reads one
-- row per unit (definitions/15_rollup_lagging.sql fills it from the metric_lagging_* tables of
-- migration 120; definitions/31_lagging_rules.sql reads it; loaders/store/rollup.py refreshes it).
-- The windows are the campaign's parameters (metric_params): an edit of them refreshes the rollup.

-- metric_lagging_states: every reporting unit × stretch [valid_from, valid_until) from its first
-- deadline on (due_n ≥ 1 weeks due): due_n, the weeks received of them (weeks_received), and over
-- the last due weeks: received of the last missing_weeks (last_received), of the last
-- low_rate_weeks (rate_received), of the last silent_weeks (silent_reported) and the assigned
-- groups active in them (active_mask), of the last drop_recent_weeks (recent_received) and their
-- activity (recent_activity); over the weeks received by then, newest first: the last pace_weeks
-- (pace_counted, pace_activity) and the drop_baseline_weeks before the drop_recent_weeks
-- (baseline_counted, baseline_activity).
create table metric_lagging_states (
    campaign_code      varchar not null,
    unit_code          varchar not null,
    valid_from         timestamp not null,
    valid_until        timestamp not null,
    due_n              bigint not null,
    weeks_received     bigint not null,
    last_received      bigint not null,
    rate_received      bigint not null,
    silent_reported    bigint not null,
    active_mask        bigint,
    recent_received    bigint not null,
    recent_activity    double not null,
    pace_counted       bigint not null,
    pace_activity      double not null,
    baseline_counted   bigint not null,
    baseline_activity  double not null
);
