-- 029: the outlier check (metrics.md: value > median + outlier_k × MAD) takes the MAD as at least
-- outlier_min_mad (campaign params; default 1). The values are counts of things: where more than
-- half the units report the same number (often 0) the MAD is 0 and the literal rule flagged every
-- unit above the median, e.g. "1 post where the median is 0" — two thirds of the flags on the demo
-- data. A spread under one item says nothing about a count; a real outlier (40 where the median is
-- 0) is still flagged. The message says when the floor applied. Otherwise as in 025.
--
-- Also: the rollup's fingerprints and signal now include the schema version, so that a migration
-- changing how the rollup is computed (this one, and any later one) rebuilds it at the next query.
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
           sum(v.value) as value, max(v.received_at) as received_at,
           array_distinct(list(v.submission_id)) as submission_ids
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
        sum(k.value) over (partition by k.campaign_code, k.unit_code, k.indicator_code
                           order by k.period_start, k.period_end, k.submission_id
                           rows between unbounded preceding and current row) as running_total
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

create or replace macro rollup_fingerprints(c) as table
with scope as (
    select * exclude (loaded_at) from campaigns where code in (select unnest(c))
),
reports as (
    select campaign_code, count(*) as n, max(id) as max_id,
           sum(id) filter (where is_current) as current_ids,
           sum(epoch_us(received_at)) as arrivals
    from submissions
    where campaign_code in (select unnest(c))
    group by campaign_code
),
definitions as (
    select campaign_code, sum(h) as h
    from (
        select campaign_code, hash(number, name, start_date, end_date) as h from phases
        union all
        select campaign_code, hash(kind, name) from reporting_kinds
        union all
        select campaign_code, hash(code, name, kind) from org_units
        union all
        select campaign_code, hash(unit_kind, group_code, indicator_code, min_per_week, min_per_phase)
        from tasks
    )
    where campaign_code in (select unnest(c))
    group by campaign_code
),
catalogs as (
    select (select count(*) from units) as n_units,
           (select count(*) from unit_history) as n_history,
           (select sum(hash(code, group_code, is_flag, is_posting, uom)) from indicators) as h_indicators,
           (select max(version) from schema_migrations) as schema_version
)
select
    s.code as campaign_code,
    hash(hash(s), r.n, r.max_id, r.current_ids, r.arrivals, d.h, k.n_units, k.n_history,
         k.h_indicators, k.schema_version) as fingerprint
from scope s
left join reports r on r.campaign_code = s.code
left join definitions d on d.campaign_code = s.code
cross join catalogs k;

create or replace view rollup_signal as
select hash(
    count(*), max(id), sum(id) filter (where is_current), sum(epoch_us(received_at)),
    (select sum(hash(code, loaded_at, params::varchar, start_date, end_date, week_start,
                     deadline_days, deadline_hour)) from campaigns),
    (select max(version) from schema_migrations)
) as signal
from submissions;
