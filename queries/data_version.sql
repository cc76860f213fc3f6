-- name: data_version
-- grain: one row per store
-- key: version
-- params: none
-- columns: version
-- The one change signal, "data changed at version N" (the view data_version in
-- loaders/store/definitions/01_store_views.sql: every write is audited, N is the newest audit
-- entry). The pages' caches key on it, so results stay cached between writes and a write made
-- anywhere (the app, a command-line ingest, a restore) shows at the next page view.
with final as (
    select version from data_version
)

select * from final
