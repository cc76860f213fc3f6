-- Live definition of metric_plausibility (the values to check).
-- The rollup tables these fill, and the design notes (filtering on campaigns, time rules), are in
-- migration 020_metric_layer.sql; loaders/store/rollup.py refreshes them in its TABLES order.

-- metric_plausibility: values to check (metrics.md, after DHIS2's outlier analysis), over all
-- current reports (read from metric_reports) with the campaign's parameters; received_at: the
-- (latest) arrival of the report(s) the flag is about. Stored sorted by arrival.
--   outlier:    a unit's value of an indicator in a week (reports spread over their days) above
--               median + outlier_k × MAD of that indicator and week across the units of the same
--               kind reporting it (MAD = median absolute deviation); skipped when fewer than
--               outlier_min_units report it; yes/no indicators are not checked.
--               The MAD is taken as at least outlier_min_mad (campaign params; default 1). The
--               values are counts of things: where more than half the units report the same number
--               (often 0) the MAD is 0 and the literal rule flags every unit above the median, e.g.
--               "1 post where the median is 0" — two thirds of the flags on the demo data. A spread
--               under one item says nothing about a count; a real outlier (40 where the median is
--               0) is still flagged. The message says when the floor applied.
--   cumulative: a report's lũy kế differs by more than cumulative_tolerance from the sum of the
--               unit's current reports up to and including it.
-- Materialized into metric_plausibility (its columns: migration 020).
create or replace macro plausibility_for(c) as table
with params as (
    select m.*,
           coalesce(try_cast(cp.params->>'$.outlier_min_mad' as double), 1.0) as outlier_min_mad
    from metric_params m
    join campaigns cp on cp.code = m.campaign_code
    where list_contains(c, m.campaign_code)
),
unit_week_values as (
    select v.campaign_code, v.unit_code, u.kind, v.week_start, v.indicator_code,
           sum(v.value::decimal(38,12))::double as value, max(v.received_at) as received_at,
           list_sort(array_distinct(list(v.submission_id))) as submission_ids
    from weekly_values v
    join metric_units u using (campaign_code, unit_code)
    where list_contains(c, v.campaign_code) and not v.is_flag
    group by all
),
medians as (
    select w.campaign_code, w.kind, w.week_start, w.indicator_code,
           count(*) as units, median(w.value) as median
    from unit_week_values w
    join params p using (campaign_code)
    group by all
    having count(*) >= any_value(p.outlier_min_units)
),
deviations as (
    select w.campaign_code, w.kind, w.week_start, w.indicator_code,
           median(abs(w.value - m.median)) as raw_mad,
           greatest(median(abs(w.value - m.median)), any_value(p.outlier_min_mad)) as mad
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    join params p using (campaign_code)
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
        w.received_at,
        w.value,
        m.median as reference,
        m.median + p.outlier_k * d.mad as threshold,
        'Giá trị ' || vn_number(w.value) || ' vượt ngưỡng ' || vn_number(m.median + p.outlier_k * d.mad)
            || ' (trung vị ' || vn_number(m.median) || ' + ' || vn_number(p.outlier_k) || ' × MAD '
            || vn_number(d.mad) || ' của ' || m.units || ' đơn vị cùng loại'
            || case when d.raw_mad < d.mad then '; MAD thực bằng ' || vn_number(d.raw_mad)
                    || ', tính tối thiểu ' || vn_number(d.mad) else '' end
            || ') trong tuần '
            || wk.week_label as message
    from unit_week_values w
    join medians m using (campaign_code, kind, week_start, indicator_code)
    join deviations d using (campaign_code, kind, week_start, indicator_code)
    join params p using (campaign_code)
    join metric_weeks wk using (campaign_code, week_start)
    where w.value > m.median + p.outlier_k * d.mad
),
report_values_current as (
    select r.campaign_code, r.unit_code, r.submission_id, r.period_start, r.period_end,
           r.first_received_at, v.indicator_code, v.value, v.cumulative
    from metric_reports r
    join report_values v using (submission_id)
    where list_contains(c, r.campaign_code)
),
with_cumulative as (
    select distinct campaign_code, unit_code, indicator_code
    from report_values_current
    where cumulative is not null
),
running as (
    select
        k.*,
        sum(k.value::decimal(38,12)) over (partition by k.campaign_code, k.unit_code, k.indicator_code
                           order by k.period_start, k.period_end, k.submission_id
                           rows between unbounded preceding and current row)::double as running_total
    from report_values_current k
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
        r.first_received_at as received_at,
        r.cumulative as value,
        r.running_total as reference,
        p.cumulative_tolerance as threshold,
        case when r.running_total > 0
             then 'Lũy kế ' || vn_number(r.cumulative) || ' lệch '
                  || vn_percent(abs(r.cumulative - r.running_total) / r.running_total)
                  || ' so với tổng các báo cáo đến kỳ này (' || vn_number(r.running_total)
                  || '), quá mức cho phép ' || vn_percent(p.cumulative_tolerance)
             else 'Lũy kế ' || vn_number(r.cumulative)
                  || ' trong khi các báo cáo đến kỳ này cộng lại bằng 0'
        end as message
    from running r
    join params p using (campaign_code)
    where r.cumulative is not null
      and abs(r.cumulative - r.running_total) > p.cumulative_tolerance * r.running_total
)
select * from outliers
union all
select * from cumulatives;

create or replace view plausibility_live as
select * from plausibility_for((select list(code) from campaigns));
