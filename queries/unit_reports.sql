-- name: unit_reports
-- grain: one row per campaign week started by the as-of day
-- key: campaign_code, week_start
-- params: $campaign, $unit, $as_of
-- columns: campaign_code, unit_code, week_no, week_start, week_end, week_label, deadline, due,
--    status, status_label, received_at, submission_ids, file_names, periods, spread, activity,
--    posts, groups_active
-- One unit's weekly reports and the weeks it missed, as known by $as_of. status: on_time, late,
-- missing (deadline passed, nothing known), not_due (deadline ahead, nothing yet). spread: the
-- week's numbers come from a report covering more than one week, spread over its days.
with unit_weeks as (
    select uw.*, $as_of::timestamp as as_of
    from metric_unit_weeks uw
    where list_contains($campaign, uw.campaign_code) and uw.unit_code = $unit
      and uw.week_start <= cast($as_of::timestamp as date)
),

reports as (
    select *
    from metric_reports
    where list_contains($campaign, campaign_code) and unit_code = $unit
      and first_received_at <= $as_of::timestamp
),

week_reports as (
    select
        uw.campaign_code,
        uw.week_start,
        list(r.submission_id order by r.submission_id) as submission_ids,
        list(r.file_name order by r.submission_id) as file_names,
        string_agg(strftime(r.period_start, '%d/%m/%Y') || '–' || strftime(r.period_end, '%d/%m/%Y'),
                   '; ' order by r.period_start) as periods,
        bool_or(r.period_days > 7) as spread
    from unit_weeks uw
    join reports r
        on r.campaign_code = uw.campaign_code
        and r.period_start <= uw.week_end and r.period_end >= uw.week_start
    group by uw.campaign_code, uw.week_start
),

late as (
    select campaign_code, week_start, sum(activity) as activity, sum(posts) as posts
    from weekly_groups
    where list_contains($campaign, campaign_code) and unit_code = $unit
      and received_at > $as_of::timestamp
    group by all
),

final as (
    select
        uw.campaign_code,
        uw.unit_code,
        uw.week_no,
        uw.week_start,
        uw.week_end,
        uw.week_label,
        uw.deadline,
        uw.deadline <= uw.as_of as due,
        case when uw.received_at <= uw.as_of and uw.received_at <= uw.deadline then 'on_time'
             when uw.received_at <= uw.as_of then 'late'
             when uw.deadline <= uw.as_of then 'missing'
             else 'not_due' end as status,
        case when uw.received_at <= uw.as_of and uw.received_at <= uw.deadline then 'Đúng hạn'
             when uw.received_at <= uw.as_of then 'Nộp muộn'
             when uw.deadline <= uw.as_of then 'Chưa nộp'
             else 'Chưa đến hạn' end as status_label,
        case when uw.received_at <= uw.as_of then uw.received_at end as received_at,
        coalesce(wr.submission_ids, []) as submission_ids,
        coalesce(wr.file_names, []) as file_names,
        wr.periods,
        coalesce(wr.spread, false) as spread,
        uw.activity - coalesce(l.activity, 0) as activity,
        uw.posts - coalesce(l.posts, 0) as posts,
        len(list_filter(uw.group_first_active, lambda x: x <= uw.as_of)) as groups_active
    from unit_weeks uw
    left join week_reports wr using (campaign_code, week_start)
    left join late l using (campaign_code, week_start)
    order by uw.campaign_code, uw.week_start
)

select * from final
