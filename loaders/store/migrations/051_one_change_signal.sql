-- 051: one change signal. The view rollup_signal (a hash of reports and campaign rows that every
-- read checked to rebuild the rollup on the spot) is gone: reads never write. Writers refresh the
-- rollup in or right after their transaction, and the one signal of "data changed at version N" is
-- the view data_version (loaders/store/definitions/01_store_views.sql), which the pages' caches key
-- on and the rollup remembers (rollup_state, campaign_code '*').
drop view if exists rollup_signal;
