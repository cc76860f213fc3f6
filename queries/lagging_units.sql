-- name: lagging_units
-- grain: one row per reporting unit with at least one fired lagging rule
-- key: campaign_code, unit_code
-- params: $campaign, $as_of
-- columns: campaign_code, rank, unit_code, unit_name, kind, kind_name, territorial, score, rules,
--    rule_codes, reasons, reasons_text, phase_number, completion, expected
-- Lagging units (xã chậm tiến độ), ranked: score = sum of the campaign's weights of the fired rules
-- (lagging_reasons), ties by lower completion of the current phase (units without a task minimum
-- last), then by name. reasons: the Vietnamese reasons in rule order; reasons_text: the same as one
-- text. Every reporting unit is evaluated; filter territorial = true for lagging communes (rank
-- counts all units: renumber after filtering).
with rules as (
    select * from lagging_rules($campaign, $as_of)
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

per_unit as (
    select
        campaign_code,
        unit_code,
        sum(weight) as score,
        count(*) as rules,
        list_sort(list(struct_pack(rule_order := rule_order, rule_code := rule_code, reason := reason)))
            as fired,
        any_value(phase_number) as phase_number,
        any_value(completion) as completion,
        any_value(expected) as expected
    from rules
    group by campaign_code, unit_code
),

final as (
    select
        p.campaign_code,
        row_number() over (partition by p.campaign_code
                           order by p.score desc, p.completion asc nulls last, u.name, p.unit_code) as rank,
        p.unit_code,
        u.name as unit_name,
        u.kind,
        u.kind_name,
        u.territorial,
        p.score,
        p.rules,
        list_transform(p.fired, lambda r: r.rule_code) as rule_codes,
        list_transform(p.fired, lambda r: r.reason) as reasons,
        array_to_string(list_transform(p.fired, lambda r: r.reason), '. ') || '.' as reasons_text,
        p.phase_number,
        p.completion,
        p.expected
    from per_unit p
    join units u using (campaign_code, unit_code)
    order by p.campaign_code, rank
)

select * from final
