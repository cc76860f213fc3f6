-- name: unit_contacts
-- grain: one row per reporting unit
-- key: campaign_code, unit_code
-- params: $campaign
-- columns: campaign_code, unit_code, unit_name, kind, kind_name, territorial, person, phone, email, zalo,
--    updated_at, updated_by
-- Every reporting unit of the campaign with its contact (person, phone, e-mail, Zalo) as imported or
-- edited on the Cài đặt page; null where none is known. Order of reporting_units.
with unit as (
    select * from metric_units where list_contains($campaign, campaign_code)
),

contact as (
    select * from unit_contacts where list_contains($campaign, campaign_code)
),

final as (
    select
        unit.campaign_code,
        unit.unit_code,
        unit.name as unit_name,
        unit.kind,
        unit.kind_name,
        unit.territorial,
        contact.person,
        contact.phone,
        contact.email,
        contact.zalo,
        contact.updated_at,
        contact.updated_by
    from unit
    left join contact using (campaign_code, unit_code)
    order by unit.campaign_code, unit.territorial desc, unit.kind, unit.name
)

select * from final
