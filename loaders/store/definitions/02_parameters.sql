-- Parameters and building blocks of the metric layer: metric_params, indicator_roles, the vn_*
-- formatting macros (first in 020).

-- Metric parameters of each campaign; a key missing from campaigns.params falls back to metrics.md
-- (and to the default weights of loaders/campaigns.py). outlier_min_mad (default 1) is read by
-- plausibility_for.
-- The weights and windows of the revised lagging rules (migration 080, metrics.md).
create or replace view metric_params as
select
    code as campaign_code,
    coalesce(try_cast(params->>'$.weights.reporting' as double), 3) as w_reporting,
    coalesce(try_cast(params->>'$.weights.progress' as double), 3) as w_progress,
    coalesce(try_cast(params->>'$.weights.silent_channel' as double), 2) as w_silent_channel,
    coalesce(try_cast(params->>'$.weights.sharp_drop' as double), 1) as w_sharp_drop,
    coalesce(try_cast(params->>'$.missing_weeks' as integer), 2) as missing_weeks,
    coalesce(try_cast(params->>'$.low_rate' as double), 0.75) as low_rate,
    coalesce(try_cast(params->>'$.low_rate_weeks' as integer), 4) as low_rate_weeks,
    coalesce(try_cast(params->>'$.behind_tolerance' as double), 0.15) as behind_tolerance,
    coalesce(try_cast(params->>'$.pace_weeks' as integer), 4) as pace_weeks,
    coalesce(try_cast(params->>'$.pace_ratio' as double), 0.5) as pace_ratio,
    coalesce(try_cast(params->>'$.silent_weeks' as integer), 4) as silent_weeks,
    coalesce(try_cast(params->>'$.silent_min_reported' as integer), 2) as silent_min_reported,
    coalesce(try_cast(params->>'$.drop_recent_weeks' as integer), 2) as drop_recent_weeks,
    coalesce(try_cast(params->>'$.drop_baseline_weeks' as integer), 4) as drop_baseline_weeks,
    coalesce(try_cast(params->>'$.drop_ratio' as double), 0.5) as drop_ratio,
    coalesce(try_cast(params->>'$.outlier_k' as double), 5) as outlier_k,
    coalesce(try_cast(params->>'$.outlier_min_units' as integer), 8) as outlier_min_units,
    coalesce(try_cast(params->>'$.cumulative_tolerance' as double), 0.10) as cumulative_tolerance
from campaigns;

-- "Activity" adds up the indicators that count things done (tin, bài, cuộc, buổi, cái…): not yes/no
-- flags, and not volumes in minutes, people or interactions, which would drown the counts.
create or replace view indicator_roles as
select
    code as indicator_code,
    group_code,
    is_flag,
    is_posting,
    not is_flag and uom not in ('phút', 'lượt', 'lượt người', 'người') as is_activity
from indicators;

-- Sums and means over fractional values (values spread over weeks by days, targets of days ÷ 7,
-- completion ratios) are taken over DECIMAL(38,12) and turned back into DOUBLE once:
-- sum(x::decimal(38,12))::double, avg(x::decimal(38,12)). Added as DOUBLE, the same rows give
-- results that differ in the last bit from one run to the next (DuckDB's threads add partial sums
-- in whatever order they finish), and a lagging rule comparing such a number with its threshold
-- could flip after a mere rebuild of the rollup. Decimal sums are exact, so the order does not
-- matter; 12 decimals keep every value a report can hold (DOUBLE keeps ~16 digits in all).

-- Vietnamese numbers for reason strings: 1234.5 → "1.234,5"; 0.625 → "63%".
create or replace macro vn_number1(x) as translate(format('{:,.1f}', x::double), ',.', '.,');
create or replace macro vn_integer(x) as translate(format('{:,.0f}', x::double), ',', '.');
create or replace macro vn_number(x) as
    case when x::double = round(x::double) then vn_integer(x) else vn_number1(x) end;
create or replace macro vn_percent(x) as cast(round(100 * x::double) as bigint)::varchar || '%';
-- ["a"] → "a"; ["a", "b", "c"] → "a<sep>b và c".
create or replace macro vn_join(items, sep) as
    case when len(items) <= 1 then coalesce(items[1], '')
         else array_to_string(items[1:-2], sep) || ' và ' || items[-1] end;
