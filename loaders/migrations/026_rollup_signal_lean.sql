-- 026: the per-query freshness signal reads two tables instead of four (about 1 ms less on every
-- query). Reports and campaign rows (loaded_at changes on every load, params on every settings
-- edit) stay in it; phase and task edits come only from the settings page, which refreshes the
-- rollup itself (loaders/settings_edit.py), and the per-campaign fingerprints (020) still cover
-- them whenever the signal moves.
create or replace view rollup_signal as
select hash(
    count(*), max(id), sum(id) filter (where is_current), sum(epoch_us(received_at)),
    (select sum(hash(code, loaded_at, params::varchar, start_date, end_date, week_start,
                     deadline_days, deadline_hour)) from campaigns)
) as signal
from submissions;
