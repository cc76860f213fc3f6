-- name: plausibility_flags
-- grain: one row per flagged value (check, unit, indicator, period)
-- key: campaign_code, check_code, unit_code, indicator_code, period_start, period_end
-- params: $campaign, $as_of
-- columns: campaign_code, check_code, check_name, unit_code, unit_name, kind, territorial,
--    indicator_code, indicator_name, period_start, period_end, submission_ids, value, reference,
--    threshold, message
-- Values to check (after DHIS2's outlier analysis); a flag never changes a number.
--   outlier:    a unit's value of an indicator in a week (reports spread over their days) above
--               median + outlier_k (5) × MAD of the same indicator and week across the units of
--               the same kind that report it (MAD = median absolute deviation, taken as at least
--               outlier_min_mad (1): values are counts, and where most units report the same number
--               the MAD is 0 and every unit above the median would be flagged); skipped when fewer
--               than outlier_min_units (8) report it. Yes/no indicators are not checked.
--               reference = the median; period = the week.
--   cumulative: a report's "lũy kế" differs by more than cumulative_tolerance (10%) from the sum of
--               the unit's reports up to and including it. reference = that sum; period = the
--               report's.
-- The checks run over every current report (the rollup computes them at each refresh, migration
-- 020); $as_of only keeps the flags about reports that had arrived by then.
with flags as (
    select *
    from metric_plausibility
    where list_contains($campaign, campaign_code) and received_at <= $as_of::timestamp
),

units as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

indicator as (
    select * from indicators
),

final as (
    select
        f.campaign_code,
        f.check_code,
        case f.check_code when 'outlier' then 'Giá trị bất thường' else 'Lũy kế không khớp' end as check_name,
        f.unit_code,
        u.name as unit_name,
        u.kind,
        u.territorial,
        f.indicator_code,
        i.name as indicator_name,
        f.period_start,
        f.period_end,
        f.submission_ids,
        f.value,
        f.reference,
        f.threshold,
        f.message
    from flags f
    join units u using (campaign_code, unit_code)
    left join indicator i on i.code = f.indicator_code
    order by f.campaign_code, f.period_start desc, u.name, i.sort, f.check_code
)

select * from final
