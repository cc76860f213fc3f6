-- name: unclassified_wordings
-- grain: one row per wording (folded key) of the rows kept aside in current reports
-- key: wording_key
-- params: $campaign
-- columns: wording_key, label, labels, rows, waiting_rows, units, unit_names, files, uoms,
--    total_value, reason, suggestion, suggestion_name, mapping_id, mapped_to, mapped_name,
--    mapping_scope, first_received_at
-- Rows of the campaign's current reports whose wording named no indicator for sure (issue 10),
-- grouped by wording: how many rows, units and files, what units of measure, the sum of their
-- numbers, the most frequent reason and suggestion, and the mapping applied to them if any
-- (mapped_to null with a mapping: "không tính"). Waiting wordings first, most rows first.
with kept as (
    select u.*, s.received_at
    from unclassified_rows u
    join submissions s on s.id = u.submission_id and s.is_current
    where list_contains($campaign, u.campaign_code)
),

names as (
    select unit_code, max(name) as name from campaign_units
    where list_contains($campaign, campaign_code)
    group by unit_code
),

grouped as (
    select
        k.wording_key,
        mode(k.label) as label,
        list(distinct k.label order by k.label) as labels,
        count(*) as rows,
        count(*) filter (where k.mapping_id is null) as waiting_rows,
        count(distinct k.unit_code) as units,
        list(distinct coalesce(n.name, k.unit_code) order by coalesce(n.name, k.unit_code)) as unit_names,
        list(distinct k.file_name order by k.file_name) as files,
        list(distinct k.uom order by k.uom) filter (where k.uom is not null) as uoms,
        sum(k.value) as total_value,
        mode(k.reason) as reason,
        mode(k.suggestion) as suggestion,
        max(k.mapping_id) as mapping_id,
        min(k.received_at) as first_received_at
    from kept k
    left join names n on n.unit_code = k.unit_code
    group by k.wording_key
),

final as (
    select
        g.wording_key, g.label, g.labels, g.rows, g.waiting_rows, g.units, g.unit_names, g.files,
        coalesce(g.uoms, []) as uoms, g.total_value, g.reason, g.suggestion,
        si.name as suggestion_name,
        m.id as mapping_id, m.indicator_code as mapped_to, mi.name as mapped_name,
        case when m.id is null then null when m.campaign_code is null then 'all' else 'campaign' end
            as mapping_scope,
        g.first_received_at
    from grouped g
    left join indicators si on si.code = g.suggestion
    left join wording_mappings m on m.id = g.mapping_id and m.undone_at is null
    left join indicators mi on mi.code = m.indicator_code
    order by g.waiting_rows > 0 desc, g.rows desc, g.wording_key
)

select * from final
