-- name: lagging_units
-- grain: one row per reporting unit with at least one fired lagging rule
-- key: campaign_code, unit_code
-- params: $campaign, $as_of
-- columns: campaign_code, rank, unit_code, unit_name, kind, kind_name, territorial, never_reported,
--    score, rules, rule_codes, reasons, reasons_text, phase_number, completion, expected,
--    reporting_rate, weeks_lagging, status, status_label
-- Lagging units (xã chậm tiến độ, metrics.md "Lagging communes"), ranked: units that have never
-- sent a report first; then score = sum of the campaign's weights of the fired rules
-- (lagging_reasons), ties by lower completion of the current phase (units without a task minimum
-- last), then lower reporting rate, then name. reasons: the Vietnamese reasons in rule order;
-- reasons_text: the same as one text. weeks_lagging: for how many consecutive weeks (as of t,
-- t − 7 days, …, at most 16) the unit has been lagging; status: 'new' (not lagging a week before)
-- or 'still' (lagging a week before too), status_label in Vietnamese. Every reporting unit is
-- evaluated; filter territorial = true for lagging communes (rank counts all units: renumber after
-- filtering).
-- Who lags at each of the 16 times (lagging_checked_at, one row per lagging unit and time); the
-- rules' rows with their reasons only as of t (lagging_rules_of those rows).
with evaluated as materialized (
    select *
    from lagging_checked_at($campaign,
                            list_transform(range(16), lambda j: $as_of::timestamp - to_days(7 * j::integer)))
),

history as (
    select campaign_code, unit_code, as_of from evaluated
),

lagging_now as (
    select * from evaluated where as_of = $as_of::timestamp
),

rules as (
    select * exclude (as_of) from lagging_rules_of('lagging_now')
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

streaks as (
    select campaign_code, unit_code,
           list(datediff('day', as_of, $as_of::timestamp) // 7 order by as_of desc) as weeks_back
    from history
    group by all
),

per_unit as (
    select
        campaign_code,
        unit_code,
        bool_or(never_reported) as never_reported,
        -- (weights may be fractions: an exact sum, so that a rebuild never reorders the list)
        sum(weight::decimal(38,12))::double as score,
        count(*) as rules,
        list_sort(list(struct_pack(rule_order := rule_order, rule_code := rule_code, reason := reason)))
            as fired,
        any_value(phase_number) as phase_number,
        any_value(completion) as completion,
        any_value(expected) as expected,
        any_value(reporting_rate) as reporting_rate
    from rules
    group by campaign_code, unit_code
),

final as (
    select
        p.campaign_code,
        row_number() over (partition by p.campaign_code
                           order by p.never_reported desc, p.score desc, p.completion asc nulls last,
                                    p.reporting_rate asc nulls last, u.name, p.unit_code) as rank,
        p.unit_code,
        u.name as unit_name,
        u.kind,
        u.kind_name,
        u.territorial,
        p.never_reported,
        p.score,
        p.rules,
        list_transform(p.fired, lambda r: r.rule_code) as rule_codes,
        list_transform(p.fired, lambda r: r.reason) as reasons,
        array_to_string(list_transform(p.fired, lambda r: r.reason), '. ') || '.' as reasons_text,
        p.phase_number,
        p.completion,
        p.expected,
        p.reporting_rate,
        -- weeks_back lists 0, 1, 2, … while consecutive: the first gap ends the streak
        coalesce(list_position(list_transform(s.weeks_back, lambda x, i: x = i - 1), false) - 1,
                 len(s.weeks_back))::integer as weeks_lagging,
        case when list_contains(s.weeks_back, 1) then 'still' else 'new' end as status,
        case when list_contains(s.weeks_back, 1)
             then 'Chậm liên tiếp ' || weeks_lagging || ' tuần'
             else 'Mới chậm tuần này' end as status_label
    from per_unit p
    join units u using (campaign_code, unit_code)
    left join streaks s using (campaign_code, unit_code)
    order by p.campaign_code, rank
)

select * from final
