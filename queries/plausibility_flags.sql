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
--               the same kind that report it (MAD = median absolute deviation); skipped when fewer
--               than outlier_min_units (8) report it. Yes/no indicators are not checked.
--               reference = the median; period = the week.
--   cumulative: a report's "lũy kế" differs by more than cumulative_tolerance (10%) from the sum of
--               the unit's reports up to and including it (current versions known by $as_of).
--               reference = that sum; period = the report's.
with params as (
    select * from metric_params where campaign_code in (select unnest($campaign))
),

units as (
    select * from metric_units where campaign_code in (select unnest($campaign))
),

weeks as (
    select * from metric_weeks where campaign_code in (select unnest($campaign))
),

indicator as (
    select * from indicators
),

reports as (
    select *
    from metric_reports
    where campaign_code in (select unnest($campaign)) and first_received_at <= $as_of::timestamp
),

unit_week_values as (
    select v.campaign_code, v.unit_code, u.kind, v.week_start, v.indicator_code,
           sum(v.value) as value, array_distinct(list(v.submission_id)) as submission_ids
    from weekly_values v
    join units u using (campaign_code, unit_code)
    where v.campaign_code in (select unnest($campaign)) and not v.is_flag
      and v.received_at <= $as_of::timestamp
    group by all
),

medians as (
    select campaign_code, kind, week_start, indicator_code,
           count(*) as units, median(value) as median
    from unit_week_values
    group by all
    having count(*) >= (select min(outlier_min_units) from params)
),

deviations as (
    select w.campaign_code, w.kind, w.week_start, w.indicator_code,
           median(abs(w.value - m.median)) as mad
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    group by all
),

outliers as (
    select
        w.campaign_code,
        'outlier' as check_code,
        w.unit_code,
        w.indicator_code,
        w.week_start as period_start,
        wk.week_end as period_end,
        w.submission_ids,
        w.value,
        m.median as reference,
        m.median + p.outlier_k * d.mad as threshold,
        'Giá trị ' || vn_number(w.value) || ' vượt ngưỡng ' || vn_number(m.median + p.outlier_k * d.mad)
            || ' (trung vị ' || vn_number(m.median) || ' + ' || vn_number(p.outlier_k) || ' × MAD '
            || vn_number(d.mad) || ' của ' || m.units || ' đơn vị cùng loại) trong tuần '
            || wk.week_label as message
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    join deviations d using (campaign_code, kind, week_start, indicator_code)
    join params p using (campaign_code)
    join weeks wk using (campaign_code, week_start)
    where m.units >= p.outlier_min_units and w.value > m.median + p.outlier_k * d.mad
),

report_values_known as (
    select r.campaign_code, r.unit_code, r.submission_id, r.period_start, r.period_end,
           v.indicator_code, v.value, v.cumulative
    from reports r
    join report_values v using (submission_id)
),

with_cumulative as (
    select distinct campaign_code, unit_code, indicator_code
    from report_values_known
    where cumulative is not null
),

running as (
    select
        k.*,
        sum(k.value) over (partition by k.campaign_code, k.unit_code, k.indicator_code
                           order by k.period_start, k.period_end, k.submission_id
                           rows between unbounded preceding and current row) as running_total
    from report_values_known k
    semi join with_cumulative w using (campaign_code, unit_code, indicator_code)
),

cumulatives as (
    select
        r.campaign_code,
        'cumulative' as check_code,
        r.unit_code,
        r.indicator_code,
        r.period_start,
        r.period_end,
        [r.submission_id] as submission_ids,
        r.cumulative as value,
        r.running_total as reference,
        p.cumulative_tolerance as threshold,
        'Lũy kế ' || vn_number(r.cumulative) || ' lệch '
            || case when r.running_total > 0
                    then vn_percent(abs(r.cumulative - r.running_total) / r.running_total)
                    else 'hẳn' end
            || ' so với tổng các báo cáo đến kỳ này (' || vn_number(r.running_total)
            || '), quá mức cho phép ' || vn_percent(p.cumulative_tolerance) as message
    from running r
    join params p using (campaign_code)
    where r.cumulative is not null
      and abs(r.cumulative - r.running_total) > p.cumulative_tolerance * r.running_total
),

flags as (
    select * from outliers
    union all
    select * from cumulatives
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
